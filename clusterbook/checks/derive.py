"""Recompute everything the workbook computes, on plain Python values, from the typed values alone.

Adds computed columns to the proposal's tables (members: tier, is_sme, is_eligible, is_small,
is_diverse, dup_owner; budget: amount; kpis: split_ok; cluster_assessment: scores), adds the
computed tables (budget_summary, cluster_subtotals, cluster_levels, member_scores) and fills
``proposal.totals`` with the figures of the budget, the self-assessments and the eligibility
panel, keyed like the template's computed fields (``budget.total``, ``panel.sme.current`` …).
Each figure follows its template formula in ``form.yaml``: a member is a row with a 企業名稱,
and text is compared by its choice key, as the formulas compare it.
"""

from __future__ import annotations

import math
from collections import Counter

from clusterbook.choices import choice_key
from clusterbook.proposal import Proposal
from clusterbook.rows import Rows

YES = "有"
CONSENT = "同意"
B_CLASS = "B類"


def as_int(value: object) -> int:
    """A table number (an int, or None when blank) as an int, blanks as 0."""
    return 0 if value is None else int(value)


def round_half_up(x: float) -> int:
    """Excel's ROUND(x, 0) for an amount of money, which is never negative (a negative price or
    quantity is refused when read): halves go up."""
    return math.floor(x + 0.5)


def derive(p: Proposal) -> None:
    prog = p.program
    params = prog.params
    totals = p.totals
    members = p.rows.get("members", Rows([]))  # none when the field map lists no member column
    if len(members):
        _members(p, members)
    is_member = named(members)
    n = sum(is_member)
    totals["members.count"] = n

    def share(flags) -> float:
        return sum(map(bool, flags)) / n if n else 0.0

    def count(column: str, test) -> int:
        return sum(m and test(v) for m, v in zip(is_member, members.column(column), strict=True))

    # budget
    budget = p.rows.get("budget")
    subtotal = 0
    by_cat: Counter = Counter()
    if budget is not None and len(budget):
        amounts = [
            None if price is None and qty is None else (price or 0) * (qty or 0)
            for price, qty in zip(
                budget.column("unit_price"), budget.column("quantity"), strict=True
            )
        ]
        budget.set("amount", amounts, "Int64")
        subtotal = sum(as_int(a) for a in amounts)
        for cat, amount in zip(budget.column("category"), amounts, strict=True):
            by_cat[cat] += as_int(amount)
    tax = round_half_up(subtotal * params["tax_rate"])
    total = subtotal + tax
    totals.update({"budget.subtotal": subtotal, "budget.tax": tax, "budget.total": total})
    categories = prog.lists["budget_categories"].values
    p.rows["budget_summary"] = _computed(
        category=list(categories),
        amount=[by_cat[c] for c in categories],
        share=[by_cat[c] / total if total else 0.0 for c in categories],
    )
    totals["budget.tax_share"] = tax / total if total else 0.0

    # KPIs
    kpis = p.rows.get("kpis")
    work: dict = {}
    if kpis is not None and len(kpis):
        split = []
        for r in kpis:
            figures = [r.get(c) for c in ("midterm", "final", "total")]
            mid, fin, tot = (as_int(v) for v in figures)
            split.append(None if all(v is None for v in figures) else mid + fin == tot)
            work[r.get("work_item")] = tot
        kpis.set("split_ok", split)
    w = {
        "meetings": work.get("meetings", 0),
        "workshops": work.get("workshops", 0),
        "visits": work.get("visits", 0),
        "digital_workshops": int(p.fields.get("work.digital_workshops") or 0),
    }

    # self-assessments
    ca = p.rows.get("cluster_assessment")
    letters = list(params["facets"])
    planned: Counter = Counter()
    if ca is not None:
        initial = [int(v == YES) for v in ca.column("initial")]
        target = [int(v == YES) for v in ca.column("target")]
        ca.set("initial_score", initial, "int64")
        ca.set("target_score", target, "int64")
        sums = {x: [0, 0] for x in letters}
        for level, i, t in zip(ca.column("level"), initial, target, strict=True):
            sums[level[0]][0] += i
            sums[level[0]][1] += t
            planned[level] += t
        p.rows["cluster_subtotals"] = _computed(
            facet=[params["facets"][x]["label"] for x in letters],
            initial=[sums[x][0] for x in letters],
            target=[sums[x][1] for x in letters],
        )
    category = p.fields.get("proposal.category")
    cluster_type = p.fields.get("proposal.cluster_type")
    recommended = params["recommended_levels"].get(category, {}).get(cluster_type, [])
    p.rows["cluster_levels"] = _computed(
        level=list(prog.levels),
        recommended=[lv in recommended for lv in prog.levels],
        planned=[planned.get(lv, 0) for lv in prog.levels],
    )
    ma = p.rows.get("member_assessment")
    if ma is not None and len(ma):
        scores: dict[int, Counter] = {}
        for r in ma:
            scores.setdefault(r["member_index"], Counter())[r["facet"]] += r["value"] == YES
        order = sorted(scores)
        p.rows["member_scores"] = _computed(
            member_index=order, **{x: [scores[j][x] for j in order] for x in letters}
        )

    # the eligibility panel
    b_class = p.fields.get("proposal.category") == B_CLASS
    coached = [
        m and v == YES for m, v in zip(is_member, members.column("coached_last_year"), strict=True)
    ]
    recent = [v == YES for v in members.column("coached_3y")]
    original = [
        m and v == YES for m, v in zip(is_member, members.column("original_member"), strict=True)
    ]
    if b_class:
        new_recent = [not o and (r or c) for o, r, c in zip(original, recent, coached, strict=True)]
    else:
        new_recent = [not c and r for c, r in zip(coached, recent, strict=True)]
    prior = p.fields.get("proposal.prior_members") or 0
    kept = sum(original)
    f = p.fields
    unit_consents = [f.get("unit.consent_collect"), f.get("unit.consent_public")]
    refusals = sum(v != CONSENT for v in unit_consents)
    refusals += count("consent_collect", lambda v: v != CONSENT)
    refusals += count("consent_public", lambda v: v != CONSENT)
    channels = 0
    if kpis is not None:
        channels = sum(r.get("name") is not None and r.get("channel") == YES for r in kpis)
    bonus_tiers = set(params["bonus_tiers"])
    totals.update(
        {
            "panel.members.current": n,
            "panel.leader.current": count("role", lambda v: v == params["leader_role"]),
            "panel.member_type.current": count("is_eligible", lambda v: not v),
            "panel.sme.current": share(members.column("is_sme")),
            "panel.coached.current": share(coached),
            "panel.replacement.current": (prior - kept) / prior if prior > 0 else 0.0,
            "panel.coached_3y.current": sum(
                m and r for m, r in zip(is_member, new_recent, strict=True)
            ),
            "panel.other_program.current": count("other_program", lambda v: v == YES),
            "panel.dup_owner.current": sum(map(bool, members.column("dup_owner"))),
            "panel.consent.current": refusals,
            "panel.budget.current": total,
            "panel.meetings.current": w["meetings"],
            "panel.workshops.current": w["workshops"],
            "panel.digital_workshops.current": w["digital_workshops"],
            "panel.visits.current": w["visits"],
            "panel.channel.current": channels,
            "panel.diverse.current": share(members.column("is_diverse")),
            "panel.tier.current": share(
                m and t in bonus_tiers
                for m, t in zip(is_member, members.column("tier"), strict=True)
            ),
            "panel.small.current": share(members.column("is_small")),
        }
    )


def _computed(**columns: list) -> Rows:
    """A table clusterbook computes itself, from its columns."""
    names = list(columns)
    n = len(next(iter(columns.values())))
    records = [{c: columns[c][i] for c in names} for i in range(n)]
    return Rows(names, records, infer=True)


def _members(p: Proposal, members: Rows) -> None:
    """The computed member columns, as the template's formulas compute them."""
    params = p.program.params
    sme = params["sme"]
    tiers = {(t.county, t.township): t.tier for t in p.program.townships}
    is_member = named(members)
    registrations, exempt = set(sme["registrations"]), set(params["member_exempt_registrations"])
    genders, identities = set(params["diverse_genders"]), set(params["diverse_identities"])
    columns: dict[str, list] = {c: [] for c in ("tier", "is_sme", "is_eligible", "is_small")}
    columns["is_diverse"] = []
    for r, m in zip(members, is_member, strict=True):
        capital, employees = r.get("capital"), r.get("employees")
        size = (capital is not None and capital <= sme["capital_max"]) or (
            employees is not None and employees < sme["employees_below"]
        )
        is_sme = m and r.get("registration") in registrations and size
        small = employees is not None and employees < sme["small_employees_below"]
        diverse = r.get("owner_gender") in genders or bool(
            identities & set((r.get("owner_identity") or "").split("、"))
        )
        columns["tier"].append(tiers.get((r.get("county"), r.get("township"))))
        columns["is_sme"].append(bool(is_sme))
        columns["is_eligible"].append(bool(m and (is_sme or r.get("registration") in exempt)))
        columns["is_small"].append(bool(is_sme and small))
        columns["is_diverse"].append(bool(m and diverse))
    for name, values in columns.items():
        members.set(name, values, "Int64" if name == "tier" else "bool")
    dup = _duplicate_owners(members.column("owner_name"), members.column("owner_mobile"))
    members.set("dup_owner", dup, "bool")


def named(members: Rows) -> list[bool]:
    """The rows that are members: those with a 企業名稱 (as the template's panel counts them)."""
    return [bool(choice_key(v)) for v in members.column("name")]


def _duplicate_owners(names: list, mobiles: list) -> list[bool]:
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
