"""Test helpers: proposals as in-memory RawBooks (fast) or as real .xlsx files."""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path

from clusterbook.importers import check_rawbook, check_source
from clusterbook.importers.rawbook import RawBook, RawSheet
from clusterbook.samples import SCENARIOS, build
from clusterbook.workbook.fill import FormData, cell_writes, filled_bytes, filled_workbook
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.spec import load_program

TODAY = dt.date(2023, 6, 30)


def clean_data(key: str = "hualien-valley") -> FormData:
    """A fresh copy of a clean sample proposal."""
    scenario = next(s for s in SCENARIOS if s.key == key)
    return copy.deepcopy(build(load_program("dc112"), scenario))


def plain_data() -> FormData:
    """A clean proposal that meets no bonus criterion (for BONUS-* staying quiet)."""
    data = clean_data("tainan-alley")
    for m in data.tables["members"]:
        m.update(
            {"members.owner_gender": "男", "members.owner_identity": "其他", "members.employees": 8}
        )
    return data


def rawbook(data: FormData, *, edits: dict | None = None, program: str = "dc112") -> RawBook:
    """The workbook an applicant would produce, as a RawBook: template cells plus typed values.

    ``edits`` maps (sheet title, row, col) to a (value, formula) cell, or None to delete it.
    """
    layout = build_layout(program)
    sheets = {}
    for sl in layout.sheets:
        cells = {
            rc: (c.value, c.formula or None)
            for rc, c in sl.cells.items()
            if c.value is not None or c.formula
        }
        sheets[sl.title] = RawSheet(sl.title, cells, list(sl.merges))
    for title, r, c, value in cell_writes(data, layout):
        if value is not None:
            sheets[title].cells[(r, c)] = (value, None)
    for (title, r, c), cell in (edits or {}).items():
        if cell is None:
            sheets[title].cells.pop((r, c), None)
        else:
            sheets[title].cells[(r, c)] = cell
    return RawBook("proposal.xlsx", sheets)


def check_data(data: FormData, **kw):
    return check_rawbook(rawbook(data, **kw), today=TODAY)


def without_table(monkeypatch, table: str) -> None:
    """Have every check read proposals without ``table``, as from a field map that lists none
    of its columns."""
    import clusterbook.importers.extract as extract

    read = extract.extract

    def without(*args, **kwargs):
        proposal = read(*args, **kwargs)
        del proposal.rows[table]
        return proposal

    monkeypatch.setattr(extract, "extract", without)


def write_xlsx(tmp_path: Path, data: FormData, name: str = "proposal.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(filled_bytes(data))
    return path


def check_file(path: Path):
    return check_source(path, today=TODAY)


def rules(report, severity: str | None = None) -> list[str]:
    return [f.rule for f in report.findings if severity is None or f.severity == severity]


def typed_dates(data: FormData, epoch: dt.datetime) -> bytes:
    """The filled workbook with every date (single fields and table cells) typed as a date in
    Excel: a serial number, not text, in the date system of ``epoch`` (openpyxl's
    WINDOWS_EPOCH or CALENDAR_MAC_1904), which the workbook is saved in."""
    from clusterbook.importers.clean import Cleaner

    layout = build_layout("dc112")
    program = layout.program
    cleaner = Cleaner(program)
    wb = filled_workbook(data)
    wb.epoch = epoch
    cells = [(fid, value, 0) for fid, value in data.fields.items()]
    cells += [
        (fid, value, i)
        for rows in data.tables.values()
        for i, row in enumerate(rows)
        for fid, value in row.items()
    ]
    typed = 0
    for fid, value, i in cells:
        if program.fields[fid].type == "date" and value:
            day = cleaner.clean(program.fields[fid], value).value
            r, c = layout.fields[fid].cell_at(i)
            wb[layout.fields[fid].sheet].cell(r, c).value = dt.datetime.combine(day, dt.time())
            typed += 1
    assert typed > 1, "the proposal has dates to type"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cell(layout, fid: str, index: int | None = None) -> tuple[str, str]:
    """(sheet, A1 cell) of a field, or of row ``index`` of a table column."""
    from clusterbook.workbook import a1

    ref = layout.fields[fid]
    r, c = (ref.first_row, ref.first_col) if index is None else ref.cell_at(index)
    return ref.sheet, a1.cell(r, c)


def at(report, rule: str) -> list[tuple[str, str]]:
    """Where a rule fired: (sheet, cell) of each of its findings."""
    return [(f.sheet, f.cell) for f in report.findings if f.rule == rule]
