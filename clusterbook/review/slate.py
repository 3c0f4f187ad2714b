"""The slate of a class: the proposals the register marks 符合, as a scoring sheet lists them.

Each proposal gets a 案號 (A01 …) in the spec's order; the slate's fingerprint covers the
program, year, class and every listed proposal's key and content digest, so a scoring workbook
knows which register state it was made from.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clusterbook.review.spec import ReviewSpec

if TYPE_CHECKING:
    import pandas as pd

_LINK = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|\S+@\S+\.\S+", re.I)


@dataclass(frozen=True)
class Case:
    case: str
    """案號: the class letter and the row's number (A01 …)."""
    key: str
    """The proposal key in the register (year|統一編號|群聚名稱)."""
    submission_id: int
    revision: int
    digest: str
    cluster_name: str
    unit_name: str
    cluster_type: str
    budget_total: int | None
    bonus: dict[str, bool] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True)
class Slate:
    program: str
    year: int
    category: str
    cases: tuple[Case, ...]

    @property
    def fingerprint(self) -> str:
        listed = sorted((c.key, c.digest) for c in self.cases)
        body = json.dumps([self.program, self.year, self.category, listed], ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def by_key(self) -> dict[str, Case]:
        return {c.key: c for c in self.cases}


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def summary_text(spec: ReviewSpec, row: dict[str, Any]) -> str:
    """The spec's summary line for a proposal, without web or e-mail addresses."""
    values = _Blank({k: "" if v is None else v for k, v in row.items()})
    text = _LINK.sub("", spec.raw["summary"].format_map(values))
    text = " ".join(text.split())
    limit = int(spec.raw["summary_max"])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bonus_text(spec: ReviewSpec, bonus: dict[str, bool]) -> str:
    """多元族群、分群3~4區 … or the spec's word for none."""
    met = [label for k, label in spec.bonus_items.items() if bonus.get(k)]
    return "、".join(met) or spec.raw["bonus"]["none"]


def slates(
    frames: dict[str, pd.DataFrame], spec: ReviewSpec, category: str | None = None
) -> list[Slate]:
    """One slate per class (or only ``category``) of the register's current proposals."""
    proposals = frames.get("proposals")
    classes = [category] if category else list(spec.classes)
    if proposals is None or proposals.empty:
        return [Slate(spec.program.id, spec.year_roc, k, ()) for k in classes]
    subs = frames["submissions"][["id", "proposal_key", "sha256", "program"]].rename(
        columns={"id": "submission_id"}
    )
    table = proposals.merge(subs, on="submission_id", how="left")
    order = [c for c in spec.raw["order"] if c in table.columns] + ["proposal_key"]
    table = table.sort_values(order, kind="stable", na_position="last")
    out = []
    for k in classes:
        rows = table[(table["status"] == "符合") & (table["category"] == k)]
        letter = k.removesuffix("類")
        cases = []
        for seq, (_, r) in enumerate(rows.iterrows(), start=1):
            row = {c: _value(v) for c, v in r.items()}
            bonus = {b: bool(row.get(b)) for b in spec.bonus_items}
            budget = row.get("budget_total")
            cases.append(
                Case(
                    case=spec.raw["case_id"].format(letter=letter, seq=seq),
                    key=row["proposal_key"],
                    submission_id=int(row["submission_id"]),
                    revision=int(row.get("revision") or 1),
                    digest=row.get("sha256") or "",
                    cluster_name=row.get("cluster_name") or "",
                    unit_name=row.get("unit_name") or "",
                    cluster_type=row.get("cluster_type") or "",
                    budget_total=None if budget is None else int(budget),
                    bonus=bonus,
                    summary=summary_text(spec, row),
                )
            )
        year = int(rows["year"].iloc[0]) if len(rows) else spec.year_roc
        out.append(Slate(spec.program.id, year, k, tuple(cases)))
    return out
