"""Rules across clusters, over the current revision of every proposal in the register.

REG-DUP-COMPANY: one company 統一編號 in two clusters. REG-DUP-OWNER: one owner (same name and
the same mobile phone or company 統一編號) in two clusters; both are stored on both clusters.
Every finding names the other cluster and its row, and keeps
``other_submission_id`` so it lapses when either side is replaced by a newer revision.
"""

from __future__ import annotations

import sqlite3

from clusterbook.findings import UNNAMED, Finding, finding
from clusterbook.workbook import a1
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.spec import load_program

RULES = ("REG-DUP-OWNER", "REG-DUP-COMPANY")

_OTHERS = (  # the current proposals of the same program year imported before this one
    "SELECT id FROM current_submissions WHERE id < :sid"
    " AND year IS (SELECT year FROM submissions WHERE id = :sid)"
)
_MEMBER_PAIRS = {
    # rule: (the member column compared, the extra condition that makes it the same owner)
    "REG-DUP-COMPANY": ("ubn", "1"),
    "REG-DUP-OWNER": ("owner_name", "(o.owner_mobile = m.owner_mobile OR o.ubn = m.ubn)"),
}


def cross_check(conn: sqlite3.Connection, sid: int) -> list[tuple[int, Finding, int]]:
    """Store the findings between submission ``sid`` and every current one with a lower id."""
    found: list[tuple[int, Finding, int]] = []
    for rule, (column, same) in _MEMBER_PAIRS.items():
        sql = (
            f"SELECT m.pos, m.{column}, m.name, o.submission_id, o.pos, o.name"
            f" FROM members m JOIN current_members o ON o.{column} = m.{column} AND {same}"
            f" WHERE m.submission_id = :sid AND m.{column} IS NOT NULL AND o.submission_id IN ({_OTHERS})"
        )
        field = f"members.{column}"
        for pos, value, name, other, other_pos, other_name in conn.execute(sql, {"sid": sid}):
            found.append(
                (
                    sid,
                    _located(
                        conn,
                        rule,
                        sid,
                        field,
                        pos,
                        value,
                        name,
                        other,
                        field,
                        other_pos,
                        other_name,
                    ),
                    other,
                )
            )
            found.append(
                (
                    other,
                    _located(
                        conn,
                        rule,
                        other,
                        field,
                        other_pos,
                        value,
                        other_name,
                        sid,
                        field,
                        pos,
                        name,
                    ),
                    sid,
                )
            )
    conn.executemany(
        "INSERT INTO findings (submission_id, rule, severity, sheet, cell, message, value, field, other_submission_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (here, f.rule, f.severity, f.sheet, f.cell, f.message, str(f.value), f.field, other)
            for here, f, other in found
        ],
    )
    return found


def recheck_all(conn: sqlite3.Connection) -> list[tuple[int, Finding, int]]:
    """Recompute every cross-cluster and history finding among the current proposals, in one
    transaction."""
    from clusterbook.history.rules import history_check

    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"DELETE FROM findings WHERE rule IN ({','.join('?' * len(RULES))})", RULES)
        conn.execute("DELETE FROM findings WHERE rule LIKE 'HIST-%'")
        found = []
        for (sid,) in conn.execute("SELECT id FROM current_submissions ORDER BY id").fetchall():
            found += cross_check(conn, sid)
            found += history_check(conn, sid)
        conn.execute("COMMIT")
        return found
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _program(conn: sqlite3.Connection, sid: int) -> str:
    return conn.execute("SELECT program FROM submissions WHERE id = ?", (sid,)).fetchone()[0]


def _cell(conn: sqlite3.Connection, sid: int, field: str, pos: int | None) -> tuple[str, int, int]:
    ref = build_layout(_program(conn, sid)).fields[field]
    r, c = (ref.first_row, ref.first_col) if pos is None else ref.cell_at(pos)
    return ref.sheet, r, c


def _located(
    conn, rule, here, field, pos, value, name, other, other_field, other_pos, other_name
) -> Finding:
    """A finding on submission ``here`` that names the other cluster and its row."""
    sheet, r, c = _cell(conn, here, field, pos)
    _, other_row, _ = _cell(conn, other, other_field, other_pos)
    clusters = dict(
        conn.execute("SELECT id, cluster_name FROM submissions WHERE id IN (?, ?)", (here, other))
    )
    return finding(
        load_program(_program(conn, here)),
        rule,
        sheet=sheet,
        cell=a1.cell(r, c),
        value=value,
        field=field,
        name=name or UNNAMED,
        cluster=clusters.get(here) or UNNAMED,
        other_cluster=clusters.get(other) or UNNAMED,
        other_row=other_row,
        other_name=other_name or UNNAMED,
    )
