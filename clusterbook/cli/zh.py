"""Help pages in zh-TW, in place of the CLI framework's English ones.

:class:`Group` and :class:`Command` are typer's classes with their own ``format_help``: the page
is built from the click parameters (names, ``metavar`` as the zh-TW placeholder, ``help``,
``required``, ``default`` or a ``show_default`` text) and wrapped with :mod:`.wrap`, so nothing
is cut at any width and no English word of the framework is printed.
"""

from __future__ import annotations

import inspect

import typer.core

from clusterbook.cli.wrap import cells, definitions, width, wrap

HELP = "顯示此說明後結束。"
HELP_NAMES = ["-h", "--help"]
CONTEXT = {"help_option_names": HELP_NAMES}


def _is_option(param) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _placeholder(param) -> str:
    return param.metavar or "值"


def term(param) -> str:
    """How a parameter is written: ``-f, --format 格式``, ``--totals / --no-totals``, ``檔案``."""
    if not _is_option(param):
        return _placeholder(param)
    names = sorted(param.opts, key=lambda o: (o.startswith("--"), o))
    if param.secondary_opts:
        return " / ".join([", ".join(names), *param.secondary_opts])
    if getattr(param, "is_flag", False):
        return ", ".join(names)
    return f"{', '.join(names)} {_placeholder(param)}"


def default_text(param) -> str | None:
    """The default as a user reads it (a ``show_default`` text wins), or None."""
    shown = getattr(param, "show_default", None)
    if shown is False:
        return None
    if isinstance(shown, str):
        return shown
    value = param.default
    if getattr(param, "is_flag", False):
        if param.secondary_opts and isinstance(value, bool):
            return param.opts[0] if value else param.secondary_opts[0]
        return None
    if value is None or value == () or value == [] or callable(value):
        return None
    return str(value)


def describe(param) -> str:
    text = " ".join((param.help or "").split())
    if param.required:
        text += "（必填）"
    shown = default_text(param)
    if shown:
        text += f"（預設：{shown}）"
    return text


def usage(command, ctx) -> str:
    """``clusterbook check [選項] 檔案或網址（可多個）``."""
    parts = [ctx.command_path]
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    parts += [
        f"{max(p.opts, key=len)} {_placeholder(p)}" for p in params if _is_option(p) and p.required
    ]
    parts.append("[選項]")
    if hasattr(command, "commands"):
        parts.append("指令 [參數]")
    for p in params:
        if _is_option(p):
            continue
        shown = _placeholder(p) + ("（可多個）" if p.nargs == -1 else "")
        parts.append(shown if p.required else f"[{shown}]")
    return " ".join(parts)


def _paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, each joined into one line (CJK lines join without a space)."""
    out = []
    for block in inspect.cleandoc(text).split("\n\n"):
        joined = ""
        for line in block.splitlines():
            line = line.strip()
            if joined and line and (cells(joined[-1]) == 1 or cells(line[0]) == 1):
                joined += " "
            joined += line
        if joined:
            out.append(joined)
    return out


def help_page(command, ctx) -> str:
    total = width()
    lines = [*wrap(f"用法：{usage(command, ctx)}", total), ""]
    for paragraph in _paragraphs(command.help or ""):
        lines += [*wrap(paragraph, total), ""]
    arguments = [p for p in command.params if not _is_option(p) and not p.hidden]
    if arguments:
        lines += ["參數：", *definitions([(term(p), describe(p)) for p in arguments], total), ""]
    if hasattr(command, "commands"):
        rows = [
            (name, _paragraphs(sub.help or "")[0] if sub.help else "")
            for name, sub in command.commands.items()
            if not getattr(sub, "hidden", False)
        ]
        lines += ["指令：", *definitions(rows, total), ""]
    options = [p for p in command.get_params(ctx) if _is_option(p) and not p.hidden]
    rows = [(term(p), HELP if set(p.opts) <= set(HELP_NAMES) else describe(p)) for p in options]
    lines += ["選項：", *definitions(rows, total), ""]
    if hasattr(command, "commands"):
        example = next(iter(command.commands), "")
        tip = f"各指令的說明：{ctx.command_path} 指令 -h，例如 {ctx.command_path} {example} -h。"
        lines += [*wrap(tip, total), ""]
    return "\n".join(lines)


class Command(typer.core.TyperCommand):
    def format_help(self, ctx, formatter) -> None:
        formatter.write(help_page(self, ctx))


class Group(typer.core.TyperGroup):
    def format_help(self, ctx, formatter) -> None:
        formatter.write(help_page(self, ctx))
