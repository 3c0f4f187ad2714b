"""From a RawBook and its field map to a Proposal: locate, normalise, type-check every input.

Findings raised here: FIELD-NORMALIZED (each change, with the original), FIELD-FORMULA,
FIELD-TYPE, FIELD-ENUM, FIELD-CHOICES, FIELD-RANGE, DATE-FUTURE, FIELD-REQUIRED,
BUDGET-NEGATIVE, TOWNSHIP-COUNTY (a township typed as the county), TABLE-CAPACITY, TABLE-EMPTY
and TABLE-MERGED.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from clusterbook.findings import Collector
from clusterbook.importers.clean import Cleaner, shown
from clusterbook.importers.fieldmap import FieldMap
from clusterbook.importers.normalize import NormalizeError
from clusterbook.importers.rawbook import RawBook, RawSheet
from clusterbook.proposal import Proposal
from clusterbook.rows import Rows
from clusterbook.workbook import a1
from clusterbook.workbook.instructions import TYPE_HINTS
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.spec import Field, Matrix, Program, Table

MAX_INTEGER = 10**7
MAX_MONEY = 10**12
DTYPES = {
    "integer": "Int64",
    "money": "Int64",
    "year": "Int64",
    "percent": "Float64",
    "number": "Float64",
}


def extract(
    raw: RawBook, fmap: FieldMap, program: Program, out: Collector, today: dt.date
) -> Proposal:
    """Read every input field and table of the program through the workbook's field map."""
    reader = _Reader(raw, fmap, program, out, today)
    proposal = Proposal(raw.source, program, fmap.meta, fmap.refs, digest=raw.digest)
    for fid, f in program.fields.items():
        if f.table is None and f.is_input and fid in fmap.refs:
            proposal.fields[fid] = reader.single(f)
    for tid, table in program.tables.items():
        inputs = [c for c in table.columns if c.is_input and c.id in fmap.refs]
        if inputs:
            proposal.rows[tid] = reader.table(table, inputs)
    for mid, matrix in program.matrices.items():
        if matrix.value.id in fmap.refs:
            proposal.rows[mid] = reader.matrix(matrix)
    return proposal


class _Reader:
    def __init__(
        self, raw: RawBook, fmap: FieldMap, program: Program, out: Collector, today: dt.date
    ) -> None:
        self.raw = raw
        self.refs = fmap.refs
        self.program = program
        self.out = out
        self.today = today
        self.cleaner = Cleaner(program, date1904=raw.date1904)
        self._merged_seen: set[tuple[str, tuple[int, int, int, int]]] = set()

    def _sheet(self, title: str) -> RawSheet:
        return self.raw.sheet(title) or RawSheet(title)

    def single(self, f: Field) -> Any:
        ref = self.refs[f.id]
        sheet = self._sheet(ref.sheet)
        raw = self._typed(f, sheet.cells.get((ref.first_row, ref.first_col)), None)
        if raw is None and f.required:
            self.out.at("FIELD-REQUIRED", f.id)
        return self.value(f, raw, None)

    def _typed(
        self, f: Field, cell, index: int | None, at: tuple[str, int, int] | None = None
    ) -> Any:
        """What the applicant typed; a formula in an input cell is reported, its result used.

        ``at`` (sheet, row, col) locates matrix cells, which have no table row index.
        """
        if cell is None:
            return None
        value, formula = cell
        if formula is None:
            return value
        result = "（無）" if value is None else value
        where = None if at is None else (at[0], a1.cell(at[1], at[2]))
        self.out.at("FIELD-FORMULA", f.id, index, where=where, value=formula, result=result)
        return formula if value is None else value

    def value(
        self,
        f: Field,
        raw: Any,
        index: int | None,
        *,
        list_id: str | None = None,
        where: tuple[str, str] | None = None,
    ) -> Any:
        """Normalise one cell; report what changed and what is wrong; None when unusable."""
        if raw is None:
            return None
        try:
            cleaned = self.cleaner.clean(f, raw, list_id=list_id)
        except NormalizeError as exc:
            if f.list == "counties" and self._township_as_county(f, raw, index, where):
                return None
            if f.type in ("enum", "yesno", "multi"):
                choices = self.program.lists[list_id or f.list_id].values
                listed = "、".join(choices) if len(choices) <= 12 else "、".join(choices[:12]) + "…"
                if f.type == "multi":
                    listed = f"{exc.reason}，可複選：{listed}"
                self.out.at("FIELD-ENUM", f.id, index, where=where, value=raw, choices=listed)
            else:
                reason, expected = exc.reason, TYPE_HINTS[f.type]
                self.out.at(
                    "FIELD-TYPE",
                    f.id,
                    index,
                    where=where,
                    value=raw,
                    reason=reason,
                    expected=expected,
                )
            return None
        value = cleaned.value
        if cleaned.notes and value is not None:
            self.out.at(
                "FIELD-NORMALIZED",
                f.id,
                index,
                where=where,
                value=shown(value),
                original=cleaned.original,
                notes="、".join(dict.fromkeys(cleaned.notes)),
            )
        return self._in_range(f, value, index, where)

    def _township_as_county(self, f: Field, raw: Any, index: int | None, where) -> bool:
        """A township typed where the county belongs (the guide's own example does it)."""
        place = self.cleaner.township(raw).value
        counties = [t.county for t in self.program.townships if t.township == place]
        if not counties:
            return False
        reason = (
            f"「{place}」是{'、'.join(counties)}的鄉鎮市區，不是縣市；縣市欄請填「{counties[0]}」"
        )
        self.out.at("TOWNSHIP-COUNTY", f.id, index, where=where, value=raw, reason=reason)
        return True

    def _in_range(
        self, f: Field, value: Any, index: int | None, where: tuple[str, str] | None
    ) -> Any:
        reason = None
        if f.type in ("integer", "money") and value is not None:
            limit = MAX_MONEY if f.type == "money" else MAX_INTEGER
            if value < 0:
                rule = "BUDGET-NEGATIVE" if f.id.startswith("budget.") else "FIELD-RANGE"
                if rule == "BUDGET-NEGATIVE":
                    self.out.at(rule, f.id, index, where=where, value=value)
                    return None
                reason = "不可為負數"
            elif value > limit:
                reason = f"超過合理上限 {limit:,}"
        elif f.type == "number" and value is not None and not 0 <= value <= MAX_INTEGER:
            reason = "不可為負數" if value < 0 else f"超過合理上限 {MAX_INTEGER:,}"
        elif f.type == "percent" and value is not None and not 0 <= value <= 1:
            reason = "應介於 0% 與 100% 之間"
        elif f.type == "multi" and f.max_choices and value is not None:
            count = len(value.split("、"))
            if count > f.max_choices:
                self.out.at(
                    "FIELD-CHOICES",
                    f.id,
                    index,
                    where=where,
                    value=value,
                    count=count,
                    max=f.max_choices,
                )
        elif f.type == "date" and value is not None and value > self.today:
            if f.future:
                self.out.at(
                    "DATE-FUTURE",
                    f.id,
                    index,
                    where=where,
                    value=shown(value),
                    today=shown(self.today),
                )
                return value
            reason = "日期晚於今天"
        elif f.type == "year" and value is not None and value > self.program.params["year_roc"]:
            reason = f"晚於計畫年度（民國 {self.program.params['year_roc']} 年）"
        if reason is None:
            return value
        self.out.at("FIELD-RANGE", f.id, index, where=where, value=shown(value), reason=reason)
        return None

    def table(self, t: Table, inputs: list[Field]) -> Rows:
        sheet = self._sheet(self.refs[inputs[0].id].sheet)
        refs = [self.refs[c.id] for c in inputs]
        self._merges(t, sheet, refs)
        get = sheet.cells.get
        names = [f.name for f in inputs]
        per_row_list = [
            f.list[len("{item:") : -1]
            if f.type == "enum" and f.list and f.list.startswith("{item:")
            else None
            for f in inputs
        ]
        labels = [(c.name, c.item) for c in t.columns if c.type == "label"]
        rows = []
        for i in range(t.capacity):
            raw = [
                self._typed(f, get((ref.first_row + i, ref.first_col)), i)
                for f, ref in zip(inputs, refs, strict=True)
            ]
            prefilled = i < len(t.prefill)
            if not t.fixed_rows and not prefilled and all(v is None for v in raw):
                continue
            row: dict[str, Any] = {"pos": i}
            item = t.rows[i] if t.rows else {}
            for f, name, key, value in zip(inputs, names, per_row_list, raw, strict=True):
                row[name] = (
                    None if value is None else self.value(f, value, i, list_id=key and item[key])
                )
                if f.required and value is None:
                    self.out.at("FIELD-REQUIRED", f.id, i)
            if prefilled:  # locked prefills are the template's; examples are what was typed
                row.update({k.split(".", 1)[1]: t.prefill[i][k] for k in t.prefill_locked})
                row["work_item"] = t.prefill[i].get("work_item")
            for name, key in labels:
                row[name] = item[key]
            rows.append(row)
        self._overflow(t, sheet, refs)
        if t.min_rows and len(rows) < t.min_rows:
            self.out.at(
                "TABLE-EMPTY", inputs[0].id, 0, table=t.label, min_rows=t.min_rows, count=len(rows)
            )
        columns = ["pos", *[c.name for c in t.columns if c.is_input or c.type == "label"]]
        if t.prefill:
            columns.append("work_item")
        dtypes = {"pos": "int64", **{f.name: DTYPES[f.type] for f in inputs if f.type in DTYPES}}
        return Rows(columns, rows, dtypes)

    def matrix(self, m: Matrix) -> Rows:
        """One record per member column and item: the 有/無 value and, when the form has
        one, its 說明 (the member columns are ``m.stride`` wide)."""
        ref = self.refs[m.value.id]
        sheet = self._sheet(ref.sheet)
        get = sheet.cells.get
        canonical = frozenset(self.program.lists["yesno"].values)
        first, n = ref.first_row, len(m.items)
        records = []
        for j in range((ref.last_col - ref.first_col) // m.stride + 1):
            col = ref.first_col + m.stride * j
            cells = [(first + i, col) for i in range(n)]
            values = [self._typed(m.value, get(rc), None, (sheet.title, *rc)) for rc in cells]
            notes = [None] * n
            if m.note is not None:
                notes = [
                    self._typed(m.note, get((r, c + 1)), None, (sheet.title, r, c + 1))
                    for r, c in cells
                ]
            if all(v is None for v in values) and all(v is None for v in notes):
                continue
            for i, (item, raw, note) in enumerate(zip(m.items, values, notes, strict=True)):
                if raw is not None and raw not in canonical:
                    raw = self.value(
                        m.value, raw, None, where=(sheet.title, a1.cell(first + i, col))
                    )
                if note is not None and m.note is not None:
                    note = self.value(
                        m.note, note, None, where=(sheet.title, a1.cell(first + i, col + 1))
                    )
                records.append((j, i, item["facet"], item["level"], item["name"], raw, note))
        columns = ["member_index", "item_index", "facet", "level", "item", "value", "note"]
        return Rows(
            columns,
            [dict(zip(columns, r, strict=True)) for r in records],
            {"member_index": "int64", "item_index": "int64"},
        )

    def _merges(self, t: Table, sheet: RawSheet, refs) -> None:
        r1, r2 = refs[0].first_row, refs[0].last_row
        c1, c2 = min(r.first_col for r in refs), max(r.last_col for r in refs)
        for area in sheet.merged:
            mr1, mc1, mr2, mc2 = area
            if (
                mr2 < r1
                or mr1 > r2
                or mc2 < c1
                or mc1 > c2
                or (sheet.title, area) in self._merged_seen
            ):
                continue
            self._merged_seen.add((sheet.title, area))
            self.out.add(
                "TABLE-MERGED",
                sheet=sheet.title,
                cell=a1.cell(mr1, mc1),
                range=a1.area(mr1, mc1, mr2, mc2),
            )

    def _overflow(self, t: Table, sheet: RawSheet, refs) -> None:
        """Data typed below a table, where the template has nothing, is reported once."""
        last = refs[0].last_row
        limit = _next_used_row(self.program.id, sheet.title, last)
        cols = {r.first_col for r in refs}
        found = [(r, c) for (r, c) in sheet.cells if last < r < limit and c in cols]
        if found:
            r, c = min(found)
            self.out.add(
                "TABLE-CAPACITY",
                sheet=sheet.title,
                cell=a1.cell(r, c),
                value=_raw(sheet.cells.get((r, c))),
                table=t.label,
                capacity=t.capacity,
            )


def _raw(cell: tuple[Any, str | None] | None) -> Any:
    """What was typed in a cell: its value, or the formula text when a formula sits there."""
    if cell is None:
        return None
    value, formula = cell
    return formula if value is None and formula else value


@functools.cache
def _next_used_row(program: str, title: str, last: int) -> int:
    """The first row below ``last`` that the template itself uses on that sheet (or no limit)."""
    sheet = next((s for s in build_layout(program).sheets if s.title == title), None)
    rows = [r for (r, _c) in sheet.cells if r > last] if sheet else []
    return min(rows) if rows else 10**9
