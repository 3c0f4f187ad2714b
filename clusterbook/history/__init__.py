"""Coaching history: earlier years' rosters and barred units, and the rules checked against them.

``import_history(register, files)`` loads records (see :mod:`clusterbook.history.records`) and
re-runs the history rules on the register's current proposals; ``history_summary(register)``
says what is loaded. The rules (:mod:`clusterbook.history.rules`) also run at every import and
``clusterbook register check``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from clusterbook.history.records import Loaded, load_records, summary
from clusterbook.register.store import DEFAULT_PATH, connect

__all__ = ["Loaded", "history_summary", "import_history"]


def import_history(
    sources: Iterable[str | Path],
    path: str | Path = DEFAULT_PATH,
    *,
    banned: bool = False,
    year: int | None = None,
) -> list[Loaded]:
    """Load each file (one transaction each), then recheck the current proposals."""
    from clusterbook.register.crosscheck import recheck_all

    conn = connect(path)
    try:
        loaded = [load_records(conn, s, banned=banned, year=year) for s in sources]
        if any(x.added for x in loaded):
            recheck_all(conn)
        return loaded
    finally:
        conn.close()


def history_summary(path: str | Path = DEFAULT_PATH) -> tuple[list[tuple[int, int, int]], int]:
    """(year, clusters, firms) per roster year, and the number of barred units."""
    conn = connect(path)
    try:
        return summary(conn)
    finally:
        conn.close()
