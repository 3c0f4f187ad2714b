"""The backend-neutral grid a layout is drawn on: cells, validations, sheets, where each field
lives (the field map) and the hidden ``_meta`` sheet that carries it into every workbook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from clusterbook.workbook import a1
from clusterbook.workbook.spec import Program

LISTS_SHEET = "_lists"
META_SHEET = "_meta"
INSTRUCTIONS_ID = "instructions"
FIELD_MAP_HEADER = ("field_id", "label", "sheet", "range")


@dataclass
class Cell:
    value: str | int | float | None = None
    formula: str | None = None
    style: str = "label"
    fmt: str | None = None
    locked: bool = True
    field_id: str | None = None


@dataclass
class Validation:
    """A data-validation rule on one range of its sheet."""

    sqref: str
    kind: str  # list | whole | decimal | textLength | custom | township
    source: str | None = None  # list: sheet-qualified absolute range of the choices
    name: str | None = None  # list: the defined name of the choices
    minimum: float | None = None
    maximum: float | None = None
    formula: str | None = None  # custom: relative to the top-left cell of sqref
    county: str | None = None  # township: the county cell of the first row (relative)
    prompt_title: str = ""
    prompt: str = ""
    error_title: str = ""
    error: str = ""


@dataclass
class SheetLayout:
    id: str
    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None
    validations: list[Validation] = field(default_factory=list)
    highlights: list[str] = field(default_factory=list)
    """Ranges whose ✔/✘ (and 加分) results are coloured by conditional formatting."""
    hidden: bool = False
    landscape: bool = False

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=1)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=1)

    def put(self, row: int, col: int, **kw: Any) -> Cell:
        c = Cell(**kw)
        self.cells[(row, col)] = c
        return c

    def width(self, col: int, width: float) -> None:
        self.widths[col] = max(self.widths.get(col, 0), width)


@dataclass(frozen=True)
class FieldRef:
    """Where a field lives: one cell, or a table column's data rows (or a matrix's rectangle)."""

    field_id: str
    label: str
    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def range(self) -> str:
        return a1.area(self.first_row, self.first_col, self.last_row, self.last_col)

    @property
    def is_single(self) -> bool:
        return self.first_row == self.last_row and self.first_col == self.last_col

    def cell_at(self, index: int) -> tuple[int, int]:
        """The (row, col) of the index-th data row (0-based) of a table column."""
        return self.first_row + index, self.first_col


@dataclass
class Layout:
    program: Program
    sheets: list[SheetLayout]
    names: dict[str, str]
    fields: dict[str, FieldRef]
    meta: list[tuple[str, str]]
    title: str = ""
    """The document title (default: the program's title)."""

    def sheet(self, sheet_id: str) -> SheetLayout:
        return next(s for s in self.sheets if s.id == sheet_id)

    def formula_cells(self) -> Iterator[tuple[SheetLayout, int, int, Cell]]:
        for s in self.sheets:
            for (r, c), cl in s.cells.items():
                if cl.formula:
                    yield s, r, c, cl


def meta_sheet(meta: list[tuple[str, str]], fields: dict[str, FieldRef]) -> SheetLayout:
    """The hidden ``_meta`` sheet: key/value rows (the workbook's identity), then the field map."""
    sl = SheetLayout("meta", META_SHEET, hidden=True)
    sl.put(1, 1, value="key", style="header")
    sl.put(1, 2, value="value", style="header")
    for i, (k, v) in enumerate(meta, start=2):
        sl.put(i, 1, value=k, style="fixed")
        sl.put(i, 2, value=v, style="fixed")
    row = len(meta) + 3
    for k, head in enumerate(FIELD_MAP_HEADER, start=1):
        sl.put(row, k, value=head, style="header")
    for ref in fields.values():
        row += 1
        for k, v in enumerate((ref.field_id, ref.label, ref.sheet, ref.range), start=1):
            sl.put(row, k, value=v, style="fixed")
    for col, width in {1: 36, 2: 40, 3: 14, 4: 12}.items():
        sl.width(col, width)
    return sl
