"""import, register check, export, pivot: the master register."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    CredentialsOpt,
    RegisterOpt,
    UsageError,
    console,
    e,
    progress,
    require,
)

app = typer.Typer(help="總表資料庫的維護指令。", no_args_is_help=True)


def import_(
    sources: Annotated[
        list[str], typer.Argument(help="提案活頁簿 (.xlsx) 或 Google 試算表網址／金鑰，可多個。")
    ],
    register: RegisterOpt = Path("clusterbook.sqlite"),
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="平行檢核的行程數（預設為 CPU 核心數）。")
    ] = 0,
    credentials: CredentialsOpt = None,
) -> None:
    """檢核並匯入總表：同一提案（統一編號＋群聚名稱）內容變更即成為新版本，內容相同則不變。

    結束代碼：0 全部匯入且無錯誤；1 有提案含錯誤；2 有檔案無法讀取（其他檔案仍會匯入）。
    """
    from clusterbook.batch import default_jobs
    from clusterbook.findings import SEVERITY_LABELS
    from clusterbook.register import import_sources

    with progress(len(sources)) as bar:
        task = bar.add_task("匯入中", total=len(sources))
        summary = import_sources(
            sources,
            register,
            jobs=jobs or default_jobs(),
            credentials=credentials,
            progress=lambda _r: bar.advance(task),
        )
    out = console()
    labels = {
        "imported": "新匯入",
        "revision": "新版本",
        "unchanged": "未變更",
        "unreadable": "無法讀取",
    }
    for result, report in zip(summary.results, summary.reports, strict=True):
        rev = f" 第 {result.revision} 版" if result.revision else ""
        counts = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in report.counts().items())
        out.print(f"{labels[result.status]}{rev}：{e(result.source)}（{counts}）")
        for f in report.findings:
            if f.fatal:
                out.print(f"  [red]{e(f.message)}[/red]")
    cross = [f for findings in summary.cross.values() for f in findings]
    for f in cross:
        out.print(f"  [red]跨群聚 {f.rule}[/red] {e(f.message)}")
    totals = {k: sum(r.counts()[k] for r in summary.reports) for k in ("error", "warning", "info")}
    totals["error"] += sum(f.severity == "error" for f in cross)
    out.print(
        f"[bold]合計[/bold]：新匯入 {summary.count('imported')}、新版本 {summary.count('revision')}、"
        f"未變更 {summary.count('unchanged')}、無法讀取 {summary.count('unreadable')}；"
        + "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in totals.items())
        + f"（總表：{register}）"
    )
    raise typer.Exit(summary.exit_code)


@app.command("check")
def register_check(register: RegisterOpt = Path("clusterbook.sqlite")) -> None:
    """重新檢核跨群聚規則（同一負責人、同一企業、輔導單位為其他群聚成員）。"""
    from clusterbook.register import check as recheck

    require(register)
    findings = recheck(register)
    out = console()
    for f in findings:
        out.print(f"[red]{f.rule}[/red] {e(f.message)}")
    out.print(f"跨群聚檢核：{len(findings)} 項發現（總表：{e(register)}）")
    raise typer.Exit(1 if any(f.severity == "error" for f in findings) else 0)


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="輸出的 .xlsx 路徑。")] = Path(
        "master.xlsx"
    ),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="遮蔽個人資料：姓名、電話、E-Mail， 及可識別個人的負責人性別、年齡、屬性； 來源檔案只留檔名。",
        ),
    ] = False,
) -> None:
    """匯出總表 master.xlsx：每類資料一個 Excel 表格（中文欄名、金額與日期格式），摘要頁以公式即時彙總並附圖表。"""
    from clusterbook.register import load
    from clusterbook.register.export import export as write

    require(register)
    frames = load(register)
    if "proposals" not in frames or frames["proposals"].empty:
        raise UsageError(f"總表 {register} 中還沒有任何提案（請先以 clusterbook import 匯入）")
    out = write(frames, output, redacted=redact)
    console().print(f"已匯出總表：{e(out)}" + ("（已遮蔽個人資料）" if redact else ""))


def pivot(
    table: Annotated[
        str,
        typer.Option(
            "--table", "-t", help="資料表的工作表名稱或代號，例如 成員、經費、提案 或 members。"
        ),
    ],
    rows: Annotated[
        str,
        typer.Option("--rows", help="列的欄位：中文欄名、簡稱或代號， 例如 縣市、型態、county。"),
    ],
    columns: Annotated[str | None, typer.Option("--columns", help="欄的欄位，例如 分群。")] = None,
    values: Annotated[
        str | None, typer.Option("--values", help="要彙總的數值欄位，例如 金額。")
    ] = None,
    aggfunc: Annotated[str, typer.Option("--aggfunc", help="count、sum 或 mean。")] = "count",
    totals: Annotated[
        bool, typer.Option("--totals/--no-totals", help="加上合計列與合計欄（json 不加）。")
    ] = True,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="table、csv（UTF-8 含 BOM、中文欄名） 或 json（欄位代號）。"
        ),
    ] = "table",
    register: RegisterOpt = Path("clusterbook.sqlite"),
) -> None:
    """在終端機快速樞紐分析總表，例如各縣市成員的分群家數、各型態的經費合計。"""
    from clusterbook.register import load
    from clusterbook.register.pivot import make_pivot

    if fmt not in ("table", "csv", "json"):
        raise UsageError(f"--format 只接受 table、csv 或 json，收到 {fmt!r}")
    require(register)
    frames = load(register)
    try:
        result = make_pivot(
            frames, table, rows, columns, values, aggfunc, totals=totals and fmt != "json"
        )
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if fmt == "csv":
        sys.stdout.flush()
        sys.stdout.buffer.write(result.csv())
    elif fmt == "json":
        sys.stdout.write(result.frame.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        from rich.table import Table

        heads = result.headers()
        out = Table(title=e(result.title))
        for i, head in enumerate(heads):
            out.add_column(e(head), justify="left" if i == 0 else "right", overflow="fold")
        for i, row in enumerate(result.text_rows()):
            out.add_row(*map(e, row), end_section=totals and i == len(result.frame) - 2)
        console().print(out)
