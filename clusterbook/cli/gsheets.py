"""gsheets create / annotate: the template and the findings in Google Sheets."""

from __future__ import annotations

from typing import Annotated

import typer

from clusterbook.cli.common import CredentialsOpt, OAuthOpt, ProgramOpt, console, e

app = typer.Typer(help="Google 試算表：原生建立範本、標註檢核結果。", no_args_is_help=True)


@app.command("create")
def create(
    title: Annotated[str, typer.Option("--title", help="試算表名稱。")],
    share: Annotated[
        list[str] | None, typer.Option("--share", help="以編輯者身分共用給此 E-Mail，可多個。")
    ] = None,
    folder_id: Annotated[
        str | None,
        typer.Option(
            "--folder-id", help="建立在此 Google 雲端硬碟資料夾（服務帳戶須用共用雲端硬碟）。"
        ),
    ] = None,
    program: ProgramOpt = "dc112",
    credentials: CredentialsOpt = None,
    oauth: OAuthOpt = False,
) -> None:
    """以 Sheets API 原生建立提案範本（下拉選單、公式、資格檢核、保護範圍），並印出網址。"""
    from clusterbook.gsheets import client_from, create_template

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


@app.command("annotate")
def annotate(
    source: Annotated[str, typer.Argument(help="Google 試算表網址或金鑰。")],
    credentials: CredentialsOpt = None,
    oauth: OAuthOpt = False,
) -> None:
    """檢核 Google 試算表並把結果寫回：儲存格附註與底色，以及「檢核結果」工作表（重跑會取代前次標註）。"""
    from clusterbook.gsheets import annotate, client_from
    from clusterbook.sources import check_google

    client = client_from(credentials, oauth=oauth)
    report = check_google(source, client=client)
    if report.fatal:
        for f in report.findings:
            console(stderr=True).print(f"[red]{f.rule}[/red] {e(f.message)}")
        raise typer.Exit(2)
    annotate(client, source, report.findings)
    counts = report.counts()
    console().print(
        f"已標註 {len(report.findings)} 項檢核結果（錯誤 {counts['error']}、警告 {counts['warning']}）：{e(source)}"
    )
    raise typer.Exit(report.exit_code)
