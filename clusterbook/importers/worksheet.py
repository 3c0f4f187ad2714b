"""The cells and merged ranges of one worksheet's XML (UTF-8, as :func:`xmltext.plain_xml`
gives it), parsed with patterns that run in linear time whatever the input.

The shapes openpyxl, Excel and LibreOffice write most often match one pattern in one step;
anything else (attribute order, namespace prefixes, rich text, shared formulas) takes a general
path. Cells are placed by their ``r`` attribute; in a sheet where one has none (optional in the
format), every cell is placed as openpyxl places it: the next column, in the row of the last
``<row>`` (its ``r``, or the row after the last one).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from clusterbook.importers.rawbook import RawSheet
from clusterbook.importers.xmltext import NS, inner, string_item, text
from clusterbook.workbook import a1

Strings = Callable[[], list[str]]
"""The shared string table, read on first use."""

_ANY_CELL = re.compile(
    # the usual shape in one match: r, optional s and t, an optional plain formula, a value
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?>'
    rb"(?:<f>([^<]*)</f>)?(?:<v>([^<]*)</v>|<v ?/>|<is><t>([^<]*)</t></is>)?</c>"
    # anything else (attribute order, prefixes, rich text, shared formulas, no r): the general
    # path, in linear time (see xmltext.element)
    rb"|<" + NS + rb"c(\s[^<>]*+)?(?<!/)>" + inner(rb"c") + rb"</" + NS + rb"c>"
)
_IN_ORDER = re.compile(
    # a sheet whose cells lack r is read in order: rows (r optional) and empty cells count too;
    # these tags capture nothing (the groups stay those of _ANY_CELL)
    _ANY_CELL.pattern + rb"|<" + NS + rb"row(?:\s[^<>]*+)?/?>|<" + NS + rb"c(?:\s[^<>]*?)?/>"
)
_ROW_TAG = re.compile(rb"<" + NS + rb"row")
_ATTR_R = re.compile(rb'(?<![\w:.-])r="([A-Z]{1,3})(\d{1,7})"')
_HAS_R = re.compile(rb"(?<![\w:.-])r\s*=")
_ROW_R = re.compile(rb'(?<![\w:.-])r="(\d{1,9})"')
_ATTR_T = re.compile(rb'\bt="(\w{1,16})"')
_VALUE = re.compile(rb"<" + NS + rb"v>([^<]*)</" + NS + rb"v>")
_FORMULA = re.compile(rb"<" + NS + rb"f(\s[^<>]*?)?(?:/>|>([^<]*)</" + NS + rb"f>)")
_SHARED = re.compile(rb'\bsi="(\d{1,9})"')
_MERGE = re.compile(rb"<" + NS + rb'mergeCell\s+ref="([A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?)"')


def parse_sheet(title: str, data: bytes, strings: Strings, max_row: int) -> RawSheet:
    """Non-empty cells as (value, formula) down to ``max_row``, and merged ranges."""
    cells = _cells(data, strings, max_row, in_order=False)
    if cells is None:  # a cell without r: its position follows from the cells before it
        cells = _cells(data, strings, max_row, in_order=True)
    merged = [a1.parse_area(m.group(1).decode()) for m in _MERGE.finditer(data)]
    return RawSheet(title, cells, merged)


def _cells(data: bytes, strings: Strings, max_row: int, *, in_order: bool) -> dict | None:
    """Cells by position; None when one has no r, unless ``in_order``."""
    cells: dict[tuple[int, int], tuple[object, str | None]] = {}
    shared: dict[bytes, tuple[int, int, object]] = {}
    columns: dict[bytes, int] = {}
    line = col = 0  # where the previous row and cell were (in order)
    for m in (_IN_ORDER if in_order else _ANY_CELL).finditer(data):
        letters, number, kind, ftext, vtext, itext, attrs, content = m.groups()
        if letters is None:  # the general path
            if content is None:  # in order: a row, or an empty cell
                line, col = _advance(m.group(), line, col)
                continue
            ref = _ATTR_R.search(attrs) if attrs else None
            if ref is not None:
                letters, number = ref.groups()
            elif attrs and _HAS_R.search(attrs):
                continue  # a reference that is not one
            elif not in_order:
                return None
            t = _ATTR_T.search(attrs) if attrs else None
            kind = t.group(1) if t else None
        if letters is None:
            row, col = line, col + 1
        else:
            row = int(number)
            col = columns.get(letters) or columns.setdefault(
                letters, a1.col_number(letters.decode())
            )
        if row > max_row:
            continue
        formula = None
        if content is not None:
            fm = _FORMULA.search(content)
            if fm is not None:
                formula = _formula(fm, row, col, shared)
            if kind == b"inlineStr":
                value = string_item(content)
            else:
                vm = _VALUE.search(content)
                value = _value(kind, None if vm is None else vm.group(1), strings)
        else:
            if ftext:
                formula = "=" + text(ftext)
            value = (
                (None if itext is None else text(itext))
                if kind == b"inlineStr"
                else _value(kind, vtext, strings)
            )
        if formula is None and (value is None or value == ""):
            continue
        cells[(row, col)] = (value, formula)
    return cells


def _value(kind: bytes | None, vtext: bytes | None, strings: Strings) -> object:
    if vtext is None:
        return None
    if kind == b"s":
        table = strings()
        idx = _index_of(vtext)
        return table[idx] if 0 <= idx < len(table) else None
    if kind in (b"str", b"e"):
        return text(vtext)
    if kind == b"b":
        return vtext.strip() == b"1"
    if kind == b"d":  # an ISO 8601 date (t="d"), rarely written
        return _iso_date(vtext)
    return _number(vtext) if vtext else None


def _formula(fm: re.Match, row: int, col: int, shared: dict) -> str | None:
    """The formula text; shared formulas (Excel) are translated from their master cell."""
    fattrs, body = fm.group(1) or b"", fm.group(2)
    si = _SHARED.search(fattrs) if b"shared" in fattrs else None
    if body:
        formula = "=" + text(body)
        if si is not None:
            shared[si.group(1)] = (row, col, formula)
        return formula
    if si is not None and si.group(1) in shared:
        from openpyxl.formula.translate import Translator

        r0, c0, master = shared[si.group(1)]
        try:
            if isinstance(master, str):  # tokenise the master once, not once per cell
                master = Translator(master, origin=a1.cell(r0, c0))
                shared[si.group(1)] = (r0, c0, master)
            return master.translate_formula(a1.cell(row, col))
        except Exception:  # openpyxl's tokenizer on a formula Excel would not have written
            shared.pop(si.group(1))
            return None
    return None


def _advance(tag: bytes, line: int, col: int) -> tuple[int, int]:
    """Row and column after a row tag (its r or the next row; no column yet) or an empty cell
    (its r or the next column)."""
    if _ROW_TAG.match(tag):
        r = _ROW_R.search(tag)
        return (int(r.group(1)) if r else line + 1), 0
    ref = _ATTR_R.search(tag)
    return line, (a1.col_number(ref.group(1).decode()) if ref else col + 1)


def _index_of(raw: bytes) -> int:
    """A shared-string index; -1 for anything that is not a small number."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else -1


def _number(raw: bytes) -> int | float | str:
    try:
        x = float(raw)
    except ValueError:
        return text(raw)
    if x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def _iso_date(raw: bytes) -> dt.datetime | str:
    value = text(raw).strip()
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return value
