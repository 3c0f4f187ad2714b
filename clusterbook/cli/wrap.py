"""Text laid out for a terminal of any width: never cut, CJK wrapped at any character.

Latin words break at spaces (a word wider than the line, such as a long path, gets a line of its
own and stays whole, so it can be copied); CJK text may break between any two characters, except
that closing punctuation never starts a line and opening punctuation never ends one (the usual
禁則 rules). Widths are terminal cells (a CJK character is two).
"""

from __future__ import annotations

import os
import shutil

NO_START = frozenset("，。、；：！？）」』】》〉,.;:!?)]}%")
"""Never the first character of a line."""
NO_END = frozenset("（「『【《〈([{")
"""Never the last character of a line."""
MAX_WIDTH = 100
"""Help and messages wrap at this width on wider terminals (long lines are hard to read)."""


def width(limit: int = MAX_WIDTH) -> int:
    """The terminal's width in cells ($COLUMNS first), at least 40, at most ``limit``."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = shutil.get_terminal_size((80, 24)).columns
    return max(40, min(columns, limit))


def cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _atoms(text: str) -> list[str]:
    """Unbreakable pieces: a Latin word, one CJK character, or a run of spaces; punctuation is
    glued to the piece it must stay with."""
    raw: list[str] = []
    for ch in text:
        last = raw[-1] if raw else ""
        if (ch == " " and last.isspace()) or (ch != " " and cells(ch) == 1 and _latin(last)):
            raw[-1] += ch
        else:
            raw.append(ch)
    atoms: list[str] = []
    for atom in raw:
        last = atoms[-1] if atoms else ""
        glue = atom[0] in NO_START or (last and last[-1] in NO_END)
        if glue and last and not last.isspace() and not atom.isspace():
            atoms[-1] += atom
        else:
            atoms.append(atom)
    return atoms


def _latin(atom: str) -> bool:
    return bool(atom) and not atom.isspace() and cells(atom[-1]) == 1


def wrap(text: str, room: int) -> list[str]:
    """Lines of at most ``room`` cells (but for a single word wider than that); newlines in
    ``text`` are kept."""
    room = max(room, 4)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for atom in _atoms(paragraph):
            if atom.isspace():
                if line and cells(line) < room:
                    line += " "
                continue
            if cells(line + atom) <= room:
                line += atom
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = atom  # a word wider than the line (a long path) stays whole: copyable
        lines.append(line.rstrip())
    return lines


def definitions(
    rows: list[tuple[str, str]], total: int, indent: int = 2, gap: int = 2
) -> list[str]:
    """A two-column list (term, description): descriptions aligned and wrapped; a term too wide
    for the column gets its own line. On a narrow terminal every description goes under its term."""
    terms = [cells(t) for t, _ in rows]
    column = min(max(terms, default=0), max(12, (total - indent) // 3)) + indent + gap
    if total - column < 24:
        column = indent + 4
    out: list[str] = []
    for (term, text), size in zip(rows, terms, strict=True):
        head = " " * indent + term
        if size + indent + gap <= column:
            out += _aligned(head.ljust(column - (size - len(term))), text, total, column)
        else:
            out.append(head)
            out += _aligned(" " * column, text, total, column)
    return out


def _aligned(head: str, text: str, total: int, column: int) -> list[str]:
    lines = wrap(text, total - column) if text else [""]
    return [(head + lines[0]).rstrip(), *(" " * column + ln for ln in lines[1:])]
