"""Lay a program spec out on a grid: every sheet, cell, formula, validation and the field map.

The :class:`Layout` is backend-neutral. The xlsx renderer and the Google Sheets builder both
draw it, and the importers read through its field map, so the three never disagree about where
a field lives or what a formula says.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterbook.choices import KEY_REMOVED, choice_key, variants
from clusterbook.workbook import a1
from clusterbook.workbook.spec import Field, Matrix, Panel, Program, Sheet, Table, load_program

LISTS_SHEET = "_lists"
META_SHEET = "_meta"
INSTRUCTIONS_ID = "instructions"
FIELD_MAP_HEADER = ("field_id", "label", "sheet", "range")

TYPE_HINTS = {
    "text": "文字",
    "longtext": "文字（可多行）",
    "integer": "整數（0 以上）",
    "number": "數字（0 以上，至多一位小數）",
    "money": "整數金額（新臺幣元，0 以上）",
    "percent": "百分比（如 35%）",
    "ubn": "8 位數字的統一編號",
    "date": "民國日期（如 112/03/07）",
    "year": "民國年（如 109）",
    "phone": "電話號碼",
    "email": "E-Mail（如 name@example.com）",
    "url": "網址",
    "enum": "下拉選單中的選項",
    "multi": "清單中的選項，可複選，以「、」分隔",
    "yesno": "「有」或「無」",
    "township": "所選縣市的鄉鎮市區",
    "formula": "自動計算",
    "label": "固定內容",
}

NUMBER_FORMATS = {
    "text": "@",
    "ubn": "@",
    "phone": "@",
    "date": "@",
    "integer": "#,##0",
    "year": "0",
    "money": "#,##0",
    "percent": "0%",
    "percent2": "0.00%",
}

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
FIELD_WIDTHS = {1: 34, 2: 48, 3: 44, 4: 18}
COMPACT_LABEL_WIDTH = 16
"""The label column of fields on a table sheet (the table's first column)."""
INSTRUCTION_WIDTHS = {1: 14, 2: 28, 3: 12, 4: 6, 5: 36, 6: 56}
"""填寫說明 columns: about one landscape page at a readable scale."""
TEXT_WIDTH = 110
"""Column-width units a paragraph (statement, note) spans: about one printed page."""


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


@functools.cache
def build_layout(program: str = "dc112") -> Layout:
    """The layout of a program's workbook (cached in memory and on disk: it is pure)."""
    from clusterbook.workbook.cache import pickled

    prog = load_program(program)
    here = Path(__file__).resolve()
    code = [here.parent / n for n in ("layout.py", "spec.py", "a1.py")]
    return pickled(
        "layout", prog.path, _Builder(prog).build, [*code, here.parent.parent / "choices.py"]
    )


@dataclass
class _Pending:
    sheet: SheetLayout
    row: int
    col: int
    template: str
    ctx: dict[str, Any]


class _Builder:
    def __init__(self, prog: Program) -> None:
        self.p = prog
        self.fields: dict[str, FieldRef] = {}
        self.names: dict[str, str] = {}
        self.pending: list[_Pending] = []
        self.sheets: list[SheetLayout] = []
        self.compact_rows: dict[str, list[int]] = {}

    # -- driver -----------------------------------------------------------------------------
    def build(self) -> Layout:
        instructions = SheetLayout(INSTRUCTIONS_ID, self.p.instructions["title"], landscape=True)
        self.sheets.append(instructions)
        lists = self._lists()  # first: validations refer to its defined names
        for sheet in self.p.sheets:
            self.sheets.append(self._sheet(sheet))
        self.sheets.append(lists)
        for job in self.pending:
            job.sheet.cells[(job.row, job.col)].formula = self._resolve(job)
        self._instructions(instructions)
        meta = [
            ("template_id", self.p.template_id),
            ("program", self.p.id),
            ("version", self.p.version),
            ("spec_hash", self.p.spec_hash),
        ]
        self.sheets.append(meta_sheet(meta, self.fields))
        return Layout(self.p, self.sheets, self.names, self.fields, meta)

    # -- sheets -----------------------------------------------------------------------------
    def _sheet(self, spec: Sheet) -> SheetLayout:
        sl = SheetLayout(spec.id, spec.title)
        sl.put(1, 1, value=spec.heading, style="title")
        row = 2
        if spec.description:
            sl.put(2, 1, value=spec.description, style="description")
            row = 3
        row += 1
        compact = _table_sheet(spec)
        for block in spec.blocks:
            if block.heading:
                sl.put(row, 1, value=block.heading, style="section")
                row += 1
            if block.kind == "fields":
                row = self._fields(sl, block.fields, row, compact)
            elif block.kind == "table":
                row = self._table(sl, block.table, row, spec.freeze_columns)
            elif block.kind == "matrix":
                row = self._matrix(sl, block.matrix, row, spec.freeze_columns)
            elif block.kind == "panel":
                row = self._panel(sl, block.panel, row)
            elif block.kind == "checkpoints":
                row = self._checkpoints(sl, block.text, row)
            elif block.kind == "statement":
                row = self._text(sl, self.p.statements[block.text], row)
            elif block.kind == "note":
                row = self._text(sl, self._note(block.text), row)
            row += 1
        if compact:
            self._spread_fields(sl)
        span = max(sl.max_col, 4)
        for r in (1, 2):
            if (r, 1) in sl.cells:
                sl.merges.append((r, 1, r, span))
        sl.heights[2] = 36 if spec.description else sl.heights.get(2, 15)
        sl.landscape = span > 5
        return sl

    def _register(self, f: Field, sheet: SheetLayout, r1: int, c1: int, r2: int, c2: int) -> None:
        self.fields[f.id] = FieldRef(f.id, f.full_label, sheet.title, r1, c1, r2, c2)

    def _input_cell(self, sheet: SheetLayout, row: int, col: int, f: Field, ctx: dict) -> None:
        fmt = NUMBER_FORMATS.get(f.format or f.type)
        if f.type == "formula":
            sheet.put(row, col, style="formula", fmt=fmt, field_id=f.id, formula="")
            self.pending.append(_Pending(sheet, row, col, f.formula, ctx))
            if "✘" in f.formula:
                sheet.highlights.append(a1.cell(row, col))
        elif f.type == "label":
            sheet.put(row, col, value=ctx["item"][f.item], style="fixed", field_id=f.id)
        else:
            sheet.put(row, col, style="input", fmt=fmt, locked=False, field_id=f.id)

    def _fields(
        self, sheet: SheetLayout, fields: tuple[Field, ...], row: int, compact: bool = False
    ) -> int:
        """Label, value, help (and a live character count) per field; on a table sheet
        (``compact``) the columns keep the table's widths and ``_spread_fields`` widens the
        value and help cells by merging."""
        for col, width in ({1: COMPACT_LABEL_WIDTH} if compact else FIELD_WIDTHS).items():
            sheet.width(col, width)
        if compact:
            self.compact_rows.setdefault(sheet.id, []).extend(range(row, row + len(fields)))
        for f in fields:
            sheet.put(row, 1, value=f.label, style="label")
            self._input_cell(sheet, row, 2, f, {})
            self._register(f, sheet, row, 2, row, 2)
            help_text = ("必填。" if f.required else "") + f.help
            if help_text:
                sheet.put(row, 3, value=help_text, style="help")
            if f.guide:
                sheet.put(row, 4, style="count", formula="")
                self.pending.append(_Pending(sheet, row, 4, self._count_formula(f), {}))
                sheet.highlights.append(a1.cell(row, 4))
            if f.is_input:
                self._validate(sheet, f, row, 2, row, 2)
            long = f.type == "longtext" or len(f.label) > 40
            sheet.heights[row] = 96 if f.type == "longtext" else (48 if long else 20)
            row += 1
        return row

    def _spread_fields(self, sheet: SheetLayout) -> None:
        """On a table sheet, merge each field's value cell (and its help) over the table's
        columns until they are about as wide as on a fields sheet; the value stays in B."""
        last = sheet.max_col
        width = [0.0] + [sheet.widths.get(c, 10) for c in range(1, last + 1)]
        for row in self.compact_rows.get(sheet.id, ()):
            if (row, 4) in sheet.cells:  # a live character count sits in D: leave the row
                continue
            help_cell = sheet.cells.pop((row, 3), None)
            end, room = 2, width[2]
            while room < FIELD_WIDTHS[2] and end < last - (1 if help_cell else 0):
                end += 1
                room += width[end]
            if end > 2:
                sheet.merges.append((row, 2, row, end))
            if help_cell is not None and end < last:
                sheet.cells[(row, end + 1)] = help_cell
                if end + 1 < last:
                    sheet.merges.append((row, end + 1, row, last))

    def _table(self, sheet: SheetLayout, t: Table, row: int, freeze_columns: int) -> int:
        first_col = 1 if t.fixed_rows else 2
        has_group = any(c.group for c in t.columns)
        header = row + (1 if has_group else 0)
        first = header + 1
        last = first + t.capacity - 1
        if not t.fixed_rows:
            sheet.put(header, 1, value="序", style="header")
            sheet.width(1, 5)
            for i in range(t.capacity):
                sheet.put(first + i, 1, value=i + 1, style="fixed")
        group_start = None
        for k, colspec in enumerate(t.columns):
            col = first_col + k
            sheet.width(col, colspec.width or 12)
            sheet.put(header, col, value=colspec.label, style="header")
            if has_group:
                if colspec.group and (k == 0 or t.columns[k - 1].group != colspec.group):
                    sheet.put(row, col, value=colspec.group, style="group")
                    group_start = col
                nxt = t.columns[k + 1].group if k + 1 < len(t.columns) else None
                if (
                    colspec.group
                    and nxt != colspec.group
                    and group_start is not None
                    and col > group_start
                ):
                    sheet.merges.append((row, group_start, row, col))
            for i in range(t.capacity):
                ctx = {"table": t.id, "index": i, "item": t.rows[i] if t.rows else {}}
                self._input_cell(sheet, first + i, col, colspec, ctx)
            for i, pre in enumerate(t.prefill):
                if colspec.id in pre:
                    c = sheet.cells[(first + i, col)]
                    c.value = pre[colspec.id]
                    if colspec.id in t.prefill_locked:
                        c.style, c.locked = "fixed", True
                    else:  # the guide's 灰底字為舉例參考: an example the applicant may edit
                        c.style = "example"
            self._register(colspec, sheet, first, col, last, col)
            if colspec.is_input:
                self._validate_column(sheet, t, colspec, first, col)
        sheet.heights[header] = 48
        tall = any(c.type == "longtext" for c in t.columns)
        for i in range(t.capacity):
            sheet.heights[first + i] = 40 if tall else 18
        if sheet.freeze is None and row <= 6:
            sheet.freeze = (first, first_col + freeze_columns)
        return last + 1

    def _matrix(self, sheet: SheetLayout, m: Matrix, row: int, freeze_columns: int) -> int:
        """Items down, one column per member across (two with a 說明 column: the form's
        勾選與說明); the member's name heads its columns, a sub-header names them."""
        members = self.p.tables[m.of]
        heads = ("面向", "序", "階段", "實踐工具", "說明填寫提示")
        for k, (head, width) in enumerate(zip(heads, (14, 4, 5, 30, 14), strict=True)):
            sheet.put(row, k + 1, value=head, style="header")
            sheet.merges.append((row, k + 1, row + 1, k + 1))
            sheet.width(k + 1, width)
        stride = m.stride
        first_col = len(heads) + 1
        last_col = first_col + stride * members.capacity - 1
        first = row + 2
        last = first + len(m.items) - 1
        for j in range(members.capacity):
            col = first_col + stride * j
            sheet.put(row, col, style="header", formula="")
            self.pending.append(
                _Pending(sheet, row, col, m.header, {"col_index": j, "column": j + 1})
            )
            sheet.put(row + 1, col, value=m.value.label, style="header")
            sheet.width(col, 8)
            if m.note:
                sheet.merges.append((row, col, row, col + 1))
                sheet.put(row + 1, col + 1, value=m.note.label, style="header")
                sheet.width(col + 1, 14)
        for i, item in enumerate(m.items):
            r = first + i
            for k, key in enumerate(("facet_label", "seq", "level", "name", "hint")):
                sheet.put(r, k + 1, value=item.get(key) or "", style="fixed")
            for j in range(members.capacity):
                col = first_col + stride * j
                sheet.put(r, col, style="input", locked=False, field_id=m.value.id)
                if m.note:
                    sheet.put(r, col + 1, style="input", locked=False, field_id=m.note.id)
        sheet.heights[row] = 36
        sheet.heights[row + 1] = 20
        self._register(m.value, sheet, first, first_col, last, last_col)
        for j in range(members.capacity):
            col = first_col + stride * j
            self._validate(sheet, m.value, first, col, last, col)
        if m.note:
            self._register(m.note, sheet, first, first_col + 1, last, last_col)
        sheet.freeze = (first, first_col if freeze_columns else 1)
        # one subtotal row per facet, below the items
        row = last + 1
        facets = self.p.params["facets"]
        for letter, facet in facets.items():
            rows = [first + i for i, it in enumerate(m.items) if it["facet"] == letter]
            sheet.put(row, 1, value=f"小計 {facet['label']}", style="header")
            sheet.merges.append((row, 1, row, len(heads)))
            for j in range(members.capacity):
                col = first_col + stride * j
                cells = a1.area(min(rows), col, max(rows), col)
                sheet.put(row, col, style="formula", formula="")
                self.pending.append(_Pending(sheet, row, col, m.subtotal, {"cells": cells}))
            row += 1
        return row

    def _panel(self, sheet: SheetLayout, panel: Panel, row: int) -> int:
        for k, (head, width) in enumerate(zip(panel.columns, (44, 44, 14, 8, 24), strict=True)):
            sheet.put(row, k + 1, value=head, style="header")
            sheet.width(k + 1, width)
        sheet.freeze = (row + 1, 1)
        for pr in panel.rows:
            row += 1
            sheet.put(row, 1, value=pr.label, style="label")
            for k, part in enumerate(("requirement", "current", "ok")):
                fid = f"{panel.id}.{pr.key}.{part}"
                fmt = NUMBER_FORMATS.get(pr.format) if part == "current" and pr.format else None
                sheet.put(row, 2 + k, style="formula", fmt=fmt, field_id=fid, formula="")
                self.pending.append(_Pending(sheet, row, 2 + k, getattr(pr, part), {}))
                label = f"{pr.label}（{ {'requirement': '規定', 'current': '目前', 'ok': '結果'}[part] }）"
                self.fields[fid] = FieldRef(fid, label, sheet.title, row, 2 + k, row, 2 + k)
            sheet.highlights.append(a1.cell(row, 4))
            sheet.put(row, 5, value=pr.rule, style="fixed")
            sheet.heights[row] = 30
        return row + 1

    def _text(self, sheet: SheetLayout, text: str, row: int) -> int:
        """A paragraph over the first columns (about a page wide), tall enough for its lines."""
        span, width = 0, 0.0
        while width < TEXT_WIDTH and span < max(sheet.max_col, 4):
            span += 1
            width += sheet.widths.get(span, 10)
        sheet.put(row, 1, value=text, style="statement")
        sheet.merges.append((row, 1, row, span))
        per_line = max(int(width / 2), 1)  # a CJK character is about two width units
        lines = sum(-(-len(line) // per_line) or 1 for line in text.split("\n"))
        sheet.heights[row] = 16 * lines + 8
        return row + 1

    def _note(self, template: str) -> str:
        """A note from the program's parameters (民國 years and dates)."""
        end: dt.date = self.p.params["coaching_end"]
        return template.format(year_roc=self.p.params["year_roc"], coaching_end=_roc_date(end))

    def _checkpoints(self, sheet: SheetLayout, template: str, row: int) -> int:
        for cp in self.p.params["checkpoints"]:
            date: dt.date = cp["date"]
            text = template.format(
                name=cp["name"],
                date=_roc_date(date),
                rate=f"{cp['rate']:.0%}",
                cumulative=f"{cp['cumulative']:.0%}",
            )
            sheet.put(row, 1, value=text, style="description")
            sheet.merges.append((row, 1, row, 6))
            row += 1
        return row

    # -- validations ------------------------------------------------------------------------
    def _validate_column(
        self, sheet: SheetLayout, t: Table, f: Field, first: int, col: int
    ) -> None:
        """Validate a table column; per-row list templates split it into runs of equal lists."""
        rows = range(first, first + t.capacity)
        if f.type == "enum" and f.list and "{item:" in f.list:
            key = f.list[len("{item:") : -1]
            start = first
            for i, r in enumerate(rows):
                cur = t.rows[i][key]
                nxt = t.rows[i + 1][key] if i + 1 < len(t.rows) else None
                if cur != nxt:
                    self._validate(sheet, f, start, col, r, col, list_id=cur)
                    start = r + 1
            return
        self._validate(sheet, f, first, col, rows[-1], col)

    def _validate(
        self,
        sheet: SheetLayout,
        f: Field,
        r1: int,
        c1: int,
        r2: int,
        c2: int,
        list_id: str | None = None,
    ) -> None:
        sqref = a1.area(r1, c1, r2, c2)
        top = a1.cell(r1, c1)
        v = Validation(sqref=sqref, kind="")
        v.prompt_title = f.label[:32]
        v.prompt = (f.help or TYPE_HINTS[f.type])[:255]
        v.error_title = "填寫內容不符"
        if f.type in ("enum", "yesno"):
            lid = list_id or f.list_id
            v.kind, v.name, v.source = "list", f"L_{lid}", self.names[f"L_{lid}"]
            v.error = f"「{f.label}」請從下拉選單選擇。"[:255]
        elif f.type == "multi":
            v.kind = "prompt"  # several choices in one cell: the checker validates each
            choices = "、".join(self.p.lists[f.list].values)
            v.prompt = f"{f.help}。可選：{choices}"[:255] if f.help else f"可選：{choices}"[:255]
        elif f.type == "township":
            county = self.fields[f.county]
            v.kind, v.county = "township", a1.cell(r1, county.first_col)
            v.error = "請先選縣市，再從下拉選單選擇該縣市的鄉鎮市區。"
        elif f.type in ("integer", "money"):
            v.kind, v.minimum, v.maximum = "whole", 0, 10**12
            v.error = f"「{f.label}」請填 0 以上的整數（免填單位與千分位）。"[:255]
        elif f.type == "number":
            v.kind, v.minimum, v.maximum = "decimal", 0, 10**7
            v.error = f"「{f.label}」請填 0 以上的數字（至多一位小數）。"[:255]
        elif f.type == "year":
            v.kind, v.minimum, v.maximum = "whole", 1, self.p.params["year_roc"] + 1
            v.error = f"「{f.label}」請填民國年（如 109）。"[:255]
        elif f.type == "percent":
            v.kind, v.minimum, v.maximum = "decimal", 0, 1
            v.error = f"「{f.label}」請填 0% 到 100% 之間的百分比。"[:255]
        elif f.type == "ubn":
            v.kind, v.formula = "custom", f"AND(LEN({top})=8,ISNUMBER(VALUE({top})))"
            v.error = "統一編號為 8 位數字。"
        elif f.type == "email":
            v.kind, v.formula = "custom", f'ISNUMBER(SEARCH("@",{top}))'
            v.error = "請填正確的 E-Mail。"
        elif f.max_length:
            v.kind, v.minimum, v.maximum = "textLength", 0, f.max_length
            v.error = f"「{f.label}」請在 {f.max_length} 字以內。"[:255]
        else:
            v.kind = "prompt"  # no restriction, only the input message
        sheet.validations.append(v)

    # -- hidden sheets ----------------------------------------------------------------------
    def _lists(self) -> SheetLayout:
        sl = SheetLayout("lists", LISTS_SHEET, hidden=True)
        col = 1

        def column(name: str, header: str, values: list[Any]) -> str:
            nonlocal col
            sl.put(1, col, value=header, style="header")
            for i, v in enumerate(values):
                sl.put(2 + i, col, value=v, style="fixed")
            ref = a1.qualified(
                LISTS_SHEET, a1.area(2, col, 1 + max(len(values), 1), col, absolute=True)
            )
            self.names[name] = ref
            col += 1
            return ref

        for lid, lst in self.p.lists.items():
            column(f"L_{lid}", lid, list(lst.values))
        self._aliases(sl, col)
        col += 2
        for i, county in enumerate(self.p.counties, start=1):
            towns = [t.township for t in self.p.townships if t.county == county]
            column(f"TW_{i}", county, towns)
        ts = self.p.townships
        column("T_COUNTY", "county", [t.county for t in ts])
        column("T_TOWN", "township", [t.township for t in ts])
        keys = tier_keys(self.p)
        column("T_KEY", "key", [k for k, _ in keys])
        column("T_TIER", "tier", [tier for _, tier in keys])
        rec = [
            (cls, typ, lv)
            for cls, by_type in self.p.params["recommended_levels"].items()
            for typ, levels in by_type.items()
            for lv in levels
        ]
        for k, name in enumerate(("R_CLASS", "R_TYPE", "R_LEVEL")):
            column(name, name.lower(), [r[k] for r in rec])
        return sl

    def _aliases(self, sl: SheetLayout, col: int) -> None:
        """Every accepted spelling (choice key) of every list value, one value after another;
        A_<list>_<n> names the keys of the list's n-th value (what ``{is:…}`` matches)."""
        sl.put(1, col, value="alias", style="header")
        sl.put(1, col + 1, value="value", style="header")
        row = 2
        for lid, table in self.p.choice_tables.items():
            for n, value in enumerate(table.values, start=1):
                keys = table.keys_of(value)
                for k in keys:
                    sl.put(row, col, value=k, style="fixed")
                    sl.put(row, col + 1, value=value, style="fixed")
                    row += 1
                area = a1.area(row - len(keys), col, row - 1, col, absolute=True)
                self.names[f"A_{lid}_{n}"] = a1.qualified(LISTS_SHEET, area)

    def _instructions(self, sl: SheetLayout) -> None:
        """填寫說明: intro, the sheets, every field with its cell and help, every rule."""
        p = self.p
        sl.put(
            1,
            1,
            value=f"{p.instructions['title']}｜{p.title}（{p.id} 版本 {p.version}）",
            style="title",
        )
        row = 3
        for line in p.instructions["intro"]:
            sl.put(row, 1, value=line, style="description")
            sl.merges.append((row, 1, row, 6))
            row += 1
        row += 1

        def header(title: str, heads: tuple[str, ...], spans: tuple[int, ...]) -> None:
            nonlocal row
            sl.put(row, 1, value=title, style="section")
            row += 1
            put(heads, spans, "header")

        def put(values: tuple, spans: tuple[int, ...], style: str) -> None:
            """One row; a value may span columns (``spans``) so long text has room."""
            nonlocal row
            col = 1
            for v, span in zip(values, spans, strict=True):
                sl.put(row, col, value=v, style=style)
                if span > 1:
                    sl.merges.append((row, col, row, col + span - 1))
                col += span
            row += 1

        header("工作表", ("工作表", "內容", "說明"), (1, 1, 4))
        for s in p.sheets:
            put((s.title, s.heading, s.description), (1, 1, 4), "help")
        row += 1
        spans = (1, 1, 1, 1, 1, 1)
        header("欄位說明", ("工作表", "欄位", "儲存格", "必填", "格式／選項", "說明"), spans)
        for fid, ref in self.fields.items():
            f = p.fields.get(fid)
            if f is None or f.type == "label":
                continue
            choices = p.choices(f)
            if f.type == "enum" and not choices:
                kind = "依面向列出之選項"
            elif f.type == "multi":
                kind = f"可複選：{'、'.join(choices)}"
            elif f.list == "counties":
                kind = "縣市（22 縣市）"
            elif choices:
                kind = "、".join(choices)
            else:
                kind = TYPE_HINTS[f.type]
            values = (ref.sheet, f.full_label, ref.range, "是" if f.required else "", kind, f.help)
            put(values, spans, "help")
        row += 1
        header("檢核規則", ("規則代碼", "名稱", "嚴重度", "說明"), (1, 1, 1, 3))
        severity = {"error": "錯誤", "warning": "警告", "info": "資訊"}
        for rule in p.rules.values():
            put(
                (rule.id, rule.title, severity[rule.severity], rule.description),
                (1, 1, 1, 3),
                "help",
            )
        for col, width in INSTRUCTION_WIDTHS.items():
            sl.width(col, width)
        sl.freeze = (2, 1)

    # -- formulas ---------------------------------------------------------------------------
    def _count_formula(self, f: Field) -> str:
        """The live character count of a text field against its guide (form.yaml text_guides)."""
        guide = f.guide or {}
        text = self.p.text_guides["about" if "about" in guide else "max"]
        for key, value in guide.items():
            text = text.replace("{" + key + "}", str(value))
        return text.replace("{ref}", "{" + f.id + "}")

    def _resolve(self, job: _Pending) -> str:
        def sub(m: re.Match[str]) -> str:
            return self._token(m.group(1), job)

        return _PLACEHOLDER.sub(sub, job.template)

    def _token(self, token: str, job: _Pending) -> str:
        kind, _, rest = token.partition(":")
        if rest and kind == "param":
            return _literal(self.p.param(rest))
        if rest and kind == "name":
            if rest not in self.names:
                raise KeyError(f"unknown defined name {rest}")
            return rest
        if rest and kind == "key":
            return key_formula(self._ref(rest, job))
        if rest and kind in ("is", "has"):
            target, _, wanted = rest.partition("=")
            values = self._values(wanted)
            if target == "cells":
                lid, ref = "yesno", str(job.ctx["cells"])
            else:
                lid, ref = self.p.fields[target.partition("@")[0]].list_id, self._ref(target, job)
            table = self.p.choice_tables[lid]
            if kind == "has":
                parts = [f'ISNUMBER(SEARCH("{v}",{ref}))' for v in values]
            else:
                key = key_formula(ref)
                parts = [
                    f"ISNUMBER(MATCH({key},A_{lid}_{table.values.index(v) + 1},0))" for v in values
                ]
            return parts[0] if len(parts) == 1 else "(" + "+".join(parts) + ")"
        if rest and kind == "value":
            field = self.p.fields[rest.partition("@")[0]]
            out = '""'
            for v in reversed(self.p.choice_tables[field.list_id].values):
                out = f"IF({self._token(f'is:{rest}={v}', job)},{_literal(v)},{out})"
            return out
        if token in ("cells", "column"):
            return str(job.ctx[token])
        return self._ref(token, job)

    def _values(self, wanted: str) -> list[str]:
        """``V`` or ``param:path`` (one value or a list of values)."""
        if wanted.startswith("param:"):
            value = self.p.param(wanted[len("param:") :])
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
        return [wanted]

    def _ref(self, token: str, job: _Pending) -> str:
        """A field's cell (``@row``, ``@col``, ``@N``) or whole range, qualified when needed."""
        fid, _, at = token.partition("@")
        ref = self.fields[fid]
        own = ref.sheet == job.sheet.title

        def out(text: str) -> str:
            return text if own else a1.qualified(ref.sheet, text)

        if at == "row":
            r, c = ref.cell_at(job.ctx["index"])
            return out(a1.cell(r, c))
        if at == "col":
            r, c = ref.cell_at(job.ctx["col_index"])
            return out(a1.cell(r, c))
        if at:
            r, c = ref.cell_at(int(at) - 1)
            return out(a1.cell(r, c, absolute=True))
        return out(a1.area(ref.first_row, ref.first_col, ref.last_row, ref.last_col, absolute=True))


def _table_sheet(spec: Sheet) -> bool:
    """A sheet whose tables matter more than its few fields (fewer fields than the widest
    table has columns): its columns are sized for the table."""
    fields = sum(len(b.fields) for b in spec.blocks if b.kind == "fields")
    columns = [len(b.table.columns) for b in spec.blocks if b.table]
    columns += [len(b.matrix.items) for b in spec.blocks if b.matrix]
    return bool(columns) and fields < max(columns)


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


def key_formula(ref: str) -> str:
    """A cell (or range) read as a choice key, as ``clusterbook.choices.choice_key`` reads it."""
    out = f"CLEAN({ref})"
    for ch in KEY_REMOVED:
        out = f'SUBSTITUTE({out},"{ch}","")'
    return out


def tier_keys(program: Program) -> list[tuple[str, int]]:
    """(county key|township key, tier) for every spelling of every township the checker
    accepts: the county's choice keys × the township's official and 附件三 spellings."""
    counties = program.choice_tables["counties"]
    out: dict[str, int] = {}
    for t in program.townships:
        towns = {choice_key(v) for name in (t.township, t.seed_spelling) for v in variants(name)}
        for c in counties.keys_of(t.county):
            for town in sorted(towns):
                out.setdefault(f"{c}|{town}", t.tier)
    return list(out.items())


def _roc_date(date: dt.date) -> str:
    return f"{date.year - 1911}年{date.month:02d}月{date.day:02d}日"


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ",".join(_literal(v) for v in value) + "}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace('"', '""') + '"'
