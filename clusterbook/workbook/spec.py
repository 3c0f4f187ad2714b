"""The program spec: the proposal form, lists, townships, checklists, parameters and rules as data.

A program lives in ``clusterbook/templates/<id>/`` (or any folder with the same files):
``program.yaml`` (parameters), ``form.yaml`` (sheets, fields, tables, formulas), ``lists.yaml``,
``checklists.yaml``, ``rules.yaml`` and ``townships.csv``. :func:`load_program` turns it into a
:class:`Program`; nothing program-specific is written in Python.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clusterbook.choices import ChoiceTable, choice_key
from clusterbook.workbook.programs import DEFAULT_PROGRAM, SPEC_FILES, SpecError, program_path

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 8× faster

INPUT_TYPES = frozenset(
    {
        "text",
        "longtext",
        "integer",
        "money",
        "percent",
        "ubn",
        "date",
        "year",
        "phone",
        "email",
        "url",
        "enum",
        "multi",
        "number",
        "yesno",
        "township",
    }
)
CHOICE_TYPES = frozenset({"enum", "multi", "yesno"})
COMPUTED_TYPES = frozenset({"formula", "label"})


@dataclass(frozen=True)
class Field:
    """One input or computed cell (a single field) or one column of a table."""

    id: str
    label: str
    type: str
    sheet: str
    required: bool = False
    help: str = ""
    list: str | None = None
    formula: str | None = None
    group: str | None = None
    width: float | None = None
    max_length: int | None = None
    guide: dict[str, int] | None = None
    personal: bool = False
    format: str | None = None
    item: str | None = None
    help_item: str | None = None
    county: str | None = None
    max_choices: int | None = None
    """multi: how many choices the form asks for at most (more is a warning)."""
    decimals: int | None = None
    """number: how many decimals are allowed."""
    future: str | None = None
    """date: a date after today is a finding of this severity instead of an error."""
    key: bool = False
    """Compared with other cells (duplicates, membership) by its choice key."""
    table: str | None = None

    @property
    def name(self) -> str:
        """The id without its table or section prefix (``members.county`` → ``county``)."""
        return self.id.rsplit(".", 1)[-1]

    @property
    def is_input(self) -> bool:
        return self.type in INPUT_TYPES

    @property
    def full_label(self) -> str:
        return f"{self.group}／{self.label}" if self.group else self.label

    @property
    def list_id(self) -> str | None:
        """The option list of a choice field (yes/no fields use ``yesno``)."""
        if self.type == "yesno":
            return "yesno"
        return self.list if self.type in CHOICE_TYPES else None


@dataclass(frozen=True)
class Table:
    id: str
    sheet: str
    columns: tuple[Field, ...]
    capacity: int
    rows: tuple[dict[str, Any], ...] = ()
    """For ``rows_from`` tables: one item per row (its attributes feed label cells and lists)."""
    prefill: tuple[dict[str, Any], ...] = ()
    prefill_locked: tuple[str, ...] = ()
    """Prefilled columns that stay locked; other prefilled cells are editable examples."""
    min_rows: int = 0
    fixed_rows: bool = False
    label: str = ""
    """How the table is named to applicants (messages never show the id)."""

    def column(self, field_id: str) -> Field:
        for col in self.columns:
            if col.id == field_id:
                return col
        raise KeyError(field_id)


@dataclass(frozen=True)
class Matrix:
    """A checklist (rows) × the rows of another table (columns), e.g. items × members."""

    id: str
    sheet: str
    items: tuple[dict[str, Any], ...]
    of: str
    value: Field
    header: str
    subtotal: str
    note: Field | None = None
    """A 說明 column beside each value column (the form's 勾選與說明)."""

    @property
    def stride(self) -> int:
        """Columns per member: the value, and its 說明 when there is one."""
        return 2 if self.note else 1


@dataclass(frozen=True)
class PanelRow:
    key: str
    label: str
    rule: str
    requirement: str
    current: str
    ok: str
    format: str | None = None


@dataclass(frozen=True)
class Panel:
    id: str
    sheet: str
    columns: tuple[str, ...]
    rows: tuple[PanelRow, ...]


@dataclass(frozen=True)
class Block:
    kind: str  # fields | table | matrix | panel | checkpoints | statement | note
    heading: str | None = None
    fields: tuple[Field, ...] = ()
    table: Table | None = None
    matrix: Matrix | None = None
    panel: Panel | None = None
    text: str | None = None


@dataclass(frozen=True)
class Sheet:
    id: str
    title: str
    heading: str
    description: str
    blocks: tuple[Block, ...]
    freeze_columns: int = 0


@dataclass(frozen=True)
class OptionList:
    id: str
    label: str
    values: tuple[str, ...]
    codes: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Township:
    county: str
    township: str
    tier: int
    towncode: str
    seed_spelling: str


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    description: str
    message: str
    fatal: bool = False
    applicant_message: str | None = None
    """Shown to the applicant (annotated copies, Google Sheets notes) instead of ``message``,
    which names another proposal; placeholders {sheet} {cell} {value} {file} only."""


@dataclass(frozen=True)
class Program:
    """Everything one program year needs, loaded from its folder."""

    id: str
    path: Path
    version: str
    template_id: str
    title: str
    params: dict[str, Any]
    instructions: dict[str, Any]
    statements: dict[str, str]
    text_guides: dict[str, str]
    sheets: tuple[Sheet, ...]
    lists: dict[str, OptionList]
    townships: tuple[Township, ...]
    checklists: dict[str, tuple[dict[str, Any], ...]]
    rules: dict[str, Rule]
    spec_hash: str

    @functools.cached_property
    def fields(self) -> dict[str, Field]:
        """Every field and table column, by id, in sheet order."""
        out: dict[str, Field] = {}
        for sheet in self.sheets:
            for block in sheet.blocks:
                items = list(block.fields)
                if block.table:
                    items += block.table.columns
                if block.matrix:
                    items.append(block.matrix.value)
                    if block.matrix.note:
                        items.append(block.matrix.note)
                for f in items:
                    out[f.id] = f
        return out

    @functools.cached_property
    def tables(self) -> dict[str, Table]:
        return {b.table.id: b.table for s in self.sheets for b in s.blocks if b.table}

    @functools.cached_property
    def matrices(self) -> dict[str, Matrix]:
        return {b.matrix.id: b.matrix for s in self.sheets for b in s.blocks if b.matrix}

    @functools.cached_property
    def panel(self) -> Panel:
        return next(b.panel for s in self.sheets for b in s.blocks if b.panel)

    @functools.cached_property
    def counties(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.county for t in self.townships))

    @functools.cached_property
    def levels(self) -> tuple[str, ...]:
        """The 附件二 stage codes in facet order (O1, O2, O3, E1, …)."""
        return stage_levels(self.checklists)

    def param(self, path: str) -> Any:
        """A parameter by dotted path, e.g. ``members_min.A類`` or ``work_items.meetings``."""
        value: Any = self.params
        for part in path.split("."):
            try:
                value = value[part]
            except (KeyError, TypeError):
                raise SpecError(f"program {self.id}: no parameter {path!r}") from None
        return value

    def choices(self, f: Field) -> tuple[str, ...]:
        lid = f.list_id
        return self.lists[lid].values if lid and "{" not in lid else ()

    @functools.cached_property
    def choice_tables(self) -> dict[str, ChoiceTable]:
        """By list id, every accepted spelling of every value (see ``ChoiceTable``)."""
        out = {}
        for lid, lst in self.lists.items():
            aliases = {v: tuple(a) for v, a in lst.aliases.items()}
            for value, code in lst.codes.items():
                aliases[value] = (*aliases.get(value, ()), code, f"{code}{value}")
            out[lid] = ChoiceTable.build(lst.values, aliases, lst.note)
        return out


@functools.cache
def load_program(program: str | Path = DEFAULT_PROGRAM) -> Program:
    """Load and cross-check a program folder (parsed once, then kept in the cache)."""
    from clusterbook.workbook.cache import pickled

    path = program_path(program)
    here = Path(__file__).resolve()
    code = (here, here.parent / "programs.py", here.parent.parent / "choices.py")
    return pickled("spec", path, lambda: _read_program(path), code)


def _read_program(path: Path) -> Program:
    raw = {name: (path / name).read_bytes() for name in SPEC_FILES}
    spec_hash = hashlib.sha256(b"".join(name.encode() + b"\0" + raw[name] for name in SPEC_FILES))

    def load(name: str) -> Any:
        return yaml.load(raw[name].decode("utf-8"), Loader=_YAML_LOADER)

    params = load("program.yaml")
    form = load("form.yaml")
    lists = {
        key: OptionList(
            key,
            v["label"],
            tuple(v["values"]),
            dict(v.get("codes") or {}),
            {value: tuple(a) for value, a in (v.get("aliases") or {}).items()},
            v.get("note"),
        )
        for key, v in load("lists.yaml").items()
    }
    townships = tuple(
        Township(r["county"], r["township"], int(r["tier"]), r["towncode"], r["seed_spelling"])
        for r in csv.DictReader(raw["townships.csv"].decode("utf-8-sig").splitlines())
    )
    counties = tuple(dict.fromkeys(t.county for t in townships))
    lists["counties"] = OptionList("counties", "縣市", counties)
    facets = params["facets"]
    checklists = {
        key: tuple(
            {
                **item,
                "facet_label": facets[item["facet"]]["label"],
                "scenarios": facets[item["facet"]]["scenarios"],
            }
            for item in value["items"]
        )
        for key, value in load("checklists.yaml").items()
    }
    rules = {
        rid: Rule(
            rid,
            r["severity"],
            r["title"],
            r["description"],
            r["message"],
            r.get("fatal", False),
            r.get("applicant_message"),
        )
        for rid, r in load("rules.yaml").items()
    }
    builder = _SheetBuilder(params, lists, checklists)
    sheets = tuple(builder.sheet(s) for s in form["sheets"])
    prog = Program(
        id=params["id"],
        path=path,
        version=str(params["version"]),
        template_id=params["template_id"],
        title=params["title"],
        params=params,
        instructions=form["instructions"],
        statements=dict(form.get("statements") or {}),
        text_guides=form["text_guides"],
        sheets=sheets,
        lists=lists,
        townships=townships,
        checklists=checklists,
        rules=rules,
        spec_hash=spec_hash.hexdigest(),
    )
    _check(prog)
    return prog


class _SheetBuilder:
    """Turns the raw form.yaml mappings into frozen model objects."""

    def __init__(self, params: dict, lists: dict[str, OptionList], checklists: dict) -> None:
        self.params = params
        self.lists = lists
        self.checklists = checklists

    def sheet(self, raw: dict) -> Sheet:
        sid = raw["id"]
        blocks = tuple(self.block(sid, b) for b in raw["blocks"])
        return Sheet(
            id=sid,
            title=raw["title"],
            heading=raw.get("heading", raw["title"]),
            description=raw.get("description", ""),
            blocks=blocks,
            freeze_columns=raw.get("freeze_columns", 0),
        )

    def field(self, sheet: str, raw: dict, table: str | None = None) -> Field:
        known = set(Field.__dataclass_fields__) - {"sheet", "table"}
        unknown = set(raw) - known
        if unknown:
            raise SpecError(f"field {raw.get('id')}: unknown keys {sorted(unknown)}")
        if raw["type"] not in INPUT_TYPES | COMPUTED_TYPES:
            raise SpecError(f"field {raw['id']}: unknown type {raw['type']!r}")
        return Field(**{**raw, "sheet": sheet, "table": table})

    def block(self, sheet: str, raw: dict) -> Block:
        heading = raw.get("heading")
        if "fields" in raw:
            return Block(
                "fields", heading, fields=tuple(self.field(sheet, f) for f in raw["fields"])
            )
        if "table" in raw:
            return Block("table", heading, table=self.table(sheet, raw["table"]))
        if "matrix" in raw:
            m = raw["matrix"]
            return Block(
                "matrix",
                heading,
                matrix=Matrix(
                    id=m["id"],
                    sheet=sheet,
                    items=self.checklists[m["checklist"]],
                    of=m["of"],
                    value=self.field(sheet, m["value"], table=m["id"]),
                    header=m["header"],
                    subtotal=m["subtotal"],
                    note=self.field(sheet, m["note"], table=m["id"]) if m.get("note") else None,
                ),
            )
        if "panel" in raw:
            p = raw["panel"]
            rows = tuple(PanelRow(**r) for r in p["rows"])
            return Block("panel", heading, panel=Panel(p["id"], sheet, tuple(p["columns"]), rows))
        if "checkpoints" in raw:
            return Block("checkpoints", heading, text=raw["checkpoints"])
        if "statement" in raw:
            return Block("statement", heading, text=raw["statement"])
        if "note" in raw:
            return Block("note", heading, text=raw["note"])
        raise SpecError(f"sheet {sheet}: unknown block {sorted(raw)}")

    def table(self, sheet: str, raw: dict) -> Table:
        tid = raw["id"]
        columns = tuple(self.field(sheet, c, table=tid) for c in raw["columns"])
        rows: tuple[dict, ...] = ()
        source = raw.get("rows_from")
        if source:
            kind, _, name = source.partition(":")
            if kind == "checklist":
                rows = self.checklists[name]
            elif kind == "list":
                rows = tuple({"value": v} for v in self.lists[name].values)
            elif source == "facets":
                rows = tuple({"facet": k, **v} for k, v in self.params["facets"].items())
            elif source == "levels":
                rows = tuple({"level": lv} for lv in stage_levels(self.checklists))
            else:
                raise SpecError(f"table {tid}: unknown rows_from {source!r}")
        capacity_key = raw.get("capacity_of", tid)
        capacity = len(rows) if rows else int(self.params["capacity"][capacity_key])
        return Table(
            id=tid,
            sheet=sheet,
            columns=columns,
            capacity=capacity,
            rows=rows,
            prefill=tuple(raw.get("prefill", ())),
            prefill_locked=tuple(raw.get("prefill_locked", ())),
            min_rows=int(raw.get("min_rows", 0)),
            fixed_rows=bool(rows),
            label=raw.get("label", ""),
        )


def stage_levels(checklists: dict[str, tuple[dict[str, Any], ...]]) -> tuple[str, ...]:
    """Stage codes used by the checklists (O1 … I3), in facet order; bare ``O`` rows are 其他."""
    found = {i["level"] for items in checklists.values() for i in items if len(i["level"]) > 1}
    return tuple(sorted(found, key=lambda lv: ("OESI".index(lv[0]), lv)))


def _check(prog: Program) -> None:
    """Fail early on a spec that references what does not exist."""
    for f in prog.fields.values():
        lid = f.list_id
        if lid and "{" not in lid and lid not in prog.lists:
            raise SpecError(f"field {f.id}: unknown list {lid!r}")
        if f.type == "formula" and not f.formula:
            raise SpecError(f"field {f.id}: formula field without a formula")
    for row in prog.panel.rows:
        if row.rule not in prog.rules:
            raise SpecError(f"panel row {row.key}: unknown rule {row.rule!r}")
    for lid, table in prog.choice_tables.items():
        for value in table.values:
            if table.keys.get(choice_key(value)) != value:
                raise SpecError(f"list {lid}: the value {value!r} is read as another value")
    for t in prog.tables.values():
        if not t.fixed_rows and not t.label:
            raise SpecError(f"table {t.id}: no label (applicants are told the table's name)")
    for b in (b for s in prog.sheets for b in s.blocks if b.kind == "statement"):
        if b.text not in prog.statements:
            raise SpecError(f"unknown statement {b.text!r}")
    for severity in {r.severity for r in prog.rules.values()}:
        if severity not in ("error", "warning", "info"):
            raise SpecError(f"unknown severity {severity!r}")
    for r in prog.rules.values():
        if "{other_cluster}" in r.message and r.applicant_message is None:
            raise SpecError(f"rule {r.id}: names another proposal but has no applicant_message")
        shown = {n for _, n, _, _ in string.Formatter().parse(r.applicant_message or "") if n}
        if shown - {"sheet", "cell", "value", "file"}:
            raise SpecError(f"rule {r.id}: applicant_message may only use sheet, cell, value, file")
