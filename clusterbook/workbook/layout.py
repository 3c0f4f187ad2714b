"""Lay a program spec out on a grid: every sheet, cell, formula, validation and the field map.

The :class:`Layout` is backend-neutral. The xlsx renderer and the Google Sheets builder both
draw it, and the importers read through its field map, so the three never disagree about where
a field lives or what a formula says.
"""

from __future__ import annotations

import datetime as dt
import functools

from clusterbook.workbook import a1
from clusterbook.workbook.grid import (
    INSTRUCTIONS_ID,
    FieldRef,
    Layout,
    SheetLayout,
    Validation,
    meta_sheet,
)
from clusterbook.workbook.instructions import TYPE_HINTS, fill_instructions
from clusterbook.workbook.lookups import lists_sheet
from clusterbook.workbook.placeholders import Formulas, Pending, count_formula
from clusterbook.workbook.spec import Field, Matrix, Panel, Program, Sheet, Table, load_program

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

FIELD_WIDTHS = {1: 34, 2: 48, 3: 44, 4: 18}
COMPACT_LABEL_WIDTH = 16
"""The label column of fields on a table sheet (the table's first column)."""
TEXT_WIDTH = 110
"""Column-width units a paragraph (statement, note) spans: about one printed page."""


@functools.cache
def build_layout(program: str = "dc112") -> Layout:
    """The layout of a program's workbook (cached in memory and on disk: it is pure)."""
    from clusterbook.workbook.cache import LAYOUT_CODE, pickled

    prog = load_program(program)
    return pickled("layout", prog.path, _Builder(prog).build, LAYOUT_CODE)


class _Builder:
    def __init__(self, prog: Program) -> None:
        self.p = prog
        self.fields: dict[str, FieldRef] = {}
        self.names: dict[str, str] = {}
        self.pending: list[Pending] = []
        self.sheets: list[SheetLayout] = []
        self.compact_rows: dict[str, list[int]] = {}

    # -- driver -----------------------------------------------------------------------------
    def build(self) -> Layout:
        instructions = SheetLayout(INSTRUCTIONS_ID, self.p.instructions["title"], landscape=True)
        self.sheets.append(instructions)
        lists = lists_sheet(self.p, self.names)  # first: validations refer to its defined names
        for sheet in self.p.sheets:
            self.sheets.append(self._sheet(sheet))
        self.sheets.append(lists)
        formulas = Formulas(self.p, self.names, self.fields)
        for job in self.pending:
            job.sheet.cells[(job.row, job.col)].formula = formulas.resolve(job)
        fill_instructions(instructions, self.p, self.fields)
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
            self.pending.append(Pending(sheet, row, col, f.formula, ctx))
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
                self.pending.append(Pending(sheet, row, 4, count_formula(self.p, f), {}))
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
                Pending(sheet, row, col, m.header, {"col_index": j, "column": j + 1})
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
                self.pending.append(Pending(sheet, row, col, m.subtotal, {"cells": cells}))
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
                self.pending.append(Pending(sheet, row, 2 + k, getattr(pr, part), {}))
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


def _table_sheet(spec: Sheet) -> bool:
    """A sheet whose tables matter more than its few fields (fewer fields than the widest
    table has columns): its columns are sized for the table."""
    fields = sum(len(b.fields) for b in spec.blocks if b.kind == "fields")
    columns = [len(b.table.columns) for b in spec.blocks if b.table]
    columns += [len(b.matrix.items) for b in spec.blocks if b.matrix]
    return bool(columns) and fields < max(columns)


def _roc_date(date: dt.date) -> str:
    return f"{date.year - 1911}年{date.month:02d}月{date.day:02d}日"
