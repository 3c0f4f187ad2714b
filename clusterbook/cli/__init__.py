"""The clusterbook command line: parses arguments, calls the library, renders results, exits.

One module per command group (``check``, ``document``, ``template``, ``register``,
``history``, ``review``, ``gsheets``, ``demo``); ``common`` holds what they share, ``zh`` the
zh-TW help pages, ``errors`` the zh-TW sentences for the framework's, the system's and the
register's errors, ``wrap`` the layout of text at any width. Heavy modules (pandas, openpyxl,
gspread) are imported inside the commands so ``--help`` is instant. Exit codes: 0 clean, 1
findings of severity error, 2 unusable input or usage.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from clusterbook.cli import check, demo, document, gsheets, history, register, review, template
from clusterbook.cli.common import UsageError, console, e
from clusterbook.cli.zh import CONTEXT, Command, Group

app = typer.Typer(
    name="clusterbook",
    help="數位群聚輔導提案工具：產生提案活頁簿、檢核填寫內容、彙整總表。",
    cls=Group,
    context_settings=CONTEXT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command(cls=Command)(template.template)
app.command(cls=Command)(template.fields)
app.command(cls=Command)(template.rules)
app.command(cls=Command)(check.check)
app.command(cls=Command)(document.document)
app.command(cls=Command)(demo.demo)
app.add_typer(gsheets.app, name="gsheets")
app.add_typer(register.app, name="register")
app.add_typer(history.app, name="history")
app.add_typer(review.app, name="review")
app.command("import", cls=Command)(register.import_)
app.command(cls=Command)(register.export)
app.command(cls=Command)(register.pivot)

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("clusterbook")
        except PackageNotFoundError:
            shown = "（未安裝，從原始碼執行）"
        console().print(f"clusterbook {shown}")
        raise typer.Exit(0)


@app.callback()
def root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="顯示版本後結束。",
            callback=_version,
            is_eager=True,
            expose_value=False,
        ),
    ] = False,
) -> None:
    """The options of clusterbook itself, before the command."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run a command; every failure becomes a zh-TW message and an exit code
    (2 for usage and unusable input), never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="clusterbook", standalone_mode=False)
    except Exception as exc:
        code = _failure(exc, args)
    sys.exit(code if isinstance(code, int) else 0)


def _failure(exc: Exception, args: list[str]) -> int:
    """Print what went wrong and what to do; return the exit code."""
    from clusterbook.cli.errors import kind, os_message, sqlite_message, usage_message
    from clusterbook.cli.wrap import width, wrap
    from clusterbook.cli.zh import usage
    from clusterbook.workbook.programs import SpecError

    names = kind(exc)
    err = console(stderr=True)
    ctx = getattr(exc, "ctx", None)
    if "NoArgsIsHelpError" in names and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        return 2
    if "Abort" in names:
        err.print("已中止。")
        return 1
    tips: list[str] = []
    if isinstance(exc, UsageError | SpecError) or type(exc).__name__ == "SheetsError":
        message = str(exc)
    elif "UsageError" in names or "ClickException" in names:
        message = usage_message(exc, args)
        if ctx is not None:
            tips = [f"用法：{usage(ctx.command, ctx)}", f"說明：{ctx.command_path} -h"]
    elif isinstance(exc, OSError):
        message = os_message(exc)
    elif type(exc).__module__ == "sqlite3":
        message = sqlite_message(exc, "")
    else:
        message = f"未預期的錯誤（{type(exc).__name__}）：請把執行的指令與檔案提供給維護人員。"
        if os.environ.get("CLUSTERBOOK_DEBUG"):
            raise exc
    if message and message[-1] not in "。？！":
        message += "。"
    lines = wrap(f"錯誤：{message}", width())
    err.print(f"[red]錯誤：[/red]{e(lines[0].removeprefix('錯誤：'))}")
    for line in lines[1:] + [ln for tip in tips for ln in wrap(tip, width())]:
        err.print(e(line))
    return 2
