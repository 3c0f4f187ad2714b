"""The reader's view and openpyxl's view of one workbook, in a form that compares, and a
builder for hand-written packages (every part's XML written by the test).

A view is ``{title: (cells, merged)}``: cells by (row, col) holding the formula text, or else
the value; merged ranges sorted. The documented representation differences are evened out:

- numbers compare as floats (the reader gives 7 for ``7.0``, openpyxl 7.0);
- a date cell is a serial in openpyxl's view too (the reader never reads number formats;
  openpyxl gives a ``datetime``), counted in the workbook's date system; so is an ISO 8601
  date cell (``t="d"``) in the reader's;
- openpyxl leaves OOXML ``_xHHHH_`` escapes undecoded: its text is decoded here;
- rows below ``Limits.max_row`` are not read;
- openpyxl drops the values of cells that a merged range covers (but its first cell): the
  reader keeps them (the checks report merged ranges in tables), they are left out here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, to_excel
from openpyxl.worksheet.formula import ArrayFormula

from clusterbook.importers.xlsx import LIMITS, read_xlsx_bytes

View = dict[str, tuple[dict[tuple[int, int], object], list[tuple[int, int, int, int]]]]
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="0"/><fonts count="1"><font/></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
"""Style 1 is a date (number format 14)."""


def worksheet(rows: str, after: str = "") -> str:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>{after}</worksheet>'


def shared_strings(*items: str) -> str:
    """A shared string table of ``<si>`` bodies (raw XML)."""
    body = "".join(f"<si>{item}</si>" for item in items)
    return f'<sst xmlns="{MAIN}" count="{len(items)}" uniqueCount="{len(items)}">{body}</sst>'


def package(
    sheets: dict[str, str],
    *,
    strings: str | None = None,
    workbook_pr: str = "",
    encode: Callable[[str, str], bytes] = lambda _name, xml: xml.encode("utf-8"),
) -> bytes:
    """A workbook from the XML of its sheets (by title), a shared string table and a
    ``<workbookPr>`` element; ``encode(part, xml)`` writes each XML part's bytes."""
    parts = {"xl/styles.xml": STYLES}
    overrides = [("xl/workbook.xml", "sheet.main"), ("xl/styles.xml", "styles")]
    rels = [("rIdS", "styles", "styles.xml")]
    entries = []
    for i, (title, xml) in enumerate(sheets.items(), 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        overrides.append((f"xl/worksheets/sheet{i}.xml", "worksheet"))
        rels.append((f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml"))
        entries.append(f'<sheet name="{title}" sheetId="{i}" r:id="rId{i}"/>')
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
        overrides.append(("xl/sharedStrings.xml", "sharedStrings"))
        rels.append(("rIdT", "sharedStrings", "sharedStrings.xml"))
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_pr}'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{_PACKAGE_RELS}">'
        + "".join(f'<Relationship Id="{i}" Type="{RELS}/{t}" Target="{p}"/>' for i, t, p in rels)
        + "</Relationships>"
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="/{p}" ContentType="{_TYPE}.{k}+xml"/>' for p, k in overrides
        )
        + "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, encode(name, xml))
    return out.getvalue()


def reader_view(data: bytes) -> View:
    book = read_xlsx_bytes(data, "compared.xlsx")
    epoch = CALENDAR_MAC_1904 if book.date1904 else WINDOWS_EPOCH
    view = {}
    for title in book.titles:
        sheet = book.sheet(title)
        hidden = {
            (r, c)
            for r1, c1, r2, c2 in sheet.merged
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1)
        }
        cells = {
            rc: _same(f if f else to_excel(v, epoch) if isinstance(v, dt.datetime) else v)
            for rc, (v, f) in sheet.cells.items()
            if rc not in hidden
        }
        view[title] = (cells, sorted(sheet.merged))
    return view


def openpyxl_view(data: bytes) -> View:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown extensions, missing default style …
        wb = openpyxl.load_workbook(io.BytesIO(data))
    view = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows(max_row=min(ws.max_row, LIMITS.max_row)):
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = value.text
                elif isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
                    value = to_excel(value, wb.epoch)
                elif isinstance(value, str) and "_x" in value:
                    value = _unescape(value)
                if value is not None and value != "":
                    cells[(cell.row, cell.column)] = _same(value)
        merged = sorted((r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells)
        view[ws.title] = (cells, merged)
    for ws in wb.chartsheets:  # titles only: they hold no cells
        view[ws.title] = ({}, [])
    return {title: view[title] for title in wb.sheetnames}


def _unescape(value: str) -> str:
    """``_xHHHH_`` decoded as Excel decodes it: a surrogate pair is one character, a lone half
    is not a character."""
    value = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _same(value: object) -> object:
    """Numbers as floats rounded to the microsecond of a day (dates read back by openpyxl)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return round(float(value), 9)
