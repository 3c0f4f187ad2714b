"""The raw content of a workbook, whatever it came from: cells with their values and formulas.

Both readers (xlsx files and Google Sheets) produce a :class:`RawBook`; everything after reading
(locating fields through the field map, normalising, checking) works on it alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Cell = tuple[Any, str | None]
"""(value, formula): the typed or cached value, and the formula text ("=…") or None."""


@dataclass
class RawSheet:
    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    """Non-empty cells by (row, col), 1-based."""
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (first_row, first_col, last_row, last_col)."""

    def value(self, row: int, col: int) -> Any:
        cell = self.cells.get((row, col))
        return None if cell is None else cell[0]

    def formula(self, row: int, col: int) -> str | None:
        cell = self.cells.get((row, col))
        return None if cell is None else cell[1]


@dataclass
class RawBook:
    source: str
    """A file path or a Google Sheets URL."""
    sheets: dict[str, RawSheet]
    """By title, in workbook order."""
    digest: str = ""
    """sha256 of the file's bytes (files) or of the cell contents (Google Sheets)."""
    titles: list[str] = field(default_factory=list)
    """Every sheet title in workbook order (defaults to the loaded sheets' titles)."""
    loader: Callable[[str], RawSheet] | None = None
    """Parses a sheet on first use (files read only the sheets the field map needs)."""
    notes: list[str] = field(default_factory=list)
    """Active content seen while reading (macros, external links, script links), never executed."""
    date1904: bool = False
    """Date serials count days from 1904-01-01 (``workbookPr date1904``: Numbers, older Mac
    Excel), not from 1899-12-30 (every other program, Google Sheets included)."""

    def __post_init__(self) -> None:
        if not self.titles:
            self.titles = list(self.sheets)

    def sheet(self, title: str) -> RawSheet | None:
        if title not in self.sheets:
            if self.loader is None or title not in self.titles:
                return None
            self.sheets[title] = self.loader(title)
        return self.sheets[title]
