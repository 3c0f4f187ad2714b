"""Read a filled scoring workbook back through its ``_meta`` field map and check it.

``read_review(raw, state)`` never raises for bad input: every problem is a REVIEW-* finding
(rules.yaml) located on its sheet and cell. The workbook's own arithmetic is never used: the
scores are read and the weighted totals and ranks recomputed (:mod:`clusterbook.review.rank`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from clusterbook.checks.formulas import normalize_formula
from clusterbook.findings import Collector, finding
from clusterbook.importers.fieldmap import NotATemplate, read_field_map
from clusterbook.importers.normalize import NormalizeError, clean_choice, clean_int, clean_text
from clusterbook.importers.rawbook import RawBook
from clusterbook.report import Report
from clusterbook.review.layout import CASE_PREFIX, REVISION_PREFIX, row_formulas
from clusterbook.review.slate import Slate, slates
from clusterbook.review.spec import ReviewSpec, load_review
from clusterbook.workbook.programs import DEFAULT_PROGRAM, SpecError, available_programs
from clusterbook.workbook.spec import load_program

RULES = (
    "REVIEW-TEMPLATE",
    "REVIEW-OTHER-REGISTER",
    "REVIEW-OTHER-YEAR",
    "REVIEW-OTHER-CLASS",
    "REVIEW-EMPTY",
    "REVIEW-REGISTER-CHANGED",
    "REVIEW-PROPOSAL-UNLISTED",
    "REVIEW-SPEC-CHANGED",
    "REVIEW-UNKNOWN-PROPOSAL",
    "REVIEW-SCORE-MISSING",
    "REVIEW-SCORE-RANGE",
    "REVIEW-SCORE-RECUSED",
    "REVIEW-CONFLICT-VALUE",
    "REVIEW-FORMULA",
    "REVIEW-REVISION",
)
"""The rules of reading a scoring workbook back (REVIEW-REVISION is added when it is stored)."""


@dataclass
class ScoreRow:
    """One proposal row of a reviewer's sheet, as read."""

    case: str
    key: str | None
    """The proposal key (None: the 案號 is not in the workbook's own list)."""
    submission_id: int | None
    """The proposal's current submission in the register (None: not on the class's slate)."""
    recused: bool
    scores: dict[str, int | None]
    """Criterion id → a valid score, or None (blank or invalid)."""
    comment: str | None = None
    valid: bool = True
    """No finding of severity error on the row: it counts (unless recused)."""
    typed: bool = True
    """Something was entered: a score or 迴避."""

    @property
    def complete(self) -> bool:
        return (
            self.valid
            and not self.recused
            and self.submission_id is not None
            and all(v is not None for v in self.scores.values())
        )


@dataclass
class ReviewSheet:
    source: str
    program: str
    year: int
    category: str
    reviewer: str
    fingerprint: str
    spec_hash: str
    seat: int = 0
    """The reviewer's place in the committee (the order of ``review sheets --reviewer``)."""
    rows: list[ScoreRow] = field(default_factory=list)

    @property
    def key(self) -> str:
        """One reviewer's sheet of one class and year: imports of it are its revisions."""
        return f"{self.year}|{self.category}|{self.reviewer}"

    @property
    def digest(self) -> str:
        """The content read (identity and every row), so re-saving the same scores in another
        program changes nothing."""
        rows = [(r.case, r.recused, sorted(r.scores.items()), r.comment) for r in self.rows]
        body = json.dumps([self.key, rows], ensure_ascii=False, default=str)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class ReviewReport(Report):
    sheet: ReviewSheet | None = None


@dataclass
class RegisterState:
    """What a scoring workbook is checked against: the register's proposals of one year."""

    year: int | None
    proposals: dict[str, dict[str, Any]]
    """Proposal key → its current category, status, revision and cluster name."""
    slates: dict[str, Slate]


def register_state(frames: dict, spec: ReviewSpec) -> RegisterState:
    """The register's current proposals (of the year ``frames`` were loaded for)."""
    props = frames.get("proposals")
    if props is None or props.empty:
        return RegisterState(None, {}, {})
    subs = frames["submissions"][["id", "proposal_key"]].rename(columns={"id": "submission_id"})
    table = props.merge(subs, on="submission_id", how="left")
    proposals = {
        r["proposal_key"]: {
            "category": r["category"],
            "status": r["status"],
            "revision": int(r["revision"]),
            "cluster_name": r["cluster_name"],
        }
        for _, r in table.iterrows()
    }
    year = int(table["year"].max())
    return RegisterState(year, proposals, {s.category: s for s in slates(frames, spec)})


def read_review(raw: RawBook, state: RegisterState, *, category: str | None = None) -> ReviewReport:
    """Read and check one scoring workbook against the register's current state."""
    source = raw.source
    try:
        fmap = read_field_map(raw)
    except NotATemplate as exc:
        return unusable(source, "REVIEW-TEMPLATE", reason=str(exc))
    meta = fmap.meta
    program_id = meta.get("program", "")
    if program_id not in available_programs():
        return unusable(source, "REVIEW-TEMPLATE", reason=f"未知的提案規格 {program_id!r}")
    try:
        spec = load_review(program_id)
    except SpecError as exc:
        return unusable(source, "REVIEW-TEMPLATE", reason=str(exc))
    if meta.get("template_id") != spec.template_id:
        return unusable(source, "REVIEW-TEMPLATE", reason="活頁簿不是評分表（可能是提案活頁簿）")
    missing = sorted({ref.sheet for ref in fmap.refs.values()} - set(raw.titles))
    if missing:
        reason = f"欄位對照表所列的工作表「{'」「'.join(missing)}」不存在（可能被刪除或更名）"
        return unusable(source, "REVIEW-TEMPLATE", reason=reason)
    cat, reviewer = meta.get("category", ""), meta.get("reviewer", "")
    lacking = [c.label for c in spec.criteria if f"review.score.{c.id}" not in fmap.refs]
    if cat not in spec.classes or not reviewer or lacking or "review.case" not in fmap.refs:
        what = f"缺少評分項目「{'、'.join(lacking)}」" if lacking else "缺少類別、委員或案號"
        return unusable(source, "REVIEW-TEMPLATE", reason=f"欄位對照表{what}")
    year = int(meta.get("year") or 0)
    if state.year is not None and year != state.year:
        return unusable(source, "REVIEW-OTHER-YEAR", found=year, expected=state.year)
    if category and cat != category:
        return unusable(source, "REVIEW-OTHER-CLASS", found=cat, expected=category)
    cases = {k[len(CASE_PREFIX) :]: v for k, v in meta.items() if k.startswith(CASE_PREFIX)}
    if not any(key in state.proposals for key in cases.values()):
        names = "、".join(k.rsplit("|", 1)[-1] for k in list(cases.values())[:3])
        return unusable(source, "REVIEW-OTHER-REGISTER", count=len(cases), names=names)
    out = Collector(spec.program, fmap.refs, source)
    seat = meta.get("seat", "")
    sheet = ReviewSheet(
        source,
        program_id,
        year,
        cat,
        reviewer,
        meta.get("register", ""),
        meta.get("spec_hash", ""),
        int(seat) if seat.isdigit() else 0,
    )
    same_spec = sheet.spec_hash == spec.spec_hash
    if not same_spec:
        out.add("REVIEW-SPEC-CHANGED", found=sheet.spec_hash[:12], expected=spec.spec_hash[:12])
    slate = state.slates.get(cat) or Slate(program_id, year, cat, ())
    _register_changes(sheet, slate, cases, meta, state, out)
    if raw.notes:
        out.add("FILE-ACTIVE-CONTENT", what="、".join(raw.notes))
    _rows(raw, fmap.refs, spec, sheet, cases, slate, state, out, same_spec)
    if not any(r.typed for r in sheet.rows):
        return unusable(source, "REVIEW-EMPTY", reviewer=reviewer, category=cat)
    return ReviewReport(source, out.items, sheet=sheet)


def _register_changes(sheet, slate: Slate, cases, meta, state: RegisterState, out) -> None:
    """REVIEW-REGISTER-CHANGED (a listed proposal has a newer revision) and
    REVIEW-PROPOSAL-UNLISTED (an eligible proposal of the class is not on the sheet)."""
    if sheet.fingerprint == slate.fingerprint:
        return
    revised = []
    for case, key in cases.items():
        now = state.proposals.get(key)
        then = meta.get(REVISION_PREFIX + case)
        if now is not None and then and str(now["revision"]) != then:
            revised.append(f"{case}「{now['cluster_name']}」已有第 {now['revision']} 版")
    if revised:
        out.add("REVIEW-REGISTER-CHANGED", what="、".join(revised))
    listed = set(cases.values())
    unlisted = [c.cluster_name for c in slate.cases if c.key not in listed]
    if unlisted:
        out.add(
            "REVIEW-PROPOSAL-UNLISTED",
            count=len(unlisted),
            category=sheet.category,
            names="、".join(unlisted),
        )


def _rows(raw, refs, spec: ReviewSpec, sheet: ReviewSheet, cases, slate, state, out, same_spec):
    on_slate = slate.by_key()
    case_ref = refs["review.case"]
    data = raw.sheet(case_ref.sheet)
    index = {fid: ref.first_col for fid, ref in refs.items()}
    rows = (case_ref.first_row, case_ref.last_row)
    for i, r in enumerate(range(case_ref.first_row, case_ref.last_row + 1)):

        def cell(fid: str, row: int = r) -> Any:
            """What was typed: a formula's text, never its result (nothing is evaluated)."""
            if fid not in refs:
                return None
            value, formula = data.cells.get((row, refs[fid].first_col), (None, None))
            return formula if formula is not None else value

        case = str(clean_text(cell("review.case")).value or "")
        key = cases.get(case)
        name = state.proposals.get(key, {}).get("cluster_name") or cell("review.cluster_name") or ""
        ctx = {"case": case or "（空白）", "name": name}
        hit = on_slate.get(key) if key else None
        row = ScoreRow(case, key, hit.submission_id if hit else None, False, {})
        if hit is None:
            out.at(
                "REVIEW-UNKNOWN-PROPOSAL",
                "review.case",
                i,
                value=case,
                reason=_why(key, sheet, state),
                **ctx,
            )
            row.valid = False
        try:
            conflict = clean_choice(cell("review.conflict"), spec.conflict).value
        except NormalizeError:
            out.at(
                "REVIEW-CONFLICT-VALUE",
                "review.conflict",
                i,
                value=cell("review.conflict"),
                choices="、".join(spec.conflict.values),
                **ctx,
            )
            row.valid, conflict = False, None
        row.recused = conflict == spec.recused
        typed = {c.id: cell(f"review.score.{c.id}") for c in spec.criteria}
        blank = all(clean_text(v).value is None for v in typed.values())
        if blank and not row.recused:  # one finding for a row left empty, not one per score
            first = spec.criteria[0]
            bounds = {"min": spec.score_min, "max": spec.score_max, "label": "各評分項目"}
            out.at("REVIEW-SCORE-MISSING", f"review.score.{first.id}", i, **bounds, **ctx)
            row.scores, row.valid = dict.fromkeys(typed), False
        else:
            for c in spec.criteria:
                fid = f"review.score.{c.id}"
                row.scores[c.id] = _score(spec, typed[c.id], row, out, fid, i, c.label, ctx)
        row.typed = not blank or row.recused
        comment = clean_text(cell("review.comment")).value
        row.comment = None if comment is None else str(comment)
        if same_spec:
            _formulas(data, refs, index, spec, r, rows, out, i)
        sheet.rows.append(row)


def _score(spec, raw, row: ScoreRow, out, fid, i, label, ctx) -> int | None:
    bounds = {"min": spec.score_min, "max": spec.score_max, "label": label}
    if row.recused:
        if raw is not None and clean_text(raw).value is not None:
            out.at("REVIEW-SCORE-RECUSED", fid, i, value=raw, **bounds, **ctx)
            row.valid = False
        return None
    try:
        value = clean_int(raw, allow_wan=False).value
    except NormalizeError as exc:
        out.at("REVIEW-SCORE-RANGE", fid, i, value=raw, reason=exc.reason, **bounds, **ctx)
        row.valid = False
        return None
    if value is None:
        out.at("REVIEW-SCORE-MISSING", fid, i, **bounds, **ctx)
        row.valid = False
        return None
    if not spec.score_min <= value <= spec.score_max:
        reason = f"超出 {spec.score_min}–{spec.score_max} 分"
        out.at("REVIEW-SCORE-RANGE", fid, i, value=raw, reason=reason, **bounds, **ctx)
        row.valid = False
        return None
    return int(value)


def _formulas(data, refs, index, spec, r, rows, out, i) -> None:
    """REVIEW-FORMULA: the weighted total and own rank must still be the sheet's formulas."""
    total, rank = row_formulas(spec, index, r, rows)
    for fid, formula in (("review.weighted_total", total), ("review.rank", rank)):
        ref = refs.get(fid)
        if ref is None:
            continue
        value, found = data.cells.get((r, ref.first_col), (None, None))
        if found is None or normalize_formula(found) != normalize_formula(formula):
            out.at("REVIEW-FORMULA", fid, i, value=value)


def _why(key: str | None, sheet: ReviewSheet, state: RegisterState) -> str:
    now = state.proposals.get(key) if key else None
    if key is None:
        return "不在評分表的案號對照表中"
    if now is None:
        return "不在此總表中"
    if now["category"] != sheet.category:
        return f"在總表中已改為{now['category']}"
    return f"在總表中為「{now['status']}」"


def unusable(source: str, rule: str, **params: Any) -> ReviewReport:
    program = load_program(DEFAULT_PROGRAM)
    return ReviewReport(source, [finding(program, rule, file=source, **params)])
