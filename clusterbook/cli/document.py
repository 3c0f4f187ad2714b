"""document: the 提案計畫書 (附件一) as Word, and PDF, from a filled workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import CredentialsOpt, ForceOpt, UsageError, console, e, output_file


def document(
    source: Annotated[
        str,
        typer.Argument(
            metavar="檔案或網址", help="填好的提案活頁簿 (.xlsx)，或 Google 試算表的網址或金鑰。"
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="檔案",
            help="輸出的 Word 檔 (.docx)；以 .pdf 結尾則同時轉成 PDF。",
        ),
    ] = Path("提案計畫書.docx"),
    pdf: Annotated[bool, typer.Option("--pdf", help="另以 LibreOffice 轉成 PDF。")] = False,
    members_dir: Annotated[
        Path | None,
        typer.Option(
            "--members-dir",
            metavar="資料夾",
            help="每家成員的基本資料表另存一檔於此資料夾，供用印後個別上傳。",
        ),
    ] = None,
    credentials: CredentialsOpt = None,
    force: ForceOpt = False,
) -> None:
    """產生提案計畫書（附件一）Word 檔，可另轉 PDF；有錯誤時仍會產生，供列印草稿。

    結束代碼：0 無錯誤；1 有錯誤（計畫書仍會寫出）；2 無法讀取或無法轉成 PDF。
    """
    from clusterbook.batch import check_one
    from clusterbook.cli.findings import print_findings, print_item
    from clusterbook.document import ConversionError, to_pdf, write_document
    from clusterbook.outputs import DOCUMENT

    if output.suffix.lower() == ".pdf":
        pdf, output = True, output.with_suffix(".docx")
    output = output_file(output, DOCUMENT, force, ".docx", "Word 文件")
    if members_dir is not None and members_dir.exists() and not members_dir.is_dir():
        raise UsageError(
            f"{members_dir} 是檔案，不是資料夾：--members-dir 要指定放成員基本資料表的資料夾。"
        )
    report = check_one(source, credentials=credentials)
    out = console()
    if report.proposal is None:
        findings = report.ordered()
        print_findings(out, report.source, report.verdict, findings, findings)
        raise typer.Exit(2)
    written = write_document(report.proposal, output, records_dir=members_dir)
    print_item(out, 0, "", "default", f"已寫出提案計畫書：{written.document}")
    if written.records:
        print_item(
            out,
            0,
            "",
            "default",
            f"已寫出成員基本資料表 {len(written.records)} 份：{members_dir}"
            f"（{written.records[0].name} 等）",
        )
    if pdf:
        files = [written.document, *written.records]
        err = console(stderr=True)
        try:
            with err.status(f"以 LibreOffice 轉成 PDF（{len(files)} 個檔案）"):
                pdfs = to_pdf(files)
        except ConversionError as exc:
            err.print(f"[red]錯誤：[/red]{e(exc)}")
            raise typer.Exit(2) from None
        more = f" 等 {len(pdfs)} 個" if len(pdfs) > 1 else ""
        print_item(out, 0, "", "default", f"已轉成 PDF：{pdfs[0]}{more}")
    if report.errors:
        print_item(
            out,
            0,
            "",
            "default",
            f"尚有 {report.errors} 項錯誤：計畫書僅供列印草稿，送件前請修正"
            f"（clusterbook check {source} 列出每一項）。",
        )
    raise typer.Exit(report.exit_code)
