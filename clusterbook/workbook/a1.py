"""A1 notation: column letters, cell and range references, sheet-qualified references."""

from __future__ import annotations

import re

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell(row: int, col: int, *, absolute: bool = False) -> str:
    if absolute:
        return f"${col_letter(col)}${row}"
    return f"{col_letter(col)}{row}"


def area(r1: int, c1: int, r2: int, c2: int, *, absolute: bool = False) -> str:
    """A range; a single cell when both corners coincide."""
    first = cell(r1, c1, absolute=absolute)
    if (r1, c1) == (r2, c2):
        return first
    return f"{first}:{cell(r2, c2, absolute=absolute)}"


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def qualified(title: str, ref: str) -> str:
    return f"{quote_sheet(title)}!{ref}"


def parse_cell(ref: str) -> tuple[int, int]:
    """'B6' or '$B$6' → (6, 2)."""
    m = _CELL.match(ref.strip().upper())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


def parse_area(ref: str) -> tuple[int, int, int, int]:
    """'B6:D45' or 'B6' → (r1, c1, r2, c2)."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return r1, c1, r2, c2
