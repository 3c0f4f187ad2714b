"""What a cell of the printed form says: values looked up in a proposal and written as the form
writes them (■/□ choices, 民國 dates, 新臺幣 amounts with thousands separators)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from clusterbook.proposal import Proposal
from clusterbook.register.columns import roc

CHECKED, UNCHECKED = "■", "□"
BLANK = "＿＿＿＿"
"""Written where the form leaves a line to fill in and the proposal has nothing."""
OTHER = "其他"
GAP = "　"
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Context:
    """A proposal, and for a record (one consultant, one member) that row of its table."""

    proposal: Proposal
    table: str | None = None
    row: dict[str, Any] | None = None
    number: int | None = None
    """The record's 1-based number (序)."""

    def at(self, table: str, row: dict[str, Any], number: int) -> Context:
        return Context(self.proposal, table, row, number)


def blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(value, str) and not value.strip()


def lookup(ctx: Context, field_id: str) -> Any:
    """A single field, a column of the record's row, or the same position of another table."""
    p = ctx.proposal
    f = p.program.fields[field_id]
    if f.table is None:
        return p.fields.get(field_id)
    if ctx.row is None:
        raise KeyError(f"{field_id} is a table column; it needs a record")
    if f.table == ctx.table:
        return ctx.row.get(f.name)
    frame = p.tables.get(f.table)
    if frame is None or frame.empty or f.name not in frame.columns:
        return None
    same = frame[frame["pos"] == ctx.row.get("pos")]
    return None if same.empty else same.iloc[0][f.name]


def condition(ctx: Context, when: dict[str, Any] | None) -> bool:
    """``{field: id, is: value}`` (value may be ``param:path`` or a list); no condition is true."""
    if not when:
        return True
    value = lookup(ctx, when["field"])
    wanted = _param_or(ctx, when["is"])
    wanted = wanted if isinstance(wanted, list) else [wanted]
    return value in wanted


def source(ctx: Context, spec: dict[str, Any]) -> Any:
    """The raw value a cell spec points at (``field``, ``total``, ``param``, ``lookup``)."""
    if "field" in spec:
        return lookup(ctx, spec["field"])
    if "total" in spec:
        return ctx.proposal.totals.get(spec["total"])
    if "param" in spec:
        return ctx.proposal.program.param(spec["param"])
    if "lookup" in spec:
        return _find(ctx, spec["lookup"])
    if "number" in spec:
        return ctx.number
    raise KeyError(f"no value source in {sorted(spec)}")


def _find(ctx: Context, spec: dict[str, Any]) -> Any:
    """The first row of a table where a column equals a value: e.g. the leader's owner."""
    p = ctx.proposal
    f = p.program.fields[spec["field"]]
    where = p.program.fields[spec["where"]]
    frame = p.tables.get(f.table)
    if frame is None or frame.empty:
        return None
    hit = frame[frame[where.name] == _param_or(ctx, spec["equals"])]
    return None if hit.empty else hit.iloc[0][f.name]


def _param_or(ctx: Context, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("param:"):
        return ctx.proposal.program.param(value[len("param:") :])
    return value


def plain(value: Any, kind: str | None = None, *, money: str = "{:,}") -> str:
    """A value as text: amounts with thousands separators, 民國 dates, percentages."""
    if blank(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | dt.date):
        return roc(value)
    if kind == "percent":
        return f"{float(value):.0%}"
    if kind == "percent2":
        return f"{float(value):.2%}"
    if kind == "money":
        return money.format(int(value))
    if kind == "integer" and isinstance(value, int | float):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return str(value).strip()


def roc_long(day: dt.date, prefix: str = "民國") -> str:
    """``民國 106 年 8 月 22 日`` (the cover says 中華民國)."""
    return f"{prefix} {day.year - 1911} 年 {day.month} 月 {day.day} 日"


def boxes(
    choices: list[str] | tuple[str, ...],
    chosen: Any,
    *,
    per_line: int = 0,
    other: str | None = None,
    detail: str | None = None,
) -> str:
    """Every choice of a question with ■ for the chosen ones and □ for the others.

    ``chosen`` is one value or several joined by 「、」 (multi-choice cells). ``other`` follows
    「其他：」 (a line when blank); ``detail`` follows the last chosen value (□無 ■有：…).
    """
    picked = set() if blank(chosen) else {c.strip() for c in str(chosen).split("、")}
    parts = []
    for choice in choices:
        mark = CHECKED if choice in picked else UNCHECKED
        text = f"{mark}{choice}"
        if choice == OTHER and other is not None:
            text += f"：{other or BLANK}"
        if detail and choice in picked:
            text += f"：{detail}"
        parts.append(text)
    unknown = sorted(picked - set(choices))
    parts += [f"{CHECKED}{u}" for u in unknown]  # an answer the list lacks is still shown
    if per_line:
        rows = [parts[i : i + per_line] for i in range(0, len(parts), per_line)]
        return "\n".join(GAP.join(r) for r in rows)
    return GAP.join(parts)


def tick(value: Any, wanted: str) -> str:
    return CHECKED if value == wanted else UNCHECKED


def render(ctx: Context, spec: dict[str, Any], *, money: str = "新臺幣 {:,} 元") -> str:
    """The text of one value cell spec (see document.yaml for the keys)."""
    if "text" in spec:
        return fill(ctx, spec["text"])
    if "join" in spec:
        values = [render(ctx, {"field": fid}, money=money) for fid in spec["join"]]
        return spec.get("sep", "／").join(v for v in values if v)
    value = source(ctx, spec)
    field = _field(ctx, spec)
    if spec.get("boxes"):
        choices = spec.get("order") or _choices(ctx, field, spec)
        other = _text(ctx, spec["other"]) if "other" in spec else None
        detail = _text(ctx, spec["detail"]) if "detail" in spec else None
        return boxes(choices, value, per_line=spec.get("per_line", 0), other=other, detail=detail)
    if blank(value):
        return spec.get("empty", "")
    if isinstance(value, dt.date) and spec.get("date"):
        return roc_long(value, spec["date"])
    kind = spec.get("kind") or (field.format or field.type if field else None)
    text = plain(value, kind, money=spec.get("money", money))
    return spec["format"].format(text) if "format" in spec else text


def fill(ctx: Context, template: str, missing: str = BLANK) -> str:
    """A text with ``{field.id}``, ``{param:path}``, ``{total:key}`` and ``{n}`` placeholders;
    a blank field becomes ``missing`` (a line to fill in, as on the paper form)."""

    def sub(m: re.Match[str]) -> str:
        token = m.group(1)
        if token == "n":
            return str(ctx.number or "")
        kind, _, rest = token.partition(":")
        if rest and kind == "param":
            return plain(ctx.proposal.program.param(rest))
        if rest and kind == "total":
            return plain(ctx.proposal.totals.get(rest), "money", money="{:,}")
        return render(ctx, {"field": token}, money="{:,}") or missing

    return _PLACEHOLDER.sub(sub, template)


def _text(ctx: Context, field_id: str) -> str:
    return render(ctx, {"field": field_id})


def _field(ctx: Context, spec: dict[str, Any]):
    fid = spec.get("field") or (spec.get("lookup") or {}).get("field")
    return ctx.proposal.program.fields.get(fid) if fid else None


def _choices(ctx: Context, field, spec: dict[str, Any]) -> tuple[str, ...]:
    if field is None:
        raise KeyError(f"boxes without a field or an order: {spec}")
    return ctx.proposal.program.choices(field)
