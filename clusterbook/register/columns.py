"""How the register reads for managers: sheet names, zh-TW column labels, display types, lookups.

Labels and types come from the program spec: a form field's label, group and type, and the
eligibility panel's rows for the proposals' computed figures. ``register.yaml`` (beside the
form) adds what the form does not say: labels of computed columns, display formats, sheets,
the short names managers type and the 摘要 sheet's blocks. Labels are unique within a table: a
label two columns share puts every label of their groups after the group (企業負責人／姓名,
企業負責人／性別 …), except in the table's own first group (群聚企業基本資料), where only the
shared label is qualified; a label still shared takes the column id.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clusterbook.workbook.programs import DEFAULT_PROGRAM, SpecError

NUMERIC = frozenset({"money", "count", "number", "decimal", "share"})
KINDS = NUMERIC | {"text", "yesno", "date", "datetime", "severity", "status", "source"}
PAGE_PT = (842 - 58, 595 - 86)  # A4 landscape less margins (0.4" sides, 0.6" top and bottom)
_UNSAFE = str.maketrans({"[": "〔", "]": "〕", "#": "＃", "'": "’", "\n": " ", "\r": " "})


class NotFound(KeyError):
    """An unknown table or column; the message names what there is."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    kind: str = "text"
    field: str | None = None
    choices: tuple = ()
    """The values in their natural order (the form's list …): pivot keys follow it."""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass(frozen=True)
class TableInfo:
    id: str
    sheet: str
    name: str
    """The Excel Table name: ASCII, stable for scripts and formulas."""
    count: str
    """The heading of a row count (家數, 群聚數 …)."""
    first: tuple[str, ...] = ()
    export: bool = True


def blank(value: Any) -> bool:
    """None, NaN, pandas NA or an empty string."""
    if value is None or (isinstance(value, str) and not value):
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def normalize(text: str) -> str:
    """For lookups: full-width folded (（ → (, ／ → /), case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def width(text: str) -> int:
    """Display width: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def points(chars: float) -> float:
    """An Excel column width in points (7 px a character plus padding, at 96 dpi), with room
    for wider fonts (LibreOffice's substitutes for Calibri)."""
    return (chars * 7 + 5) * 0.75 * 1.35


class RegisterSpec:
    """The labels, types and lookups of one program's register (see ``register.yaml``)."""

    def __init__(self, program) -> None:
        import yaml

        self.program = program
        path = program.path / "register.yaml"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SpecError(f"找不到總表規格 {path}：{exc}") from None
        self.formats: dict[str, str] = raw["formats"]
        self.type_labels: dict[str, str] = raw.get("type_labels") or {}
        self.yes, self.no = raw["yes_no"]
        self.blank_label: str = raw["blank"]
        self.total_label: str = raw["total"]
        self.field_types: dict[str, str] = raw["field_types"]
        self.drop = frozenset(raw["drop"])
        self.aliases: dict[str, str] = raw.get("aliases") or {}
        self.not_personal = frozenset(raw.get("not_personal") or ())
        self.masked: str = raw["masked"]
        self.summary: dict[str, Any] = raw["summary"]
        self.tz = _zone(raw["timezone"])
        self.tables = {
            tid: TableInfo(
                tid,
                t["sheet"],
                t["name"],
                t["count"],
                tuple(t.get("first", ())),
                t.get("export", True),
            )
            for tid, t in raw["tables"].items()
        }
        self._entries: dict[str, dict[str, dict]] = raw.get("columns") or {}
        self._check()

    def _check(self) -> None:
        for table, entries in self._entries.items():
            for col, entry in entries.items():
                fid = entry.get("field")
                if fid and fid not in self.program.fields:
                    raise SpecError(f"register.yaml {table}.{col}: 沒有欄位 {fid}")
                if entry.get("type", "text") not in KINDS:
                    raise SpecError(f"register.yaml {table}.{col}: 未知的顯示類型 {entry['type']}")
        if len({t.name.casefold() for t in self.tables.values()}) != len(self.tables):
            raise SpecError("register.yaml: Excel 表格名稱重複")
        for block in self.summary["blocks"]:
            if block["table"] not in self.tables:
                raise SpecError(f"register.yaml summary: 沒有資料表 {block['table']}")

    # ----------------------------------------------------------------- columns and labels
    @functools.cached_property
    def _single_fields(self) -> dict:
        """Proposals columns of the form's single (non-table) fields, by column name."""
        from clusterbook.register.store import proposal_column

        return {proposal_column(fid): f for fid, f in self.program.fields.items() if not f.table}

    @functools.cached_property
    def _program_tables(self) -> dict[str, str]:
        """Register table → the program table (or matrix) it holds."""
        from clusterbook.register.store import TABLE_NAMES

        return {name: tid for tid, name in TABLE_NAMES.items() if name}

    @functools.cached_property
    def _computed(self) -> dict[str, tuple[str, str]]:
        """Proposals columns of the eligibility panel's figures: column → (label, display type)."""
        from clusterbook.register.store import total_column

        out = {}
        for row in self.program.panel.rows:
            kind = self.field_types.get(row.format or "", "count")
            out[total_column(self.program, f"panel.{row.key}.current")] = (row.label, kind)
        return out

    def _field(self, table: str, col: str):
        if table == "proposals":
            return self._single_fields.get(col)
        tid = self._program_tables.get(table, table)
        matrix = self.program.matrices.get(tid)
        if matrix is not None and col == matrix.value.name:
            return matrix.value
        return self.program.fields.get(f"{tid}.{col}")

    def _kind(self, f) -> str:
        if f.type == "formula":
            return self.field_types.get(f.format or "", "text")
        return self.field_types.get(f.type, "text")

    def _choices(self, f) -> tuple:
        """A field's values in the form's order: its list, or its table's rows (面向 …)."""
        if f is None:
            return ()
        if f.type == "label" and f.item and f.table in self.program.tables:
            return tuple(dict.fromkeys(r[f.item] for r in self.program.tables[f.table].rows))
        return self.program.choices(f)

    def _base(self, table: str, col: str) -> tuple[str, str | None, Column]:
        """(label, group, column) before labels are made unique."""
        entry = {
            **self._entries.get("*", {}).get(col, {}),
            **self._entries.get(table, {}).get(col, {}),
        }
        f = self.program.fields[entry["field"]] if "field" in entry else self._field(table, col)
        computed = self._computed.get(col) if table == "proposals" else None
        facet = self.program.params.get("facets", {}).get(col)
        label = (
            entry.get("label")
            or (f.label if f else None)
            or (computed[0] if computed else None)
            or (facet["label"] if facet else col)
        )
        kind = (
            entry.get("type")
            or (self._kind(f) if f else None)
            or (computed[1] if computed else None)
            or ("count" if facet else "text")
        )
        group = f.group if f is not None and "label" not in entry else None
        choices = tuple(entry.get("choices") or ()) or self._choices(f)
        if not choices and kind == "severity":
            from clusterbook.findings import SEVERITY_LABELS

            choices = tuple(SEVERITY_LABELS)
        elif not choices and kind == "yesno":
            choices = (1, 0)
        return label, group, Column(col, label, kind, f.id if f else None, choices)

    def columns(self, table: str, present: Iterable[str]) -> list[Column]:
        """The columns of a table as shown: the table's first columns, then the rest in register
        order, bookkeeping ones dropped; labels unique (case-insensitively) and Table-safe."""
        present = [str(c) for c in present]
        return list(self._columns(table, tuple(present)))

    @functools.cache  # noqa: B019 (one spec per program, kept for the process)
    def _columns(self, table: str, present: tuple[str, ...]) -> tuple[Column, ...]:
        info = self.tables.get(table)
        first = [c for c in (info.first if info else ()) if c in present]
        ids = [*first, *(c for c in present if c not in first)]
        bases = [self._base(table, c) for c in ids if c not in self.drop]
        seen = Counter(normalize(label) for label, _, _ in bases)
        tid = self._program_tables.get(table, table)
        own = tid in self.program.tables and self.program.tables[tid].columns[0].group
        clashing = {group for label, group, _ in bases if group and seen[normalize(label)] > 1}
        labels = [
            f"{group}／{label}"
            if group in clashing and (group != own or seen[normalize(label)] > 1)
            else label
            for label, group, _ in bases
        ]
        seen = Counter(normalize(label) for label in labels)
        labels = [
            f"{label}（{b[2].id}）" if seen[normalize(label)] > 1 else label
            for label, b in zip(labels, bases, strict=True)
        ]
        return tuple(
            Column(c.id, label.translate(_UNSAFE)[:255], c.kind, c.field, c.choices)
            for label, (_, _, c) in zip(labels, bases, strict=True)
        )

    # ----------------------------------------------------------------- lookups
    def table(self, text: str, available: Iterable[str]) -> TableInfo:
        """A table by id (members), sheet name (成員) or Excel Table name (Members)."""
        available = [t for t in self.tables if t in set(available)]
        key = normalize(text)
        for tid in available:
            info = self.tables[tid]
            if key in (normalize(tid), normalize(info.sheet), normalize(info.name)):
                return info
        names = {normalize(n): tid for tid in available for n in (tid, self.tables[tid].sheet)}
        close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
        listing = "、".join(self.tables[t].sheet for t in available)
        hint = "、".join(dict.fromkeys(self.tables[names[c]].sheet for c in close))
        raise NotFound(
            f"總表中沒有資料表「{text}」"
            + (f"；您是不是要找：{hint}" if hint else "")
            + f"（可用：{listing}）"
        )

    def column(self, table: str, text: str, columns: list[Column]) -> Column:
        """A column by id, label, short name (register.yaml aliases), else the one label that
        contains the text (of several, the one that starts or ends with it); otherwise NotFound
        with the closest labels. Full-width forms, case and spaces are ignored."""
        key = normalize(text)
        by_id = {c.id: c for c in columns}
        for c in columns:
            if key in (normalize(c.id), normalize(c.label)):
                return c
        for alias, cid in self.aliases.items():
            if normalize(alias) == key and cid in by_id:
                return by_id[cid]
        within = [c for c in columns if key and key in normalize(c.label)]
        edges = [
            c
            for c in within
            if normalize(c.label).startswith(key) or normalize(c.label).endswith(key)
        ]
        sheet = self.tables[table].sheet if table in self.tables else table
        if len(within) == 1 or len(edges) == 1:
            return within[0] if len(within) == 1 else edges[0]
        if within:
            names = "、".join(f"{c.label}（{c.id}）" for c in within)
            raise NotFound(f"「{text}」可指{sheet}的多個欄位：{names}；請寫出完整欄位名稱")
        names: dict[str, Column] = {}
        for c in columns:
            names.setdefault(normalize(c.label), c)
            names.setdefault(normalize(c.id), c)
        for alias, cid in self.aliases.items():
            if cid in by_id:
                names.setdefault(normalize(alias), by_id[cid])
        close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
        found = list(dict.fromkeys(names[n] for n in close))
        if found:
            hint = "；您是不是要找：" + "、".join(f"{c.label}（{c.id}）" for c in found)
        else:
            hint = "（可用：" + "、".join(c.label for c in columns) + "）"
        raise NotFound(f"{sheet}沒有欄位「{text}」{hint}")

    # ----------------------------------------------------------------- values
    def value(self, column: Column, value: Any) -> Any:
        """A register value as an Excel cell holds it (None for a blank cell)."""
        if blank(value):
            return None
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        kind = column.kind
        if kind == "yesno" and isinstance(value, bool | int | float):
            return self.yes if value else self.no
        if kind == "severity":
            from clusterbook.findings import SEVERITY_LABELS

            return SEVERITY_LABELS.get(value, value)
        if kind in ("date", "datetime") and isinstance(value, str):
            return self._when(kind, value)
        if isinstance(value, float) and value.is_integer() and kind != "share":
            return int(value)
        return value

    def _when(self, kind: str, text: str) -> Any:
        try:
            if kind == "date":
                return dt.date.fromisoformat(text[:10])
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(self.tz).replace(tzinfo=None)
        return stamp

    def text(self, column: Column, value: Any) -> str:
        """A register value as a pivot key or console text: 民國 dates, yes/no words …"""
        shown = self.value(column, value)
        if shown is None:
            return self.blank_label
        if isinstance(shown, dt.datetime):
            return f"{roc(shown)} {shown:%H:%M}"
        if isinstance(shown, dt.date):
            return roc(shown)
        return str(shown)


def _zone(name: str) -> dt.tzinfo:
    """An IANA zone (``Asia/Taipei``: the tzdata package supplies it where the system has no
    zone database) or a fixed offset (``+08:00``)."""
    if name[:1] in "+-":
        hours, minutes = name[1:].split(":")
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes))
        return dt.timezone(offset if name[0] == "+" else -offset)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SpecError(f"register.yaml：不認得時區「{name}」") from None


def local_time(stamp: str, program: str = DEFAULT_PROGRAM) -> str:
    """A stored time (ISO 8601, UTC) as users read it: 民國 date and time in the register's
    time zone, e.g. ``112/03/08 14:05``; the text itself when it is not a time."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if when.tzinfo is not None:
        when = when.astimezone(register_spec(program).tz)
    return f"{roc(when)} {when:%H:%M}"


def roc(day: dt.date) -> str:
    """2023-03-01 → 112/03/01."""
    return f"{day.year - 1911}/{day.month:02d}/{day.day:02d}"


@functools.cache
def register_spec(program: str = DEFAULT_PROGRAM) -> RegisterSpec:
    from clusterbook.workbook.spec import load_program

    return RegisterSpec(load_program(program))
