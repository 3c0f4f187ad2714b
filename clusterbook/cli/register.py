"""import, register check, export, pivot: the master register."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    IMPORT_STATUS,
    SEVERITY_STYLE,
    CredentialsOpt,
    ForceOpt,
    JobsOpt,
    RegisterOpt,
    UsageError,
    YearOpt,
    choice,
    console,
    e,
    jobs,
    load_year,
    origin,
    output_file,
    progress,
    register_errors,
    require,
    status_tally,
    writable_register,
)
from clusterbook.cli.zh import Command, Group

app = typer.Typer(help="總表資料庫的維護指令。", cls=Group, no_args_is_help=True)


def import_(
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="檔案或網址",
            help="填好的提案活頁簿 (.xlsx)，或 Google 試算表的網址或金鑰；可以一次列多個。",
        ),
    ],
    register: RegisterOpt = Path("clusterbook.sqlite"),
    job_count: JobsOpt = None,
    credentials: CredentialsOpt = None,
) -> None:
    """檢核並匯入總表：同一提案（統一編號＋群聚名稱）內容變更即成為新版本，內容相同則不變。

    每個檔案都列出結論（符合／不符合，含跨群聚與輔導紀錄規則），以及跨群聚、輔導紀錄的錯誤與警告。

    結束代碼：0 全部匯入且無錯誤；1 有提案含錯誤；2 有檔案無法讀取（其他檔案仍會匯入）。
    """
    from clusterbook.cli.findings import counts_text, print_item, print_total
    from clusterbook.register import import_sources
    from clusterbook.register.columns import local_time

    writable_register(register)
    with progress(len(sources)) as bar, register_errors(register):
        task = bar.add_task("匯入中", total=len(sources))
        summary = import_sources(
            sources,
            register,
            jobs=jobs(job_count),
            credentials=credentials,
            progress=lambda _r: bar.advance(task),
        )
    out = console()
    for i, result in enumerate(summary.results):
        rev = f" 第 {result.revision} 版" if result.revision else ""
        found = summary.findings(i)
        verdict = "" if result.status == "unreadable" else f"{summary.verdict(i)}；"
        print_item(
            out,
            0,
            "",
            "default",
            f"{IMPORT_STATUS[result.status]}{rev}：{result.source}（{verdict}{counts_text(found)}）",
        )
        if result.same_as is not None:
            when = local_time(result.same_as_at)
            print_item(
                out,
                2,
                "",
                "default",
                f"內容與第 {result.same_as} 版相同，已設為目前版本"
                f"（第 {result.same_as} 版匯入於 {when}）。",
            )
        for f in summary.reports[i].findings:
            if f.fatal:
                print_item(out, 2, "", "red", f.message)
        for f in summary.cross.get(result.submission_id, []):
            if f.severity != "info":  # counted above; `register check` lists them all
                style = "red" if f.severity == "error" else "yellow"
                print_item(out, 2, f"{origin(f)} {f.rule}", style, f.message)
    print_item(out, 0, "", "default", f"匯入：{status_tally(summary)}（總表：{register}）")
    verdicts = [summary.verdict(i) for i in range(len(summary.results))]
    print_total(out, verdicts, [f for i in range(len(verdicts)) for f in summary.findings(i)])
    raise typer.Exit(summary.exit_code)


@app.command("check", cls=Command)
def register_check(register: RegisterOpt = Path("clusterbook.sqlite")) -> None:
    """重新檢核跨群聚規則（同一負責人、同一企業參與兩個群聚）及輔導紀錄規則（歷年輔導名單、停權名單）。"""
    from clusterbook.cli.findings import counts_text, print_item
    from clusterbook.findings import SEVERITY_LABELS
    from clusterbook.register import check as recheck

    require(register)
    with register_errors(register):
        findings = recheck(register)
    out = console()
    for f in findings:
        label = f"{SEVERITY_LABELS[f.severity]} {origin(f)} {f.rule}"
        print_item(out, 0, label, SEVERITY_STYLE[f.severity], f.message)
    out.print(
        f"跨群聚與輔導紀錄檢核：{len(findings)} 項發現（{counts_text(findings)}；總表：{e(register)}）"
    )
    raise typer.Exit(1 if any(f.severity == "error" for f in findings) else 0)


def export(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="檔案",
            help="輸出的活頁簿檔名 (.xlsx)；已有同名檔案時，只覆寫先前匯出的總表。",
        ),
    ] = Path("master.xlsx"),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    year: YearOpt = None,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="遮蔽個人資料：姓名、電話、E-Mail，及可識別個人的負責人性別、年齡、屬性；"
            "來源檔案只留檔名。",
        ),
    ] = False,
    force: ForceOpt = False,
) -> None:
    """匯出總表 master.xlsx：每類資料一個 Excel 表格（中文欄名、金額與日期格式），摘要頁以公式即時彙總並附圖表。"""
    from clusterbook.outputs import MASTER
    from clusterbook.register.export import export as write

    require(register)
    output = output_file(output, MASTER, force)
    frames = load_year(register, year)
    if "proposals" not in frames or frames["proposals"].empty:
        raise UsageError(f"總表 {register} 中還沒有任何提案：請先以 clusterbook import 匯入。")
    out = write(frames, output, redacted=redact)
    status = frames["proposals"]["status"].value_counts()
    tally = "、".join(f"{v} {int(status.get(v, 0))}" for v in ("符合", "不符合"))
    console().print(
        f"已匯出總表：{e(out)}（{len(frames['proposals'])} 個提案：{tally}）"
        + ("（已遮蔽個人資料）" if redact else "")
    )


def pivot(
    table: Annotated[
        str,
        typer.Option(
            "--table",
            "-t",
            metavar="資料表",
            help="資料表的工作表名稱或代號，例如 成員、經費、提案 或 members。",
        ),
    ],
    rows: Annotated[
        str,
        typer.Option(
            "--rows",
            metavar="欄位",
            help="列的欄位：中文欄名、簡稱或代號，例如 縣市、型態、county。",
        ),
    ],
    columns: Annotated[
        str | None, typer.Option("--columns", metavar="欄位", help="欄的欄位，例如 分群。")
    ] = None,
    values: Annotated[
        str | None,
        typer.Option("--values", metavar="欄位", help="要彙總的數值欄位，例如 金額。"),
    ] = None,
    aggfunc: Annotated[
        str,
        typer.Option(
            "--aggfunc",
            metavar="方式",
            help="彙總方式：count（筆數）、sum（合計，需 --values）或 mean（平均，需 --values）。",
        ),
    ] = "count",
    totals: Annotated[
        bool, typer.Option("--totals/--no-totals", help="加上合計列與合計欄（json 不加）。")
    ] = True,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="格式",
            help="輸出格式：table（表格）、csv（UTF-8 含 BOM、中文欄名）或 json（欄位代號）。",
        ),
    ] = "table",
    register: RegisterOpt = Path("clusterbook.sqlite"),
    year: YearOpt = None,
) -> None:
    """在終端機快速樞紐分析總表，例如各縣市成員的分群家數、各型態的經費合計。"""
    from clusterbook.register.pivot import make_pivot

    fmt = choice("--format", fmt, ("table", "csv", "json"))
    require(register)
    frames = load_year(register, year)
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
