"""template, fields, rules: the workbook and the catalogs it is built from."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import ProgramOpt, UsageError, console, e


def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="輸出的 .xlsx 路徑。")] = Path(
        "proposal.xlsx"
    ),
    program: ProgramOpt = "dc112",
) -> None:
    """產生提案活頁簿範本 (.xlsx)：下拉選單、自動計算、資格檢核、欄位對照表。"""
    from clusterbook.workbook.cache import template_bytes

    data = template_bytes(program)
    output.write_bytes(data)
    console().print(f"已產生提案範本：{e(output)}（{len(data):,} bytes，規格 {e(program)}）")


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
    console().print(table)


def rules(
    program: ProgramOpt = "dc112",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table 或 json。")] = "table",
) -> None:
    """列出檢核規則目錄：規則代碼、嚴重度、名稱與說明。"""
    from clusterbook.findings import SEVERITY_LABELS
    from clusterbook.workbook.spec import load_program

    catalog = load_program(program).rules.values()
    if fmt == "json":
        rows = [
            {"rule": r.id, "severity": r.severity, "title": r.title, "description": r.description}
            for r in catalog
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt != "table":
        raise UsageError(f"--format 只接受 table 或 json，收到 {fmt!r}")
    from rich.table import Table

    table = Table("規則", "嚴重度", "名稱", box=None, padding=(0, 1))
    table.add_column("說明", overflow="fold", ratio=1)
    for r in catalog:
        table.add_row(r.id, SEVERITY_LABELS[r.severity], r.title, r.description)
    console().print(table)
