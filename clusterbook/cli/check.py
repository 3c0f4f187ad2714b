"""check: read filled workbooks, list findings, write annotated copies."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    SEVERITY_STYLE,
    CredentialsOpt,
    UsageError,
    console,
    e,
    progress,
)


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
    credentials: CredentialsOpt = None,
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
    with progress(len(sources)) as bar:
        task = bar.add_task("檢核中", total=len(sources))
        reports = check_many(
            sources,
            jobs=jobs or default_jobs(),
            credentials=credentials,
            proposals=False,
            progress=lambda _r: bar.advance(task),
        )
    findings = [f for r in reports for f in r.findings if f.severity in shown]
    if fmt == "json":
        sys.stdout.write(
            json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1) + "\n"
        )
    elif fmt == "csv":
        _write_csv(findings)
    else:
        _print_reports(reports, shown)
    if annotate is not None:
        _annotate_copies(reports, annotate)
    raise typer.Exit(exit_code(reports))


def _annotate_copies(reports, folder: Path) -> None:
    from clusterbook.annotate import annotate_xlsx, annotated_name
    from clusterbook.sources import is_google

    folder.mkdir(parents=True, exist_ok=True)
    err = console(stderr=True)
    for r in reports:
        if r.fatal or is_google(r.source):
            continue
        try:
            out = annotate_xlsx(r.source, r.findings, folder / annotated_name(r.source))
        except OSError as exc:
            err.print(f"[red]無法寫出標註副本[/red]：{e(r.source)}（{e(exc)}）")
            continue
        err.print(f"已寫出標註副本：{e(out)}")


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

    out = console()
    for r in reports:
        counts = r.counts()
        status = (
            "[red]無法讀取[/red]"
            if r.fatal
            else ("[red]有錯誤[/red]" if r.errors else "[green]通過[/green]")
        )
        summary = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in counts.items())
        out.print(f"[bold]{e(r.source)}[/bold]  {status}（{summary}）")
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
                f"[{style}]{SEVERITY_LABELS[f.severity]}[/{style}]", f.rule, e(where), e(text)
            )
        out.print(table)
