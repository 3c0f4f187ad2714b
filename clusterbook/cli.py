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


@app.command()
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
            {"rule": r.id, "severity": r.severity, "title": r.title, "description": r.description} for r in catalog
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
    _console().print(table)


SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def _progress(total: int):
    """A progress bar on stderr for more than one input (nothing for a single file)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
        disable=total <= 1,
    )
    return progress


@app.command()
def check(
    sources: Annotated[
        list[str], typer.Argument(help="提案活頁簿 (.xlsx) 或 Google 試算表網址／金鑰，可多個。")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table、json 或 csv。")] = "table",
    annotate: Annotated[
        Path | None,
        typer.Option("--annotate", help="在此資料夾寫出標註檢核結果的副本（原檔不變）。"),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="平行處理的行程數（預設為 CPU 核心數）。")
    ] = 0,
    min_severity: Annotated[
        str, typer.Option("--severity", help="只顯示此嚴重度以上的結果：error、warning 或 info。")
    ] = "info",
) -> None:
    """檢核填好的提案活頁簿：逐格列出問題（工作表、儲存格、規則、說明）。

    結束代碼：0 無錯誤；1 有錯誤；2 有檔案無法讀取。
    """
    from clusterbook.batch import check_many, default_jobs
    from clusterbook.findings import SEVERITIES
    from clusterbook.report import exit_code

    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"--format 只接受 table、json 或 csv，收到 {fmt!r}")
    if min_severity not in SEVERITIES:
        raise UsageError(f"--severity 只接受 error、warning 或 info，收到 {min_severity!r}")
    shown = set(SEVERITIES[: SEVERITIES.index(min_severity) + 1])
    with _progress(len(sources)) as progress:
        task = progress.add_task("檢核中", total=len(sources))
        reports = check_many(
            sources, jobs=jobs or default_jobs(), progress=lambda _r: progress.advance(task)
        )
    if annotate is not None:
        _annotate_copies(reports, annotate)
    findings = [f for r in reports for f in r.findings if f.severity in shown]
    if fmt == "json":
        sys.stdout.write(
            json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1) + "\n"
        )
    elif fmt == "csv":
        _write_csv(findings)
    else:
        _print_reports(reports, shown)
    raise typer.Exit(exit_code(reports))


def _annotate_copies(reports, folder: Path) -> None:
    from clusterbook.annotate import annotate_xlsx, annotated_name
    from clusterbook.sources import is_google

    folder.mkdir(parents=True, exist_ok=True)
    console = _console(stderr=True)
    for r in reports:
        if r.proposal is None or is_google(r.source):
            continue
        out = annotate_xlsx(r.source, r.findings, folder / annotated_name(r.source))
        console.print(f"已寫出標註副本：{out}")


def _write_csv(findings) -> None:
    import csv

    writer = csv.writer(sys.stdout)
    columns = ("file", "sheet", "cell", "rule", "severity", "message", "value")
    writer.writerow(columns)
    for f in findings:
        d = f.as_dict()
        writer.writerow([_inert(d[c]) for c in columns])


def _inert(value) -> str:
    """CSV opened in a spreadsheet must not run anything: prefix formula-like text with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _print_reports(reports, shown: set[str]) -> None:
    from rich.table import Table

    from clusterbook.findings import SEVERITY_LABELS

    console = _console()
    for r in reports:
        counts = r.counts()
        status = (
            "[red]無法讀取[/red]"
            if r.fatal
            else ("[red]有錯誤[/red]" if r.errors else "[green]通過[/green]")
        )
        summary = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in counts.items())
        console.print(f"[bold]{r.source}[/bold]  {status}（{summary}）")
        rows = [f for f in r.findings if f.severity in shown]
        if not rows:
            continue
        table = Table(show_lines=False, expand=True, box=None, padding=(0, 1))
        table.add_column("嚴重度", no_wrap=True)
        table.add_column("規則", no_wrap=True)
        table.add_column("位置", no_wrap=True)
        table.add_column("說明", ratio=1, overflow="fold")
        for f in rows:
            style = SEVERITY_STYLE[f.severity]
            where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
            text = f.message.removeprefix(f"「{f.sheet}」工作表 {f.cell}：")
            table.add_row(
                f"[{style}]{SEVERITY_LABELS[f.severity]}[/{style}]", f.rule, where, text, style=None
            )
        console.print(table)


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
