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
CredentialsOpt = Annotated[
    str | None,
    typer.Option(
        "--credentials",
        help="服務帳戶金鑰 JSON 路徑（預設：GOOGLE_APPLICATION_CREDENTIALS 或 gspread 的預設位置）。",
    ),
]
OAuthOpt = Annotated[bool, typer.Option("--oauth", help="改用 OAuth 使用者授權（gspread.oauth）。")]


class UsageError(Exception):
    """Bad input the user can fix; reported in one line with exit code 2."""


def _e(value) -> str:
    """User text (file names, cell contents, messages) shown literally, never as rich markup."""
    from rich.markup import escape

    from clusterbook.text import printable

    return escape(printable(str(value)))


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
    from clusterbook.workbook.cache import template_bytes

    data = template_bytes(program)
    output.write_bytes(data)
    _console().print(f"已產生提案範本：{_e(output)}（{len(data):,} bytes，規格 {_e(program)}）")


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
            {"rule": r.id, "severity": r.severity, "title": r.title, "description": r.description}
            for r in catalog
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
    with _progress(len(sources)) as progress:
        task = progress.add_task("檢核中", total=len(sources))
        reports = check_many(
            sources,
            jobs=jobs or default_jobs(),
            credentials=credentials,
            proposals=False,
            progress=lambda _r: progress.advance(task),
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
    console = _console(stderr=True)
    for r in reports:
        if r.fatal or is_google(r.source):
            continue
        try:
            out = annotate_xlsx(r.source, r.findings, folder / annotated_name(r.source))
        except OSError as exc:
            console.print(f"[red]無法寫出標註副本[/red]：{_e(r.source)}（{_e(exc)}）")
            continue
        console.print(f"已寫出標註副本：{_e(out)}")


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
        console.print(f"[bold]{_e(r.source)}[/bold]  {status}（{summary}）")
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
                f"[{style}]{SEVERITY_LABELS[f.severity]}[/{style}]", f.rule, _e(where), _e(text)
            )
        console.print(table)


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="輸出資料夾。")] = Path("demo"),
    program: ProgramOpt = "dc112",
) -> None:
    """完整示範：產生範本、填寫四份範例提案、檢核、匯入新總表、寫出標註副本與 master.xlsx。"""
    from clusterbook.demo import run_demo
    from clusterbook.findings import SEVERITY_LABELS

    console = _console()
    console.print(f"示範資料夾：{_e(folder)}")
    result = run_demo(folder, program=program)
    console.print(f"1. 提案範本：{_e(result.template)}")
    console.print(f"2. 範例提案（{len(result.proposals)} 份）：{_e(folder / 'proposals')}")
    console.print("3. 檢核並匯入總表：")
    summary = result.summary
    for imported, report in zip(summary.results, summary.reports, strict=True):
        counts = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in report.counts().items())
        status = "[green]通過[/green]" if report.errors == 0 else "[red]有錯誤[/red]"
        console.print(f"   {status} {_e(imported.title)}：{counts}")
        for f in report.findings:
            if f.severity == "error":
                console.print(f"      [red]{f.rule}[/red] {_e(f.message)}")
    for findings in summary.cross.values():
        for f in findings:
            console.print(f"   [red]{_origin(f)} {f.rule}[/red] {_e(f.message)}")
    console.print(f"4. 標註副本：{_e(folder / 'annotated')}（{len(result.annotated)} 份）")
    console.print(f"5. 總表資料庫：{_e(result.register)}；匯出：{_e(result.master)}")
    print_review_demo(console, result.review)
    console.print(
        f"試試：clusterbook pivot --register {_e(result.register)} --table 經費 --rows 預算運用類別 "
        "--columns 群聚型態 --values 金額 --aggfunc sum"
    )


gsheets_app = typer.Typer(help="Google 試算表：原生建立範本、標註檢核結果。", no_args_is_help=True)
app.add_typer(gsheets_app, name="gsheets")


@gsheets_app.command("create")
def gsheets_create(
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
    _console().print(f"已建立 Google 試算表：{_e(sheet.url)}")
    for email in share or ():
        _console().print(f"  已共用（編輯者）：{_e(email)}")


@gsheets_app.command("annotate")
def gsheets_annotate(
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
            _console(stderr=True).print(f"[red]{f.rule}[/red] {_e(f.message)}")
        raise typer.Exit(2)
    annotate(client, source, report.findings)
    counts = report.counts()
    _console().print(
        f"已標註 {len(report.findings)} 項檢核結果（錯誤 {counts['error']}、警告 {counts['warning']}）：{_e(source)}"
    )
    raise typer.Exit(report.exit_code)


RegisterOpt = Annotated[Path, typer.Option("--register", "-r", help="總表資料庫 (SQLite) 路徑。")]
YearOpt = Annotated[
    str | None,
    typer.Option(
        "--year", help="計畫年度（民國，如 112；all 為全部年度）。預設：總表中最新的年度。"
    ),
]
register_app = typer.Typer(help="總表資料庫的維護指令。", no_args_is_help=True)
app.add_typer(register_app, name="register")


@app.command("import")
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

    with _progress(len(sources)) as progress:
        task = progress.add_task("匯入中", total=len(sources))
        summary = import_sources(
            sources,
            register,
            jobs=jobs or default_jobs(),
            credentials=credentials,
            progress=lambda _r: progress.advance(task),
        )
    console = _console()
    labels = {
        "imported": "新匯入",
        "revision": "新版本",
        "unchanged": "未變更",
        "unreadable": "無法讀取",
    }
    for result, report in zip(summary.results, summary.reports, strict=True):
        rev = f" 第 {result.revision} 版" if result.revision else ""
        counts = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in report.counts().items())
        console.print(f"{labels[result.status]}{rev}：{_e(result.source)}（{counts}）")
        for f in report.findings:
            if f.fatal:
                console.print(f"  [red]{_e(f.message)}[/red]")
    cross = [f for findings in summary.cross.values() for f in findings]
    for f in cross:
        console.print(f"  [red]{_origin(f)} {f.rule}[/red] {_e(f.message)}")
    totals = {k: sum(r.counts()[k] for r in summary.reports) for k in ("error", "warning", "info")}
    totals["error"] += sum(f.severity == "error" for f in cross)
    console.print(
        f"[bold]合計[/bold]：新匯入 {summary.count('imported')}、新版本 {summary.count('revision')}、"
        f"未變更 {summary.count('unchanged')}、無法讀取 {summary.count('unreadable')}；"
        + "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in totals.items())
        + f"（總表：{register}）"
    )
    raise typer.Exit(summary.exit_code)


@register_app.command("check")
def register_check(register: RegisterOpt = Path("clusterbook.sqlite")) -> None:
    """重新檢核跨群聚規則（同一負責人、同一企業）及輔導紀錄規則（歷年輔導名單、停權名單）。"""
    from clusterbook.register import check as recheck

    _require(register)
    findings = recheck(register)
    console = _console()
    for f in findings:
        console.print(f"[red]{_origin(f)} {f.rule}[/red] {_e(f.message)}")
    console.print(f"跨群聚與輔導紀錄檢核：{len(findings)} 項發現（總表：{_e(register)}）")
    raise typer.Exit(1 if any(f.severity == "error" for f in findings) else 0)


@app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="輸出的 .xlsx 路徑。")] = Path(
        "master.xlsx"
    ),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    year: YearOpt = None,
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

    _require(register)
    frames = _load_year(load, register, year)
    if "proposals" not in frames or frames["proposals"].empty:
        raise UsageError(f"總表 {register} 中還沒有任何提案（請先以 clusterbook import 匯入）")
    out = write(frames, output, redacted=redact)
    _console().print(f"已匯出總表：{_e(out)}" + ("（已遮蔽個人資料）" if redact else ""))


@app.command()
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
    year: YearOpt = None,
) -> None:
    """在終端機快速樞紐分析總表，例如各縣市成員的分群家數、各型態的經費合計。"""
    from clusterbook.register import load
    from clusterbook.register.pivot import make_pivot

    if fmt not in ("table", "csv", "json"):
        raise UsageError(f"--format 只接受 table、csv 或 json，收到 {fmt!r}")
    _require(register)
    frames = _load_year(load, register, year)
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
        out = Table(title=_e(result.title))
        for i, head in enumerate(heads):
            out.add_column(_e(head), justify="left" if i == 0 else "right", overflow="fold")
        for i, row in enumerate(result.text_rows()):
            out.add_row(*map(_e, row), end_section=totals and i == len(result.frame) - 2)
        _console().print(out)


def _load_year(load, register: Path, year: str | None):
    """The register's tables of one year (or all years) as the --year option asks."""
    if year is not None and year.strip().lower() not in ("all", "全部") and not year.isdigit():
        raise UsageError(f"--year 請填民國年（如 112）或 all，收到 {year!r}")
    wanted = None if year is None else ("all" if not year.isdigit() else int(year))
    try:
        return load(register, wanted)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _origin(f) -> str:
    """What a register finding was checked against: another cluster, or the history records."""
    return "輔導紀錄" if f.rule.startswith("HIST-") else "跨群聚"


history_app = typer.Typer(
    help="歷年輔導名單與停權名單：載入、列出（供輔導紀錄規則核對）。", no_args_is_help=True
)
app.add_typer(history_app, name="history")


@history_app.command("import")
def history_import(
    sources: Annotated[
        list[Path],
        typer.Argument(help="輔導名單 (.xlsx、.csv，或先前年度的總表 .sqlite)，可多個。"),
    ],
    register: RegisterOpt = Path("clusterbook.sqlite"),
    year: Annotated[
        int | None, typer.Option("--year", help="名單未列年度欄時採用的年度（民國，如 111）。")
    ] = None,
    banned: Annotated[
        bool, typer.Option("--banned", help="載入停權名單（柒、六(2) 二年內不得申請者）。")
    ] = False,
) -> None:
    """載入歷年輔導名單（欄位：年度、群聚名稱、提案類別、企業名稱、統一編號、負責人、角色）或停權名單，並重新核對總表中的提案。

    同一名單重複載入不會重複新增。結束代碼：0 全部載入；1 有資料列無法採用；2 有檔案無法讀取。
    """
    from clusterbook.history import import_history

    loaded = import_history([str(s) for s in sources], register, banned=banned, year=year)
    console = _console()
    for item in loaded:
        for f in item.findings:
            style = "red" if f.severity == "error" else "yellow"
            console.print(f"  [{style}]{f.rule}[/{style}] {_e(f.message)}")
        if not item.fatal:
            years = "、".join(f"{y}年度" for y in item.years)
            what = "停權名單" if banned else f"輔導名單（{years}）" if years else "輔導名單"
            console.print(
                f"{_e(item.source)}：{what}新增 {item.added} 筆、已存在 {item.present} 筆"
            )
    code = (
        2
        if any(x.fatal for x in loaded)
        else 1
        if any(f.severity == "error" for x in loaded for f in x.findings)
        else 0
    )
    raise typer.Exit(code)


@history_app.command("list")
def history_list(register: RegisterOpt = Path("clusterbook.sqlite")) -> None:
    """列出總表中已載入的輔導名單（各年度群聚數、企業數）與停權名單。"""
    from rich.table import Table

    from clusterbook.history import history_summary

    _require(register)
    years, banned = history_summary(register)
    table = Table("年度", "群聚數", "企業數", title="已載入的歷年輔導名單")
    for year, clusters, firms in years:
        table.add_row(f"{year}", f"{clusters:,}", f"{firms:,}")
    console = _console()
    if years:
        console.print(table)
    else:
        console.print("尚未載入任何輔導名單（clusterbook history import 名單.xlsx）。")
    console.print(f"停權名單：{banned:,} 個單位")


def _require(register: Path) -> None:
    if not register.exists():
        raise UsageError(
            f"找不到總表資料庫 {register}（請先執行 clusterbook import，或以 --register 指定）"
        )


# -- 遴選 (review): one self-contained block ------------------------------------------------
review_app = typer.Typer(
    help="遴選：產生委員評分表、匯入評分、排出評選結果（序位法或總分法）。", no_args_is_help=True
)
app.add_typer(review_app, name="review")
ClassOpt = Annotated[
    str | None, typer.Option("--class", help="只處理此提案類別（A類 或 B類）。預設：全部類別。")
]
ReviewYearOpt = Annotated[
    str | None,
    typer.Option("--year", help="計畫年度（民國，如 112）。預設：總表中最新的年度。"),
]
REVIEW_STATUS = {
    "imported": "新匯入",
    "revision": "新版本",
    "unchanged": "未變更",
    "unreadable": "無法讀取",
}


def _reviewer_emails(values: list[str]) -> tuple[list[str], dict[str, str]]:
    """``委員甲`` or ``委員甲=amy@example.com`` → the names, and name → e-mail."""
    names, emails = [], {}
    for value in values:
        name, sep, email = value.rpartition("=")
        if sep and "@" in email:
            names.append(name.strip())
            emails[name.strip()] = email.strip()
        else:
            names.append(value)
    return names, emails


@review_app.command("sheets")
def review_sheets(
    reviewers: Annotated[
        list[str],
        typer.Option(
            "--reviewer",
            "-R",
            help="委員姓名或代號，可多個；--gsheets 時可寫成 姓名=E-Mail，該委員的試算表只共用給他（編輯者）。",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="輸出資料夾。")] = Path("評分表"),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    category: ClassOpt = None,
    year: ReviewYearOpt = None,
    gsheets: Annotated[
        bool, typer.Option("--gsheets", help="改在 Google 試算表原生建立（每位委員、每類別一份）。")
    ] = False,
    folder_id: Annotated[
        str | None,
        typer.Option(
            "--folder-id", help="--gsheets：建立在此雲端硬碟資料夾（服務帳戶須用共用雲端硬碟）。"
        ),
    ] = None,
    credentials: CredentialsOpt = None,
    oauth: OAuthOpt = False,
) -> None:
    """產生委員評分表（每位委員、每類別一份）。

    列出總表中「符合」的提案（提案資料、加分項目、摘要）；各評分項目填 0–100 整數（附評分重點與驗證），利益迴避有下拉選單，加權總分與本人排序為鎖定的公式。相同總表與委員產生相同的檔案。
    """
    from clusterbook.review import sheet_layouts, write_sheets

    _require(register)
    names, emails = _reviewer_emails(reviewers)
    try:
        plans, empty = sheet_layouts(register, names, category=category, year=_review_year(year))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    console = _console()
    for k in empty:
        console.print(f"[yellow]{_e(k)}沒有符合資格的提案，未產生評分表。[/yellow]")
    if not plans:
        raise UsageError(f"總表 {register} 中沒有符合資格的提案（請先以 clusterbook import 匯入）")
    if gsheets:
        from clusterbook.gsheets import client_from, create_spreadsheet

        client = client_from(credentials, oauth=oauth)
        for plan in plans:
            email = emails.get(plan.reviewer)
            sheet = create_spreadsheet(
                client,
                plan.title,
                plan.layout,
                share=(email,) if email else (),
                folder_id=folder_id,
            )
            shared = f"（已共用給 {_e(email)}）" if email else ""
            console.print(f"{_e(plan.title)}：{_e(sheet.url)}{shared}")
        return
    paths = write_sheets(plans, output)
    counts = "、".join(dict.fromkeys(f"{p.slate.category} {len(p.slate.cases)} 案" for p in plans))
    console.print(f"已產生評分表 {len(paths)} 份（{counts}；委員 {len(names)} 位）：{_e(output)}")
    for path in paths:
        console.print(f"  {_e(path)}")


def _review_year(year: str | None) -> int | None:
    if year is None:
        return None
    if not year.strip().isdigit():
        raise UsageError(f"--year 請填一個民國年（如 112），收到 {year!r}")
    return int(year)


@review_app.command("import")
def review_import(
    sources: Annotated[
        list[str],
        typer.Argument(help="委員填好的評分表 (.xlsx) 或 Google 試算表網址／金鑰，可多個。"),
    ],
    register: RegisterOpt = Path("clusterbook.sqlite"),
    category: ClassOpt = None,
    year: ReviewYearOpt = None,
    credentials: CredentialsOpt = None,
) -> None:
    """匯入委員評分表並檢核，存入總表。

    檢核缺分、分數不是範圍內的整數、迴避仍評分、非此總表、年度或類別的評分表、列有總表以外的提案；同一委員同一類別再次匯入且內容變更即為新版本，內容相同則不變。

    結束代碼：0 無錯誤；1 有錯誤（含錯誤的評分列不計入結果）；2 有檔案無法使用。
    """
    from clusterbook.findings import SEVERITY_LABELS
    from clusterbook.review import import_reviews

    _require(register)
    try:
        summary = import_reviews(
            sources, register, category=category, year=_review_year(year), credentials=credentials
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    console = _console()
    for result, report in zip(summary.results, summary.reports, strict=True):
        rev = f" 第 {result.revision} 版" if result.revision else ""
        title = f" {_e(result.title)}" if result.title else ""
        counts = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in report.counts().items())
        console.print(
            f"{REVIEW_STATUS[result.status]}{rev}{title}：{_e(result.source)}（{counts}）"
        )
        for f in report.findings:
            style = SEVERITY_STYLE[f.severity]
            console.print(f"  [{style}]{f.rule}[/{style}] {_e(f.message)}")
    totals = {k: sum(r.counts()[k] for r in summary.reports) for k in ("error", "warning", "info")}
    console.print(
        f"[bold]合計[/bold]：新匯入 {summary.count('imported')}、新版本 {summary.count('revision')}、"
        f"未變更 {summary.count('unchanged')}、無法讀取 {summary.count('unreadable')}；"
        + "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in totals.items())
        + f"（總表：{_e(register)}）"
    )
    raise typer.Exit(summary.exit_code)


def _budgets(values: list[str]) -> dict[str, int] | int | None:
    """``30000000`` (every class) or ``A類=30000000`` (repeatable), thousands separators allowed."""
    if not values:
        return None
    out: dict[str, int] = {}
    for value in values:
        key, _, amount = value.rpartition("=")
        digits = amount.replace(",", "").strip()
        if not digits.isdigit():
            raise UsageError(
                f"--budget-total 請填金額（如 30000000 或 A類=30000000），收到 {value!r}"
            )
        if not key and len(values) == 1:
            return int(digits)
        if not key:
            raise UsageError("--budget-total 有多個時，請寫成 類別=金額（如 A類=30000000）")
        out[key.strip()] = int(digits)
    return out


def print_review_results(console, spec, results) -> None:
    """Each class's final order in a short table: place, case, cluster, the method's figure, flags."""
    from rich.table import Table

    lab = spec.labels
    for result in results:
        figure = review_labels(result.method, spec)
        table = Table(
            title=f"{_e(result.category)}（{_e(result.method)}）", box=None, padding=(0, 1)
        )
        for head in ("名次", "案號", "群聚名稱", figure, "評分", "備註"):
            table.add_column(head, justify="right" if head in (figure, "評分") else "left")
        for s in result.standings:
            value = s.mean_rank if result.method == "序位法" else s.method_score
            notes = []
            if s.tie:
                notes.append(f"[yellow]{lab['flags']['tie']}[/yellow]")
            if s.divergent:
                notes.append(
                    f"[yellow]{lab['flags']['divergent']}：{_e('、'.join(s.divergent))}[/yellow]"
                )
            if s.funded is not None:
                notes.append(
                    lab["flags"]["tie"]
                    if s.line_tie
                    else lab["funded"]
                    if s.funded
                    else lab["waitlisted"]
                )
            if s.place is None:
                notes.append(lab["flags"]["unscored"])
            table.add_row(
                "" if s.place is None else str(s.place),
                s.case.case,
                _e(s.case.cluster_name),
                "—" if value is None else f"{float(value):.2f}",
                f"{s.scorers}/{len(result.reviewers)}",
                "；".join(notes),
            )
        console.print(table)


def review_labels(method: str, spec=None) -> str:
    """The figure a method orders by, as the results name it (平均序位, 總分法得分)."""
    from clusterbook.review import load_review

    columns = (spec or load_review()).labels["columns"]
    return columns["mean_rank" if method == "序位法" else "method_score"]


def print_review_demo(console, review) -> None:
    """The demo's 遴選 in a few lines: the committee, its sheets, each class's order, flags."""
    from clusterbook.review.rank import RECUSED
    from clusterbook.review.samples import COMMITTEE

    console.print(
        f"6. 遴選：另 {len(review.proposals)} 份 A類 提案（{_e(review.proposals[0].parent)}）；"
        f"{'、'.join(COMMITTEE)}（虛構委員）評分表 {len(review.sheets)} 份（{_e(review.sheets[0].parent)}）"
    )
    counts = {k: sum(r.counts()[k] for r in review.summary.reports) for k in ("error", "warning")}
    console.print(f"   匯入評分表：錯誤 {counts['error']}、警告 {counts['warning']}")
    for result in review.results:
        by_rank = result.method == "序位法"
        order = "、".join(
            f"{s.place} {_e(s.case.cluster_name)}（{float(s.mean_rank if by_rank else s.method_score):.2f}）"
            for s in result.standings
            if s.place is not None
        )
        figure = review_labels(result.method)
        console.print(f"   {_e(result.category)}（{_e(result.method)}，{figure}）：{order}")
        for s in result.standings:
            median = s.median
            for name in s.divergent:
                total = s.entries[name].total / 100
                console.print(
                    f"      [yellow]意見分歧[/yellow] {_e(name)} 對 {s.case.case} {_e(s.case.cluster_name)}："
                    f"{total:.2f}，中位數 {float(median):.2f}"
                )
            for name, e in s.entries.items():
                if e.state == RECUSED:
                    console.print(
                        f"      利益迴避 {_e(name)}：{s.case.case} {_e(s.case.cluster_name)}"
                    )
            if s.tie:
                console.print(f"      [yellow]須抽籤[/yellow] {s.case.case}：{_e(s.tie_note)}")
    console.print(f"   評選結果：{_e(review.output)}")


@review_app.command("results")
def review_results(
    output: Annotated[Path, typer.Option("--output", "-o", help="輸出的 .xlsx 路徑。")] = Path(
        "評選結果.xlsx"
    ),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    method: Annotated[
        str | None, typer.Option("--method", help="序位法 或 總分法（預設依評分規格，為序位法）。")
    ] = None,
    budget_total: Annotated[
        list[str] | None,
        typer.Option(
            "--budget-total",
            help="經費預算（新臺幣元）：列出累計經費與經費線；一個金額適用各類別，或寫成 A類=金額（可多個）。",
        ),
    ] = None,
    category: ClassOpt = None,
    year: ReviewYearOpt = None,
) -> None:
    """排出評選結果，寫出 評選結果.xlsx。

    各類別各案的委員加權總分與序位、平均、中位數、全距；依序位法（平均序位，低者優先）或總分法（平均加權總分＋加分）排序，同分依規格處理，仍同分者標示須抽籤；標示意見分歧的委員；指定 --budget-total 時列出累計經費與經費線。

    結束代碼：0 完成；1 有評分表含錯誤（該列未計入）；2 總表中沒有評分表。
    """
    from clusterbook.review import class_results, write_results

    _require(register)
    budget = _budgets(budget_total or [])
    try:
        spec, results, findings = class_results(
            register, method=method, budget=budget, category=category, year=_review_year(year)
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not results:
        raise UsageError(
            f"總表 {register} 中還沒有評分表（請先以 clusterbook review import 匯入委員的評分表）"
        )
    out = write_results(spec, results, output, findings)
    console = _console()
    print_review_results(console, spec, results)
    errors = sum(f[3] == "error" for f in findings)
    if errors:
        console.print(
            f"[red]評分表有 {errors} 項錯誤，含錯誤的評分列未計入（見「待討論事項」工作表）。[/red]"
        )
    console.print(f"已寫出評選結果：{_e(out)}")
    raise typer.Exit(1 if errors else 0)


def main() -> None:
    """Console entry point: run the app and turn every failure into a message and exit code 2."""
    try:
        app()
    except Exception as exc:
        from clusterbook.workbook.programs import SpecError

        known = (
            isinstance(exc, UsageError | SpecError | OSError) or type(exc).__name__ == "SheetsError"
        )
        prefix = "錯誤" if known else f"未預期的錯誤（{type(exc).__name__}）"
        _console(stderr=True).print(f"[red]{prefix}：[/red]{_e(exc)}")
        sys.exit(2)
