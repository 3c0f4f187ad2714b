"""The history rules: what the applicant declares about the past, checked against the records.

For a proposal of program year Y (民國): last year's rosters (Y − 1) for the declared coaching,
A類's 20% share and B類's cluster and replacement share; the rosters of the last three years
for new members; the barred units (柒、六(2)). A rule whose records are missing lapses, and one
HIST-UNAVAILABLE finding says which checks could not be made and why.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from clusterbook.findings import Finding, finding
from clusterbook.workbook import a1
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.spec import Program, load_program

RULES = (
    "HIST-DECLARED-COACHED",
    "HIST-COACHED-NOT-FOUND",
    "HIST-NEW-RECENT",
    "HIST-B-NOT-FOUND",
    "HIST-REPLACEMENT",
    "HIST-PRIOR-COUNT",
    "HIST-A-COACHED",
    "HIST-BANNED",
    "HIST-UNAVAILABLE",
)
YES = "有"
B_CLASS = "B類"


@dataclass
class Member:
    pos: int
    name: str
    ubn: str | None
    role: str | None
    coached: bool
    original: bool


@dataclass
class Subject:
    """What the history rules need of one submission."""

    sid: int
    program: Program
    year: int
    category: str | None
    unit_ubn: str | None
    date: dt.date | None
    prior_members: int | None
    members: list[Member] = field(default_factory=list)

    @property
    def leader(self) -> Member | None:
        role = self.program.params["leader_role"]
        return next((m for m in self.members if m.role == role), None)


def subject(conn: sqlite3.Connection, sid: int) -> Subject:
    """A submission as the register holds it."""
    program, year = conn.execute(
        "SELECT program, year FROM submissions WHERE id = ?", (sid,)
    ).fetchone()
    columns = {r[1] for r in conn.execute("PRAGMA table_info(proposals)")}
    wanted = ("category", "unit_ubn", "date", "prior_members")
    picked = ", ".join(c if c in columns else "NULL" for c in wanted)
    row = conn.execute(f"SELECT {picked} FROM proposals WHERE submission_id = ?", (sid,)).fetchone()
    category, unit_ubn, date, prior = row or (None, None, None, None)
    s = Subject(
        sid,
        load_program(program),
        int(year),
        category,
        unit_ubn,
        dt.date.fromisoformat(date) if date else None,
        int(prior) if prior is not None else None,
    )
    mcols = {r[1] for r in conn.execute("PRAGMA table_info(members)")}
    if not mcols:
        return s
    wanted = ("pos", "name", "ubn", "role", "coached_last_year", "original_member")
    picked = ", ".join(c if c in mcols else "NULL" for c in wanted)
    for pos, name, ubn, role, coached, original in conn.execute(
        f"SELECT {picked} FROM members WHERE submission_id = ? ORDER BY pos", (sid,)
    ):
        if name:
            s.members.append(Member(pos, name, ubn, role, coached == YES, original == YES))
    return s


def history_check(conn: sqlite3.Connection, sid: int) -> list[tuple[int, Finding, None]]:
    """Store the history findings of one submission (its earlier ones are replaced)."""
    conn.execute("DELETE FROM findings WHERE submission_id = ? AND rule LIKE 'HIST-%'", (sid,))
    found = [(sid, f, None) for f in HistoryRules(conn, subject(conn, sid)).findings()]
    conn.executemany(
        "INSERT INTO findings (submission_id, rule, severity, sheet, cell, message, value, field)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (sid, f.rule, f.severity, f.sheet, f.cell, f.message, _text(f.value), f.field)
            for _, f, _ in found
        ],
    )
    return found


def _text(value) -> str | None:
    return None if value is None else str(value)


class HistoryRules:
    def __init__(self, conn: sqlite3.Connection, s: Subject) -> None:
        self.conn, self.s = conn, s
        self.layout = build_layout(s.program.id)
        self.history = _history(s.program)
        self.out: list[Finding] = []
        self.missing: list[str] = []

    # -- records ------------------------------------------------------------------------------
    def _years(self) -> set[int]:
        return {y for (y,) in self.conn.execute("SELECT DISTINCT year FROM history_rosters")}

    def _hits(self, years: list[int]) -> dict[str, list[tuple[int, str]]]:
        """By member 統一編號: the (year, cluster) of every roster row of those years."""
        ubns = [m.ubn for m in self.s.members if m.ubn]
        if not ubns or not years:
            return {}
        out: dict[str, list[tuple[int, str]]] = {}
        marks, ymarks = ",".join("?" * len(ubns)), ",".join("?" * len(years))
        for ubn, year, cluster in self.conn.execute(
            f"SELECT ubn, year, cluster_name FROM history_rosters"
            f" WHERE ubn IN ({marks}) AND year IN ({ymarks}) ORDER BY year DESC, cluster_name",
            [*ubns, *years],
        ):
            out.setdefault(ubn, []).append((year, cluster))
        return out

    # -- findings ----------------------------------------------------------------------------
    def add(self, rule: str, fid: str | None, pos: int | None = None, **params) -> None:
        sheet = cell = ""
        if fid is not None:
            ref = self.layout.fields[fid]
            r, c = (ref.first_row, ref.first_col) if pos is None else ref.cell_at(pos)
            sheet, cell = ref.sheet, a1.cell(r, c)
        self.out.append(
            finding(self.s.program, rule, sheet=sheet, cell=cell, field=fid or "", **params)
        )

    def findings(self) -> list[Finding]:
        s = self.s
        last = s.year - 1
        window = list(range(s.year - self.history["years_back"], s.year))
        available = self._years()
        hits = self._hits([y for y in window if y in available])
        if last in available:
            self._declared(hits, last)
            if s.category == B_CLASS:
                self._b_class(hits, last)
            else:
                self._a_class(hits, last)
        else:
            self.missing.append(f"{last}年度輔導名單（前一年受輔導申報、A類20%、B類原群聚）")
        gaps = [y for y in window if y not in available and y != last]
        if gaps:
            years = "、".join(str(y) for y in gaps)
            self.missing.append(f"{years}年度輔導名單（新成員三年內受輔導紀錄）")
        self._banned()
        if self.missing:
            name = self.conn.execute(
                "SELECT cluster_name FROM submissions WHERE id = ?", (s.sid,)
            ).fetchone()[0]
            self.add(
                "HIST-UNAVAILABLE",
                None,
                what=f"{name or '本提案'}的輔導紀錄核對",
                missing="、".join(self.missing),
            )
        return self.out

    def _declared(self, hits, last: int) -> None:
        for m in self.s.members:
            on_roster = [c for y, c in hits.get(m.ubn or "", []) if y == last]
            if on_roster and not m.coached:
                self.add(
                    "HIST-DECLARED-COACHED",
                    "members.coached_last_year",
                    m.pos,
                    value=m.ubn,
                    name=m.name,
                    record=_record(last, on_roster[0]),
                )
            elif m.coached and not on_roster:
                self.add(
                    "HIST-COACHED-NOT-FOUND",
                    "members.coached_last_year",
                    m.pos,
                    value=m.ubn,
                    name=m.name,
                    year=last,
                )

    def _a_class(self, hits, last: int) -> None:
        params = self.s.program.params
        members = self.s.members
        coached = [m for m in members if any(y == last for y, _ in hits.get(m.ubn or "", []))]
        limit = params["coached_last_year_ratio_max"]
        if members and len(coached) / len(members) > limit:
            self.add(
                "HIST-A-COACHED",
                "panel.coached.current",
                year=last,
                count=len(coached),
                names="、".join(m.name for m in coached),
                ratio=f"{len(coached) / len(members):.0%}",
                limit=f"{limit:.0%}",
            )
        for m in members:
            if m not in coached:
                self._recent(m, hits, "非前一年受輔導之成員（A類至多20%可為前一年受輔導者）")

    def _b_class(self, hits, last: int) -> None:
        params = self.s.program.params
        match = self._prior_cluster(hits, last)
        if match is None:
            self.add("HIST-B-NOT-FOUND", "proposal.category", value=B_CLASS, year=last)
            for m in self.s.members:
                self._recent(m, hits, "為B類新增成員")
            return
        cluster, roster = match
        ubns = {m.ubn for m in self.s.members}
        kept = len(roster & ubns)
        ratio = (len(roster) - kept) / len(roster)
        limit = params["replacement_ratio_max"]
        record = _record(last, cluster)
        if ratio > limit:
            self.add(
                "HIST-REPLACEMENT",
                "proposal.prior_members",
                value=self.s.prior_members,
                record=record,
                prior=len(roster),
                kept=kept,
                ratio=f"{ratio:.0%}",
                limit=f"{limit:.0%}",
            )
        if self.s.prior_members is not None and self.s.prior_members != len(roster):
            self.add(
                "HIST-PRIOR-COUNT",
                "proposal.prior_members",
                value=self.s.prior_members,
                record=record,
                prior=len(roster),
            )
        for m in self.s.members:
            if m.ubn not in roster:
                self._recent(m, hits, f"為B類新增成員（不在{record}）")

    def _prior_cluster(self, hits, last: int) -> tuple[str, set[str]] | None:
        """Last year's cluster this one continues: the one its leader led, or the one with at
        least half of its members here (the one with most members here)."""
        counts: dict[str, int] = {}
        for m in self.s.members:
            for y, cluster in hits.get(m.ubn or "", []):
                if y == last:
                    counts[cluster] = counts.get(cluster, 0) + 1
        leader = self.s.leader
        best = None
        for cluster, here in sorted(counts.items(), key=lambda kv: -kv[1]):
            rows = self.conn.execute(
                "SELECT ubn, role FROM history_rosters WHERE year = ? AND cluster_name = ?",
                (last, cluster),
            ).fetchall()
            roster = {u for u, _ in rows}
            led = leader is not None and any(
                u == leader.ubn and r == self.history["roster"]["leader_role"] for u, r in rows
            )
            if led or 2 * here >= len(roster):
                best = (cluster, roster)
                break
        return best

    def _recent(self, m: Member, hits, role: str) -> None:
        if hits.get(m.ubn or ""):
            year, cluster = hits[m.ubn][0]
            self.add(
                "HIST-NEW-RECENT",
                "members.name",
                m.pos,
                value=m.ubn,
                name=m.name,
                role=role,
                record=_record(year, cluster),
            )

    def _banned(self) -> None:
        s = self.s
        if not self.conn.execute("SELECT 1 FROM history_banned LIMIT 1").fetchone():
            self.missing.append("停權名單（柒、六(2) 二年內不得申請）")
            return
        if not s.unit_ubn:
            return
        day = s.date or _deadline(s.program, s.category)
        years = self.history["ban_years"]
        for date, name, reason in self.conn.execute(
            "SELECT date, name, reason FROM history_banned WHERE ubn = ? ORDER BY date DESC",
            (s.unit_ubn,),
        ):
            start = dt.date.fromisoformat(date)
            until = _add_years(start, years)
            if start <= day < until:
                self.add(
                    "HIST-BANNED",
                    "unit.ubn",
                    value=s.unit_ubn,
                    date=_roc(start),
                    reason=reason or name or "停權",
                    until=_roc(until),
                )
                return


def _record(year: int, cluster: str) -> str:
    return f"{year}年度輔導名單「{cluster}」"


def _history(program: Program) -> dict:
    from clusterbook.history.records import history_spec

    return history_spec(program.id)


def _deadline(program: Program, category: str | None) -> dt.date:
    deadlines = program.params["deadlines"]
    value = deadlines.get(category) or max(deadlines.values())
    return dt.datetime.fromisoformat(str(value)).date()


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 2 月 29 日
        return day.replace(year=day.year + years, day=28)


def _roc(day: dt.date) -> str:
    return f"{day.year - 1911}/{day.month:02d}/{day.day:02d}"
