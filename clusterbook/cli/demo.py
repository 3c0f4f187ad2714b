"""demo: the whole workflow on sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import ProgramOpt, UsageError, console, e, origin
from clusterbook.cli.review import print_demo


def demo(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="資料夾",
            help="輸出資料夾：新的、空的，或先前示範用過的資料夾。",
        ),
    ] = Path("demo"),
    program: ProgramOpt = "dc112",
    force: Annotated[
        bool, typer.Option("--force", help="資料夾已有其他檔案時仍寫入（同名檔案會被取代）。")
    ] = False,
) -> None:
    """完整示範：產生範本、填寫四份範例提案、檢核、匯入新總表、寫出標註副本與 master.xlsx。"""
    from clusterbook.cli.findings import counts_text, print_item, verdict_text
    from clusterbook.demo import replaceable, run_demo
    from clusterbook.workbook.spec import load_program

    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} 是檔案，不是資料夾：請指定示範用的資料夾。")
    if not force and not replaceable(folder):
        raise UsageError(
            f"資料夾 {folder} 已有其他檔案，示範會取代其中的總表與活頁簿："
            "請指定新的資料夾；確定要寫入請加 --force。"
        )
    load_program(program)  # an unknown spec is refused before anything is written
    out = console()
    out.print(f"示範資料夾：{e(folder)}")
    result = run_demo(folder, program=program)
    out.print(f"1. 提案範本：{e(result.template)}")
    out.print(f"2. 範例提案（{len(result.proposals)} 份）：{e(folder / 'proposals')}")
    out.print("3. 檢核並匯入總表：")
    summary = result.summary
    for i, imported in enumerate(summary.results):
        found = summary.findings(i)
        out.print(
            f"   {verdict_text(summary.verdict(i))} {e(imported.title)}：{counts_text(found)}"
        )
        for f in summary.reports[i].ordered() + summary.cross.get(imported.submission_id, []):
            if f.severity == "error":
                print_item(out, 6, f"{origin(f)} {f.rule}".strip(), "red", f.message)
    out.print(
        f"4. 標註副本：{e(folder / 'annotated')}（{len(result.annotated)} 份，可退回給提案單位）"
    )
    out.print(f"5. 總表資料庫：{e(result.register)}；匯出：{e(result.master)}")
    print_demo(out, result.review)
    print_item(
        out,
        0,
        "",
        "default",
        f"試試：clusterbook pivot --register {result.register} --table 經費 --rows 預算運用類別 "
        "--columns 群聚型態 --values 金額 --aggfunc sum",
    )
