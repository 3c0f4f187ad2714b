"""The 摘要 sheet of master.xlsx: live formulas over the register's Excel Tables, and charts.

Its blocks are data (``summary`` in register.yaml): a count, sum or average of a Table by the
values of one column (× another), or several measures side by side. Every figure is a
COUNTIFS/SUMIFS/AVERAGEIFS formula with structured references (``Members[[營業所在縣市]]``),
so the summary follows when a manager edits or deletes rows; 合計 rows and columns add the
figures up (averages average the Table). Keys are the form's list (or the values present at
export, ``keys: present``), blanks as （空白）. Charts leave out blank keys and series without
data. The sheet prints at a fixed scale with a page break before any block that would not fit
the rest of a page, so each block and its chart print whole.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clusterbook.register.columns import PAGE_PT, Column, RegisterSpec, TableInfo, points, width
from clusterbook.register.export import put
from clusterbook.register.pivot import AGGFUNCS, figure_kind, key_order
from clusterbook.workbook.programs import SpecError

if TYPE_CHECKING:
    import pandas as pd

ROW_PT = 16.0  # every row of the sheet, so charts and page breaks land the same everywhere
CHART_CM = (17.0, 8.5)  # the smallest chart; wider with many categories (up to CHART_MAX_CM)
CHART_MAX_CM = 26.0
CHART_ROWS = math.ceil(CHART_CM[1] / 2.54 * 72 / ROW_PT)
LITERAL_MAX = 250  # Excel refuses text constants over 255 characters in a formula
FORMULA_FORMATS = {"count": "#,##0", "money": "#,##0", "share": "0.0%", "decimal": "#,##0.0"}


@dataclass
class Series:
    """One figure column: ``how`` (count, sum, mean) of ``values`` where ``where`` holds."""

    head: str
    how: str
    kind: str
    values: Column | None = None
    where: list[tuple[Column, Any]] = field(default_factory=list)
    has_data: bool = True
    charted: bool = True


@dataclass
class Block:
    title: str
    info: TableInfo
    rows: Column
    keys: list[Any]
    series: list[Series]
    total_column: bool
    chart: dict[str, Any]
    y_title: str
    top: int = 0

    @property
    def charted(self) -> bool:
        return bool(self.chart and self.shown and any(k is not None for k in self.keys))

    @property
    def shown(self) -> list[int]:
        """The sheet columns of the series the chart shows (charted, with data)."""
        return [j for j, s in enumerate(self.series, start=2) if s.charted and s.has_data]

    @property
    def height(self) -> int:
        """Rows: title, header, keys, 合計, a blank row, then the chart and a blank row."""
        return len(self.keys) + 4 + (CHART_ROWS + 1 if self.charted else 0)

    @property
    def chart_cm(self) -> float:
        """The chart's width: about 8 mm a category, at least CHART_CM."""
        cats = sum(k is not None for k in self.keys)
        return min(max(CHART_CM[0], 4 + 0.8 * cats), CHART_MAX_CM)

    @property
    def ncols(self) -> int:
        return 1 + len(self.series) + self.total_column


def write_summary(
    ws, written: dict[str, tuple[TableInfo, list[Column], pd.DataFrame]], spec: RegisterSpec
) -> None:
    """Fill the 摘要 sheet from register.yaml's blocks over the Tables just written."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    conf = spec.summary
    ws.cell(row=1, column=1, value=conf["title"]).font = Font(bold=True, size=14, color="1F3864")
    ws.cell(row=2, column=1, value=conf["note"]).font = Font(italic=True, color="595959")
    blocks = [b for raw in conf["blocks"] if (b := _block(raw, written, spec)) is not None]
    row = 4
    for b in blocks:
        b.top = row
        row += b.height
    widths = _widths(blocks)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    for r in range(1, row + 1):
        ws.row_dimensions[r].height = ROW_PT
    ws.row_dimensions[1].height = 24
    for b in blocks:
        _write_block(ws, b, spec)
        _chart(ws, b, spec)
    _paginate(ws, blocks, widths)
    ws.sheet_view.showGridLines = False


# ------------------------------------------------------------------------------ blocks
def _block(raw: dict, written: dict, spec: RegisterSpec) -> Block | None:
    """A block of register.yaml, or None when its Table or a column is not in the export."""
    if raw["table"] not in written:
        return None
    info, columns, frame = written[raw["table"]]
    by_id = {c.id: c for c in columns}
    wanted = [raw["rows"], raw.get("columns"), raw.get("values")]
    wanted += [m.get("values") for m in raw.get("measures", ())]
    wanted += [k for m in raw.get("measures", ()) for k in (m.get("where") or {})]
    if any(c and c not in by_id for c in wanted):
        return None
    rows = by_id[raw["rows"]]
    keys = _keys(rows, frame, spec, raw.get("keys", "all"))
    if "measures" in raw:
        series = [_measure(m, info, by_id, frame, spec) for m in raw["measures"]]
        for s in series[: raw.get("chart", {}).get("skip", 0)]:
            s.charted = False
        title = raw.get("title") or info.sheet
        y_title = raw.get("chart", {}).get("y_title") or series[-1].head
        return Block(title, info, rows, keys, series, False, raw.get("chart") or {}, y_title)
    how = _how(raw)
    values = by_id[raw["values"]] if raw.get("values") else None
    kind = figure_kind(values, how)
    measure = info.count if values is None else values.label
    series = []
    across = by_id.get(raw.get("columns") or "")
    if across is None:
        series.append(Series(measure, how, kind, values))
    else:
        template = raw.get("column_title", "{}")
        for key in _keys(across, frame, spec, raw.get("column_keys", "all")):
            head = spec.blank_label if key is None else template.format(spec.text(across, key))
            present = _matches(frame, across, key, spec)
            series.append(
                Series(head, how, kind, values, [(across, key)], present.any(), key is not None)
            )
    title = raw.get("title") or f"{measure}：{rows.label}" + (
        f" × {across.label}" if across else ""
    )
    return Block(
        title, info, rows, keys, series, across is not None, raw.get("chart") or {}, measure
    )


def _measure(
    raw: dict, info: TableInfo, by_id: dict[str, Column], frame, spec: RegisterSpec
) -> Series:
    how = _how(raw)
    values = by_id[raw["values"]] if raw.get("values") else None
    where = [(by_id[c], spec.value(by_id[c], v)) for c, v in (raw.get("where") or {}).items()]
    if values is not None:
        head = values.label
    elif len(where) == 1 and where[0][0].kind == "yesno":
        head = where[0][0].label
    elif where:
        head = "、".join(str(v) for _, v in where)
    else:
        head = info.count
    has_data = all(_matches(frame, c, v, spec).any() for c, v in where)
    return Series(raw.get("label") or head, how, figure_kind(values, how), values, where, has_data)


def _how(raw: dict) -> str:
    how = raw.get("aggfunc", "count")
    if how not in AGGFUNCS or (how != "count" and not raw.get("values")):
        raise SpecError(
            f"register.yaml summary: aggfunc {how!r} needs count, or sum/mean with values"
        )
    return how


def _keys(col: Column, frame, spec: RegisterSpec, which: str) -> list[Any]:
    """The keys of a column as cells hold them: the form's list (all) or the values present,
    in list order, then numbers, then text; a blank key last when there are blanks."""
    present = list(dict.fromkeys(spec.value(col, v) for v in frame[col.id].unique()))
    listed = [spec.value(col, c) for c in col.choices] if which == "all" else []
    keys = list(dict.fromkeys([*listed, *(k for k in present if k is not None)]))
    order = key_order(spec, col)
    keys.sort(key=lambda k: order(spec.text(col, k)))
    return keys + ([None] if None in present else [])


def _matches(frame, col: Column, key: Any, spec: RegisterSpec):
    """Which rows of the frame have this key (as the Table cells show it)."""
    return frame[col.id].map(lambda v: spec.value(col, v) == key)


# ------------------------------------------------------------------------------ formulas
def criterion(value: Any) -> str:
    """A COUNTIFS criterion matching exactly this cell value (wildcards and operators escaped)."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return f"DATE({value.year},{value.month},{value.day})"
    text = str(value).replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return _literal("=" + text if text[:1] in ("=", "<", ">") else text)


def _ref(info: TableInfo, col: Column) -> str:
    return f"{info.name}[[{col.label}]]"


def _aggregate(info: TableInfo, s: Series, where: list[tuple[Column, Any]]) -> str:
    """COUNTIFS, SUMIFS or AVERAGEIFS of the Table where every (column, key) holds; a blank key
    is matched with SUMPRODUCT instead (LibreOffice's COUNTIFS misses blank cells at the ends
    of a criteria range)."""
    if any(v is None for _, v in where):
        return _products(info, s, where)
    conds = ",".join(f"{_ref(info, c)},{criterion(v)}" for c, v in where)
    if s.how == "count":
        return f"COUNTIFS({conds})"  # a count always has a key to match
    target = _ref(info, s.values)
    if s.how == "sum":
        return f"SUMIFS({target},{conds})" if conds else f"SUM({target})"
    inner = f"AVERAGEIFS({target},{conds})" if conds else f"AVERAGE({target})"
    return f'IFERROR({inner},"—")'


def _products(info: TableInfo, s: Series, where: list[tuple[Column, Any]]) -> str:
    """The same figure with SUMPRODUCT over exact comparisons (= is exact: no wildcards)."""
    mask = "*".join(f"({_ref(info, c)}={_literal(v)})" for c, v in where)
    if s.how == "count":
        return f"SUMPRODUCT({mask}*1)"
    target = _ref(info, s.values)
    total = f"SUMPRODUCT({mask}*1,{target})"
    if s.how == "sum":
        return total
    return f'IFERROR({total}/SUMPRODUCT({mask}*ISNUMBER({target})),"—")'


def _literal(value: Any) -> str:
    """A constant equal to the cell value: "" for a blank, numbers as they are, text quoted."""
    if value is None:
        return '""'
    if isinstance(value, int | float | dt.date):
        return criterion(value)
    text = str(value)
    parts = [text[i : i + LITERAL_MAX] for i in range(0, len(text), LITERAL_MAX)] or [""]
    return "&".join('"' + part.replace('"', '""') + '"' for part in parts)


def _write_block(ws, b: Block, spec: RegisterSpec) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    total_fill = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
    ws.cell(row=b.top, column=1, value=b.title).font = Font(bold=True, size=12, color="1F3864")
    head = b.top + 1
    heads = [b.rows.label, *(s.head for s in b.series)] + (
        [spec.total_label] if b.total_column else []
    )
    for j, text in enumerate(heads, start=1):
        cell = put(ws, head, j, text)
        cell.font, cell.fill, cell.border = Font(bold=True), head_fill, box
        cell.alignment = Alignment(
            horizontal="left" if j == 1 else "center", vertical="center", shrink_to_fit=True
        )
    first, last = head + 1, head + len(b.keys)
    total_row = last + 1
    for i, key in enumerate(b.keys):
        r = first + i
        label = put(ws, r, 1, spec.text(b.rows, key))
        label.border, label.alignment = box, Alignment(horizontal="left")
        for j, s in enumerate(b.series, start=2):
            cell = ws.cell(
                row=r, column=j, value="=" + _aggregate(b.info, s, [(b.rows, key), *s.where])
            )
            cell.number_format, cell.border = FORMULA_FORMATS.get(s.kind, "#,##0"), box
        if b.total_column:
            a, z = get_column_letter(2), get_column_letter(1 + len(b.series))
            whole = Series("", b.series[0].how, b.series[0].kind, b.series[0].values)
            value = (
                "=" + _aggregate(b.info, whole, [(b.rows, key)])
                if whole.how == "mean"
                else f"=SUM({a}{r}:{z}{r})"
            )
            cell = ws.cell(row=r, column=b.ncols, value=value)
            cell.number_format, cell.border = FORMULA_FORMATS.get(b.series[0].kind, "#,##0"), box
            cell.fill = total_fill
    cell = ws.cell(row=total_row, column=1, value=spec.total_label)
    cell.font, cell.fill, cell.border = Font(bold=True), total_fill, box
    for j, s in enumerate([*b.series, *([b.series[0]] if b.total_column else [])], start=2):
        letter = get_column_letter(j)
        if s.how == "mean":
            value = "=" + _aggregate(b.info, s, s.where if j <= 1 + len(b.series) else [])
        else:
            value = f"=SUM({letter}{first}:{letter}{last})" if b.keys else "=0"
        cell = ws.cell(row=total_row, column=j, value=value)
        cell.number_format, cell.border = FORMULA_FORMATS.get(s.kind, "#,##0"), box
        cell.fill = total_fill


def _chart(ws, b: Block, spec: RegisterSpec) -> None:
    """A native bar chart of the block: titled axes, formatted values, no blank or empty series."""
    from openpyxl.chart import BarChart, Reference

    if not b.charted:
        return
    cats = [k for k in b.keys if k is not None]
    head, first = b.top + 1, b.top + 2
    last = first + len(cats) - 1
    chart = BarChart()
    chart.type = b.chart.get("type", "col")
    if b.chart.get("stacked"):
        chart.grouping, chart.overlap = "stacked", 100
    chart.title = b.title
    chart.style = 10
    chart.x_axis.title = b.rows.label
    chart.y_axis.title = b.y_title
    chart.y_axis.number_format = FORMULA_FORMATS.get(
        b.series[b.shown[0] - 2].kind, "#,##0"
    ).replace("0.0%", "0%")
    chart.x_axis.delete = chart.y_axis.delete = False
    if chart.type == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first key on top, as in the table
    chart.legend.position = "b"
    for j in b.shown:
        chart.add_data(Reference(ws, min_col=j, min_row=head, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.width, chart.height = b.chart_cm, CHART_CM[1]
    ws.add_chart(chart, f"A{b.top + len(b.keys) + 4}")


# ------------------------------------------------------------------------------ layout
def _widths(blocks: list[Block]) -> list[float]:
    """Column widths (characters) that fit every block's keys and headings."""
    n = max((b.ncols for b in blocks), default=1)
    out = [10.0] * n
    for b in blocks:
        texts = [[b.rows.label, *(str(k) for k in b.keys)], *([s.head] for s in b.series)]
        for j, column in enumerate(texts):
            need = max(width(t) for t in column) + 2
            out[j] = max(out[j], min(need, 30 if j == 0 else 14))
    return out[:n]


def _paginate(ws, blocks: list[Block], widths: list[float]) -> None:
    """Landscape A4 at one scale that fits the widest and tallest block; a page break before
    each block that would run over the page."""
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.pagebreak import Break

    wide = max(
        (max(sum(points(w) for w in widths[: b.ncols]), b.chart_cm / 2.54 * 72) for b in blocks),
        default=1,
    )
    tall = max((b.height * ROW_PT for b in blocks), default=1)
    scale = max(
        40, min(100, math.floor(PAGE_PT[0] / wide * 100), math.floor(PAGE_PT[1] / tall * 100))
    )
    room = PAGE_PT[1] * 100 / scale
    used = 3 * ROW_PT
    for b in blocks:
        if used + b.height * ROW_PT > room:
            ws.row_breaks.append(Break(id=b.top - 1))
            used = 0.0
        used += b.height * ROW_PT
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
