"""What every command shares: the console, escaping of user text, common options, usage errors,
and the checks made before a file is written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

ProgramOpt = Annotated[
    str,
    typer.Option("--program", "-p", metavar="規格", help="提案規格：templates/ 下的資料夾名稱。"),
]
CredentialsOpt = Annotated[
    str | None,
    typer.Option(
        "--credentials",
        metavar="金鑰檔",
        help="Google 服務帳戶金鑰 (JSON) 的路徑。未指定時用環境變數 "
        "GOOGLE_APPLICATION_CREDENTIALS，或 gspread 的預設位置。",
    ),
]
OAuthOpt = Annotated[
    bool, typer.Option("--oauth", help="改用 OAuth 使用者授權（第一次使用會開啟瀏覽器）。")
]
RegisterOpt = Annotated[
    Path, typer.Option("--register", "-r", metavar="資料庫", help="總表資料庫 (SQLite) 檔案。")
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="整數",
        show_default="CPU 核心數",
        help="同時處理的行程數，1 表示逐一處理。",
    ),
]
YearOpt = Annotated[
    str | None,
    typer.Option(
        "--year",
        metavar="年度",
        help="計畫年度（民國，如 112；all 為全部年度）。預設：總表中最新的年度。",
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="輸出檔已存在且不是 clusterbook 產生的檔案時，仍然覆寫。")
]
IMPORT_STATUS = {
    "imported": "新匯入",
    "revision": "新版本",
    "unchanged": "未變更",
    "unreadable": "無法讀取",
}
"""What an import did with one file (proposals and scoring sheets alike)."""
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}
SEVERITY_WORDS = {
    "error": "error",
    "warning": "warning",
    "info": "info",
    "錯誤": "error",
    "警告": "warning",
    "資訊": "info",
}


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
    """A progress bar on a terminal's stderr for more than one input (nothing for a single file,
    nothing when stderr goes to a file or a pipe)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=total <= 1 or not err.is_terminal,
    )


def choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"{option} 只接受 {'、'.join(allowed)}，收到「{value}」。")
    return value


def severity(value: str) -> str:
    """error/warning/info as typed, in English or in zh-TW (錯誤/警告/資訊)."""
    found = SEVERITY_WORDS.get(value.strip().lower())
    if found is None:
        raise UsageError(
            f"--severity 只接受 錯誤、警告或資訊（或 error、warning、info），收到「{value}」。"
        )
    return found


def jobs(value: int | None) -> int:
    from clusterbook.batch import default_jobs

    if value is None:
        return default_jobs()
    if value < 1:
        raise UsageError(f"--jobs 須為 1 以上的整數，收到 {value}。")
    return value


def require(register: Path, *, fresh: bool = False) -> None:
    """An existing register, or a usage error that says how to make one (``fresh``: an
    empty SQLite file, such as one another import is creating, will do)."""
    if register.is_dir():
        raise UsageError(f"{register} 是資料夾：--register 要指定總表資料庫檔案。")
    if not register.exists():
        raise UsageError(
            f"找不到總表資料庫 {register}：請先執行 clusterbook import，或以 --register 指定。"
        )
    from clusterbook.register.store import is_register

    if not is_register(register, fresh=fresh):
        raise UsageError(
            f"{register} 不是總表資料庫（或已損毀）：請以 --register 指定 clusterbook import "
            "建立的檔案。"
        )


@contextmanager
def register_errors(register: Path) -> Iterator[None]:
    """A register that SQLite cannot open or read becomes a usage error that says what to do."""
    import sqlite3

    try:
        yield
    except sqlite3.Error as exc:
        from clusterbook.cli.errors import sqlite_message

        raise UsageError(sqlite_message(exc, register)) from None


def writable_register(register: Path) -> None:
    """A register that import can open or create."""
    if register.is_dir():
        raise UsageError(f"{register} 是資料夾：--register 要指定總表資料庫檔案。")
    if not register.parent.is_dir():
        raise UsageError(
            f"資料夾 {register.parent} 不存在：請先建立它，或以 --register 指定其他位置。"
        )
    if register.exists():
        require(register, fresh=True)


def output_file(
    path: Path, kind: str, force: bool, suffix: str = ".xlsx", what: str = "Excel 活頁簿"
) -> Path:
    """Where an output goes: ``suffix`` added to a name without an extension, a wrong extension
    refused, and an existing file replaced only if clusterbook wrote it (or --force)."""
    from clusterbook.outputs import replaceable

    if path.is_dir():
        raise UsageError(
            f"{path} 是資料夾：請以 -o 指定檔案名稱，例如 {path / (EXAMPLES[kind] + suffix)}。"
        )
    if path.suffix == "":
        path = path.with_name(path.name + suffix)
    elif path.suffix.lower() != suffix:
        raise UsageError(f"{path.name} 的副檔名不對：輸出的是 {what}，請改用 {path.stem}{suffix}。")
    if not path.parent.is_dir():
        raise UsageError(f"資料夾 {path.parent} 不存在：請先建立它，或指定其他位置。")
    if not force and not replaceable(path, kind):
        raise UsageError(
            f"{path} 已存在，且不是 clusterbook 產生的{KIND_NAMES[kind]}：為免覆蓋別人的檔案，"
            "請指定其他檔名；確定要覆寫請加 --force。"
        )
    return path


KIND_NAMES = {
    "template": "空白範本",
    "master": "總表",
    "annotated": "標註副本",
    "document": "提案計畫書",
    "results": "評選結果",
}
EXAMPLES = {
    "template": "proposal",
    "master": "master",
    "document": "提案計畫書",
    "results": "評選結果",
}
"""The default file name of each kind of output, as the example of a name to give."""


def origin(f) -> str:
    """What a register finding was checked against: another cluster, or the history records."""
    return (
        "輔導紀錄" if f.rule.startswith("HIST-") else "跨群聚" if f.rule.startswith("REG-") else ""
    )


def load_year(register: Path, year: str | None):
    """The register's tables of one program year (or all years) as ``--year`` asks."""
    from clusterbook.register import load

    if year is not None and year.strip().lower() not in ("all", "全部") and not year.isdigit():
        raise UsageError(f"--year 請填民國年（如 112）或 all，收到「{year}」。")
    wanted = None if year is None else ("all" if not year.isdigit() else int(year))
    with register_errors(register):
        try:
            return load(register, wanted)
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def status_tally(summary) -> str:
    """「新匯入 1、新版本 0、未變更 3、無法讀取 0」 for an import summary with ``count(status)``."""
    return "、".join(f"{label} {summary.count(key)}" for key, label in IMPORT_STATUS.items())
