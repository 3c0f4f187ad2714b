"""Write findings back into a copy of an .xlsx workbook: coloured cells, comments, a 檢核結果 sheet.

The original file is never modified. Nothing active is carried over: the copy is always .xlsx
(macros and templates become a plain workbook), external links and script hyperlinks are dropped,
and a formula is kept only where the template itself has that formula; any other formula (DDE,
WEBSERVICE … typed into an input cell) is kept as its literal text. Every text written is a
literal string, so nothing in it can run as a formula.

The copy goes back to the applicant: a finding whose message names another proposal (its
cluster, firms or people) shows the rule's ``applicant_message`` instead. Annotating a copy that
was annotated before first removes every mark the earlier run made (comments by
:data:`AUTHOR`, cells in the annotation colours back to the template's look), so only current
findings show.

A plain workbook (a filled template) is copied part by part, editing only what changes
(:mod:`clusterbook.annotate.parts`); any other goes through openpyxl, with the same result.

The copy is best effort: a workbook too large to copy safely (see :data:`COPY_LIMIT`), or one
openpyxl cannot read or write, gets a copy holding the 檢核結果 sheet alone, with a note saying
why. The list of findings is always written.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from clusterbook.findings import SEVERITIES, SEVERITY_LABELS, Finding, for_applicant, ordered

AUTHOR = "clusterbook"
"""The author of every comment an annotation writes (how a later run recognises its marks)."""
SUFFIX = ".檢核"
RESULTS_SHEET = "檢核結果"
COLOURS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
COLUMNS = (("嚴重度", 8), ("規則", 24), ("工作表", 14), ("儲存格", 9), ("訊息", 100), ("內容", 24))
COPY_LIMIT = 16 * 2**20
"""Largest total uncompressed size of the XML parts of a workbook copied (a template: ~1 MB)."""
MAX_TEXT = 32_767
"""Excel's limit on the characters of one cell."""
SAFE_SCHEMES = ("http://", "https://", "mailto:")
PATHS: Counter[str] = Counter()
"""How many copies this process wrote part by part ("parts") and through openpyxl ("openpyxl")."""
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def annotated_name(source: str) -> str:
    """``penghu.xlsx`` → ``penghu.檢核.xlsx`` (an annotated copy keeps its name)."""
    return f"{Path(source).stem.removesuffix(SUFFIX)}{SUFFIX}.xlsx"


def annotate_xlsx(source: str | Path, findings: list[Finding], output: str | Path) -> Path:
    """Copy ``source`` to ``output`` with every finding marked on its cell and listed."""
    from openpyxl import Workbook

    from clusterbook.outputs import ANNOTATED, mark
    from clusterbook.workbook.spec import load_program
    from clusterbook.workbook.xlsx import workbook_bytes

    data = Path(source).read_bytes()
    reason = _too_large(data)
    body = None
    if reason is None:
        body = _fast_copy(data, findings)
    if reason is None and body is None:
        try:
            body = workbook_bytes(_annotated_copy(data, findings))
            PATHS["openpyxl"] += 1
        except Exception as exc:  # the copy is best effort; the findings list must be written
            reason = f"原活頁簿無法複製（{type(exc).__name__}）"
    if body is None:
        wb = Workbook()
        wb.remove(wb.active)
        shown = for_applicant(findings, load_program())
        _results(wb, shown, note=f"{reason}，此檔只列出檢核結果，未保留原活頁簿內容。")
        mark(wb, ANNOTATED)
        body = workbook_bytes(wb)
    output = Path(output)
    output.write_bytes(body)
    return output


def _fast_copy(data: bytes, findings: list[Finding]) -> bytes | None:
    """The copy written part by part (:mod:`clusterbook.annotate.parts`), or None when the
    workbook needs the openpyxl path."""
    from clusterbook.annotate.parts import annotated_bytes

    try:
        body = annotated_bytes(data, findings)
    except Exception:  # NotPlain, or anything unforeseen: the openpyxl path decides
        return None
    PATHS["parts"] += 1
    return body


def _too_large(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            size = sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith(".xml"))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "原活頁簿無法開啟"
    if size > COPY_LIMIT:
        return f"原活頁簿的內容解壓縮後超過 {COPY_LIMIT // 2**20} MB"
    return None


def _annotated_copy(data: bytes, findings: list[Finding]):
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from clusterbook.outputs import ANNOTATED, mark
    from clusterbook.workbook.spec import load_program

    # a file object: no check of the file name's extension; keep_vba=False drops macros
    wb = load_workbook(io.BytesIO(data), keep_vba=False)
    wb.template = False  # an .xltx/.xltm template is written as a plain .xlsx workbook
    program = _program(wb)
    findings = for_applicant(findings, load_program(program))
    _defuse(wb, program)
    if RESULTS_SHEET in wb.sheetnames:
        del wb[RESULTS_SHEET]
    _unmark(wb, program)
    mark(wb, ANNOTATED)
    by_cell: dict[tuple[str, int, int], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            anchor = _anchor(wb[f.sheet], f.cell)
            if anchor is not None:
                by_cell[(f.sheet, *anchor)].append(f)
    for (sheet, row, col), items in by_cell.items():
        cell = wb[sheet].cell(row=row, column=col)
        colour = worst_colour(items)
        cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
        comment = Comment(note_text(items), AUTHOR)
        comment.width, comment.height = 360, note_height(items)
        cell.comment = comment
    _results(wb, findings)
    return wb


def _unmark(wb, program: str) -> None:
    """Remove what an earlier annotation left: its comments, and its colours (the cell gets the
    template's fill back; a fill the template itself has is left alone)."""
    from copy import copy

    from openpyxl.styles import PatternFill

    from clusterbook.workbook.layout import build_layout
    from clusterbook.workbook.xlsx import STYLES

    ours = set(COLOURS.values())
    marked = {i for i, fill in enumerate(wb._fills) if _solid(fill) in ours}  # fill ids to undo
    layout = {s.title: s.cells for s in build_layout(program).sheets}
    for ws in wb.worksheets:
        roles = layout.get(ws.title, {})
        for (row, col), cell in list(ws._cells.items()):
            comment = cell.comment
            if comment is not None and (comment.author or "").strip() == AUTHOR:
                cell.comment = None
            if cell._style.fillId not in marked:
                continue
            spec = roles.get((row, col))
            fill = STYLES[spec.style][1] if spec is not None and spec.style in STYLES else None
            if fill is None:
                cell.fill = PatternFill()
            elif _solid(fill) != _solid(cell.fill):
                cell.fill = copy(fill)


def _solid(fill) -> str | None:
    """The colour of a solid fill as RRGGBB, or None."""
    rgb = getattr(fill.fgColor, "rgb", None) if fill is not None else None
    if getattr(fill, "fill_type", None) != "solid" or not isinstance(rgb, str):
        return None
    return rgb[-6:].upper()


def _anchor(ws, ref: str) -> tuple[int, int] | None:
    """(row, col) of the cell a finding is shown on: the top-left one of a merged range."""
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        row, col = coordinate_to_tuple(ref)
    except (ValueError, TypeError):
        return None
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, col


def _results(wb, findings: list[Finding], note: str | None = None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(RESULTS_SHEET, 0)
    for col, (head, width) in enumerate(COLUMNS, start=1):
        c = ws.cell(row=1, column=col, value=head)
        c.font = Font(bold=True)
        ws.column_dimensions[c.column_letter].width = width
    listed = ordered(findings, wb.sheetnames)
    for row, f in enumerate(listed, start=2):
        for col, value in enumerate(results_row(f), start=1):
            _put(ws.cell(row=row, column=col), value)
            ws.cell(row=row, column=col).alignment = Alignment(wrap_text=col == 5, vertical="top")
        colour = COLOURS[f.severity]
        ws.cell(row=row, column=1).fill = PatternFill("solid", start_color=colour, end_color=colour)
        if f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(row=row, column=4)
            link.hyperlink = f"#'{f.sheet}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    if note:
        _put(ws.cell(row=len(listed) + 3, column=1), "說明")
        _put(ws.cell(row=len(listed) + 3, column=5), note)
    ws.freeze_panes = "A2"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False


def worst_colour(items: list[Finding]) -> str:
    """The fill of a cell with these findings: the colour of the most severe."""
    return COLOURS[min(items, key=lambda f: SEVERITIES.index(f.severity)).severity]


def note_text(items: list[Finding]) -> str:
    """The comment on a cell with these findings (literal text)."""
    return _literal(
        "\n\n".join(f"[{SEVERITY_LABELS[f.severity]} {f.rule}] {f.message}" for f in items)
    )


def note_height(items: list[Finding]) -> int:
    """The comment box's height in pixels (it is 360 wide)."""
    return min(60 + 40 * len(items), 400)


def results_row(f: Finding) -> tuple[str, ...]:
    """A finding's row on the 檢核結果 sheet, in the order of :data:`COLUMNS`."""
    value = "" if f.value is None else str(f.value)
    return (SEVERITY_LABELS[f.severity], f.rule, f.sheet, f.cell, f.message, value)


def _put(cell, value: Any) -> None:
    """Literal text: a value like "=cmd|..." never becomes a formula."""
    cell.value = _literal("" if value is None else str(value))
    cell.data_type = "s"


def _literal(text: str) -> str:
    """Text a worksheet can hold: control characters shown as \\x01, at most 32,767 characters."""
    text = _ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _defuse(wb, program: str) -> None:
    """Drop external links and script hyperlinks; keep only the template's own formulas."""
    expected = _template_formulas(program)
    wb._external_links = []
    for name in list(wb.defined_names):
        if _linked(wb.defined_names[name].attr_text):
            del wb.defined_names[name]
    for ws in wb.worksheets:
        for name in list(ws.defined_names):
            if _linked(ws.defined_names[name].attr_text):
                del ws.defined_names[name]
        allowed = expected.get(ws.title, {})
        for (row, col), cell in list(ws._cells.items()):
            link = cell.hyperlink
            if link is not None and link.target and not _safe(link.target):
                cell.hyperlink = None
            if cell.data_type == "f":
                _keep_or_literal(cell, allowed.get((row, col)))


def _linked(text: str | None) -> bool:
    """A defined name pointing into another workbook or at a DDE server."""
    return bool(text) and ("[" in text or "|" in text)


def _safe(target: str) -> bool:
    return target.startswith("#") or _CONTROL.sub("", target).lower().startswith(SAFE_SCHEMES)


def _keep_or_literal(cell, normalized: str | None) -> None:
    from clusterbook.checks.formulas import normalize_formula

    value = cell.value
    text = value if isinstance(value, str) else getattr(value, "text", None)
    if isinstance(text, str) and normalized is not None and normalize_formula(text) == normalized:
        return
    cell.value = _literal(text if isinstance(text, str) else str(value))
    cell.data_type = "s"


def _program(wb) -> str:
    """The program recorded in the workbook's ``_meta`` sheet (the default one if none)."""
    from clusterbook.workbook.grid import META_SHEET
    from clusterbook.workbook.programs import DEFAULT_PROGRAM, available_programs

    if META_SHEET in wb.sheetnames:
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if len(row) == 2 and row[0] == "program" and row[1] in available_programs():
                return row[1]
    return DEFAULT_PROGRAM


def _template_formulas(program: str) -> dict[str, dict[tuple[int, int], str]]:
    """The normalised formula of every formula cell of the program's template, by sheet."""
    from clusterbook.checks.formulas import expected_formulas

    return {
        title: {(r, c): normalized for r, c, _f, normalized, _fid, _i in cells}
        for title, cells in expected_formulas(program).items()
    }
