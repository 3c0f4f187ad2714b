"""demo: the whole workflow on sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterbook.cli.common import ProgramOpt, console, e


def demo(
    folder: Annotated[Path, typer.Argument(help="輸出資料夾。")] = Path("demo"),
    program: ProgramOpt = "dc112",
) -> None:
    """完整示範：產生範本、填寫四份範例提案、檢核、匯入新總表、寫出標註副本與 master.xlsx。"""
    from clusterbook.demo import run_demo
    from clusterbook.findings import SEVERITY_LABELS

    out = console()
    out.print(f"示範資料夾：{e(folder)}")
    result = run_demo(folder, program=program)
    out.print(f"1. 提案範本：{e(result.template)}")
    out.print(f"2. 範例提案（{len(result.proposals)} 份）：{e(folder / 'proposals')}")
    out.print("3. 檢核並匯入總表：")
    summary = result.summary
    for imported, report in zip(summary.results, summary.reports, strict=True):
        counts = "、".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in report.counts().items())
        status = "[green]通過[/green]" if report.errors == 0 else "[red]有錯誤[/red]"
        out.print(f"   {status} {e(imported.title)}：{counts}")
        for f in report.findings:
            if f.severity == "error":
                out.print(f"      [red]{f.rule}[/red] {e(f.message)}")
    for findings in summary.cross.values():
        for f in findings:
            out.print(f"   [red]跨群聚 {f.rule}[/red] {e(f.message)}")
    out.print(f"4. 標註副本：{e(folder / 'annotated')}（{len(result.annotated)} 份）")
    out.print(f"5. 總表資料庫：{e(result.register)}；匯出：{e(result.master)}")
    out.print(
        f"試試：clusterbook pivot --register {e(result.register)} --table 經費 --rows 預算運用類別 "
        "--columns 群聚型態 --values 金額 --aggfunc sum"
    )
