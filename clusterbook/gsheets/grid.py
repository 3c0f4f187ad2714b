"""GridRanges (0-based, end-exclusive) from the Layout's 1-based cells and A1 ranges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from clusterbook.workbook import a1

Rect = tuple[int, int, int, int]
"""(first_row, first_col, last_row, last_col), 1-based and inclusive like the Layout."""


def grid_range(sheet_id: int, rect: Rect) -> dict[str, Any]:
    r1, c1, r2, c2 = rect
    return {
        "sheetId": sheet_id,
        "startRowIndex": r1 - 1,
        "endRowIndex": r2,
        "startColumnIndex": c1 - 1,
        "endColumnIndex": c2,
    }


def a1_range(sheet_id: int, ref: str) -> dict[str, Any]:
    """'B6:D45' or '$B$6' on a sheet → GridRange."""
    return grid_range(sheet_id, a1.parse_area(ref.replace("$", "")))


def rectangles(cells: Iterable[tuple[int, int]]) -> list[Rect]:
    """Cover a set of cells exactly with few rectangles (row runs, stacked when they line up)."""
    by_row: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_row[r].append(c)
    done: list[Rect] = []
    open_: dict[tuple[int, int], int] = {}  # (c1, c2) → first row, for runs ending on row - 1
    last = None
    for r in sorted(by_row):
        runs = _runs(sorted(by_row[r]))
        stacked = {run: open_[run] for run in runs if run in open_ and last == r - 1}
        done += [(r1, run[0], last, run[1]) for run, r1 in open_.items() if run not in stacked]
        open_ = {run: stacked.get(run, r) for run in runs}
        last = r
    done += [(r1, run[0], last, run[1]) for run, r1 in open_.items()]
    return sorted(done)


def _runs(cols: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in cols:
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def spans(sizes: dict[int, float]) -> list[tuple[int, int, float]]:
    """Runs of consecutive indexes with equal size: (first, last, size)."""
    out: list[tuple[int, int, float]] = []
    for i in sorted(sizes):
        if out and out[-1][1] == i - 1 and out[-1][2] == sizes[i]:
            out[-1] = (out[-1][0], i, sizes[i])
        else:
            out.append((i, i, sizes[i]))
    return out
