"""The master register: an embedded SQLite database of every imported proposal and revision.

One import of one workbook is one transaction: it leaves the register either with the whole
submission or exactly as it was. Re-importing identical content changes nothing; changed
content for the same proposal (unit 統一編號 + 群聚名稱) becomes a new revision, and the newest
revision is the current one (an older file imported again becomes a new revision too, and the
result says which revision it repeats). Tables hold a ``submission_id``; the ``current_*`` views show the
newest revision of every proposal.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusterbook.report import Report
from clusterbook.text import printable

DEFAULT_PATH = Path("clusterbook.sqlite")
BUSY_TIMEOUT_MS = 30_000
LOCK_RETRIES = 5

# program table id → register table name (tables not listed keep their id; None: not stored)
TABLE_NAMES: dict[str, str | None] = {
    "tools": "digital_tools",
    "usage": "tool_usage",
    "cluster_assessment": "self_assessments",
    "member_assessment": "member_assessments",
    "cluster_subtotals": "assessment_scores",
    "cluster_levels": "assessment_levels",
    "budget_summary": None,
    "member_scores": "member_scores",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    proposal_key TEXT NOT NULL,
    year INTEGER,
    unit_ubn TEXT,
    cluster_name TEXT,
    revision INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    template_id TEXT,
    program TEXT,
    version TEXT,
    spec_hash TEXT,
    imported_at TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL,
    UNIQUE (proposal_key, revision)
);
CREATE INDEX IF NOT EXISTS submissions_key ON submissions (proposal_key, revision);
CREATE TABLE IF NOT EXISTS findings (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    cell TEXT,
    message TEXT NOT NULL,
    value TEXT,
    field TEXT,
    other_submission_id INTEGER REFERENCES submissions(id)
);
CREATE INDEX IF NOT EXISTS findings_submission ON findings (submission_id);
CREATE VIEW IF NOT EXISTS current_submissions AS
    SELECT s.* FROM submissions s
    WHERE s.revision = (SELECT MAX(revision) FROM submissions t WHERE t.proposal_key = s.proposal_key);
"""


HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS history_rosters (
    year INTEGER NOT NULL,
    cluster_name TEXT NOT NULL,
    category TEXT,
    company TEXT,
    ubn TEXT NOT NULL,
    owner TEXT,
    role TEXT,
    source TEXT,
    UNIQUE (year, cluster_name, ubn)
);
CREATE INDEX IF NOT EXISTS history_rosters_ubn ON history_rosters (ubn, year);
CREATE INDEX IF NOT EXISTS history_rosters_cluster ON history_rosters (year, cluster_name);
CREATE TABLE IF NOT EXISTS history_banned (
    ubn TEXT NOT NULL,
    name TEXT,
    date TEXT NOT NULL,
    reason TEXT,
    source TEXT,
    UNIQUE (ubn, date)
);
"""
"""The program office's records: rosters of earlier years (歷年輔導名單) and barred units."""


@dataclass(frozen=True)
class ImportResult:
    source: str
    status: str  # imported | revision | unchanged | unreadable
    submission_id: int | None = None
    revision: int | None = None
    title: str = ""
    """群聚名稱（類別／型態）, for summaries."""
    same_as: int | None = None
    """A new revision whose content equals this earlier revision (an older file imported again)."""
    same_as_at: str = ""
    """When that earlier revision was imported (ISO 8601, UTC)."""


def connect(path: str | Path = DEFAULT_PATH) -> sqlite3.Connection:
    """Open (or create) a register: WAL journal, a busy timeout, the base schema."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _retrying(lambda: conn.executescript(SCHEMA + HISTORY_SCHEMA))
        _retrying(lambda: _add_years(conn))
    except BaseException:
        conn.close()
        raise
    return conn


def _add_years(conn: sqlite3.Connection) -> None:
    """A register made before it held several program years: give every submission its
    year (民國, from its program) and put the year into its proposal key."""
    if "year" in {r[1] for r in conn.execute("PRAGMA table_info(submissions)")}:
        return
    from clusterbook.workbook.spec import load_program

    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("ALTER TABLE submissions ADD COLUMN year INTEGER")
        for (program,) in conn.execute("SELECT DISTINCT program FROM submissions").fetchall():
            year = load_program(program).params["year_roc"]
            conn.execute(
                "UPDATE submissions SET year = ?, proposal_key = ? || '|' || proposal_key"
                " WHERE program = ?",
                (year, str(year), program),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def is_register(path: str | Path, *, fresh: bool = False) -> bool:
    """Whether ``path`` is a register (an SQLite file with the submissions table), opened
    read-only so that a file that is not one is never changed.

    ``fresh``: also an SQLite file with no tables at all, which is what another import sees
    while it creates the register, between making the file and writing its first table.
    """
    try:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return "submissions" in names or (fresh and not names)


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the register to the WAL journal (a no-op once it is; the mode is kept in the file).

    When several processes open a register that does not exist yet, they race to switch it, and
    SQLite reports "database is locked" to the losers at once, without waiting on the busy
    timeout: retry with short pauses, for up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _contended(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _contended(exc: sqlite3.OperationalError) -> bool:
    """Another connection holds a lock we need (SQLITE_BUSY / SQLITE_LOCKED)."""
    return "locked" in str(exc) or "busy" in str(exc)


def _retrying(work):
    """Run work, retrying when another process holds the write lock past the busy timeout."""
    for attempt in range(LOCK_RETRIES):
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if not _contended(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.2 * 2**attempt)
    return None


def import_report(
    conn: sqlite3.Connection, report: Report, *, now: dt.datetime | None = None
) -> ImportResult:
    """Register one checked workbook in a single transaction (cross-cluster checks included).

    Content equal to the current revision changes nothing; content equal to an older revision
    becomes a new revision (a copy of it) that says which one it repeats (``same_as``).
    """
    p = report.proposal
    if p is None:
        return ImportResult(report.source, "unreadable")
    from clusterbook.history.rules import history_check
    from clusterbook.register.crosscheck import cross_check

    key = _key(p)
    title = _title(p)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    rows = _rows(report)  # built before the transaction, which stays short

    def work() -> ImportResult:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(
                "SELECT id, revision, sha256 FROM submissions WHERE proposal_key = ? ORDER BY revision DESC LIMIT 1",
                (key,),
            ).fetchone()
            if last is not None and last[2] == p.digest:
                conn.execute("ROLLBACK")
                return ImportResult(report.source, "unchanged", last[0], last[1], title)
            earlier = conn.execute(
                "SELECT revision, imported_at FROM submissions WHERE proposal_key = ? AND sha256 = ?"
                " ORDER BY revision DESC LIMIT 1",
                (key, p.digest),
            ).fetchone()
            revision = 1 if last is None else last[1] + 1
            sid = _store(conn, report, rows, key, revision, stamp)
            cross_check(conn, sid)
            history_check(conn, sid)
            conn.execute("COMMIT")
            status = "imported" if revision == 1 else "revision"
            same_as, at = earlier if earlier is not None else (None, "")
            return ImportResult(report.source, status, sid, revision, title, same_as, at)
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    return _retrying(work)


def preview_cross(conn: sqlite3.Connection, report: Report) -> list:
    """The cross-cluster and history findings a checked workbook would get if it were imported
    now, as :func:`import_report` would store them; the register is left exactly as it was."""
    p = report.proposal
    if p is None:
        return []
    from clusterbook.history.rules import history_check
    from clusterbook.register.crosscheck import cross_check

    key = _key(p)
    rows = _rows(report)

    def work() -> list:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(
                "SELECT MAX(revision) FROM submissions WHERE proposal_key = ?", (key,)
            ).fetchone()[0]
            sid = _store(conn, report, rows, key, (last or 0) + 1, "")
            found = cross_check(conn, sid) + history_check(conn, sid)
            return [f for here, f, _ in found if here == sid]
        finally:
            conn.execute("ROLLBACK")

    return _retrying(work)


def _key(p) -> str:
    """A proposal's key in the register: program year (民國), 統一編號, 群聚名稱."""
    return "|".join((str(p.program.params["year_roc"]), *p.key))


def _title(p) -> str:
    f = p.fields
    return f"{f.get('proposal.cluster_name')}（{f.get('proposal.category')}／{f.get('proposal.cluster_type')}）"


def _store(
    conn: sqlite3.Connection, report: Report, rows: dict, key: str, revision: int, stamp: str
) -> int:
    """Insert one revision (its submission row, tables and findings); returns its id."""
    p = report.proposal
    counts = report.counts()
    cur = conn.execute(
        "INSERT INTO submissions (proposal_key, year, unit_ubn, cluster_name, revision, source, sha256,"
        " template_id, program, version, spec_hash, imported_at, errors, warnings, infos)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            p.program.params["year_roc"],
            p.key[0],
            p.key[1],
            revision,
            _text(report.source),
            p.digest,
            p.meta.get("template_id"),
            p.meta.get("program"),
            p.meta.get("version"),
            p.meta.get("spec_hash"),
            stamp,
            counts["error"],
            counts["warning"],
            counts["info"],
        ),
    )
    sid = cur.lastrowid
    for table, (columns, values) in rows.items():
        _insert(conn, table, columns, [(sid, *v) for v in values])
    _insert_findings(conn, sid, report.findings)
    return sid


def _insert_findings(conn: sqlite3.Connection, sid: int, findings) -> None:
    conn.executemany(
        "INSERT INTO findings (submission_id, rule, severity, sheet, cell, message, value, field)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (sid, f.rule, f.severity, f.sheet, f.cell, f.message, _text(f.value), f.field)
            for f in findings
        ],
    )


def _text(value: Any) -> str | None:
    return None if value is None else printable(str(value))


def _rows(report: Report) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of the proposal as (columns, rows), plus the one-row proposals table."""
    p = report.proposal
    out: dict[str, tuple[list[str], list[tuple]]] = {}
    fields = {proposal_column(fid): _sql(v) for fid, v in p.fields.items()}
    totals = {total_column(p.program, k): _sql(v) for k, v in p.totals.items()}
    bonus = p.program.params["bonus_ratio"]
    computed = {
        "eligible": int(report.errors == 0),
        "bonus_diverse": int(p.totals.get("panel.diverse.current", 0) > bonus),
        "bonus_tier": int(p.totals.get("panel.tier.current", 0) > bonus),
        "bonus_small": int(p.totals.get("panel.small.current", 0) > bonus),
    }
    record = {**fields, **totals, **computed}
    out["proposals"] = (list(record), [tuple(record.values())])
    for tid, frame in p.tables.items():
        name = TABLE_NAMES.get(tid, tid)
        if name is None or frame is None:
            continue
        columns = [str(c) for c in frame.columns]
        values = [tuple(_sql(v) for v in row) for row in frame.itertuples(index=False, name=None)]
        out[name] = (columns, values)
    return out


def total_column(program, key: str) -> str:
    """``panel.sme.current`` → ``sme_share`` (a percentage row), ``budget.total`` → ``budget_total``."""
    if key.startswith("panel."):
        row = key.split(".")[1]
        fmt = next((r.format for r in program.panel.rows if r.key == row), None)
        return f"{row}_share" if fmt == "percent" else f"panel_{row}"
    return key.replace(".", "_")


def proposal_column(field_id: str) -> str:
    """``proposal.category`` → ``category``; ``unit.name`` → ``unit_name``."""
    section, _, name = field_id.partition(".")
    return name if section == "proposal" else f"{section}_{name}"


def _sql(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _sql(value.item())
    if type(value).__name__ == "NAType":
        return None
    return value


def _insert(conn: sqlite3.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    _ensure_table(conn, table, columns)
    cols = ", ".join(['"submission_id"', *(f'"{c}"' for c in columns)])
    marks = ", ".join("?" * (len(columns) + 1))
    conn.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def _ensure_table(conn: sqlite3.Connection, table: str, columns: list[str]) -> None:
    """Create an entity table and its current_ view, or add columns a newer program brings."""
    existing = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    if not existing:
        cols = ", ".join(f'"{c}"' for c in columns)
        conn.execute(
            f'CREATE TABLE "{table}" ("submission_id" INTEGER NOT NULL REFERENCES submissions(id), {cols})'
        )
        conn.execute(f'CREATE INDEX "{table}_submission" ON "{table}" (submission_id)')
        conn.execute(
            f'CREATE VIEW IF NOT EXISTS "current_{table}" AS SELECT t.* FROM "{table}" t'
            " JOIN current_submissions s ON s.id = t.submission_id"
        )
        return
    for c in columns:
        if c not in existing:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{c}"')


def tables(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
