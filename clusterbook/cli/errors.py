"""Every failure as a zh-TW sentence that says what to do: argument errors of the CLI framework,
operating-system errors, register (SQLite) errors.

The framework's exceptions are recognised by their class names (click's, or the copy of click
that typer ships) and their attributes (``param``, ``option_name``, ``possibilities``), never
by their English text, except to pick one of a few known usage errors.
"""

from __future__ import annotations

import difflib
import errno
import re

from clusterbook.cli.zh import HELP_NAMES, term


def kind(exc: BaseException) -> set[str]:
    """The class names of ``exc`` and its bases (works for click and typer's copy of it)."""
    return {c.__name__ for c in type(exc).__mro__}


def _given(args: list[str], param) -> str | None:
    """The value typed for an option, as the user wrote it."""
    found = None
    opts = [*param.opts, *param.secondary_opts]
    for i, arg in enumerate(args):
        for opt in opts:
            if arg == opt and i + 1 < len(args):
                found = args[i + 1]
            elif arg.startswith(opt + "="):
                found = arg[len(opt) + 1 :]
            elif len(opt) == 2 and not opt.startswith("--") and arg.startswith(opt) and arg != opt:
                found = arg[2:]
    return found


def _option(ctx, name: str):
    command = getattr(ctx, "command", None)
    for param in getattr(command, "params", []):
        if name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _name(param) -> str:
    """An option by its long name (``--jobs``), an argument by its placeholder."""
    if getattr(param, "param_type_name", "") != "option":
        return term(param)
    return max(param.opts, key=len)


def _closest(word: str, choices) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)


def usage_message(exc: BaseException, args: list[str]) -> str:
    """A zh-TW sentence for one of the framework's usage errors."""
    names = kind(exc)
    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    if "NoSuchOption" in names:
        option = exc.option_name
        known = list(getattr(exc, "possibilities", None) or [])
        command = getattr(ctx, "command", None)
        if not known and command is not None:
            every = [o for p in command.params for o in (*p.opts, *p.secondary_opts)]
            known = _closest(option, [*every, *HELP_NAMES])
        hint = f"；您是不是要用 {'、'.join(sorted(known))}？" if known else "。"
        return f"沒有 {option} 這個選項{hint}"
    if "MissingParameter" in names and param is not None:
        if getattr(param, "param_type_name", "") == "option":
            return f"缺少必填的選項 {_name(param)} {param.metavar or ''}".rstrip() + "。"
        return f"缺少{term(param)}：{(param.help or '').rstrip('。')}。"
    if "BadParameter" in names and param is not None:
        value = _given(args, param) if param.param_type_name == "option" else None
        shown = f"「{value}」" if value is not None else ""
        return f"{_name(param)} 的值{shown}不正確：須為{param.metavar or '正確的值'}。"
    if "BadOptionUsage" in names:
        option = exc.option_name
        found = _option(ctx, option)
        said = str(getattr(exc, "message", ""))
        if "does not take" in said:
            return f"{option} 不接受值（直接寫 {option} 即可）。"
        if "requires" in said:
            return f"{option} 後面要接{found.metavar if found is not None else '一個值'}。"
        return f"{option} 的用法不正確。"
    message = str(getattr(exc, "message", ""))
    extra = re.search(r"unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra:
        return f"多了無法辨識的參數：{extra.group(1)}（檔名或網址含空白時請加引號）。"
    missing = re.search(r"No such command ['\"]?(.*?)['\"]?\.(?: |$)", message)
    if missing:
        command = getattr(ctx, "command", None)
        known = _closest(missing.group(1), getattr(command, "commands", {}))
        hint = f"；您是不是要用 {'、'.join(known)}？" if known else "。"
        return f"沒有「{missing.group(1)}」這個指令{hint}"
    if "Missing command" in message:
        return "請指定指令。"
    return "指令的用法不正確。"


_OS = {
    errno.ENOENT: "找不到 {path}：請確認檔名與資料夾是否存在",
    errno.EISDIR: "{path} 是資料夾：請指定檔案名稱",
    errno.ENOTDIR: "{path} 的上層不是資料夾：請確認路徑",
    errno.EEXIST: "{path} 已存在，且不是資料夾：請指定其他資料夾",
    errno.EACCES: "沒有存取 {path} 的權限：請換一個位置，或請管理者開放權限",
    errno.EPERM: "沒有存取 {path} 的權限：請換一個位置，或請管理者開放權限",
    errno.ENOSPC: "磁碟空間不足，無法寫入 {path}：請清出空間後再試",
    errno.EROFS: "{path} 位於唯讀的磁碟：請換一個位置",
    errno.ENAMETOOLONG: "檔名太長：{path}",
    errno.EBUSY: "{path} 正被其他程式使用：請關閉後再試",
}


def os_message(exc: OSError, path: object = None) -> str:
    """An operating-system error as a zh-TW sentence (never the system's English text)."""
    where = path if path is not None else (exc.filename or "檔案")
    template = _OS.get(exc.errno or 0, "無法存取 {path}（系統錯誤代碼 {code}）：請確認路徑與權限")
    return template.format(path=where, code=exc.errno)


def sqlite_message(exc: Exception, register: object) -> str:
    """A register that cannot be opened or read."""
    text = str(exc)
    if "unable to open" in text:
        return f"無法開啟總表資料庫 {register}：請確認資料夾存在且可寫入"
    if "not a database" in text or "malformed" in text:
        return f"{register} 不是總表資料庫（或已損毀）：請以 --register 指定 clusterbook import 建立的檔案"
    if "locked" in text or "busy" in text:
        return f"總表資料庫 {register} 正被其他程式使用：請稍後再試"
    if "readonly" in text:
        return f"總表資料庫 {register} 無法寫入：請確認檔案與資料夾的權限"
    return f"總表資料庫 {register} 無法使用：請確認它是 clusterbook import 建立的檔案"
