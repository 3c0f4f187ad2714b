"""Every command has help and is documented in the README (the sqlite-utils habit)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from clusterbook.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from commands(cmd, path)
        else:
            yield path, cmd


ALL = sorted(commands())


def test_there_are_commands():
    names = {" ".join(p) for p, _ in ALL}
    assert {
        "template",
        "check",
        "import",
        "export",
        "pivot",
        "demo",
        "gsheets create",
        "register check",
    } <= names


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p))
def test_command_has_help_and_is_in_the_readme(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "用法：" in result.output
    assert f"clusterbook {' '.join(path)}" in README
