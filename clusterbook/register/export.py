"""master.xlsx for program managers, in their language.

One Excel Table per register table, headed by the form's zh-TW labels (unique within the
table; a 欄位對照 sheet maps them to the column ids), with amounts, counts, shares, yes/no and
民國 dates carried as typed, formatted cells; a 摘要 sheet of live formulas and charts over the
Tables (:mod:`clusterbook.register.summary`). Text that a spreadsheet could run (= + - @ tab
CR) is written as marked literal text; ``redacted`` masks personal data (:func:`redact`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from clusterbook.register.columns import (
    PAGE_PT,
    Column,
    RegisterSpec,
    TableInfo,
    blank,
    points,
    register_spec,
    width,
)
from clusterbook.workbook.programs import DEFAULT_PROGRAM

if TYPE_CHECKING:
    import pandas as pd

_RISKY = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_TEXT = 32_767  # Excel's limit on the characters of one cell
MAX_WIDTH = 48  # characters: longer text is cut off on screen, whole in the cell
SAMPLE = 2_000  # rows looked at to size a column
MAP_SHEET = ("欄位對照", "ColumnMap")
MIN_PRINT_SCALE = 0.4  # a table wider than this fits prints its first columns (register.yaml)


def _cell_text(text: str) -> str:
    """Text a cell can hold: control characters shown as \\xNN, cut at Excel's limit."""
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)[:MAX_TEXT]


def put(ws, row: int, column: int, value: Any):
    """Write a value; text is always literal (= + - @ … never become a formula)."""
    if isinstance(value, str):
        value = _cell_text(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(_RISKY):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


# ------------------------------------------------------------------------------ redaction
def personal_columns(program: str = DEFAULT_PROGRAM) -> dict[str, set[str]]:
    """By register table, the columns holding personal data: fields marked ``personal``, and
    every phone and e-mail field."""
    from clusterbook.register.store import TABLE_NAMES, proposal_column
    from clusterbook.workbook.spec import load_program

    out: dict[str, set[str]] = {}
    for fid, f in load_program(program).fields.items():
        if not (f.personal or f.type in ("phone", "email")):
            continue
        if f.table:
            out.setdefault(TABLE_NAMES.get(f.table) or f.table, set()).add(f.name)
        else:
            out.setdefault("proposals", set()).add(proposal_column(fid))
    return out


def quasi_columns(program: str = DEFAULT_PROGRAM) -> dict[str, set[str]]:
    """By register table, what identifies a person beside a masked name: the other input
    columns of a form group holding a ``personal`` field (企業負責人 性別, 屬性, 年齡 …)."""
    from clusterbook.register.store import TABLE_NAMES
    from clusterbook.workbook.spec import load_program

    out: dict[str, set[str]] = {}
    for t in load_program(program).tables.values():
        groups = {c.group for c in t.columns if c.personal and c.group}
        names = {
            c.name
            for c in t.columns
            if c.group in groups
            and c.is_input
            and not c.personal
            and c.type not in ("phone", "email")
        }
        if names and TABLE_NAMES.get(t.id, t.id):
            out[TABLE_NAMES.get(t.id) or t.id] = names
    return out


def mask(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """王小明 → 王○○; 0912345678 → ＊＊＊＊＊＊＊678; name@example.com → n＊＊＊@example.com.
    Values in ``keep`` (無, 不適用 … : not personal data) stay."""
    if not isinstance(value, str) or not value or value.strip() in keep:
        return value
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}＊＊＊@{domain}"
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6:
        return "＊" * (len(digits) - 3) + digits[-3:]
    return value[:1] + "○" * (len(value) - 1) if len(value) > 1 else "○"


def file_name(source: Any) -> Any:
    """A local path without its folders (``/home/x/a.xlsx`` → ``a.xlsx``); addresses stay."""
    if not isinstance(source, str) or "://" in source:
        return source
    return (PureWindowsPath if "\\" in source else PurePosixPath)(source).name or source


def redact(
    frames: dict[str, pd.DataFrame], program: str = DEFAULT_PROGRAM
) -> dict[str, pd.DataFrame]:
    """Mask personal columns and, beside them, the columns that would re-identify the person;
    source paths keep only the file name; findings quote none of the masked values."""
    spec = register_spec(program)
    personal, quasi = personal_columns(program), quasi_columns(program)
    secrets: dict[str, str] = {}
    out = {}
    for name, frame in frames.items():
        frame = frame.copy()
        for col in personal.get(name, set()) & set(frame.columns):
            for v in frame[col].dropna().unique():
                if isinstance(v, str) and len(v.strip()) > 1 and v.strip() not in spec.not_personal:
                    secrets[v] = mask(v)
            frame[col] = frame[col].map(lambda v: mask(v, spec.not_personal))
        for col in quasi.get(name, set()) & set(frame.columns):
            frame[col] = frame[col].map(lambda v: v if blank(v) else spec.masked)
        if "source" in frame.columns and name in ("proposals", "submissions"):
            for v in frame["source"].dropna().unique():
                if file_name(v) != v:
                    secrets[v] = file_name(v)
            frame["source"] = frame["source"].map(file_name)
        out[name] = frame
    if "findings" in out and secrets:
        ordered = sorted(secrets, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(s) for s in ordered))
        for col in ("message", "value"):
            out["findings"][col] = out["findings"][col].map(
                lambda t: pattern.sub(lambda m: secrets[m.group(0)], t) if isinstance(t, str) else t
            )
    return out


# ------------------------------------------------------------------------------ workbook
def export(
    frames: dict[str, pd.DataFrame],
    output: str | Path,
    *,
    redacted: bool = False,
    program: str = DEFAULT_PROGRAM,
) -> Path:
    """Write master.xlsx and return its path."""
    from openpyxl import Workbook

    from clusterbook.outputs import MASTER, mark
    from clusterbook.register.summary import write_summary
    from clusterbook.workbook.xlsx import workbook_bytes

    spec = register_spec(program)
    if redacted:
        frames = redact(frames, program)
    wb = Workbook()
    wb.active.title = "摘要"
    written: dict[str, tuple[TableInfo, list[Column], pd.DataFrame]] = {}
    for info in spec.tables.values():
        frame = frames.get(info.id)
        if frame is None or not info.export:
            continue
        columns = spec.columns(info.id, frame.columns)
        _write_table(wb.create_sheet(info.sheet), info, columns, frame, spec)
        written[info.id] = (info, columns, frame)
    _write_map(wb, written, spec)
    write_summary(wb["摘要"], written, spec)
    mark(wb, MASTER)
    output = Path(output)
    output.write_bytes(workbook_bytes(wb))
    return output


def _write_table(
    ws, info: TableInfo, columns: list[Column], frame: pd.DataFrame, spec: RegisterSpec
) -> None:
    """One Excel Table: zh-TW headers, typed and formatted cells, sized columns, print setup."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    header = Alignment(wrap_text=True, vertical="center")
    fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    for j, col in enumerate(columns, start=1):
        cell = put(ws, 1, j, col.label)
        cell.font, cell.alignment, cell.fill = Font(bold=True), header, fill
    lines, sizes = 1, []
    for j, col in enumerate(columns, start=1):
        values = [spec.value(col, v) for v in frame[col.id]]
        fmt = spec.formats.get(col.kind)
        for i, value in enumerate(values, start=2):
            if value is None:
                continue
            cell = put(ws, i, j, value)
            if fmt and not isinstance(value, str):
                cell.number_format = fmt
        size = _width(col, values[:SAMPLE], spec)
        sizes.append(size)
        ws.column_dimensions[get_column_letter(j)].width = size
        lines = max(lines, min(math.ceil(width(col.label) / max(size - 2, 1)), 4))
    ws.row_dimensions[1].height = 15 * lines + 3
    last = get_column_letter(max(len(columns), 1))
    table = Table(displayName=info.name, ref=f"A1:{last}{max(len(frame) + 1, 2)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "B2"
    _print_setup(ws)
    ws.print_title_rows = "1:1"
    leading = sum(c.id in info.first for c in columns)
    if sum(points(w) for w in sizes) * MIN_PRINT_SCALE > PAGE_PT[0] and leading:
        ws.print_area = f"A1:{get_column_letter(leading)}{max(len(frame) + 1, 2)}"


def _width(col: Column, values: list[Any], spec: RegisterSpec) -> float:
    """A column width (in characters) that fits its header (on up to a few lines) and values."""
    fmt = spec.formats.get(col.kind, "")
    widest = 0
    for v in values:
        if v is None:
            continue
        if isinstance(v, str):
            w = width(v.split("\n", 1)[0])
        elif col.kind == "share":
            w = 7
        elif col.kind in ("date", "datetime"):
            w = len(spec.text(col, v))
        elif isinstance(v, int | float):
            w = len(f"{v:,.0f}") if "#,##0" in fmt else len(str(v))
        else:
            w = len(str(v))
        widest = max(widest, w)
        if widest >= MAX_WIDTH:
            break
    head = width(col.label)
    head = head if head <= 12 else max(12, math.ceil(head / 3))
    return float(min(max(widest, head, 4) + 3, MAX_WIDTH))


def _print_setup(ws) -> None:
    """Landscape A4, fitted to the page width, narrow margins."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.3, footer=0.3)


def _write_map(wb, written: dict, spec: RegisterSpec) -> None:
    """The 欄位對照 sheet: every header with its sheet, Table, column id and display type."""
    import pandas as pd

    rows = [
        {
            "sheet": info.sheet,
            "table": info.name,
            "table_id": info.id,
            "label": col.label,
            "id": col.id,
            "type": spec.type_labels.get(col.kind, col.kind),
            "field": col.field or "",
        }
        for info, columns, _ in written.values()
        for col in columns
    ]
    heads = {
        "sheet": "工作表",
        "table": "Excel 表格",
        "table_id": "資料表代碼",
        "label": "欄位名稱",
        "id": "欄位代碼",
        "type": "顯示類型",
        "field": "提案規格欄位",
    }
    frame = pd.DataFrame(rows, columns=list(heads))
    columns = [Column(k, v) for k, v in heads.items()]
    sheet, name = MAP_SHEET
    _write_table(
        wb.create_sheet(sheet), TableInfo("map", sheet, name, "筆數"), columns, frame, spec
    )
