"""master.xlsx for program managers: one Excel Table per entity and a 摘要 sheet with pivots and
native charts. Text that a spreadsheet could run (= + - @ tab CR) is written as marked literal
text; ``redact`` masks the personal data the spec marks as personal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

SHEETS = (
    # (register table, sheet title, Excel table name, columns first in that order)
    (
        "proposals",
        "提案",
        "Proposals",
        (
            "cluster_name",
            "category",
            "cluster_type",
            "route",
            "unit_name",
            "unit_ubn",
            "status",
            "errors",
            "members_count",
            "budget_total",
            "sme_share",
            "small_share",
            "tier_share",
            "diverse_share",
            "bonus_diverse",
            "bonus_tier",
            "bonus_small",
            "revision",
        ),
    ),
    (
        "members",
        "成員",
        "Members",
        (
            "cluster_name",
            "name",
            "role",
            "ubn",
            "county",
            "township",
            "tier",
            "employees",
            "capital",
            "is_sme",
            "is_small",
            "is_diverse",
        ),
    ),
    (
        "budget",
        "經費",
        "Budget",
        ("cluster_name", "category", "item", "unit_price", "quantity", "amount"),
    ),
    (
        "kpis",
        "績效指標",
        "KPIs",
        ("cluster_name", "kind", "facet", "name", "midterm", "final", "total", "split_ok"),
    ),
    (
        "assessment_scores",
        "自我評估",
        "SelfAssessment",
        ("cluster_name", "facet", "initial", "target"),
    ),
    ("digital_tools", "數位工具", "DigitalTools", ("cluster_name", "category", "name", "purpose")),
    (
        "findings",
        "檢核結果",
        "Findings",
        ("cluster_name", "severity", "rule", "sheet", "cell", "message", "value"),
    ),
)
DROP = ("submission_id", "pos")
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_TEXT = 32_767  # Excel's limit on the characters of one cell


def _cell_text(text: str) -> str:
    """Text a cell can hold: control characters shown as \\xNN, cut at Excel's limit."""
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)[:MAX_TEXT]


def personal_columns(program: str = "dc112") -> dict[str, set[str]]:
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


def mask(value: Any) -> Any:
    """王小明 → 王○○; 0912345678 → ＊＊＊＊＊＊＊678; name@example.com → n＊＊＊@example.com."""
    if not isinstance(value, str) or not value:
        return value
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}＊＊＊@{domain}"
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6:
        return "＊" * (len(digits) - 3) + digits[-3:]
    return value[:1] + "○" * max(len(value) - 1, 1)


def redact(frames: dict[str, pd.DataFrame], program: str = "dc112") -> dict[str, pd.DataFrame]:
    """Mask personal columns everywhere, and every personal value quoted inside findings."""
    columns = personal_columns(program)
    secrets: dict[str, str] = {}
    out = {}
    for name, frame in frames.items():
        frame = frame.copy()
        for col in columns.get(name, set()) & set(frame.columns):
            for v in frame[col].dropna().unique():
                if isinstance(v, str) and v:
                    secrets[v] = mask(v)
            frame[col] = frame[col].map(mask)
        out[name] = frame
    if "findings" in out and secrets:
        ordered = sorted(secrets, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(s) for s in ordered))
        for col in ("message", "value"):
            out["findings"][col] = out["findings"][col].map(
                lambda t: pattern.sub(lambda m: secrets[m.group(0)], t) if isinstance(t, str) else t
            )
    return out


def summary_tables(frames: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame]]:
    """The pivots of the 摘要 sheet."""
    import pandas as pd

    from clusterbook.register import pivot

    p = frames["proposals"]
    out = [
        ("群聚數：提案類別 × 群聚型態", pivot(frames, "proposals", "cluster_type", "category")),
        ("群聚數：縣市 × 分群（依成員所在地）", pivot(frames, "members", "county", "tier")),
        (
            "經費：預算運用類別 × 群聚型態（元）",
            pivot(frames, "budget", "category", "cluster_type", "amount", "sum"),
        ),
    ]
    by = frames["members"].groupby("cluster_name")
    shares = (
        pd.DataFrame(
            {
                "成員數": by.size(),
                "中小企業占比": by["is_sme"].mean(),
                "小規模企業占比": by["is_small"].mean(),
            }
        )
        .rename_axis("群聚")
        .reset_index()
    )
    out.append(("成員：中小企業與小規模企業占比", shares))
    eligible = p.groupby("status").size().rename("群聚數").reset_index()
    out.append(("資格檢核結果", eligible))
    return out


def export(frames: dict[str, pd.DataFrame], output: str | Path, *, redacted: bool = False) -> Path:
    """Write master.xlsx and return its path."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from clusterbook.workbook.xlsx import workbook_bytes

    if redacted:
        frames = redact(frames)
    wb = Workbook()
    summary = wb.active
    summary.title = "摘要"
    row = 1
    summary.cell(row=1, column=1, value="數位群聚提案總表摘要").font = Font(bold=True, size=14)
    row = 3
    for title, table in summary_tables(frames):
        summary.cell(row=row, column=1, value=title).font = Font(bold=True)
        top = row + 1
        _write_frame(summary, table, top, 1)
        if len(table) and len(table.columns) > 1 and title.startswith(("群聚數", "經費")):
            chart = BarChart()
            chart.title = title
            chart.type = "col"
            chart.height, chart.width = 7, 16
            data = Reference(
                summary,
                min_col=2,
                max_col=len(table.columns),
                min_row=top,
                max_row=top + len(table),
            )
            cats = Reference(summary, min_col=1, min_row=top + 1, max_row=top + len(table))
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(cats)
            summary.add_chart(chart, f"{get_column_letter(len(table.columns) + 3)}{row}")
            row = max(row + len(table) + 3, row + 16)
        else:
            row += len(table) + 3
    summary.column_dimensions["A"].width = 30
    for name, title, display, first in SHEETS:
        frame = frames.get(name)
        if frame is None:
            continue
        cols = [c for c in first if c in frame.columns] + [
            c for c in frame.columns if c not in first and c not in DROP
        ]
        frame = frame[cols]
        ws = wb.create_sheet(title)
        _write_frame(ws, frame, 1, 1)
        ref = f"A1:{get_column_letter(max(len(cols), 1))}{max(len(frame) + 1, 2)}"
        table = Table(displayName=display, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
        ws.freeze_panes = "B2"
        for i, c in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 40 if c == "message" else 14
    output = Path(output)
    output.write_bytes(workbook_bytes(wb))
    return output


def _write_frame(ws, frame: pd.DataFrame, top: int, left: int) -> None:
    import pandas as pd
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for j, col in enumerate(frame.columns):
        ws.cell(row=top, column=left + j, value=str(col)).font = bold
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(values):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            cell = ws.cell(row=top + i, column=left + j)
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, str):
                value = _cell_text(value)
            cell.value = value
            if isinstance(value, str) and value.startswith(_RISKY):
                cell.data_type = "s"
                cell.quotePrefix = True
