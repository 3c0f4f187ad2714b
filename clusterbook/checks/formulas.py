"""FORMULA-TAMPERED and BUDGET-TAX: every template formula must still be in its cell.

The workbook's own arithmetic is never used; this check only tells the applicant that a computed
cell shows something else than the template would, and what it should show.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from clusterbook.checks.derive import round_half_up
from clusterbook.findings import Collector
from clusterbook.importers.clean import shown
from clusterbook.importers.rawbook import RawBook
from clusterbook.proposal import Proposal
from clusterbook.workbook import a1
from clusterbook.workbook.layout import build_layout

RULES = ("FORMULA-TAMPERED", "BUDGET-TAX")

_STRINGS = re.compile(r'("(?:[^"]|"")*")')
_NOISE = re.compile(r"_xlfn\.|_xlws\.|\$|'|\s+", re.I)


def normalize_formula(formula: str) -> str:
    """Compare formulas as a spreadsheet does: ignore $, sheet quotes, spaces, case, _xlfn."""
    parts = _STRINGS.split(formula.lstrip("="))
    return "".join(part if i % 2 else _NOISE.sub("", part).upper() for i, part in enumerate(parts))


@functools.cache
def expected_formulas(
    program: str,
) -> dict[str, list[tuple[int, int, str, str, str | None, int | None]]]:
    """By sheet title: (row, col, formula, normalized, field id, table row) of every formula cell."""
    from clusterbook.workbook.cache import LAYOUT_CODE, pickled

    layout = build_layout(program)
    code = [Path(__file__).resolve(), *LAYOUT_CODE]
    return pickled("formulas", layout.program.path, lambda: _formulas(layout), code)


def _formulas(layout) -> dict[str, list[tuple[int, int, str, str, str | None, int | None]]]:
    out: dict[str, list] = {}
    for sheet, r, c, cell in layout.formula_cells():
        fid, index = cell.field_id, None
        ref = layout.fields.get(fid) if fid else None
        if ref is not None and not ref.is_single:
            index = r - ref.first_row
        out.setdefault(sheet.title, []).append(
            (r, c, cell.formula, normalize_formula(cell.formula), fid, index)
        )
    return out


def check(p: Proposal, raw: RawBook, out: Collector) -> None:
    for title, cells in expected_formulas(p.program.id).items():
        sheet = raw.sheet(title)
        if sheet is None:
            continue
        for r, c, formula, normalized, fid, index in cells:
            value, found = sheet.cells.get((r, c), (None, None))
            if found == formula or (found is not None and normalize_formula(found) == normalized):
                continue
            shown_value = found if found is not None else value
            expected = _expected(p, fid, index)
            label = p.program.fields[fid].full_label if fid in p.program.fields else _label(p, fid)
            out.add(
                "FORMULA-TAMPERED",
                sheet=title,
                cell=a1.cell(r, c),
                value="（空白）" if shown_value is None else shown_value,
                label=label,
                expected=expected,
            )
            if (
                fid == "budget.tax"
                and isinstance(value, int | float)
                and not isinstance(value, bool)
            ):
                _tax(p, value, out)


def _label(p: Proposal, fid: str | None) -> str:
    ref = p.refs.get(fid) if fid else None
    return ref.label if ref else "自動計算欄位"


def _expected(p: Proposal, fid: str | None, index: int | None) -> str:
    """What the formula computes, from clusterbook's own recomputation, when it is known."""
    if fid is None:
        return "依原公式重新計算之值"
    if fid in p.totals:
        return _fmt(p.totals[fid])
    table, _, column = fid.partition(".")
    rows = p.rows.get(table)
    if index is not None and rows is not None and column in rows and "pos" in rows:
        hit = [r.get(column) for r in rows if r["pos"] == index]
        return _fmt(hit[0]) if hit else "（空白）"
    return "依原公式重新計算之值"


def _fmt(value: Any) -> str:
    if value is None:  # recomputed values are plain: a blank is None, never NaN
        return "（空白）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    return shown(value)


def _tax(p: Proposal, typed: float, out: Collector) -> None:
    subtotal = p.totals["budget.subtotal"]
    expected = round_half_up(subtotal * p.program.params["tax_rate"])
    if round(typed) != expected:
        out.at(
            "BUDGET-TAX",
            "budget.tax",
            value=f"{typed:,.0f}",
            subtotal=f"{subtotal:,}",
            expected=f"{expected:,}",
        )
