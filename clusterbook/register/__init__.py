"""The master register: import checked proposals, query the current revisions, pivot, export.

``load(path)`` returns the current tables as DataFrames: proposals (with computed eligibility
and bonus figures), members (with tier and SME status), budget, kpis, self-assessments, digital
tools, findings … Child tables carry their cluster's ``cluster_name``, ``cluster_type`` and
``proposal_category`` so they pivot by cluster without a join. ``pivot()`` (in
:mod:`clusterbook.register.pivot`) finds tables and columns by id or by their zh-TW labels.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clusterbook.register.pivot import pivot
from clusterbook.register.store import (
    DEFAULT_PATH,
    ImportResult,
    connect,
    import_report,
    preview_cross,
    tables,
)

if TYPE_CHECKING:
    import pandas as pd

    from clusterbook.findings import Finding
    from clusterbook.report import Report

__all__ = [
    "DEFAULT_PATH",
    "ImportResult",
    "ImportSummary",
    "check",
    "connect",
    "import_sources",
    "load",
    "pivot",
    "previewing",
]

CONTEXT = ("cluster_name", "cluster_type", "category")
CURRENT_FINDINGS = """
    SELECT f.* FROM findings f JOIN current_submissions s ON s.id = f.submission_id
    WHERE f.other_submission_id IS NULL OR f.other_submission_id IN (SELECT id FROM current_submissions)"""


@dataclass
class ImportSummary:
    results: list[ImportResult] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    cross: dict[int, list[Finding]] = field(default_factory=dict)
    """Cross-cluster (REG-*) and history (HIST-*) findings on the imported submissions, by
    submission id."""

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def findings(self, index: int) -> list[Finding]:
        """Everything found on the index-th input: its own findings and the cross-cluster ones."""
        sid = self.results[index].submission_id
        return self.reports[index].findings + self.cross.get(sid, [])

    def verdict(self, index: int) -> str:
        """符合, 不符合 or 無法讀取 for the index-th input, cross-cluster findings included (the
        register's ``status`` says the same)."""
        from clusterbook.findings import verdict

        return verdict(self.findings(index))

    @property
    def exit_code(self) -> int:
        from clusterbook.report import exit_code

        crossed = any(f.severity == "error" for fs in self.cross.values() for f in fs)
        return max(exit_code(self.reports), 1 if crossed else 0)


def import_sources(
    sources: Iterable[str],
    path: str | Path = DEFAULT_PATH,
    *,
    jobs: int = 1,
    credentials: str | None = None,
    progress: Callable[[ImportResult], None] | None = None,
) -> ImportSummary:
    """Check every source (in worker processes when ``jobs`` > 1) and register each in turn."""
    from clusterbook.batch import check_many

    conn = connect(path)
    summary = ImportSummary()
    try:

        def register(report: Report) -> None:
            result = import_report(conn, report)
            report.proposal = None  # registered: the summary keeps findings, not the tables
            summary.reports.append(report)
            summary.results.append(result)
            if progress:
                progress(result)

        check_many(
            list(sources), jobs=jobs, credentials=credentials, frames=True, progress=register
        )
        summary.cross = _cross_findings(
            conn, [r.submission_id for r in summary.results if r.submission_id]
        )
    finally:
        conn.close()
    return summary


def _cross_findings(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[Finding]]:
    """The current cross-cluster and history findings stored on these submissions."""
    from clusterbook.findings import Finding

    out: dict[int, list[Finding]] = {}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    sql = (
        f"SELECT submission_id, rule, severity, message, sheet, cell, value, field FROM ({CURRENT_FINDINGS})"
        f" WHERE (rule LIKE 'REG-%' OR rule LIKE 'HIST-%') AND submission_id IN ({marks})"
    )
    sources = dict(conn.execute(f"SELECT id, source FROM submissions WHERE id IN ({marks})", ids))
    for sid, rule, severity, message, sheet, cell, value, fid in conn.execute(sql, ids):
        finding = Finding(
            rule, severity, message, sheet or "", cell or "", value, sources.get(sid, ""), fid or ""
        )
        out.setdefault(sid, []).append(finding)
    return out


@contextmanager
def previewing(path: str | Path = DEFAULT_PATH) -> Iterator[Callable[[Report], None]]:
    """A function that adds to a checked report the cross-cluster findings it would get if it
    were imported into the register at ``path`` now; the register is not changed. The report
    must still hold its proposal."""
    from dataclasses import replace

    conn = connect(path)
    try:

        def add(report: Report) -> None:
            found = preview_cross(conn, report)
            report.findings += [replace(f, file=report.source) for f in found]

        yield add
    finally:
        conn.close()


def check(path: str | Path = DEFAULT_PATH) -> list:
    """Recompute the cross-cluster rules over the current proposals; returns the findings."""
    from clusterbook.register.crosscheck import recheck_all

    conn = connect(path)
    try:
        return [f for _, f, _ in recheck_all(conn)]
    finally:
        conn.close()


def load(path: str | Path = DEFAULT_PATH, year: int | str | None = None) -> dict[str, pd.DataFrame]:
    """The current revision of every proposal of one program year (民國; default: the latest
    in the register; ``"all"``: every year), one DataFrame per register table. Proposals and
    their child tables carry ``year``."""
    import pandas as pd

    from clusterbook.findings import verdict_of

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"找不到總表資料庫 {path}（請先執行 clusterbook import）")
    conn = connect(path)
    try:
        names = [
            t
            for t in tables(conn)
            if t not in ("submissions", "findings") and not t.startswith(("history_", "review_"))
        ]
        out = {"submissions": pd.read_sql_query("SELECT * FROM current_submissions", conn)}
        out["findings"] = pd.read_sql_query(CURRENT_FINDINGS, conn)
        for name in names:
            out[name] = pd.read_sql_query(f'SELECT * FROM "current_{name}"', conn)
    finally:
        conn.close()
    out = _of_year(out, year)
    proposals = out.get("proposals")
    if proposals is None:
        return out
    errors = (
        out["findings"].loc[out["findings"]["severity"] == "error"].groupby("submission_id").size()
    )
    proposals["errors"] = proposals["submission_id"].map(errors).fillna(0).astype(int)
    proposals["eligible"] = proposals["errors"] == 0
    proposals["status"] = proposals["errors"].map(verdict_of)
    subs = out["submissions"][["id", "year", "revision", "source", "imported_at"]].rename(
        columns={"id": "submission_id"}
    )
    out["proposals"] = proposals.merge(subs, on="submission_id", how="left")
    context = out["proposals"][["submission_id", *CONTEXT, "year"]].rename(
        columns={"category": "proposal_category"}
    )
    for name, frame in out.items():
        if name in ("proposals", "submissions") or "submission_id" not in frame:
            continue
        clash = [c for c in context.columns if c in frame.columns and c != "submission_id"]
        out[name] = frame.merge(context.drop(columns=clash), on="submission_id", how="left")
    return out


def years(path: str | Path = DEFAULT_PATH) -> list[int]:
    """The program years (民國) a register holds, oldest first."""
    conn = connect(path)
    try:
        return [
            int(y)
            for (y,) in conn.execute(
                "SELECT DISTINCT year FROM current_submissions WHERE year IS NOT NULL ORDER BY year"
            )
        ]
    finally:
        conn.close()


def _of_year(frames: dict[str, pd.DataFrame], year: int | str | None) -> dict[str, pd.DataFrame]:
    """Keep the submissions of one year (default: the latest); ``"all"`` keeps them all."""
    if year == "all":
        return frames
    held = sorted(int(y) for y in frames["submissions"]["year"].dropna().unique())
    if not held:
        return frames
    wanted = held[-1] if year is None else int(year)
    if wanted not in held:
        shown = "、".join(f"{y}年度" for y in held)
        raise ValueError(f"總表中沒有 {wanted} 年度的提案（目前有：{shown}）")
    ids = set(frames["submissions"].loc[frames["submissions"]["year"] == wanted, "id"])
    out = {}
    for name, frame in frames.items():
        key = "id" if name == "submissions" else "submission_id"
        out[name] = frame[frame[key].isin(ids)].reset_index(drop=True) if key in frame else frame
    return out
