"""Run the clusterbook command line in this process as a user would, and read what it printed."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from clusterbook.cli import main
from clusterbook.cli.wrap import cells

PRODUCT_WORDS = frozenset(
    [
        "Excel",
        "Google",
        "Sheets",
        "API",
        "JSON",
        "CSV",
        "SQLite",
        "PDF",
        "HTML",
        "OpenDocument",
        "Word",
        "LibreOffice",
        "pdf",
        "PowerPoint",
        "Numbers",
        "ZIP",
        "RAR",
        "PNG",
        "JPEG",
        "GIF",
        "BMP",
        "RTF",
        "XML",
        "UTF",
        "BOM",
        "CPU",
        "OAuth",
        "Mail",
        "Shared",
        "Drive",
        "MB",
        "HTTP",
        "clusterbook",
        "gspread",
        "table",
        "json",
        "csv",
        "count",
        "sum",
        "mean",
        "A",  # A類, B類: the guide's proposal classes
        "B",
        "all",
        "error",
        "warning",
        "info",
        "xlsx",
        "xls",
        "ods",
        "docx",
        "doc",
        "odt",
        "xlsb",
        "ppt",
        "pptx",
        "DTD",
        "VBA",
        "ActiveX",
        "javascript",
        "Zip",
        "E",
        "members",
        "county",
    ]
)
"""Latin words a zh-TW message may hold: product and format names, and values users type."""
_ALLOWED_TOKENS = re.compile(
    r"(?<![\w-])--?[A-Za-z][\w-]*"  # option names
    r"|https?://\S+"  # addresses
    r"|[\w.~-]*/[^\s，。、；：（）「」]*"  # paths
    r"|[A-Za-z_][\w-]*(?:\.[\w-]+)+"  # file names and dotted ids (proposal.category)
    r"|(?<![\w-])[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+(?![\w-])"  # rule ids, environment variables
    r"|[A-Za-z]+\d\w*"  # ids with digits (dc112, sheet4)
    r"|_\w+"  # hidden sheet names (_meta)
)
TRUNCATED = ("…", "...")


@dataclass
class Run:
    args: list[str]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run(capsys, monkeypatch, args: list[str], columns: int = 80, cwd=None) -> Run:
    monkeypatch.setenv("COLUMNS", str(columns))
    if cwd is not None:
        monkeypatch.chdir(cwd)
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return Run([str(a) for a in args], stop.value.code or 0, out, err)


def _command_names(group=None) -> set[str]:
    import typer.main

    from clusterbook.cli import app

    group = group or typer.main.get_command(app)
    names = set(group.commands)
    for cmd in group.commands.values():
        if hasattr(cmd, "commands"):
            names |= _command_names(cmd)
    return names


COMMAND_WORDS = frozenset(_command_names())


def foreign_words(text: str, typed: list[str] = ()) -> list[str]:
    """Latin words outside option names, ids, command names, file names, paths, product names
    and what the user typed: what would be left of an English sentence."""
    mine = {w for arg in typed for w in re.findall(r"[A-Za-z]+", arg)}
    rest = _ALLOWED_TOKENS.sub(" ", text)
    known = PRODUCT_WORDS | COMMAND_WORDS | mine
    return [w for w in re.findall(r"[A-Za-z]+", rest) if w not in known]


def assert_staff_readable(result: Run, columns: int) -> None:
    """zh-TW only, nothing cut, no traceback, every line within the terminal."""
    assert "Traceback" not in result.text, result
    assert re.search(r"[\u4e00-\u9fff]", result.text), result
    assert not foreign_words(result.text, result.args), (foreign_words(result.text), result)
    for mark in TRUNCATED:
        assert mark not in result.text, result
    for line in result.text.splitlines():  # but a path longer than the line stays whole
        assert cells(line) <= max(columns, 40) or len(line.split()) == 1, (line, result)
