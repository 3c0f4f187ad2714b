"""review sheets, review import, review results: the 遴選 (the committee's scoring)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import (
    IMPORT_STATUS,
    SEVERITY_STYLE,
    CredentialsOpt,
    ForceOpt,
    OAuthOpt,
    RegisterOpt,
    UsageError,
    console,
    e,
    output_file,
    register_errors,
    require,
    status_tally,
)
from clusterbook.cli.zh import Command, Group

app = typer.Typer(
    help="遴選：產生委員評分表、匯入評分、排出評選結果（序位法或總分法）。",
    cls=Group,
    no_args_is_help=True,
)
ClassOpt = Annotated[
    str | None,
    typer.Option(
        "--class", metavar="類別", help="只處理此提案類別（A類 或 B類）。預設：全部類別。"
    ),
]
ReviewYearOpt = Annotated[
    str | None,
    typer.Option(
        "--year", metavar="年度", help="計畫年度（民國，如 112）。預設：總表中最新的年度。"
    ),
]


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


def _year(year: str | None) -> int | None:
    if year is None:
        return None
    if not year.strip().isdigit():
        raise UsageError(f"--year 請填一個民國年（如 112），收到「{year}」。")
    return int(year)


@app.command("sheets", cls=Command)
def review_sheets(
    reviewers: Annotated[
        list[str],
        typer.Option(
            "--reviewer",
            "-R",
            metavar="委員",
            help="委員姓名或代號，可多個；--gsheets 時可寫成 姓名=E-Mail，"
            "該委員的試算表只共用給他（編輯者）。",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="資料夾", help="輸出資料夾。")
    ] = Path("評分表"),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    category: ClassOpt = None,
    year: ReviewYearOpt = None,
    gsheets: Annotated[
        bool,
        typer.Option("--gsheets", help="改在 Google 試算表原生建立（每位委員、每類別一份）。"),
    ] = False,
    folder_id: Annotated[
        str | None,
        typer.Option(
            "--folder-id",
            metavar="資料夾代號",
            help="--gsheets：建立在此 Google 雲端硬碟資料夾（服務帳戶須用共用雲端硬碟）。",
        ),
    ] = None,
    credentials: CredentialsOpt = None,
    oauth: OAuthOpt = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="資料夾中已有同名、內容不同的檔案（例如委員已評分的評分表）時，仍然覆寫。",
        ),
    ] = False,
) -> None:
    """產生委員評分表（每位委員、每類別一份）。

    列出總表中「符合」的提案（提案資料、加分項目、摘要）；各評分項目填 0–100 整數（附評分重點與驗證），利益迴避有下拉選單，加權總分與本人排序為鎖定的公式。相同總表與委員產生相同的檔案。
    """
    from clusterbook.review import sheet_layouts, write_sheets

    require(register)
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output} 是檔案，不是資料夾：-o 要指定放評分表的資料夾。")
    names, emails = _reviewer_emails(reviewers)
    with register_errors(register):
        try:
            plans, empty = sheet_layouts(register, names, category=category, year=_year(year))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = console()
    for k in empty:
        out.print(f"[yellow]{e(k)}沒有符合資格的提案，未產生評分表。[/yellow]")
    if not plans:
        raise UsageError(f"總表 {register} 中沒有符合資格的提案：請先以 clusterbook import 匯入。")
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
            shared = f"（已共用給 {e(email)}）" if email else ""
            out.print(f"{e(plan.title)}：{e(sheet.url)}{shared}")
        return
    try:
        paths = write_sheets(plans, output, replace=force)
    except FileExistsError as exc:
        raise UsageError(
            f"{exc.filename} 已存在，且與這次產生的評分表不同（可能已有委員評分）：為免覆蓋，"
            "請以 -o 指定其他資料夾；確定要覆寫請加 --force。"
        ) from None
    counts = "、".join(dict.fromkeys(f"{p.slate.category} {len(p.slate.cases)} 案" for p in plans))
    out.print(f"已產生評分表 {len(paths)} 份（{counts}；委員 {len(names)} 位）：{e(output)}")
    for path in paths:
        out.print(f"  {e(path)}")


@app.command("import", cls=Command)
def review_import(
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="檔案或網址",
            help="委員填好的評分表 (.xlsx)，或 Google 試算表的網址或金鑰；可以一次列多個。",
        ),
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
    from clusterbook.cli.findings import counts_text, print_item
    from clusterbook.review import import_reviews

    require(register)
    with register_errors(register):
        try:
            summary = import_reviews(
                sources, register, category=category, year=_year(year), credentials=credentials
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = console()
    for result, report in zip(summary.results, summary.reports, strict=True):
        rev = f" 第 {result.revision} 版" if result.revision else ""
        title = f" {result.title}" if result.title else ""
        print_item(
            out,
            0,
            "",
            "default",
            f"{IMPORT_STATUS[result.status]}{rev}{title}：{result.source}（{counts_text(report.findings)}）",
        )
        for f in report.findings:
            print_item(out, 2, f.rule, SEVERITY_STYLE[f.severity], f.message)
    found = [f for r in summary.reports for f in r.findings]
    print_item(
        out,
        0,
        "",
        "default",
        f"合計：{status_tally(summary)}；{counts_text(found)}（總表：{register}）",
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
                f"--budget-total 請填金額（如 30000000 或 A類=30000000），收到「{value}」。"
            )
        if not key and len(values) == 1:
            return int(digits)
        if not key:
            raise UsageError("--budget-total 有多個時，請寫成 類別=金額（如 A類=30000000）。")
        out[key.strip()] = int(digits)
    return out


@app.command("results", cls=Command)
def review_results(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="檔案",
            help="輸出的評選結果活頁簿 (.xlsx)；已有同名檔案時，只覆寫先前寫出的評選結果。",
        ),
    ] = Path("評選結果.xlsx"),
    register: RegisterOpt = Path("clusterbook.sqlite"),
    method: Annotated[
        str | None,
        typer.Option(
            "--method", metavar="方法", help="序位法 或 總分法（預設依評分規格，為序位法）。"
        ),
    ] = None,
    budget_total: Annotated[
        list[str] | None,
        typer.Option(
            "--budget-total",
            metavar="金額",
            help="經費預算（新臺幣元）：列出累計經費與經費線；一個金額適用各類別，"
            "或寫成 A類=金額（可多個）。",
        ),
    ] = None,
    category: ClassOpt = None,
    year: ReviewYearOpt = None,
    force: ForceOpt = False,
) -> None:
    """排出評選結果，寫出 評選結果.xlsx。

    各類別各案的委員加權總分與序位、平均、中位數、全距；依序位法（平均序位，低者優先）或總分法（平均加權總分＋加分）排序，同分依規格處理，仍同分者標示須抽籤；標示意見分歧的委員；指定 --budget-total 時列出累計經費與經費線。

    結束代碼：0 完成；1 有評分表含錯誤（該列未計入）；2 總表中沒有評分表。
    """
    from clusterbook.outputs import RESULTS
    from clusterbook.review import class_results, write_results

    require(register)
    output = output_file(output, RESULTS, force)
    budget = _budgets(budget_total or [])
    with register_errors(register):
        try:
            spec, results, findings = class_results(
                register, method=method, budget=budget, category=category, year=_year(year)
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if not results:
        raise UsageError(
            f"總表 {register} 中還沒有評分表：請先以 clusterbook review import 匯入委員的評分表。"
        )
    written = write_results(spec, results, output, findings)
    out = console()
    print_results(out, spec, results)
    errors = sum(f[3] == "error" for f in findings)
    if errors:
        out.print(
            f"[red]評分表有 {errors} 項錯誤，含錯誤的評分列未計入（見「待討論事項」工作表）。[/red]"
        )
    out.print(f"已寫出評選結果：{e(written)}")
    raise typer.Exit(1 if errors else 0)


def print_results(out, spec, results) -> None:
    """Each class's final order in a short table: place, case, cluster, the method's figure, flags."""
    from rich.table import Table

    lab = spec.labels
    for result in results:
        figure = figure_label(result.method, spec)
        table = Table(title=f"{e(result.category)}（{e(result.method)}）", box=None, padding=(0, 1))
        for head in ("名次", "案號", "群聚名稱", figure, "評分", "備註"):
            table.add_column(head, justify="right" if head in (figure, "評分") else "left")
        for s in result.standings:
            value = s.mean_rank if result.method == "序位法" else s.method_score
            notes = []
            if s.tie:
                notes.append(f"[yellow]{lab['flags']['tie']}[/yellow]")
            if s.divergent:
                notes.append(
                    f"[yellow]{lab['flags']['divergent']}：{e('、'.join(s.divergent))}[/yellow]"
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
                e(s.case.cluster_name),
                "—" if value is None else f"{float(value):.2f}",
                f"{s.scorers}/{len(result.reviewers)}",
                "；".join(notes),
            )
        out.print(table)


def figure_label(method: str, spec=None) -> str:
    """The figure a method orders by, as the results name it (平均序位, 總分法得分)."""
    from clusterbook.review import load_review

    columns = (spec or load_review()).labels["columns"]
    return columns["mean_rank" if method == "序位法" else "method_score"]


def print_demo(out, review) -> None:
    """The demo's 遴選 in a few lines: the committee, its sheets, each class's order, flags."""
    from clusterbook.cli.findings import print_item
    from clusterbook.review.rank import RECUSED
    from clusterbook.review.samples import COMMITTEE

    print_item(
        out,
        0,
        "6.",
        "default",
        f"遴選：另 {len(review.proposals)} 份 A類 提案（{review.proposals[0].parent}）；"
        f"{'、'.join(COMMITTEE)}（虛構委員）評分表 {len(review.sheets)} 份"
        f"（{review.sheets[0].parent}）",
    )
    counts = {k: sum(r.counts()[k] for r in review.summary.reports) for k in ("error", "warning")}
    out.print(f"   匯入評分表：錯誤 {counts['error']}、警告 {counts['warning']}")
    for result in review.results:
        by_rank = result.method == "序位法"
        order = "、".join(
            f"{s.place} {s.case.cluster_name}"
            f"（{float(s.mean_rank if by_rank else s.method_score):.2f}）"
            for s in result.standings
            if s.place is not None
        )
        figure = figure_label(result.method)
        print_item(
            out, 3, "", "default", f"{result.category}（{result.method}，{figure}）：{order}"
        )
        for s in result.standings:
            for name in s.divergent:
                total = s.entries[name].total / 100
                print_item(
                    out,
                    6,
                    "意見分歧",
                    "yellow",
                    f"{name} 對 {s.case.case} {s.case.cluster_name}：{total:.2f}，"
                    f"中位數 {float(s.median):.2f}",
                )
            for name, entry in s.entries.items():
                if entry.state == RECUSED:
                    print_item(
                        out,
                        6,
                        "利益迴避",
                        "default",
                        f"{name}：{s.case.case} {s.case.cluster_name}",
                    )
            if s.tie:
                print_item(out, 6, "須抽籤", "yellow", f"{s.case.case}：{s.tie_note}")
    out.print(f"   評選結果：{e(review.output)}")
