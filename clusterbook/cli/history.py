"""history import, history list: the program office's rosters of earlier years and barred units."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    RegisterOpt,
    console,
    e,
    register_errors,
    require,
    writable_register,
)
from clusterbook.cli.zh import Command, Group

app = typer.Typer(
    help="歷年輔導名單與停權名單：載入、列出（供輔導紀錄規則核對）。",
    cls=Group,
    no_args_is_help=True,
)


@app.command("import", cls=Command)
def history_import(
    sources: Annotated[
        list[Path],
        typer.Argument(
            metavar="檔案",
            help="輔導名單（Excel 活頁簿 .xlsx、CSV，或先前年度的總表資料庫），可以一次列多個。",
        ),
    ],
    register: RegisterOpt = Path("clusterbook.sqlite"),
    year: Annotated[
        int | None,
        typer.Option("--year", metavar="年度", help="名單未列年度欄時採用的年度（民國，如 111）。"),
    ] = None,
    banned: Annotated[
        bool, typer.Option("--banned", help="載入停權名單（柒、六(2) 二年內不得申請者）。")
    ] = False,
) -> None:
    """載入歷年輔導名單（欄位：年度、群聚名稱、提案類別、企業名稱、統一編號、負責人、角色）或停權名單，並重新核對總表中的提案。

    同一名單重複載入不會重複新增。

    結束代碼：0 全部載入；1 有資料列無法採用；2 有檔案無法讀取。
    """
    from clusterbook.cli.findings import print_item
    from clusterbook.history import import_history

    writable_register(register)
    with register_errors(register):
        loaded = import_history([str(s) for s in sources], register, banned=banned, year=year)
    out = console()
    for item in loaded:
        for f in item.findings:
            print_item(out, 2, f.rule, "red" if f.severity == "error" else "yellow", f.message)
        if not item.fatal:
            years = "、".join(f"{y}年度" for y in item.years)
            what = "停權名單" if banned else f"輔導名單（{years}）" if years else "輔導名單"
            out.print(f"{e(item.source)}：{what}新增 {item.added} 筆、已存在 {item.present} 筆")
    fatal = any(x.fatal for x in loaded)
    errors = any(f.severity == "error" for x in loaded for f in x.findings)
    raise typer.Exit(2 if fatal else 1 if errors else 0)


@app.command("list", cls=Command)
def history_list(register: RegisterOpt = Path("clusterbook.sqlite")) -> None:
    """列出總表中已載入的輔導名單（各年度群聚數、企業數）與停權名單。"""
    from rich.table import Table

    from clusterbook.history import history_summary

    require(register)
    with register_errors(register):
        years, banned = history_summary(register)
    table = Table("年度", "群聚數", "企業數", title="已載入的歷年輔導名單")
    for year, clusters, firms in years:
        table.add_row(f"{year}", f"{clusters:,}", f"{firms:,}")
    out = console()
    if years:
        out.print(table)
    else:
        out.print("尚未載入任何輔導名單（clusterbook history import 名單.xlsx）。")
    out.print(f"停權名單：{banned:,} 個單位")
