"""Layout → the Sheets API batchUpdate requests that draw the template natively.

The same :class:`~clusterbook.workbook.layout.Layout` as the xlsx renderer, with three
Sheets-specific adaptations:

* the county → township dropdown uses a hidden ``_helpers`` sheet (one FILTER row per member
  row) because Sheets takes no INDIRECT in dropdown sources;
* merges that straddle the frozen columns are split at the freeze line (Sheets refuses to freeze
  part of a merge); their rows keep no fixed height so the wrapped text can grow;
* "prompt" validations (an input message only) become an always-true, non-strict custom rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from clusterbook.gsheets.formats import cell_format, highlight_formats
from clusterbook.gsheets.grid import Rect, a1_range, grid_range, rectangles, spans
from clusterbook.workbook import a1
from clusterbook.workbook.grid import Cell, Layout, SheetLayout, Validation

HELPERS_SHEET = "_helpers"
LOCALE, TIME_ZONE = "zh_TW", "Asia/Taipei"
SPARE_ROWS, SPARE_COLS = 20, 2


@dataclass
class _Plan:
    """The sheets to draw (the Layout's plus ``_helpers``), their ids and grid sizes."""

    sheets: list[SheetLayout]
    ids: dict[str, int]
    sizes: dict[str, tuple[int, int]]
    townships: dict[int, list[tuple[Rect, str]]]
    """id(Validation) → one (row rectangle, helper-row source) per member row."""


def _plan(layout: Layout) -> _Plan:
    sheets = list(layout.sheets)
    sizes = {s.title: (s.max_row + SPARE_ROWS, s.max_col + SPARE_COLS) for s in sheets}
    width = max(Counter(t.county for t in layout.program.townships).values(), default=1)
    townships: dict[int, list[tuple[Rect, str]]] = {}
    helpers = _helpers(layout, width, townships)
    if helpers.cells:
        sheets.append(helpers)
        sizes[HELPERS_SHEET] = (helpers.max_row, width)
    ids = {s.title: i for i, s in enumerate(sheets, start=1)}
    return _Plan(sheets, ids, sizes, townships)


def _helpers(layout: Layout, width: int, out: dict[int, list[tuple[Rect, str]]]) -> SheetLayout:
    """The hidden sheet whose row i lists (spilled across ``width`` columns) the townships of
    the county chosen in member row i; ``out`` gets each township rule's per-row sources."""
    sl = SheetLayout("helpers", HELPERS_SHEET, hidden=True)
    last = a1.col_letter(width)
    for s in layout.sheets:
        for v in s.validations:
            if v.kind != "township" or v.county is None:
                continue
            r1, c1, r2, c2 = a1.parse_area(v.sqref)
            county_row, county_col = a1.parse_cell(v.county)
            out[id(v)] = []
            for r in range(r1, r2 + 1):
                row = sl.max_row + 1 if sl.cells else 1
                county = a1.qualified(s.title, a1.cell(county_row + r - r1, county_col))
                towns = f"TRANSPOSE(FILTER(T_TOWN,T_COUNTY={county}))"
                sl.put(row, 1, style="fixed", formula=f'=IF({county}="","",IFERROR({towns},""))')
                source = a1.qualified(HELPERS_SHEET, f"$A${row}:${last}${row}")
                out[id(v)].append(((r, c1, r, c2), source))
    return sl


def template_requests(layout: Layout, default_sheet_id: int = 0) -> list[dict[str, Any]]:
    """Every request of the build, in order: sheets, names, then each sheet's content."""
    p = _plan(layout)
    reqs: list[dict[str, Any]] = [
        {
            "updateSpreadsheetProperties": {
                "properties": {"locale": LOCALE, "timeZone": TIME_ZONE},
                "fields": "locale,timeZone",
            }
        }
    ]
    reqs += [{"addSheet": {"properties": _properties(p, s)}} for s in p.sheets]
    reqs.append({"deleteSheet": {"sheetId": default_sheet_id}})
    for name, ref in layout.names.items():
        title, area = _split_ref(ref)
        reqs.append(
            {"addNamedRange": {"namedRange": {"name": name, "range": a1_range(p.ids[title], area)}}}
        )
    for s in p.sheets:
        sid = p.ids[s.title]
        merges, autofit = _merges(s)
        reqs += _dimensions(sid, s, autofit)
        reqs += [
            {"mergeCells": {"range": grid_range(sid, m), "mergeType": "MERGE_ALL"}} for m in merges
        ]
        reqs += _formats(sid, s)
        reqs.append(_values(sid, s))
        reqs += _validations(sid, s, p.townships)
        reqs += _highlights(sid, s)
        reqs.append(_protection(sid, s))
    return reqs


def _split_ref(ref: str) -> tuple[str, str]:
    """Split a sheet-qualified reference: ``'_lists'!$A$2:$A$3`` → ``_lists``, ``$A$2:$A$3``."""
    title, _, area = ref.rpartition("!")
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    return title, area


def _properties(p: _Plan, s: SheetLayout) -> dict[str, Any]:
    rows, cols = p.sizes[s.title]
    grid: dict[str, int] = {"rowCount": rows, "columnCount": cols}
    if s.freeze and s.freeze[0] > 1:
        grid["frozenRowCount"] = s.freeze[0] - 1
    if s.freeze and s.freeze[1] > 1:
        grid["frozenColumnCount"] = s.freeze[1] - 1
    props: dict[str, Any] = {"sheetId": p.ids[s.title], "title": s.title, "gridProperties": grid}
    if s.hidden:
        props["hidden"] = True
    return props


def _merges(s: SheetLayout) -> tuple[list[Rect], set[int]]:
    """The merges, split at the frozen rows/columns; and the rows whose merge was split."""
    fr, fc = s.freeze or (1, 1)
    out: list[Rect] = []
    split: set[int] = set()
    for r1, c1, r2, c2 in s.merges:
        rows = [(r1, fr - 1), (fr, r2)] if r1 < fr <= r2 else [(r1, r2)]
        cols = [(c1, fc - 1), (fc, c2)] if c1 < fc <= c2 else [(c1, c2)]
        if len(cols) > 1:
            split.add(r1)
        out += [(ra, ca, rb, cb) for ra, rb in rows for ca, cb in cols if (ra, ca) != (rb, cb)]
    return out, split


def _dimensions(sid: int, s: SheetLayout, autofit: set[int]) -> list[dict[str, Any]]:
    """Column widths (Excel characters → pixels) and row heights (points → pixels)."""
    sizes = {
        "COLUMNS": {c: round(w * 7 + 5) for c, w in s.widths.items()},
        "ROWS": {r: round(h * 4 / 3) for r, h in s.heights.items() if r not in autofit},
    }
    return [
        {
            "updateDimensionProperties": {
                "range": {"sheetId": sid, "dimension": dim, "startIndex": a - 1, "endIndex": b},
                "properties": {"pixelSize": px},
                "fields": "pixelSize",
            }
        }
        for dim, by_index in sizes.items()
        for a, b, px in spans(by_index)
    ]


def _formats(sid: int, s: SheetLayout) -> list[dict[str, Any]]:
    """One repeatCell per rectangle of cells sharing a style role and number format."""
    groups: dict[tuple[str, str | None], list[tuple[int, int]]] = defaultdict(list)
    for pos, cell in s.cells.items():
        groups[(cell.style, cell.fmt)].append(pos)
    return [
        {
            "repeatCell": {
                "range": grid_range(sid, rect),
                "cell": {"userEnteredFormat": cell_format(role, fmt)},
                "fields": "userEnteredFormat",
            }
        }
        for (role, fmt), cells in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        for rect in rectangles(cells)
    ]


def extended_value(value: Any, formula: str | None = None) -> dict[str, Any]:
    """An ExtendedValue; text is always stringValue, so it is never parsed as a formula."""
    if formula:
        return {"formulaValue": formula}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": str(value)}


def _cell_data(cell: Cell | None) -> dict[str, Any]:
    if cell is None or (cell.value is None and not cell.formula):
        return {}
    return {"userEnteredValue": extended_value(cell.value, cell.formula)}


def _values(sid: int, s: SheetLayout) -> dict[str, Any]:
    width: dict[int, int] = defaultdict(int)
    for r, c in s.cells:
        width[r] = max(width[r], c)
    rows = [
        {"values": [_cell_data(s.cells.get((r, c))) for c in range(1, width[r] + 1)]}
        if r in width
        else {}
        for r in range(1, s.max_row + 1)
    ]
    return {
        "updateCells": {
            "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0},
            "rows": rows,
            "fields": "userEnteredValue",
        }
    }


def _num(x: float | None) -> str:
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)


def _condition(kind: str, *values: str) -> dict[str, Any]:
    return {"type": kind, "values": [{"userEnteredValue": v} for v in values]}


def rule(v: Validation) -> dict[str, Any]:
    """The DataValidationRule of a non-township Layout validation."""
    top = v.sqref.split(":")[0]
    strict, ui = True, False
    if v.kind == "list":
        cond, ui = _condition("ONE_OF_RANGE", f"={v.source}"), True
    elif v.kind == "whole":
        lo, hi = _num(v.minimum), _num(v.maximum)
        cond = _condition(
            "CUSTOM_FORMULA", f"=AND(ISNUMBER({top}),{top}=INT({top}),{top}>={lo},{top}<={hi})"
        )
    elif v.kind == "decimal":
        cond = _condition("NUMBER_BETWEEN", _num(v.minimum), _num(v.maximum))
    elif v.kind == "textLength":
        low = f"LEN({top})>={_num(v.minimum)}," if v.minimum else ""
        cond = _condition("CUSTOM_FORMULA", f"=AND({low}LEN({top})<={_num(v.maximum)})")
    elif v.kind == "custom":
        cond = _condition("CUSTOM_FORMULA", f"={v.formula}")
    else:  # prompt: no restriction, only the input message
        cond, strict = _condition("CUSTOM_FORMULA", "=TRUE"), False
    out: dict[str, Any] = {"condition": cond, "strict": strict, "inputMessage": _message(v)}
    if ui:
        out["showCustomUi"] = True
    return out


def _message(v: Validation) -> str:
    """The input message: title, prompt and (for enforced rules) what is rejected."""
    head = f"{v.prompt_title}：{v.prompt}" if v.prompt_title else v.prompt
    return "\n".join(x for x in (head, v.error if v.kind != "prompt" else "") if x)


def _validations(
    sid: int, s: SheetLayout, townships: dict[int, list[tuple[Rect, str]]]
) -> list[dict[str, Any]]:
    out = []
    for v in s.validations:
        if v.kind == "township":
            for rect, source in townships[id(v)]:
                town = {
                    "condition": _condition("ONE_OF_RANGE", f"={source}"),
                    "strict": True,
                    "showCustomUi": True,
                    "inputMessage": _message(v),
                }
                out.append({"setDataValidation": {"range": grid_range(sid, rect), "rule": town}})
        else:
            out.append({"setDataValidation": {"range": a1_range(sid, v.sqref), "rule": rule(v)}})
    return out


def _highlights(sid: int, s: SheetLayout) -> list[dict[str, Any]]:
    """✘ red, ✔ and 加分 green: one custom-formula rule per text per rectangle, ✘ first."""
    out = []
    for rect in rectangles(a1.parse_cell(ref) for ref in s.highlights):
        top = a1.cell(rect[0], rect[1])
        for text, fmt in highlight_formats():
            cond = _condition("CUSTOM_FORMULA", f'=ISNUMBER(SEARCH("{text}",{top}))')
            out.append(
                {
                    "addConditionalFormatRule": {
                        "index": len(out),
                        "rule": {
                            "ranges": [grid_range(sid, rect)],
                            "booleanRule": {"condition": cond, "format": fmt},
                        },
                    }
                }
            )
    return out


def _protection(sid: int, s: SheetLayout) -> dict[str, Any]:
    """The whole sheet editable by the owner only, except its input cells."""
    pr: dict[str, Any] = {
        "range": {"sheetId": sid},
        "description": f"{s.title}：標籤與公式僅限擁有者修改",
        "warningOnly": False,
    }
    inputs = [pos for pos, cell in s.cells.items() if not cell.locked]
    if inputs:
        pr["unprotectedRanges"] = [grid_range(sid, rect) for rect in rectangles(inputs)]
    return {"addProtectedRange": {"protectedRange": pr}}
