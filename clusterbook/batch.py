"""Check many workbooks, in worker processes when asked; results keep the input order."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from clusterbook.report import Report


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def check_one(
    source: str,
    today: dt.date | None = None,
    credentials: str | None = None,
    keep: bool = True,
    frames: bool = False,
) -> Report:
    """Check a file or a Google Sheets URL/key; ``keep=False`` drops the proposal (findings
    only), ``frames=True`` makes its DataFrames here (in a worker, rather than in the parent)."""
    from clusterbook.importers import check_source
    from clusterbook.sources import is_google

    if is_google(source):
        from clusterbook.sources import check_google

        report = check_google(source, today=today, credentials=credentials)
    else:
        report = check_source(source, today=today)
    if not keep:
        report.proposal = None
    elif frames and report.proposal is not None:
        report.proposal.tables  # noqa: B018 (made now, sent back with the proposal)
    return report


def _warm() -> None:
    """Load what every check needs once, before forking, so workers start warm."""
    from clusterbook.checks.formulas import expected_formulas
    from clusterbook.workbook.programs import available_programs

    for program in available_programs():
        expected_formulas(program)


def check_many(
    sources: Iterable[str],
    *,
    jobs: int = 1,
    today: dt.date | None = None,
    credentials: str | None = None,
    proposals: bool = True,
    frames: bool = False,
    progress: Callable[[Report], None] | None = None,
) -> list[Report]:
    """One report per source, in input order; ``progress`` is called as each one finishes.

    ``proposals=False`` keeps the findings only (less to send back from worker processes);
    ``frames=True`` has the workers make each proposal's DataFrames (for the register).
    """
    sources = list(sources)
    n = len(sources)
    if jobs <= 1 or n <= 1:
        out = []
        for s in sources:
            out.append(check_one(s, today, credentials, proposals))
            if progress:
                progress(out[-1])
        return out
    _warm()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, n),
        mp_context=context,
        initializer=_orphan_guard,
        initargs=(os.getpid(),),
    )
    with pool:
        out = []
        args = (sources, [today] * n, [credentials] * n, [proposals] * n, [frames] * n)
        for report in pool.map(check_one, *args, chunksize=_chunk(n, jobs)):
            out.append(report)
            if progress:
                progress(report)
        return out


def _orphan_guard(parent: int) -> None:
    """A worker ends itself when its parent dies (e.g. SIGKILL), instead of idling forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _chunk(n: int, jobs: int) -> int:
    return max(1, min(16, n // (jobs * 4)))
