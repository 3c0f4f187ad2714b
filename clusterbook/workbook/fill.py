"""Write what an applicant would type into a template workbook, through the field map."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from clusterbook.workbook.grid import Layout
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.printing import fit_filled
from clusterbook.workbook.xlsx import rendered, workbook_bytes


@dataclass
class FormData:
    """The applicant's input: single fields, table rows and the member self-assessment matrix.

    Keys are field ids (``proposal.category``, ``members.county`` …). ``matrix`` maps a matrix id
    to one list per member (in member order) of values per checklist item.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    matrix: dict[str, list[list[Any]]] = field(default_factory=dict)
    matrix_notes: dict[str, list[list[Any]]] = field(default_factory=dict)
    """The 說明 beside each matrix value, shaped like ``matrix``."""


def cell_writes(data: FormData, layout: Layout) -> list[tuple[str, int, int, Any]]:
    """Every (sheet title, row, col, value) the data puts into the workbook."""
    out: list[tuple[str, int, int, Any]] = []
    fields = layout.fields
    for fid, value in data.fields.items():
        ref = fields[fid]
        out.append((ref.sheet, ref.first_row, ref.first_col, value))
    for tid, rows in data.tables.items():
        capacity = layout.program.tables[tid].capacity
        for i, row in enumerate(rows[:capacity]):
            for fid, value in row.items():
                r, c = fields[fid].cell_at(i)
                out.append((fields[fid].sheet, r, c, value))
    for source, offset in ((data.matrix, 0), (data.matrix_notes, 1)):
        for mid, columns in source.items():
            m = layout.program.matrices[mid]
            ref = fields[m.value.id]
            for j, values in enumerate(columns[: layout.program.tables[m.of].capacity]):
                col = ref.first_col + m.stride * j + offset
                for i, value in enumerate(values):
                    out.append((ref.sheet, ref.first_row + i, col, value))
    return out


def fill(wb: Workbook, data: FormData, layout: Layout) -> None:
    """Type the data into an openpyxl workbook made from the layout's template, then fit its
    print setup to what it holds (row heights, empty rows, the 群聚名稱 in the headers)."""
    for sheet, r, c, value in cell_writes(data, layout):
        cell = wb[sheet].cell(row=r, column=c)
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # what applicants type is never a formula
    fit_filled(wb, layout)


def filled_workbook(data: FormData, program: str = "dc112") -> Workbook:
    wb = rendered(program)
    fill(wb, data, build_layout(program))
    return wb


def filled_bytes(data: FormData, program: str = "dc112") -> bytes:
    return workbook_bytes(filled_workbook(data, program), growing_rows=True)


def write_filled(items: list[tuple[FormData, Path]], program: str = "dc112", jobs: int = 1) -> None:
    """Write each form's data, filled into the template, to its path (in ``jobs`` processes)."""
    if jobs <= 1 or len(items) <= 1:
        for data, path in items:
            _write(data, path, program)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rendered(program)  # workers start with the template in memory
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(min(jobs, len(items)), mp_context=context) as pool:
        list(pool.map(_write, *zip(*items, strict=True), [program] * len(items)))


def _write(data: FormData, path: Path, program: str) -> None:
    Path(path).write_bytes(filled_bytes(data, program))


def fill_file(template: str, data: FormData, out: str, program: str = "dc112") -> None:
    """Fill an existing template file (as an applicant would) and save it elsewhere."""
    wb = load_workbook(template)
    fill(wb, data, build_layout(program))
    with open(out, "wb") as fh:
        fh.write(workbook_bytes(wb, growing_rows=True))
