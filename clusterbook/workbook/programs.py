"""Where program specs live: ``clusterbook/templates/<id>/`` (or any folder with the same files).

Kept free of YAML and dataclasses so that finding a program (e.g. for the template cache) is
cheap; :mod:`clusterbook.workbook.spec` loads one.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_PROGRAM = "dc112"
SPEC_FILES = (
    "program.yaml",
    "form.yaml",
    "lists.yaml",
    "checklists.yaml",
    "rules.yaml",
    "townships.csv",
)


class SpecError(ValueError):
    """The program folder is missing or inconsistent."""


def available_programs() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if (p / "program.yaml").is_file())


def program_path(program: str | Path) -> Path:
    """The folder of a program given by id (``dc112``) or by path."""
    path = Path(program)
    if not path.is_dir():
        path = TEMPLATES / str(program)
    if not (path / "program.yaml").is_file():
        raise SpecError(
            f"找不到提案規格「{program}」：請用 templates/ 下的資料夾名稱"
            f"（可用：{'、'.join(available_programs())}）"
        )
    return path
