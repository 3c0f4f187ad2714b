"""check: read filled workbooks, list findings, write annotated copies."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    CredentialsOpt,
    ForceOpt,
    JobsOpt,
    UsageError,
    choice,
    console,
    e,
    jobs,
    progress,
    register_errors,
    require,
    severity,
)

DEFAULT_REGISTER = Path("clusterbook.sqlite")


def check(
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="檔案或網址",
            help="填好的提案活頁簿 (.xlsx)，或 Google 試算表的網址或金鑰；可以一次列多個。",
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="格式", help="輸出格式：table（表格）、json 或 csv。"
        ),
    ] = "table",
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            metavar="資料夾",
            help="在此資料夾寫出標註檢核結果的副本，可退回給提案單位（原檔不變；"
            "副本不含其他提案的資料）。",
        ),
    ] = None,
    job_count: JobsOpt = None,
    min_severity: Annotated[
        str,
        typer.Option(
            "--severity",
            metavar="嚴重度",
            show_default="資訊，全部顯示",
            help="只顯示此嚴重度以上的結果：錯誤、警告或資訊（也可寫 error、warning、info）。",
        ),
    ] = "info",
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            "-r",
            metavar="資料庫",
            show_default="目前資料夾有 clusterbook.sqlite 時用它",
            help="一併檢核跨群聚規則：與此總表資料庫中的提案比對（總表不會變更）。",
        ),
    ] = None,
    alone: Annotated[
        bool, typer.Option("--no-register", help="只檢核檔案本身，不與總表資料庫比對。")
    ] = False,
    credentials: CredentialsOpt = None,
    force: ForceOpt = False,
) -> None:
    """檢核填好的提案活頁簿：逐格列出問題（工作表、儲存格、規則、說明）與結論（符合／不符合）。

    結束代碼：0 無錯誤；1 有錯誤；2 有檔案無法讀取。
    """
    from clusterbook.batch import check_many
    from clusterbook.findings import SEVERITIES
    from clusterbook.report import exit_code

    fmt = choice("--format", fmt, ("table", "json", "csv"))
    floor = severity(min_severity)
    shown = set(SEVERITIES[: SEVERITIES.index(floor) + 1])
    if register is not None and alone:
        raise UsageError("--register 與 --no-register 只能擇一。")
    if register is None and not alone and DEFAULT_REGISTER.is_file():
        register = DEFAULT_REGISTER
    copies = _copies(sources, annotate, force) if annotate is not None else {}
    with progress(len(sources)) as bar, _cross(register) as add:
        task = bar.add_task("檢核中", total=len(sources))

        def done(report) -> None:
            add(report)
            report.proposal = None
            bar.advance(task)

        reports = check_many(
            sources,
            jobs=jobs(job_count),
            credentials=credentials,
            proposals=register is not None,
            progress=done,
        )
    if fmt == "json":
        findings = [f for r in reports for f in r.ordered() if f.severity in shown]
        sys.stdout.write(
            json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1) + "\n"
        )
    elif fmt == "csv":
        _write_csv([f for r in reports for f in r.ordered() if f.severity in shown])
    else:
        _print_reports(reports, shown, register)
    for report in reports:
        if report.source in copies and not report.fatal:
            _annotate(report, copies[report.source])
    raise typer.Exit(exit_code(reports))


@contextmanager
def _cross(register: Path | None) -> Iterator[Callable]:
    """Adds the register's cross-cluster findings to each report (nothing without a register)."""
    if register is None:
        yield lambda _report: None
        return
    from clusterbook.register import previewing

    require(register)
    with register_errors(register), previewing(register) as add:
        yield add


def _copies(sources: list[str], folder: Path, force: bool) -> dict[str, Path]:
    """Where each file's annotated copy goes, checked before anything is read: never over an
    input, never over a file clusterbook did not write (unless --force), one name per file."""
    from clusterbook.annotate import annotated_name
    from clusterbook.cli.common import KIND_NAMES
    from clusterbook.outputs import ANNOTATED, replaceable
    from clusterbook.sources import is_google

    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} 是檔案，不是資料夾：--annotate 要指定放標註副本的資料夾。")
    inputs = {Path(s).resolve() for s in sources if not is_google(s)}
    out: dict[str, Path] = {}
    taken: set[Path] = set()
    for source in dict.fromkeys(sources):
        if is_google(source):
            continue
        name = annotated_name(source)
        path, n = folder / name, 1
        while path.resolve() in taken:
            n += 1
            path = folder / name.replace(".檢核.xlsx", f"-{n}.檢核.xlsx")
        if path.resolve() in inputs:
            raise UsageError(
                f"標註副本 {path} 會覆蓋要檢核的檔案：請以 --annotate 指定另一個資料夾。"
            )
        if not force and not replaceable(path, ANNOTATED):
            raise UsageError(
                f"{path} 已存在，且不是 clusterbook 產生的{KIND_NAMES[ANNOTATED]}："
                "為免覆蓋別人的檔案，請指定其他資料夾；確定要覆寫請加 --force。"
            )
        taken.add(path.resolve())
        out[source] = path
    return out


def _annotate(report, path: Path) -> None:
    from clusterbook.annotate import annotate_xlsx
    from clusterbook.cli.errors import os_message

    err = console(stderr=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        out = annotate_xlsx(report.source, report.findings, path)
    except OSError as exc:
        err.print(f"[red]無法寫出標註副本[/red]：{e(os_message(exc))}")
        return
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


def _print_reports(reports, shown: set[str], register: Path | None) -> None:
    from clusterbook.cli.findings import print_findings, print_total

    out = console()
    for r in reports:
        findings = r.ordered()
        print_findings(
            out, r.source, r.verdict, findings, [f for f in findings if f.severity in shown]
        )
    if register is not None:
        out.print(f"（已與總表 {e(register)} 比對跨群聚規則及輔導紀錄；總表未變更）")
    print_total(out, [r.verdict for r in reports], [f for r in reports for f in r.findings])
