"""Recompute everything the workbook computes, in pandas, from the typed values alone.

Adds computed columns to the proposal's tables (members: tier, is_sme, is_eligible, is_small,
is_diverse, dup_owner; budget: amount; kpis: split_ok; cluster_assessment: scores) and fills
``proposal.totals`` with the figures of the budget, the self-assessments and the eligibility
panel, keyed like the template's computed fields (``budget.total``, ``panel.sme.current`` …).
Each figure follows its template formula in ``form.yaml``: a member is a row with a 企業名稱,
and text is compared by its choice key, as the formulas compare it.
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from clusterbook.choices import choice_key
from clusterbook.proposal import Proposal

YES = "有"
CONSENT = "同意"
B_CLASS = "B類"


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
        _members(p, members)
    n = int(named(members).sum())
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
    totals["budget.tax_share"] = tax / total if total else 0.0

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

    is_member = named(members)
    b_class = p.fields.get("proposal.category") == B_CLASS
    coached = is_member & (col("coached_last_year") == YES)
    recent = col("coached_3y") == YES
    original = is_member & (col("original_member") == YES)
    new_recent = (~original & (recent | coached)) if b_class else (~coached & recent)
    prior = p.fields.get("proposal.prior_members") or 0
    kept = int(original.sum())
    f = p.fields
    unit_consents = [f.get("unit.consent_collect"), f.get("unit.consent_public")]
    refusals = sum(v != CONSENT for v in unit_consents) + int(
        (is_member & (col("consent_collect") != CONSENT)).sum()
        + (is_member & (col("consent_public") != CONSENT)).sum()
    )
    kpis = p.tables.get("kpis")
    channels = 0
    if kpis is not None and not kpis.empty:
        channels = int((kpis["name"].notna() & (kpis["channel"] == YES)).sum())
    totals.update(
        {
            "panel.members.current": n,
            "panel.leader.current": int((is_member & (col("role") == params["leader_role"])).sum()),
            "panel.member_type.current": int((is_member & ~col("is_eligible").astype(bool)).sum()),
            "panel.sme.current": share(col("is_sme")),
            "panel.coached.current": share(coached),
            "panel.replacement.current": (prior - kept) / prior if prior > 0 else 0.0,
            "panel.coached_3y.current": int((is_member & new_recent).sum()),
            "panel.other_program.current": int((is_member & (col("other_program") == YES)).sum()),
            "panel.dup_owner.current": int(col("dup_owner").astype(bool).sum()),
            "panel.consent.current": refusals,
            "panel.budget.current": total,
            "panel.meetings.current": w["meetings"],
            "panel.workshops.current": w["workshops"],
            "panel.digital_workshops.current": w["digital_workshops"],
            "panel.visits.current": w["visits"],
            "panel.channel.current": channels,
            "panel.diverse.current": share(col("is_diverse")),
            "panel.tier.current": share(is_member & col("tier").isin(params["bonus_tiers"])),
            "panel.small.current": share(col("is_small")),
        }
    )


def _members(p: Proposal, members: pd.DataFrame) -> None:
    """The computed member columns, as the template's formulas compute them."""
    params = p.program.params
    sme = params["sme"]
    tiers = {(t.county, t.township): t.tier for t in p.program.townships}
    is_member = named(members)
    members["tier"] = pd.array(
        [tiers.get((c, t)) for c, t in zip(members["county"], members["township"], strict=True)],
        dtype="Int64",
    )
    capital, employees = members["capital"], members["employees"]
    size = (capital <= sme["capital_max"]).fillna(False) | (
        employees < sme["employees_below"]
    ).fillna(False)
    registration = members["registration"]
    is_sme = is_member & registration.isin(sme["registrations"]) & size
    members["is_sme"] = is_sme.astype(bool)
    exempt = registration.isin(params["member_exempt_registrations"])
    members["is_eligible"] = (is_member & (is_sme | exempt)).astype(bool)
    members["is_small"] = (
        is_sme & (employees < sme["small_employees_below"]).fillna(False)
    ).astype(bool)
    identities = set(params["diverse_identities"])
    diverse = members["owner_gender"].isin(params["diverse_genders"]) | pd.Series(
        [bool(identities & set((v or "").split("、"))) for v in members["owner_identity"]],
        index=members.index,
    )
    members["is_diverse"] = (is_member & diverse).astype(bool)
    members["dup_owner"] = _duplicate_owners(members["owner_name"], members["owner_mobile"])


def named(members: pd.DataFrame) -> pd.Series:
    """The rows that are members: those with a 企業名稱 (as the template's panel counts them)."""
    if "name" not in members:
        return pd.Series([], dtype=bool)
    return pd.Series([bool(choice_key(v)) for v in members["name"]], index=members.index)


def _duplicate_owners(names: pd.Series, mobiles: pd.Series) -> list[bool]:
    """A row whose owner (by name) is also another row's, unless both give different mobiles."""
    keys = [(choice_key(n), choice_key(m)) for n, m in zip(names, mobiles, strict=True)]
    by_name: dict[str, list[str]] = {}
    for name, mobile in keys:
        if name:
            by_name.setdefault(name, []).append(mobile)
    out = []
    for name, mobile in keys:
        others = list(by_name.get(name, []))
        if name:
            others.remove(mobile)
        out.append(any(not mobile or not m or m == mobile for m in others))
    return out
