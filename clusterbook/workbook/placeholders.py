"""Formula templates of the spec made into spreadsheet formulas.

A template names fields and parameters in braces (``{budget.subtotal}``, ``{budget.quantity@row}``,
``{param:bonus_ratio}``, ``{is:proposal.category=B類}``); once every field has its cell,
:class:`Formulas` replaces each placeholder by a cell reference, a range or a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clusterbook.choices import KEY_REMOVED
from clusterbook.workbook import a1
from clusterbook.workbook.grid import FieldRef, SheetLayout
from clusterbook.workbook.spec import Field, Program

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass
class Pending:
    """A formula cell whose template waits until every field has its cell."""

    sheet: SheetLayout
    row: int
    col: int
    template: str
    ctx: dict[str, Any]


class Formulas:
    """Fills the placeholders of formula templates from a program and its field map."""

    def __init__(self, program: Program, names: dict[str, str], fields: dict[str, FieldRef]):
        self.p = program
        self.names = names
        self.fields = fields

    def resolve(self, job: Pending) -> str:
        def sub(m: re.Match[str]) -> str:
            return self._token(m.group(1), job)

        return _PLACEHOLDER.sub(sub, job.template)

    def _token(self, token: str, job: Pending) -> str:
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

    def _ref(self, token: str, job: Pending) -> str:
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


def count_formula(program: Program, f: Field) -> str:
    """The live character count of a text field against its guide (form.yaml text_guides)."""
    guide = f.guide or {}
    text = program.text_guides["about" if "about" in guide else "max"]
    for key, value in guide.items():
        text = text.replace("{" + key + "}", str(value))
    return text.replace("{ref}", "{" + f.id + "}")


def key_formula(ref: str) -> str:
    """A cell (or range) read as a choice key, as ``clusterbook.choices.choice_key`` reads it."""
    out = f"CLEAN({ref})"
    for ch in KEY_REMOVED:
        out = f'SUBSTITUTE({out},"{ch}","")'
    return out


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ",".join(_literal(v) for v in value) + "}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace('"', '""') + '"'
