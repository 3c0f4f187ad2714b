"""How the workbook prints: A4 page setup per sheet, repeated header rows and columns, wide
tables split into pages of whole column groups at a readable scale, row heights that fit their
text, headers and footers with the 群聚名稱 and 第 N 頁／共 M 頁.

Everything is derived from the :class:`~clusterbook.workbook.layout.Layout`. The template is set
up when it is rendered; a workbook filled by clusterbook is fitted again to what it holds (rows
as tall as their text, empty table rows hidden, the matrix cut after the last member).
LibreOffice does not grow rows when it converts a workbook to PDF, so heights are estimated
here from the text, the column widths and the font; they are stored without Excel's
``customHeight`` flag, so Excel and LibreOffice still grow a row when someone types into it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openpyxl.worksheet.pagebreak import Break, ColBreak, RowBreak

from clusterbook.workbook import a1

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from clusterbook.workbook.grid import Layout, SheetLayout

FONT = "Noto Sans CJK TC"
"""Every cell's font (fonts-noto-cjk); also the workbook's default, which sets column widths."""
BODY_PT = 10
MIN_PRINTED_PT = 8.0
"""No text prints smaller: the smallest font × the scale."""
UNIT_PT = 5.55
"""Printed width of one column-width unit with the default font (measured in LibreOffice)."""
LINE = 1.45
"""Line height over font size (Noto Sans CJK)."""
PADDING_PT = 4.0
PAGE_PT = {"portrait": (595.3, 841.9), "landscape": (841.9, 595.3)}
MARGINS_IN = {
    "left": 0.25,
    "right": 0.25,
    "top": 0.65,
    "bottom": 0.65,
    "header": 0.3,
    "footer": 0.3,
}
DEFAULT_ROW_PT = 15.0
HEADER_PT = 9
"""Header and footer type, raised on a sheet printed small enough to take it below 8 pt."""
FOOTER = "第 &P 頁／共 &N 頁"
_LITERAL = re.compile(r'"((?:[^"]|"")*)"')
_ROW_REF = re.compile(r"\{(?:key:|is:|has:)?([a-z_]+)\.[a-z_]+@row")


@dataclass
class Plan:
    """One sheet's print setup."""

    orientation: str
    scale: int
    area: tuple[int, int, int, int]
    title_rows: tuple[int, int] | None = None
    title_cols: tuple[int, int] | None = None
    breaks: list[int] = field(default_factory=list)
    """Columns that end a page (a manual column break after each)."""
    row_breaks: list[int] = field(default_factory=list)
    """Rows that end a page (see ``keep_blocks``)."""


def min_scale(smallest_pt: float = BODY_PT) -> int:
    return math.ceil(MIN_PRINTED_PT / smallest_pt * 100)


def column_pt(width: float) -> float:
    return width * UNIT_PT


def usable_pt(orientation: str) -> tuple[float, float]:
    w, h = PAGE_PT[orientation]
    return (
        w - 72 * (MARGINS_IN["left"] + MARGINS_IN["right"]),
        h - 72 * (MARGINS_IN["top"] + MARGINS_IN["bottom"]),
    )


# -- the plan -------------------------------------------------------------------------------
def plan(layout: Layout, sl: SheetLayout, last_row: int, last_col: int) -> Plan:
    """Orientation, scale, repeated rows/columns and column breaks for the area A1:last."""
    widths = [column_pt(sl.widths.get(c, 8.43)) for c in range(1, last_col + 1)]
    total = sum(widths)
    area = (1, 1, last_row, last_col)
    titles = _title_rows(layout, sl)
    portrait, landscape = usable_pt("portrait")[0], usable_pt("landscape")[0]
    if total <= portrait and not sl.landscape:
        return Plan("portrait", 100, area, titles)
    lowest = min_scale()
    if total * lowest / 100 <= landscape:
        return Plan("landscape", min(100, math.floor(landscape / total * 100)), area, titles)
    cols = _title_cols(layout, sl)
    room = landscape * 100 / lowest
    start = 1
    if cols:
        room -= sum(widths[cols[0] - 1 : cols[1]])
        start = cols[1] + 1
    breaks = _breaks(widths, start, room, _boundaries(layout, sl))
    return Plan("landscape", lowest, area, titles, cols, breaks)


def _breaks(widths: list[float], start: int, room: float, bounds: set[int]) -> list[int]:
    """Pages of columns from ``start``, each at most ``room`` wide; a page ends before a group
    boundary (``bounds``: first columns of groups) when one lies past a third of the page."""
    out: list[int] = []
    page, used, cut_at = start, 0.0, None
    for c in range(start, len(widths) + 1):
        w = widths[c - 1]
        if used + w > room and used > 0:
            cut = cut_at if cut_at is not None else c
            out.append(cut - 1)
            used = sum(widths[cut - 1 : c - 1])
            page, cut_at = cut, None
        if c in bounds and c > page and sum(widths[page - 1 : c - 1]) > room / 3:
            cut_at = c
        used += w
    return out


def _tables_on(layout: Layout, sl: SheetLayout):
    """The program's tables and matrices on this sheet (none on a layout of another kind, such
    as a review sheet)."""
    prog = layout.program
    for t in prog.tables.values():
        ref = layout.fields.get(t.columns[0].id)
        if ref is not None and ref.sheet == sl.title:
            yield t, ref
    for m in prog.matrices.values():
        ref = layout.fields.get(m.value.id)
        if ref is not None and ref.sheet == sl.title:
            yield m, ref


def _title_rows(layout: Layout, sl: SheetLayout) -> tuple[int, int] | None:
    """The header rows of the sheet's first table, when that table starts near the top and
    no other entered table follows it (its header would head the other table's pages)."""
    found = sorted(
        (ref.first_row, getattr(t, "columns", None), getattr(t, "fixed_rows", True))
        for t, ref in _tables_on(layout, sl)
    )
    if not found:
        return None
    first, columns, fixed = found[0]
    if len(found) > 1 and not fixed:
        return None
    grouped = columns is None or any(c.group for c in columns)
    top = first - (2 if grouped else 1)
    return (top, first - 1) if top <= 12 else None


def _title_cols(layout: Layout, sl: SheetLayout) -> tuple[int, int] | None:
    """Columns repeated on every page across: up to the sheet's first data column."""
    if sl.freeze is None or sl.freeze[1] <= 1:
        return None
    firsts = [ref.first_col for _, ref in _tables_on(layout, sl)]
    last = min(sl.freeze[1] - 1, max(firsts, default=1))
    return (1, last)


def _boundaries(layout: Layout, sl: SheetLayout) -> set[int]:
    """Columns that start a group (企業負責人 …) or a member (the self-assessment matrix)."""
    out: set[int] = set()
    for t, ref in _tables_on(layout, sl):
        if hasattr(t, "stride"):
            members = layout.program.tables[t.of].capacity
            out.update(ref.first_col + t.stride * j for j in range(members))
            continue
        cols = [(layout.fields[c.id].first_col, c.group) for c in t.columns]
        out.update(c for (c, g), (_, g0) in zip(cols[1:], cols, strict=False) if g != g0)
    return out


def row_height(ws: Worksheet, r: int) -> float:
    """A row's printed height (pt): 0 when hidden, the default when none is stored."""
    dim = ws.row_dimensions.get(r)
    if dim is not None and dim.hidden:
        return 0.0
    return (dim.height if dim is not None and dim.height else None) or DEFAULT_ROW_PT


def keep_blocks(ws: Worksheet, sl: SheetLayout, p: Plan) -> list[int]:
    """Rows after which a page should end so that a small titled block (a section heading and
    what follows, up to the next heading; at most 60% of a page) is not split over two pages."""
    page = usable_pt(p.orientation)[1] * 100 / p.scale
    last = p.area[2]
    heights = {r: row_height(ws, r) for r in range(1, last + 1)}
    titles = (
        sum(heights[r] for r in range(p.title_rows[0], p.title_rows[1] + 1)) if p.title_rows else 0
    )
    starts = sorted(r for (r, c), cell in sl.cells.items() if c == 1 and cell.style == "section")
    ends = {s: (starts[i + 1] - 1 if i + 1 < len(starts) else last) for i, s in enumerate(starts)}
    inputs = _input_rows(sl)
    lead = {s: _lead(s, ends[s], inputs, heights) for s in starts}
    out: list[int] = []
    used = 0.0
    for r in range(1, last + 1):
        if r in ends:
            block = sum(heights[k] for k in range(r, ends[r] + 1))
            first = sum(heights[k] for k in lead[r])  # a heading never ends a page
            small = block <= min(page - titles, page * 0.6)
            if used > 0 and ((used + block > page and small) or used + first > page):
                out.append(r - 1)
                used = titles
        if used + heights[r] > page:
            used = titles
        used += heights[r]
    return out


def fit_tallest(ws: Worksheet, p: Plan) -> int:
    """The plan's scale, lowered (never below the readable minimum) until the tallest row and
    the repeated header rows fit on one page: a row never breaks across pages, so the part of
    a long text below the page's foot would not print."""
    tallest = max((row_height(ws, r) for r in range(p.area[0], p.area[2] + 1)), default=0.0)
    if p.title_rows:
        tallest += sum(row_height(ws, r) for r in range(p.title_rows[0], p.title_rows[1] + 1))
    page = usable_pt(p.orientation)[1]
    if tallest * p.scale / 100 <= page:
        return p.scale
    return max(min(p.scale, min_scale()), math.floor(page * 100 / tallest))


def _lead(start: int, end: int, inputs: set[int], heights: dict[int, float]) -> range:
    """A heading's row and what must follow it on its page: a table's header rows and its
    first visible entry row (or the next row, under a heading without a table)."""
    for r in range(start + 1, min(end, start + 4) + 1):
        if r in inputs and heights[r] > 0:
            return range(start, r + 1)
    return range(start, min(start + 1, end) + 1)


# -- applying it ----------------------------------------------------------------------------
def apply(ws: Worksheet, p: Plan, header: str) -> None:
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = p.orientation
    setup.scale = p.scale
    setup.fitToWidth = setup.fitToHeight = None
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    for side, inches in MARGINS_IN.items():
        setattr(ws.page_margins, side, inches)
    r1, c1, r2, c2 = p.area
    ws.print_area = a1.area(r1, c1, r2, c2)
    if p.title_rows:
        ws.print_title_rows = f"{p.title_rows[0]}:{p.title_rows[1]}"
    if p.title_cols:
        ws.print_title_cols = f"{a1.col_letter(p.title_cols[0])}:{a1.col_letter(p.title_cols[1])}"
    ws.col_breaks = ColBreak()
    for col in p.breaks:
        ws.col_breaks.append(Break(id=col))
    ws.row_breaks = RowBreak()
    for row in p.row_breaks:
        ws.row_breaks.append(Break(id=row))
    if p.breaks:  # the title and description stop at the first page across: no blank pages
        for m in list(ws.merged_cells.ranges):
            if m.min_row <= 2 and m.min_col == 1 and m.max_col > p.breaks[0]:
                ws.unmerge_cells(str(m))
                ws.merge_cells(
                    start_row=m.min_row, start_column=1, end_row=m.max_row, end_column=p.breaks[0]
                )
    for hf in (ws.oddHeader, ws.oddFooter):
        for part in (hf.left, hf.center, hf.right):
            part.text = None
    ws.oddHeader.left.text = header
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.center.text = FOOTER
    size = max(HEADER_PT, math.ceil(MIN_PRINTED_PT * 100 / p.scale))  # scaled with the page
    for part in (ws.oddHeader.left, ws.oddHeader.right, ws.oddFooter.center):
        part.font, part.size = f"{FONT},Regular", size


# -- row heights ----------------------------------------------------------------------------
def text_pt(text: str, size: float) -> float:
    """Printed width of one line of text: CJK and full-width characters are 1 em wide."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return (wide + 0.6 * (len(text) - wide)) * size


def lines(text: str, width_pt: float, size: float) -> int:
    room = max(width_pt - PADDING_PT, size)
    return sum(max(1, math.ceil(text_pt(line, size) / room)) for line in text.split("\n"))


def fit_rows(ws: Worksheet, floors: dict[int, float], rows: set[int] | None = None) -> None:
    """Set each row (of ``rows``, default all) to the height its wrapped text needs, never
    below its floor; a row needing one line and without a floor keeps the default height."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for m in ws.merged_cells.ranges:
        spans[(m.min_row, m.min_col)] = (m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
    widths = {}
    need: dict[int, float] = {}
    for cell in list(ws._cells.values()):  # the cells there are (iter_rows makes the rest)
        value = cell.value
        if isinstance(value, str) and value.startswith("=") and cell.data_type == "f":
            value = _formula_text(value)
        if value is None:
            continue
        r, c = cell.row, cell.column
        if rows is not None and r not in rows:
            continue
        height, ncols = spans.get((r, c), (1, 1))
        if height > 1:
            continue
        for k in range(c, c + ncols):
            if k not in widths:
                widths[k] = column_pt(ws.column_dimensions[a1.col_letter(k)].width or 8.43)
        width = sum(widths[k] for k in range(c, c + ncols))
        size = float(cell.font.sz or BODY_PT) if cell.font else BODY_PT
        text = _shown(value, cell.number_format)
        wrap = cell.alignment.wrap_text if cell.alignment else False
        n = lines(text, width, size) if wrap else text.count("\n") + 1
        need[r] = max(need.get(r, 0.0), n * size * LINE + PADDING_PT)
    targets = rows if rows is not None else set(need) | set(floors)
    for r in targets:
        one_line = BODY_PT * LINE + PADDING_PT
        height = max(need.get(r, 0.0), floors.get(r, 0.0))
        if height > one_line or r in floors:
            ws.row_dimensions[r].height = round(max(height, 15.0), 1)
        else:
            ws.row_dimensions[r].height = None


def _formula_text(formula: str) -> str | None:
    """What a formula may show, at most: its text literals (single characters are the ones
    a choice key strips, never shown)."""
    words = [w for w in _LITERAL.findall(formula) if len(w.strip()) > 1]
    return "".join(words) or None


def _shown(value: object, fmt: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if "," in (fmt or "") else str(value)
    return str(value)


# -- a filled workbook ------------------------------------------------------------------------
def fit_filled(wb: Workbook, layout: Layout) -> None:
    """Print setup for what a filled workbook holds: empty table rows hidden, the matrix cut
    after the last member, rows as tall as their text, the 群聚名稱 in every header."""
    prog = layout.program
    name_ref = layout.fields.get("proposal.cluster_name")
    name = (
        wb[name_ref.sheet].cell(name_ref.first_row, name_ref.first_col).value if name_ref else None
    )
    used = _used_rows(wb, layout)
    header = f"{name}｜{prog.title}" if name else prog.title
    for sl in layout.sheets:
        if sl.hidden:
            continue
        ws = wb[sl.title]
        last_col = sl.max_col
        for t, ref in _tables_on(layout, sl):
            if hasattr(t, "stride"):
                count = max(used.get(t.of, 0), 1)
                last_col = ref.first_col + t.stride * count - 1
                continue
            if t.fixed_rows:
                continue
            keep = max(used.get(t.id, 0), 1)
            for i in range(t.capacity):
                ws.row_dimensions[ref.first_row + i].hidden = i >= keep
        filled = _input_rows(sl)
        floors = {r: h for r, h in sl.heights.items() if r not in filled}
        fit_rows(ws, floors)
        setup(ws, layout, sl, header, last_col)


def setup(
    ws: Worksheet, layout: Layout, sl: SheetLayout, header: str, last_col: int | None = None
) -> None:
    """Plan and apply a sheet's print setup, after its row heights are final."""
    p = plan(layout, sl, sl.max_row, last_col or sl.max_col)
    p.scale = fit_tallest(ws, p)
    p.row_breaks = keep_blocks(ws, sl, p)
    apply(ws, p, header)


def _input_rows(sl: SheetLayout) -> set[int]:
    """Rows with an input cell: in a filled workbook they are as tall as what they hold."""
    return {r for (r, _), cell in sl.cells.items() if not cell.locked}


def _used_rows(wb: Workbook, layout: Layout) -> dict[str, int]:
    """By table id, how many rows are in use: up to the last row holding any input, or the
    last row a linked table uses (數位工具現況 lists the members of 群聚成員 row by row)."""
    prog = layout.program
    out: dict[str, int] = {}
    for t in prog.tables.values():
        last = 0
        for col in t.columns:
            if not col.is_input:
                continue
            ref = layout.fields[col.id]
            ws = wb[ref.sheet]
            for i in range(t.capacity - 1, last - 1, -1):
                if ws.cell(ref.first_row + i, ref.first_col).value is not None:
                    last = i + 1
                    break
        out[t.id] = last
    for t in prog.tables.values():
        linked = {m for c in t.columns if c.formula for m in _ROW_REF.findall(c.formula)}
        for other in linked - {t.id}:
            out[t.id] = max(out[t.id], out.get(other, 0))
    return out
