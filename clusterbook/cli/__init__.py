"""The clusterbook command line: parses arguments, calls the library, renders results, exits.

One module per command group (``check``, ``template``, ``register``, ``gsheets``, ``demo``);
``common`` holds what they share. Heavy modules (pandas, openpyxl, gspread) are imported inside
the commands so ``--help`` is instant.
Exit codes: 0 clean, 1 findings of severity error, 2 unusable input or usage.
"""

from __future__ import annotations

import sys

import typer

from clusterbook.cli import check, demo, gsheets, register, template
from clusterbook.cli.common import UsageError, console, e

app = typer.Typer(
    name="clusterbook",
    help="數位群聚輔導提案工具：產生提案活頁簿、檢核填寫內容、彙整總表。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.command()(template.template)
app.command()(template.fields)
app.command()(template.rules)
app.command()(check.check)
app.command()(demo.demo)
app.add_typer(gsheets.app, name="gsheets")
app.add_typer(register.app, name="register")
app.command("import")(register.import_)
app.command()(register.export)
app.command()(register.pivot)

__all__ = ["app", "main"]


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
        console(stderr=True).print(f"[red]{prefix}：[/red]{e(exc)}")
        sys.exit(2)
