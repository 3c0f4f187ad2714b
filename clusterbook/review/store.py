"""Reviews in the register: one revision per import of a reviewer's sheet, like proposals.

``review_sheets`` holds each import (reviewer, class, year, source, digest, revision, counts),
``review_findings`` its findings and ``reviews`` its rows (one per proposal: 迴避, the scores,
the weighted total and own rank recomputed at import, the comment). A reviewer's sheet of a
class and year is one key: importing identical content again changes nothing, changed content
becomes the next revision, and the ``current_reviews`` view shows the newest revision's rows,
each with the current ``submission_id`` of its proposal (so ``clusterbook.register.load`` and
``pivot`` see them beside the proposal's cluster name, type and class).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from clusterbook.findings import finding
from clusterbook.register.store import _retrying, _text
from clusterbook.review.rank import reviewer_marks
from clusterbook.review.read import ReviewReport, ScoreRow
from clusterbook.review.spec import ReviewSpec

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_sheets (
    id INTEGER PRIMARY KEY,
    sheet_key TEXT NOT NULL,
    year INTEGER NOT NULL,
    program TEXT NOT NULL,
    category TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    seat INTEGER,
    revision INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    register TEXT,
    spec_hash TEXT,
    imported_at TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL,
    UNIQUE (sheet_key, revision)
);
CREATE TABLE IF NOT EXISTS review_findings (
    sheet_id INTEGER NOT NULL REFERENCES review_sheets(id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    cell TEXT,
    message TEXT NOT NULL,
    value TEXT,
    field TEXT
);
CREATE VIEW IF NOT EXISTS current_review_sheets AS
    SELECT s.* FROM review_sheets s
    WHERE s.revision = (SELECT MAX(revision) FROM review_sheets t WHERE t.sheet_key = s.sheet_key);
"""


def _reviews_table(spec: ReviewSpec) -> str:
    scores = "".join(f'    "{c.id}" INTEGER,\n' for c in spec.criteria)
    return f"""
CREATE TABLE IF NOT EXISTS reviews (
    sheet_id INTEGER NOT NULL REFERENCES review_sheets(id),
    proposal_key TEXT,
    scored_submission_id INTEGER,
    pos INTEGER NOT NULL,
    "case" TEXT,
    reviewer TEXT NOT NULL,
    recused INTEGER NOT NULL,
{scores}    weighted_total REAL,
    own_rank REAL,
    complete INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS reviews_sheet ON reviews (sheet_id);
CREATE VIEW IF NOT EXISTS current_reviews AS
    SELECT cs.id AS submission_id, r.* FROM reviews r
    JOIN current_review_sheets s ON s.id = r.sheet_id
    LEFT JOIN current_submissions cs ON cs.proposal_key = r.proposal_key;
"""


def ensure_schema(conn: sqlite3.Connection, spec: ReviewSpec) -> None:
    _retrying(lambda: conn.executescript(SCHEMA + _reviews_table(spec)))
    have = {r[1] for r in conn.execute('PRAGMA table_info("reviews")')}
    for c in spec.criteria:  # a later program's new criterion
        if c.id not in have:
            conn.execute(f'ALTER TABLE reviews ADD COLUMN "{c.id}" INTEGER')


@dataclass(frozen=True)
class ReviewImport:
    source: str
    status: str  # imported | revision | unchanged | unreadable
    sheet_id: int | None = None
    revision: int | None = None
    title: str = ""
    """委員 （類別）, for summaries."""


def import_review(
    conn: sqlite3.Connection,
    spec: ReviewSpec,
    report: ReviewReport,
    *,
    now: dt.datetime | None = None,
) -> ReviewImport:
    """Store one checked scoring workbook in a single transaction; a changed sheet of a reviewer
    already imported becomes the next revision (and gets a REVIEW-REVISION finding)."""
    sheet = report.sheet
    if sheet is None or report.fatal:
        return ReviewImport(report.source, "unreadable")
    ensure_schema(conn, spec)
    title = f"{sheet.reviewer}（{sheet.category}）"
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    weights = spec.weights(sheet.category)
    marks = reviewer_marks(sheet.rows, weights, spec.own_rank)

    def work() -> ReviewImport:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(
                "SELECT id, revision, sha256 FROM review_sheets WHERE sheet_key = ?"
                " ORDER BY revision DESC LIMIT 1",
                (sheet.key,),
            ).fetchone()
            if last is not None and last[2] == sheet.digest:
                conn.execute("ROLLBACK")
                return ReviewImport(report.source, "unchanged", last[0], last[1], title)
            revision = 1 if last is None else last[1] + 1
            if revision > 1:
                report.findings.append(
                    finding(
                        spec.program,
                        "REVIEW-REVISION",
                        file=report.source,
                        reviewer=sheet.reviewer,
                        category=sheet.category,
                        revision=revision,
                    )
                )
            counts = report.counts()
            cur = conn.execute(
                "INSERT INTO review_sheets (sheet_key, year, program, category, reviewer, seat,"
                " revision, source, sha256, register, spec_hash, imported_at, errors, warnings,"
                " infos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sheet.key,
                    sheet.year,
                    sheet.program,
                    sheet.category,
                    sheet.reviewer,
                    sheet.seat,
                    revision,
                    _text(report.source),
                    sheet.digest,
                    sheet.fingerprint,
                    sheet.spec_hash,
                    stamp,
                    counts["error"],
                    counts["warning"],
                    counts["info"],
                ),
            )
            sid = cur.lastrowid
            conn.executemany(
                "INSERT INTO review_findings (sheet_id, rule, severity, sheet, cell, message,"
                " value, field) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (sid, f.rule, f.severity, f.sheet, f.cell, f.message, _text(f.value), f.field)
                    for f in report.findings
                ],
            )
            cols = ", ".join(f'"{c.id}"' for c in spec.criteria)
            marks_ = ", ".join("?" * len(spec.criteria))
            conn.executemany(
                f'INSERT INTO reviews (sheet_id, proposal_key, scored_submission_id, pos, "case",'
                f" reviewer, recused, {cols}, weighted_total, own_rank, complete, valid, comment)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, {marks_}, ?, ?, ?, ?, ?)",
                [_row(sid, i, sheet.reviewer, r, spec, marks) for i, r in enumerate(sheet.rows)],
            )
            conn.execute("COMMIT")
            return ReviewImport(
                report.source, "imported" if revision == 1 else "revision", sid, revision, title
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    return _retrying(work)


def _row(sid, pos, reviewer, r: ScoreRow, spec: ReviewSpec, marks) -> tuple:
    total, rank = marks.get(r.key, (None, None)) if r.key else (None, None)
    return (
        sid,
        r.key,
        r.submission_id,
        pos,
        r.case,
        reviewer,
        int(r.recused),
        *(r.scores.get(c.id) for c in spec.criteria),
        None if total is None else total / 100,
        None if rank is None else float(rank),
        int(r.complete),
        int(r.valid),
        r.comment,
    )


def current_marks(
    conn: sqlite3.Connection, spec: ReviewSpec, year: int, category: str
) -> tuple[dict[str, list[ScoreRow]], dict[str, dict]]:
    """The newest revision of every reviewer's sheet of a class: reviewer → rows, and
    reviewer → the sheet's record (source, revision, counts)."""
    if "review_sheets" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
        return {}, {}
    ensure_schema(conn, spec)
    sheets = conn.execute(
        "SELECT id, reviewer, source, revision, errors, warnings, infos, imported_at"
        " FROM current_review_sheets c WHERE year = ? AND category = ?"
        " ORDER BY seat, (SELECT MIN(t.id) FROM review_sheets t WHERE t.sheet_key = c.sheet_key)",
        (year, category),
    ).fetchall()
    marks: dict[str, list[ScoreRow]] = {}
    records = {}
    cols = ", ".join(f'r."{c.id}"' for c in spec.criteria)
    for sid, reviewer, source, revision, errors, warnings, infos, stamp in sheets:
        records[reviewer] = {
            "source": source,
            "revision": revision,
            "errors": errors,
            "warnings": warnings,
            "infos": infos,
            "imported_at": stamp,
        }
        rows = conn.execute(
            f'SELECT r.proposal_key, r."case", r.recused, r.valid, r.comment, cs.id, {cols}'
            " FROM reviews r LEFT JOIN current_submissions cs ON cs.proposal_key = r.proposal_key"
            " WHERE r.sheet_id = ? ORDER BY r.pos",
            (sid,),
        ).fetchall()
        marks[reviewer] = [
            ScoreRow(
                case=case,
                key=key,
                submission_id=current,
                recused=bool(recused),
                scores={c.id: v for c, v in zip(spec.criteria, values, strict=True)},
                comment=comment,
                valid=bool(valid),
            )
            for key, case, recused, valid, comment, current, *values in rows
        ]
    return marks, records


def current_findings(conn: sqlite3.Connection, year: int) -> list[tuple]:
    """(reviewer, category, rule, severity, message) of the current sheets' findings."""
    if "review_sheets" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
        return []
    return conn.execute(
        "SELECT s.reviewer, s.category, f.rule, f.severity, f.message FROM review_findings f"
        " JOIN current_review_sheets s ON s.id = f.sheet_id WHERE s.year = ?"
        " ORDER BY s.category, s.reviewer, f.rowid",
        (year,),
    ).fetchall()
