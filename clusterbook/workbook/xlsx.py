"""Render a :class:`~clusterbook.workbook.layout.Layout` as an .xlsx workbook (openpyxl)."""

from __future__ import annotations

import datetime as dt
import functools
import io
import pickle
import re
import zipfile
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from clusterbook.workbook import a1, printing
from clusterbook.workbook.grid import Layout, SheetLayout, Validation
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.printing import BODY_PT, FONT

FIXED_TIME = dt.datetime(2023, 1, 1)
ZIP_TIME = (2023, 1, 1, 0, 0, 0)
FIXED_STAMP = b"2023-01-01T00:00:00Z"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_CUSTOM_HEIGHT = re.compile(rb'(<row [^>]*?) customHeight="1"')

_thin = Side(style="thin", color="BFBFBF")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def _fill(rgb: str) -> PatternFill:
    return PatternFill("solid", start_color=rgb, end_color=rgb)


def _font(size: float = BODY_PT, **kw) -> Font:
    return Font(name=FONT, size=size, **kw)


# style role → (font, fill, alignment, border); every role names its font (Noto Sans CJK TC)
STYLES = {
    "title": (_font(14, bold=True, color="1F3864"), None, Alignment(vertical="center"), None),
    "description": (
        _font(italic=True, color="595959"),
        None,
        Alignment(wrap_text=True, vertical="top"),
        None,
    ),
    "section": (
        _font(12, bold=True, color="1F3864"),
        _fill("DDEBF7"),
        Alignment(vertical="center"),
        None,
    ),
    "label": (_font(bold=True), _fill("F2F2F2"), Alignment(wrap_text=True, vertical="top"), _box),
    "header": (
        _font(bold=True),
        _fill("DDEBF7"),
        Alignment(wrap_text=True, horizontal="center", vertical="center"),
        _box,
    ),
    "group": (
        _font(bold=True, color="1F3864"),
        _fill("BDD7EE"),
        Alignment(horizontal="center", vertical="center"),
        _box,
    ),
    "input": (
        _font(color="000000"),
        _fill("FFF9DB"),
        Alignment(wrap_text=True, vertical="top"),
        _box,
    ),
    "formula": (
        _font(color="1F3864"),
        _fill("EDEDED"),
        Alignment(wrap_text=True, vertical="top"),
        _box,
    ),
    "fixed": (_font(), _fill("F7F7F7"), Alignment(wrap_text=True, vertical="top"), _box),
    "help": (_font(color="595959"), None, Alignment(wrap_text=True, vertical="top"), None),
    "count": (_font(color="595959"), None, Alignment(vertical="top"), None),
    "statement": (_font(), _fill("F7F7F7"), Alignment(wrap_text=True, vertical="top"), _box),
    "example": (  # the guide's 灰底字為舉例參考: an example, editable
        _font(italic=True, color="595959"),
        _fill("EDEDED"),
        Alignment(wrap_text=True, vertical="top"),
        _box,
    ),
}
HIGHLIGHTS = (("✘", "FFC7CE", "9C0006"), ("✔", "C6EFCE", "006100"), ("加分", "C6EFCE", "006100"))


def render(layout: Layout) -> Workbook:
    """Build the openpyxl workbook for a layout."""
    wb = Workbook()
    wb.remove(wb.active)
    wb._named_styles["Normal"].font = _font()  # column widths are measured in its digits
    for sl in layout.sheets:
        ws = wb.create_sheet(sl.title)
        _sheet(ws, sl)
        if not sl.hidden:
            printing.fit_rows(ws, sl.heights)
            printing.setup(ws, layout, sl, layout.title or layout.program.title)
    for name, ref in layout.names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    wb.calculation.fullCalcOnLoad = True
    props = wb.properties
    props.creator = props.lastModifiedBy = "clusterbook"
    props.title = layout.title or layout.program.title
    props.created = props.modified = FIXED_TIME
    wb.active = 1  # open on the eligibility panel, next to the instructions
    return wb


def rendered(program: str = "dc112") -> Workbook:
    """A fresh openpyxl copy of the program's template workbook, as :func:`render` makes it
    (copied from a pickle kept in memory and in the cache: rendering takes seconds)."""
    return pickle.loads(_rendered_pickle(program))


@functools.cache
def _rendered_pickle(program: str) -> bytes:
    import openpyxl

    from clusterbook.workbook.cache import RENDERER, pickled

    layout = build_layout(program)
    kind = f"workbook-openpyxl{openpyxl.__version__}"
    return pickled(kind, layout.program.path, lambda: pickle.dumps(render(layout)), RENDERER)


def template_bytes(program: str = "dc112") -> bytes:
    """The template workbook of a program, byte-for-byte reproducible."""
    return workbook_bytes(render(build_layout(program)), growing_rows=True)


def write_template(path: str, program: str = "dc112") -> None:
    with open(path, "wb") as fh:
        fh.write(template_bytes(program))


def workbook_bytes(wb: Workbook, *, growing_rows: bool = False) -> bytes:
    """Save a workbook with fixed document and zip timestamps, so equal content gives equal bytes.

    openpyxl stamps docProps/core.xml with the time of saving; that stamp is replaced here.
    ``growing_rows`` drops the ``customHeight`` flag openpyxl sets on every row with a height:
    the heights stay as printed, and Excel and LibreOffice grow a row when its text grows.
    """
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + FIXED_STAMP + rb"\g<2>", data)
            elif growing_rows and info.filename.startswith("xl/worksheets/sheet"):
                data = _CUSTOM_HEIGHT.sub(rb"\g<1>", data)
            dst.writestr(fixed, data)
    return out.getvalue()


def _sheet(ws: Worksheet, sl: SheetLayout) -> None:
    for (r, c), cl in sl.cells.items():
        cell = ws.cell(row=r, column=c)
        if cl.formula:
            cell.value = cl.formula
        elif cl.value is not None:
            cell.value = cl.value
            if isinstance(cl.value, str) and cl.value.startswith("="):
                cell.data_type = "s"
        font, fill, align, border = STYLES[cl.style]
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if align:
            cell.alignment = align
        if border:
            cell.border = border
        if cl.fmt:
            cell.number_format = cl.fmt
        if not cl.locked:
            cell.protection = Protection(locked=False)
    for r1, c1, r2, c2 in sl.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for c, width in sl.widths.items():
        ws.column_dimensions[a1.col_letter(c)].width = width
    for r, height in sl.heights.items():
        ws.row_dimensions[r].height = height
    if sl.freeze:
        ws.freeze_panes = a1.cell(*sl.freeze)
    for v in sl.validations:
        ws.add_data_validation(_validation(v))
    for rng in _runs(sl.highlights):
        top = rng.split(":")[0]
        for text, bg, fg in HIGHLIGHTS:
            rule = FormulaRule(
                formula=[f'ISNUMBER(SEARCH("{text}",{top}))'],
                fill=_fill(bg),
                font=Font(color=fg, bold=True),
                stopIfTrue=True,
            )
            ws.conditional_formatting.add(rng, rule)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    if sl.hidden:
        ws.sheet_state = "hidden"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4


def _validation(v: Validation) -> DataValidation:
    kw: dict = {
        "allow_blank": True,
        "showInputMessage": True,
        "promptTitle": v.prompt_title,
        "prompt": v.prompt,
    }
    if v.kind != "prompt":
        kw |= {
            "showErrorMessage": True,
            "errorStyle": "stop",
            "errorTitle": v.error_title,
            "error": v.error,
        }
    if v.kind == "list":
        dv = DataValidation(type="list", formula1=v.name, **kw)
    elif v.kind == "township":
        dv = DataValidation(
            type="list", formula1=f'INDIRECT("TW_"&MATCH({v.county},L_counties,0))', **kw
        )
    elif v.kind in ("whole", "decimal", "textLength"):
        dv = DataValidation(
            type=v.kind,
            operator="between",
            formula1=_num(v.minimum),
            formula2=_num(v.maximum),
            **kw,
        )
    elif v.kind == "custom":
        dv = DataValidation(type="custom", formula1=v.formula, **kw)
    else:
        dv = DataValidation(**kw)
    dv.add(v.sqref)
    return dv


def _num(x: float | None) -> str:
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)


def _runs(cells: list[str]) -> list[str]:
    """Merge single cells of one column into contiguous ranges (fewer conditional-format rules)."""
    by_col: dict[int, list[int]] = defaultdict(list)
    for ref in cells:
        r, c = a1.parse_cell(ref)
        by_col[c].append(r)
    out = []
    for c, rows in sorted(by_col.items()):
        rows.sort()
        start = prev = rows[0]
        for r in [*rows[1:], None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            out.append(a1.area(start, c, prev, c))
            if r is not None:
                start = prev = r
    return out
