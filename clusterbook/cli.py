"""The clusterbook command line: parses arguments, calls the library, renders results, exits.

Heavy modules (pandas, openpyxl, gspread) are imported inside the commands so ``--help`` is instant.
Exit codes: 0 clean, 1 findings of severity error, 2 unusable input or usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="clusterbook",
    help="數位群聚輔導提案工具：產生提案活頁簿、檢核填寫內容、彙整總表。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

ProgramOpt = Annotated[
    str, typer.Option("--program", "-p", help="提案規格（templates/ 下的資料夾名稱）。")
]


class UsageError(Exception):
    """Bad input the user can fix; reported in one line with exit code 2."""


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@app.command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="輸出的 .xlsx 路徑。")] = Path(
        "proposal.xlsx"
    ),
    program: ProgramOpt = "dc112",
) -> None:
    """產生提案活頁簿範本 (.xlsx)：下拉選單、自動計算、資格檢核、欄位對照表。"""
    from clusterbook.workbook.xlsx import template_bytes

    data = template_bytes(program)
    output.write_bytes(data)
    _console().print(f"已產生提案範本：{output}（{len(data):,} bytes，規格 {program}）")


@app.command()
def fields(
    program: ProgramOpt = "dc112",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table 或 json。")] = "table",
) -> None:
    """列出欄位對照表（與活頁簿隱藏工作表 _meta 相同）：field_id, label, sheet, range。"""
    from clusterbook.workbook.layout import build_layout

    layout = build_layout(program)
    rows = [
        {"field_id": r.field_id, "label": r.label, "sheet": r.sheet, "range": r.range}
        for r in layout.fields.values()
    ]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt != "table":
        raise UsageError(f"--format 只接受 table 或 json，收到 {fmt!r}")
    from rich.table import Table

    table = Table("field_id", "label", "sheet", "range", title=f"欄位對照表（{program}）")
    for r in rows:
        table.add_row(r["field_id"], r["label"], r["sheet"], r["range"])
    _console().print(table)


def main() -> None:
    """Console entry point: run the app and turn every failure into a message and exit code 2."""
    try:
        app()
    except Exception as exc:
        from clusterbook.workbook.spec import SpecError

        known = isinstance(exc, UsageError | SpecError | OSError)
        prefix = "錯誤" if known else f"未預期的錯誤（{type(exc).__name__}）"
        _console(stderr=True).print(f"[red]{prefix}：[/red]{exc}")
        sys.exit(2)
