"""Recompute everything the workbook computes, in pandas, from the typed values alone.

Adds computed columns to the proposal's tables (members: tier, is_sme, is_small, is_diverse;
budget: amount; kpis: split_ok; cluster_assessment: scores) and fills ``proposal.totals`` with
the figures of the budget, the self-assessments and the eligibility panel, keyed like the
template's computed fields (``budget.total``, ``panel.sme.current`` …).
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from clusterbook.proposal import Proposal

YES = "有"


def rows(frame: pd.DataFrame, *columns: str):
    """The rows of a few columns as named tuples (itertuples over all columns is slow)."""
    return frame[list(columns)].itertuples(index=False)


def as_int(value: object) -> int:
    """A table cell as an int, blanks (None, NA, NaN) as 0."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def round_half_up(x: float) -> int:
    """Excel's ROUND(x, 0) for money: halves away from zero."""
    return math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1)


def derive(p: Proposal) -> None:
    prog = p.program
    params = prog.params
    totals = p.totals
    members = p.tables.get("members", pd.DataFrame(columns=["pos"]))
    if not members.empty:
        tiers = {(t.county, t.township): t.tier for t in prog.townships}
        members["tier"] = pd.array(
            [
                tiers.get((c, t))
                for c, t in zip(members["county"], members["township"], strict=True)
            ],
            dtype="Int64",
        )
        sme = params["sme"]
        capital, employees = members["capital"], members["employees"]
        is_sme = (capital <= sme["capital_max"]).fillna(False) | (
            employees < sme["employees_below"]
        ).fillna(False)
        members["is_sme"] = is_sme.astype(bool)
        members["is_small"] = (
            is_sme & (employees < sme["small_employees_below"]).fillna(False)
        ).astype(bool)
        diverse = members["owner_gender"].isin(params["diverse_genders"]) | members[
            "owner_identity"
        ].isin(params["diverse_identities"])
        members["is_diverse"] = diverse.astype(bool)
    n = len(members)
    totals["members.count"] = n

    def share(mask) -> float:
        return float(mask.sum()) / n if n else 0.0

    # budget
    budget = p.tables.get("budget")
    subtotal = 0
    if budget is not None and not budget.empty:
        price, qty = budget["unit_price"], budget["quantity"]
        amount = price.fillna(0) * qty.fillna(0)
        budget["amount"] = amount.where(price.notna() | qty.notna()).astype("Int64")
        subtotal = int(budget["amount"].fillna(0).sum())
    tax = round_half_up(subtotal * params["tax_rate"])
    total = subtotal + tax
    totals.update({"budget.subtotal": subtotal, "budget.tax": tax, "budget.total": total})
    categories = prog.lists["budget_categories"].values
    by_cat: Counter = Counter()
    if budget is not None and not budget.empty:
        for cat, amount in zip(budget["category"], budget["amount"], strict=True):
            by_cat[cat] += as_int(amount)
    p.tables["budget_summary"] = pd.DataFrame(
        {
            "category": list(categories),
            "amount": [by_cat[c] for c in categories],
        }
    )
    p.tables["budget_summary"]["share"] = (
        p.tables["budget_summary"]["amount"] / total if total else 0.0
    )

    # KPIs
    kpis = p.tables.get("kpis")
    if kpis is not None and not kpis.empty:
        mid, fin, tot = (kpis[c].fillna(0) for c in ("midterm", "final", "total"))
        blank = kpis[["midterm", "final", "total"]].isna().all(axis=1)
        ok = mid + fin == tot
        kpis["split_ok"] = [None if b else bool(o) for o, b in zip(ok, blank, strict=True)]
        work = dict(zip(kpis["work_item"], kpis["total"].fillna(0).astype(int), strict=True))
    else:
        work = {}
    w = {
        "meetings": int(work.get("meetings", 0)),
        "workshops": int(work.get("workshops", 0)),
        "visits": int(work.get("visits", 0)),
        "digital_workshops": int(p.fields.get("work.digital_workshops") or 0),
    }

    # self-assessments
    ca = p.tables.get("cluster_assessment")
    letters = list(params["facets"])
    if ca is not None:
        initial = [v == YES for v in ca["initial"]]
        target = [v == YES for v in ca["target"]]
        ca["initial_score"] = pd.array(initial, dtype=int)
        ca["target_score"] = pd.array(target, dtype=int)
        sums = {x: [0, 0] for x in letters}
        planned: Counter = Counter()
        for level, i, t in zip(ca["level"], initial, target, strict=True):
            sums[level[0]][0] += i
            sums[level[0]][1] += t
            planned[level] += t
        p.tables["cluster_subtotals"] = pd.DataFrame(
            {
                "facet": [params["facets"][x]["label"] for x in letters],
                "initial": [sums[x][0] for x in letters],
                "target": [sums[x][1] for x in letters],
            }
        )
    else:
        planned = Counter()
    category = p.fields.get("proposal.category")
    cluster_type = p.fields.get("proposal.cluster_type")
    recommended = params["recommended_levels"].get(category, {}).get(cluster_type, [])
    p.tables["cluster_levels"] = pd.DataFrame(
        {
            "level": list(prog.levels),
            "recommended": [lv in recommended for lv in prog.levels],
            "planned": [int(planned.get(lv, 0)) for lv in prog.levels],
        }
    )
    ma = p.tables.get("member_assessment")
    if ma is not None and not ma.empty:
        p.tables["member_scores"] = (
            ma.assign(score=(ma["value"] == YES).astype(int))
            .pivot_table(
                index="member_index", columns="facet", values="score", aggfunc="sum", fill_value=0
            )
            .reindex(columns=letters, fill_value=0)
            .reset_index()
        )

    # the eligibility panel
    def col(name):
        return members[name] if name in members else pd.Series([], dtype=object)

    unit_ubn = p.fields.get("unit.ubn")
    owners = col("owner_name").dropna()
    totals.update(
        {
            "panel.members.current": n,
            "panel.leader.current": int((col("role") == params["leader_role"]).sum()),
            "panel.sme.current": share(col("is_sme")),
            "panel.coached.current": share(col("coached_last_year") == YES),
            "panel.coached_3y.current": int(
                ((col("coached_last_year") != YES) & (col("coached_3y") == YES)).sum()
            ),
            "panel.other_program.current": int((col("other_program") == YES).sum()),
            "panel.dup_owner.current": int(owners.duplicated(keep=False).sum()),
            "panel.route.current": bool(unit_ubn) and unit_ubn in set(col("ubn").dropna()),
            "panel.budget.current": total,
            "panel.meetings.current": w["meetings"],
            "panel.workshops.current": w["workshops"],
            "panel.digital_workshops.current": w["digital_workshops"],
            "panel.visits.current": w["visits"],
            "panel.diverse.current": share(col("is_diverse")),
            "panel.tier.current": share(col("tier").isin(params["bonus_tiers"])),
            "panel.small.current": share(col("is_small")),
        }
    )
