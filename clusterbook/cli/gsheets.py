"""gsheets create / annotate: the template and the findings in Google Sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    CredentialsOpt,
    OAuthOpt,
    ProgramOpt,
    UsageError,
    console,
    e,
    register_errors,
    require,
)
from clusterbook.cli.zh import Command, Group

app = typer.Typer(
    help="Google 試算表：原生建立範本、標註檢核結果。", cls=Group, no_args_is_help=True
)


@app.command("create", cls=Command)
def create(
    title: Annotated[str, typer.Option("--title", metavar="名稱", help="新試算表的名稱。")],
    share: Annotated[
        list[str] | None,
        typer.Option(
            "--share", metavar="E-Mail", help="以編輯者身分共用給此 E-Mail；可重複指定多個。"
        ),
    ] = None,
    folder_id: Annotated[
        str | None,
        typer.Option(
            "--folder-id",
            metavar="資料夾代號",
            help="建立在此 Google 雲端硬碟資料夾（網址 folders/ 之後的代號）。"
            "服務帳戶沒有自己的儲存空間，須指定共用雲端硬碟 (Shared Drive) 中的資料夾，"
            "或改用 --oauth。",
        ),
    ] = None,
    program: ProgramOpt = "dc112",
    credentials: CredentialsOpt = None,
    oauth: OAuthOpt = False,
) -> None:
    """以 Sheets API 原生建立提案範本（下拉選單、公式、資格檢核、保護範圍），並印出網址。"""
    from clusterbook.gsheets import client_from, create_template
    from clusterbook.workbook.spec import load_program

    load_program(program)  # an unknown spec is named before any credentials are asked for
    sheet = create_template(
        client_from(credentials, oauth=oauth),
        title,
        program=program,
        share=tuple(share or ()),
        folder_id=folder_id,
    )
    console().print(f"已建立 Google 試算表：{e(sheet.url)}")
    for email in share or ():
        console().print(f"  已共用（編輯者）：{e(email)}")


@app.command("annotate", cls=Command)
def annotate(
    source: Annotated[str, typer.Argument(metavar="網址", help="Google 試算表的網址或金鑰。")],
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            "-r",
            metavar="資料庫",
            help="一併檢核跨群聚規則：與此總表資料庫中的提案比對（總表不會變更；"
            "寫回試算表的說明不含其他提案的資料）。",
        ),
    ] = None,
    credentials: CredentialsOpt = None,
    oauth: OAuthOpt = False,
) -> None:
    """檢核 Google 試算表並把結果寫回：儲存格附註與底色，以及「檢核結果」工作表（重跑會取代前次標註）。"""
    from clusterbook.cli.findings import counts_text, verdict_text
    from clusterbook.gsheets import annotate, client_from
    from clusterbook.sources import address_problem, check_google, is_google

    if register is not None:
        require(register)
    if not is_google(source):
        raise UsageError(
            f"{source} 不是 Google 試算表的網址或金鑰：本機的活頁簿請用 "
            f"clusterbook check {source} --annotate 資料夾。"
        )
    problem = address_problem(source)
    if problem:
        raise UsageError(f"{problem}。")
    client = client_from(credentials, oauth=oauth)
    report = check_google(source, client=client)
    if report.fatal:
        raise UsageError(report.findings[0].message)
    if register is not None:
        from clusterbook.register import previewing

        with register_errors(register), previewing(register) as add:
            add(report)
    annotate(client, source, report.findings)
    console().print(
        f"已標註 {len(report.findings)} 項檢核結果（{verdict_text(report.verdict)}；"
        f"{counts_text(report.findings)}）：{e(source)}"
    )
    raise typer.Exit(report.exit_code)
