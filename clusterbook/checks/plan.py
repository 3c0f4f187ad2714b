"""The plan: budget cap, basic work items, KPI arithmetic and facets, recommended stages, bonuses."""

from __future__ import annotations

from clusterbook.checks.derive import as_int, rows
from clusterbook.findings import Collector
from clusterbook.proposal import Proposal

RULES = (
    "BUDGET-CAP",
    "WORK-MEETINGS",
    "WORK-WORKSHOPS",
    "WORK-DIGITAL-WORKSHOP",
    "WORK-VISITS",
    "KPI-SPLIT",
    "KPI-FACET",
    "LEVELS-RECOMMENDED",
    "BONUS-DIVERSE",
    "BONUS-TIER",
    "BONUS-SMALL",
)
WORK = (
    ("meetings", "WORK-MEETINGS"),
    ("workshops", "WORK-WORKSHOPS"),
    ("visits", "WORK-VISITS"),
)


def check(p: Proposal, out: Collector) -> None:
    params, totals = p.program.params, p.totals
    total, cap = totals["budget.total"], params["budget_cap"]
    if total > cap:
        out.at(
            "BUDGET-CAP",
            "budget.total",
            value=f"{total:,}",
            total=f"{total:,}",
            cap=f"{cap:,}",
            over=f"{total - cap:,}",
        )
    _work(p, out)
    _kpis(p, out)
    _levels(p, out)
    _bonus(p, out)


def _work(p: Proposal, out: Collector) -> None:
    minimum = p.program.params["work_items"]
    prefill = [pre.get("work_item") for pre in p.program.tables["kpis"].prefill]
    for item, rule in WORK:
        value = p.totals[f"panel.{item}.current"]
        if value < minimum[item]:
            out.at(rule, "kpis.total", prefill.index(item), value=value, required=minimum[item])
    digital = p.totals["panel.digital_workshops.current"]
    if digital < minimum["digital_workshops"]:
        out.at(
            "WORK-DIGITAL-WORKSHOP",
            "work.digital_workshops",
            value=digital,
            required=minimum["digital_workshops"],
        )


def _kpis(p: Proposal, out: Collector) -> None:
    kpis = p.tables.get("kpis")
    if kpis is None or kpis.empty:
        return
    for row in rows(kpis, "pos", "name", "split_ok", "midterm", "final", "total"):
        if row.split_ok is False:
            mid, fin = as_int(row.midterm), as_int(row.final)
            out.at(
                "KPI-SPLIT",
                "kpis.total",
                row.pos,
                value=as_int(row.total),
                name=row.name or "",
                midterm=mid,
                final=fin,
                sum=mid + fin,
            )
    cluster_type = p.fields.get("proposal.cluster_type")
    letter = p.program.params["stressed_facet"].get(cluster_type)
    if letter is None:
        return
    facet = p.program.params["facets"][letter]["label"]
    basic = len(p.program.tables["kpis"].prefill)
    custom = kpis[kpis["pos"] >= basic]
    if not (custom["facet"] == facet).any():
        pos = int(custom["pos"].iloc[0]) if not custom.empty else basic
        out.at("KPI-FACET", "kpis.facet", pos, value=facet, cluster_type=cluster_type, facet=facet)


def _levels(p: Proposal, out: Collector) -> None:
    levels = p.tables["cluster_levels"]
    missing = levels[levels["recommended"] & (levels["planned"] == 0)]
    if missing.empty:
        return
    recommended = "+".join(levels.loc[levels["recommended"], "level"])
    first = int(missing.index[0])
    out.at(
        "LEVELS-RECOMMENDED",
        "cluster_levels.ok",
        first,
        value="、".join(missing["level"]),
        category=p.fields.get("proposal.category") or "",
        cluster_type=p.fields.get("proposal.cluster_type") or "",
        levels=recommended,
        missing="、".join(missing["level"]),
    )


def _bonus(p: Proposal, out: Collector) -> None:
    ratio_min = p.program.params["bonus_ratio"]
    n = p.totals["members.count"]
    for key, rule in (
        ("diverse", "BONUS-DIVERSE"),
        ("tier", "BONUS-TIER"),
        ("small", "BONUS-SMALL"),
    ):
        ratio = p.totals[f"panel.{key}.current"]
        if n and ratio > ratio_min:
            out.at(
                rule,
                f"panel.{key}.current",
                value=f"{ratio:.0%}",
                count=round(ratio * n),
                ratio=f"{ratio:.0%}",
                required=f"{ratio_min:.0%}",
            )
