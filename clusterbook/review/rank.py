"""Rank a class's proposals from its reviewers' scores, by 序位法 or 總分法 (pure, exact).

Weighted totals are whole hundredths of a point; means, medians and average ranks are
Fractions, so a tie is a tie and never an accident of floating point. Only complete rows count:
a 迴避 row, a row with a missing or invalid score and a reviewer without a row for the proposal
leave the proposal to the reviewers who did score it.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from clusterbook.review.read import ScoreRow
from clusterbook.review.slate import Case, Slate
from clusterbook.review.spec import ReviewSpec

SCORED, RECUSED, INCOMPLETE, ABSENT = "scored", "recused", "incomplete", "absent"


def weighted_total(scores: Mapping[str, int | None], weights: Mapping[str, int]) -> int | None:
    """Σ score × weight in hundredths of a point (8385 is 83.85); None when a score is missing."""
    if any(scores.get(c) is None for c in weights):
        return None
    return sum(int(scores[c]) * w for c, w in weights.items())


def own_ranks(totals: Mapping[str, int], how: str = "min") -> dict[str, Fraction]:
    """A reviewer's ranks of the proposals by total, highest first: ``min`` gives equal totals
    the same rank and skips the next (1, 2, 2, 4); ``average`` gives them their mean place."""
    out = {}
    values = list(totals.values())
    for key, t in totals.items():
        higher = sum(v > t for v in values)
        equal = sum(v == t for v in values)
        out[key] = Fraction(1 + higher) + (Fraction(equal - 1, 2) if how == "average" else 0)
    return out


def reviewer_marks(
    rows: list[ScoreRow], weights: Mapping[str, int], how: str
) -> dict[str, tuple[int, Fraction]]:
    """A reviewer's complete rows on the slate: proposal key → (total, own rank)."""
    totals = {}
    for r in rows:
        if r.complete and r.key is not None:
            t = weighted_total(r.scores, weights)
            if t is not None:
                totals[r.key] = t
    ranks = own_ranks(totals, how)
    return {k: (t, ranks[k]) for k, t in totals.items()}


@dataclass
class Entry:
    """One reviewer's mark on one proposal."""

    state: str
    total: int | None = None
    rank: Fraction | None = None
    scores: dict[str, int | None] = field(default_factory=dict)
    comment: str | None = None


@dataclass
class Standing:
    """One proposal's aggregate and its place in the final order."""

    case: Case
    entries: dict[str, Entry]
    totals: list[int] = field(default_factory=list)
    ranks: list[Fraction] = field(default_factory=list)
    bonus: int = 0
    top_mean: Fraction | None = None
    divergent: list[str] = field(default_factory=list)
    place: int | None = None
    tie: bool = False
    """Equal on every key the method breaks ties by: a draw (抽籤) decides, not clusterbook."""
    tie_note: str = ""
    cumulative: int | None = None
    funded: bool | None = None
    line_tie: bool = False
    """A tie that straddles the funding line."""

    @property
    def scorers(self) -> int:
        return len(self.totals)

    @property
    def mean_total(self) -> Fraction | None:
        return Fraction(sum(self.totals), 100 * len(self.totals)) if self.totals else None

    @property
    def median(self) -> Fraction | None:
        return Fraction(statistics.median(self.totals)) / 100 if self.totals else None

    @property
    def spread(self) -> Fraction | None:
        return Fraction(max(self.totals) - min(self.totals), 100) if self.totals else None

    @property
    def rank_sum(self) -> Fraction | None:
        return sum(self.ranks, Fraction(0)) if self.ranks else None

    @property
    def mean_rank(self) -> Fraction | None:
        return self.rank_sum / len(self.ranks) if self.ranks else None

    @property
    def first_places(self) -> int:
        return sum(r == 1 for r in self.ranks)

    @property
    def method_score(self) -> Fraction | None:
        """總分法: the mean weighted total plus the bonus points."""
        return None if self.mean_total is None else self.mean_total + self.bonus


@dataclass
class ClassResult:
    category: str
    method: str
    reviewers: list[str]
    standings: list[Standing]
    """In final order; proposals nobody scored last, without a place."""
    budget: int | None = None
    sources: dict[str, str] = field(default_factory=dict)
    """Reviewer → the source of the sheet the result used."""


def bonus_points(spec: ReviewSpec, case: Case) -> int:
    points = sum(p for k, p in spec.bonus_points.items() if case.bonus.get(k))
    return min(points, spec.bonus_cap)


def rank_class(
    spec: ReviewSpec,
    slate: Slate,
    marks: Mapping[str, list[ScoreRow]],
    method: str,
    budget: int | None = None,
) -> ClassResult:
    """The final order of a class's slate from each reviewer's rows (reviewer → rows)."""
    if method not in spec.methods:
        raise ValueError(f"評選方式只有 {'、'.join(spec.methods)}，收到 {method!r}")
    weights = spec.weights(slate.category)
    top = spec.top_criterion(slate.category).id
    threshold = Fraction(str(spec.divergence)) * 100
    reviewers = list(marks)
    listed = {c.key for c in slate.cases}
    marks = {name: [r for r in rows if r.key in listed] for name, rows in marks.items()}
    own = {name: reviewer_marks(rows, weights, spec.own_rank) for name, rows in marks.items()}
    standings = []
    for case in slate.cases:
        entries = {}
        for name, rows in marks.items():
            row = next((r for r in rows if r.key == case.key), None)
            if case.key in own[name]:
                total, rank = own[name][case.key]
                entries[name] = Entry(SCORED, total, rank, dict(row.scores), row.comment)
            elif row is None:
                entries[name] = Entry(ABSENT)
            else:
                state = RECUSED if row.recused else INCOMPLETE
                entries[name] = Entry(state, scores=dict(row.scores), comment=row.comment)
        s = Standing(case, entries, bonus=bonus_points(spec, case))
        scored = [e for e in entries.values() if e.state == SCORED]
        s.totals = [e.total for e in scored]
        s.ranks = [e.rank for e in scored]
        if scored:
            s.top_mean = Fraction(sum(e.scores[top] for e in scored), len(scored))
            median = Fraction(statistics.median(s.totals))
            s.divergent = [
                name
                for name, e in entries.items()
                if e.state == SCORED and abs(e.total - median) > threshold
            ]
        standings.append(s)
    ordered = _order(spec, slate.category, method, standings)
    result = ClassResult(slate.category, method, reviewers, ordered, budget)
    if budget is not None:
        _funding(ordered, budget)
    return result


def _primary(method: str, s: Standing) -> Fraction:
    return s.mean_rank if method == "序位法" else -s.method_score


_KEYS = {
    "first_places": lambda s: -s.first_places,
    "mean_total": lambda s: -s.mean_total,
    "top_criterion": lambda s: -s.top_mean,
}


def _order(
    spec: ReviewSpec, category: str, method: str, standings: list[Standing]
) -> list[Standing]:
    breaks = [t for t in spec.methods[method].tie_breaks if t != "lot"]
    placed = [s for s in standings if s.scorers]
    unplaced = [s for s in standings if not s.scorers]

    def full(s: Standing) -> tuple:
        return (_primary(method, s), *(_KEYS[t](s) for t in breaks))

    placed.sort(key=lambda s: (full(s), s.case.case))
    for i, s in enumerate(placed):
        same = i and full(placed[i - 1]) == full(s)
        s.place = placed[i - 1].place if same else i + 1
    primary_label = spec.labels["columns"]["mean_rank" if method == "序位法" else "method_score"]
    groups: dict[Fraction, list[Standing]] = {}
    for s in placed:
        groups.setdefault(_primary(method, s), []).append(s)
    for value, group in groups.items():
        if len(group) < 2:
            continue
        used = []
        for t in breaks:
            used.append(t)
            if len({full(s)[: len(used) + 1] for s in group}) == len(group):
                break
        shown = f"{float(abs(value)):.2f}"
        note = f"{primary_label}同為 {shown}"
        if used:
            note += "，依" + "、".join(spec.tie_break_label(t, category) for t in used)
        for s in group:
            twins = [o.case.case for o in group if o is not s and full(o) == full(s)]
            s.tie = bool(twins)
            s.tie_note = note + (f"；與 {'、'.join(twins)} 仍相同，須抽籤" if twins else "")
    return placed + unplaced


def _funding(ordered: list[Standing], budget: int) -> None:
    """Cumulative requested budget down the order; the line falls before the first proposal
    that no longer fits (those after it are below the line too)."""
    total, open_ = 0, True
    for s in ordered:
        if s.place is None:
            continue
        total += s.case.budget_total or 0
        s.cumulative = total
        open_ = open_ and total <= budget
        s.funded = open_
    by_place: dict[int, list[Standing]] = {}
    for s in ordered:
        if s.place is not None:
            by_place.setdefault(s.place, []).append(s)
    for group in by_place.values():
        if len({s.funded for s in group}) > 1:
            for s in group:
                s.line_tie = True
