"""Check many workbooks, in worker processes when asked; results keep the input order."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from clusterbook.report import Report


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def check_one(source: str, today: dt.date | None = None, credentials: str | None = None) -> Report:
    """Check a file or a Google Sheets URL/key."""
    from clusterbook.importers import check_source
    from clusterbook.sources import is_google

    if is_google(source):
        from clusterbook.sources import check_google

        return check_google(source, today=today, credentials=credentials)
    return check_source(source, today=today)


def check_many(
    sources: Iterable[str],
    *,
    jobs: int = 1,
    today: dt.date | None = None,
    credentials: str | None = None,
    progress: Callable[[Report], None] | None = None,
) -> list[Report]:
    """One report per source, in order; ``progress`` is called as each one finishes."""
    sources = list(sources)
    if jobs <= 1 or len(sources) <= 1:
        out = []
        for s in sources:
            out.append(check_one(s, today, credentials))
            if progress:
                progress(out[-1])
        return out
    with ProcessPoolExecutor(max_workers=min(jobs, len(sources))) as pool:
        out = []
        for report in pool.map(
            check_one, sources, [today] * len(sources), chunksize=_chunk(len(sources), jobs)
        ):
            out.append(report)
            if progress:
                progress(report)
        return out


def _chunk(n: int, jobs: int) -> int:
    return max(1, min(16, n // (jobs * 4)))
