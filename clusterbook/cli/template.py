"""template, fields, rules: the workbook and the catalogs it is built from."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import ForceOpt, ProgramOpt, choice, console, e, output_file
from clusterbook.cli.wrap import definitions, width, wrap

TableOrJson = Annotated[
    str,
    typer.Option("--format", "-f", metavar="格式", help="輸出格式：table（表格）或 json。"),
]


def template(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="檔案",
            help="輸出的活頁簿檔名 (.xlsx)；已有同名檔案時，只覆寫 clusterbook 產生的空白範本。",
        ),
    ] = Path("proposal.xlsx"),
    program: ProgramOpt = "dc112",
    force: ForceOpt = False,
) -> None:
    """產生提案活頁簿範本 (.xlsx)：下拉選單、自動計算、資格檢核、欄位對照表。"""
    from clusterbook.outputs import TEMPLATE
    from clusterbook.workbook.cache import template_bytes

    output = output_file(output, TEMPLATE, force)
    data = template_bytes(program)
    output.write_bytes(data)
    console().print(f"已產生提案範本：{e(output)}（{len(data):,} 位元組，規格 {e(program)}）")


def fields(program: ProgramOpt = "dc112", fmt: TableOrJson = "table") -> None:
    """列出欄位對照表（與活頁簿隱藏的 _meta 工作表相同）：欄位代號、名稱、工作表、儲存格範圍。"""
    from clusterbook.workbook.layout import build_layout

    fmt = choice("--format", fmt, ("table", "json"))
    layout = build_layout(program)
    rows = [
        {"field_id": r.field_id, "label": r.label, "sheet": r.sheet, "range": r.range}
        for r in layout.fields.values()
    ]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    out = console()
    total = width()
    out.print(f"[bold]欄位對照表（規格 {e(program)}）[/bold]")
    for sheet in dict.fromkeys(r["sheet"] for r in rows):
        out.print(f"\n[bold]{e(sheet)}[/bold]（儲存格範圍、欄位代號、名稱）")
        mine = [r for r in rows if r["sheet"] == sheet]
        span = max(len(r["range"]) for r in mine)
        items = [(f"{r['range'].ljust(span)}  {r['field_id']}", r["label"]) for r in mine]
        for line in definitions(items, total):
            out.print(e(line))


def rules(program: ProgramOpt = "dc112", fmt: TableOrJson = "table") -> None:
    """列出檢核規則目錄：規則代碼、嚴重度、名稱與說明。"""
    from clusterbook.findings import SEVERITY_LABELS
    from clusterbook.workbook.spec import load_program

    fmt = choice("--format", fmt, ("table", "json"))
    catalog = load_program(program).rules.values()
    if fmt == "json":
        rows = [
            {"rule": r.id, "severity": r.severity, "title": r.title, "description": r.description}
            for r in catalog
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    out = console()
    total = width()
    out.print(f"[bold]檢核規則（規格 {e(program)}，共 {len(catalog)} 條）[/bold]")
    for r in catalog:
        out.print(f"\n[bold]{e(r.id)}[/bold]  {SEVERITY_LABELS[r.severity]}  {e(r.title)}")
        for line in wrap(r.description, total - 2):
            out.print("  " + e(line))
