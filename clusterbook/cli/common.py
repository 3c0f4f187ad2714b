"""What every command shares: the console, escaping of user text, common options, usage errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
RegisterOpt = Annotated[Path, typer.Option("--register", "-r", help="總表資料庫 (SQLite) 路徑。")]
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


class UsageError(Exception):
    """Bad input the user can fix; reported in one line with exit code 2."""


def e(value) -> str:
    """User text (file names, cell contents, messages) shown literally, never as rich markup."""
    from rich.markup import escape

    from clusterbook.text import printable

    return escape(printable(str(value)))


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def progress(total: int):
    """A progress bar on stderr for more than one input (nothing for a single file)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
        disable=total <= 1,
    )


def require(register: Path) -> None:
    if not register.exists():
        raise UsageError(
            f"找不到總表資料庫 {register}（請先執行 clusterbook import，或以 --register 指定）"
        )
