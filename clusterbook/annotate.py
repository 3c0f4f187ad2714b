"""Write findings back into a copy of an .xlsx workbook: coloured cells, comments, a 檢核結果 sheet.

The original file is never modified. Macros are not carried over (the copy is always .xlsx),
and every text written is a literal string, so nothing in it can run as a formula.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from clusterbook.findings import SEVERITIES, SEVERITY_LABELS, Finding

RESULTS_SHEET = "檢核結果"
COLOURS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
COLUMNS = (("嚴重度", 8), ("規則", 24), ("工作表", 14), ("儲存格", 9), ("訊息", 100), ("內容", 24))


def annotated_name(source: str) -> str:
    return f"{Path(source).stem}.檢核.xlsx"


def annotate_xlsx(source: str | Path, findings: list[Finding], output: str | Path) -> Path:
    """Copy ``source`` to ``output`` with every finding marked on its cell and listed."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from clusterbook.workbook.xlsx import workbook_bytes

    wb = load_workbook(source)  # keep_vba defaults to False: macros are dropped
    if RESULTS_SHEET in wb.sheetnames:
        del wb[RESULTS_SHEET]
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    for (sheet, ref), items in by_cell.items():
        worst = min(items, key=lambda f: SEVERITIES.index(f.severity)).severity
        cell = wb[sheet][ref]
        colour = COLOURS[worst]
        cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
        text = "\n\n".join(f"[{SEVERITY_LABELS[f.severity]} {f.rule}] {f.message}" for f in items)
        comment = Comment(text, "clusterbook")
        comment.width, comment.height = 360, min(60 + 40 * len(items), 400)
        cell.comment = comment
    ws = wb.create_sheet(RESULTS_SHEET, 0)
    for col, (head, width) in enumerate(COLUMNS, start=1):
        c = ws.cell(row=1, column=col, value=head)
        c.font = Font(bold=True)
        ws.column_dimensions[c.column_letter].width = width
    ordered = sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
    for row, f in enumerate(ordered, start=2):
        values = (
            SEVERITY_LABELS[f.severity],
            f.rule,
            f.sheet,
            f.cell,
            f.message,
            "" if f.value is None else str(f.value),
        )
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=row, column=col)
            c.value = value
            c.data_type = "s"  # literal text: a value like "=cmd|..." never becomes a formula
            c.alignment = Alignment(wrap_text=col == 5, vertical="top")
        colour = COLOURS[f.severity]
        ws.cell(row=row, column=1).fill = PatternFill("solid", start_color=colour, end_color=colour)
        if f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(row=row, column=4)
            link.hyperlink = f"#'{f.sheet}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A2"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    output = Path(output)
    output.write_bytes(workbook_bytes(wb))
    return output
