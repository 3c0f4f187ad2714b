"""document: the 提案計畫書 (附件一) as Word, and PDF, from a filled workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import CredentialsOpt, ForceOpt, UsageError, console, e, output_file

SUFFIX = ".提案計畫書"


def document(
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="檔案或網址",
            help="填好的提案活頁簿 (.xlsx)，或 Google 試算表的網址或金鑰；可以一次列多個。",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="檔案或資料夾",
            help="一份提案：輸出的 Word 檔 (.docx)，以 .pdf 結尾則同時轉成 PDF（預設：提案計畫書.docx）。"
            "多份提案：放計畫書的資料夾，每份名為「原檔名.提案計畫書.docx」（預設：提案計畫書）。",
            show_default=False,
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="另以 LibreOffice 轉成 PDF（多份提案也只啟動一次）。")
    ] = False,
    members_dir: Annotated[
        Path | None,
        typer.Option(
            "--members-dir",
            metavar="資料夾",
            help="每家成員的基本資料表另存一檔於此資料夾，供用印後個別上傳"
            "（多份提案時，每份提案一個子資料夾）。",
        ),
    ] = None,
    credentials: CredentialsOpt = None,
    force: ForceOpt = False,
) -> None:
    """產生提案計畫書（附件一）Word 檔，可另轉 PDF；有錯誤時仍會產生，供列印草稿。

    結束代碼：0 無錯誤；1 有錯誤（計畫書仍會寫出）；2 有檔案無法讀取或無法轉成 PDF。
    """
    from clusterbook.batch import check_one
    from clusterbook.cli.findings import print_findings, print_item
    from clusterbook.document import ConversionError, to_pdf, write_document
    from clusterbook.outputs import DOCUMENT

    many = len(sources) > 1
    if members_dir is not None and members_dir.exists() and not members_dir.is_dir():
        raise UsageError(
            f"{members_dir} 是檔案，不是資料夾：--members-dir 要指定放成員基本資料表的資料夾。"
        )
    if many:
        folder = output or Path("提案計畫書")
        if folder.exists() and not folder.is_dir():
            raise UsageError(
                f"{folder} 是檔案：多份提案時 -o 要指定放計畫書的資料夾，例如 -o 提案計畫書。"
            )
        folder.mkdir(parents=True, exist_ok=True)
        names = _names(sources)
        targets = [
            output_file(folder / f"{n}{SUFFIX}.docx", DOCUMENT, force, ".docx", "Word 文件")
            for n in names
        ]
        records = [members_dir / n if members_dir else None for n in names]
    else:
        output = output or Path("提案計畫書.docx")
        if output.suffix.lower() == ".pdf":
            pdf, output = True, output.with_suffix(".docx")
        targets = [output_file(output, DOCUMENT, force, ".docx", "Word 文件")]
        records = [members_dir]
    out = console()
    files: list[Path] = []
    code = 0
    for source, target, record_dir in zip(sources, targets, records, strict=True):
        report = check_one(source, credentials=credentials)
        if report.proposal is None:
            findings = report.ordered()
            print_findings(out, report.source, report.verdict, findings, findings)
            code = 2
            continue
        written = write_document(report.proposal, target, records_dir=record_dir)
        files += [written.document, *written.records]
        print_item(out, 0, "", "default", f"已寫出提案計畫書：{written.document}")
        if written.records:
            print_item(
                out,
                0,
                "",
                "default",
                f"已寫出成員基本資料表 {len(written.records)} 份：{record_dir}"
                f"（{written.records[0].name} 等）",
            )
        if report.errors:
            print_item(
                out,
                0,
                "",
                "default",
                f"尚有 {report.errors} 項錯誤：計畫書僅供列印草稿，送件前請修正"
                f"（clusterbook check {source} 列出每一項）。",
            )
            code = max(code, 1)
    if pdf and files:
        err = console(stderr=True)
        try:
            with err.status(f"以 LibreOffice 轉成 PDF（{len(files)} 個檔案）"):
                pdfs = to_pdf(files)
        except ConversionError as exc:
            err.print(f"[red]錯誤：[/red]{e(exc)}")
            raise typer.Exit(2) from None
        more = f" 等 {len(pdfs)} 個" if len(pdfs) > 1 else ""
        print_item(out, 0, "", "default", f"已轉成 PDF：{pdfs[0]}{more}")
    raise typer.Exit(code)


def _names(sources: list[str]) -> list[str]:
    """A file name per source: a file's own stem, a Google Sheet's key; repeats numbered."""
    from clusterbook.sources import is_google, sheet_key

    names: list[str] = []
    for source in sources:
        stem = f"google-{sheet_key(source)}" if is_google(source) else Path(source).stem
        name, n = stem, 2
        while name in names:
            name, n = f"{stem}-{n}", n + 1
        names.append(name)
    return names
