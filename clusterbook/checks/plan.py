"""The plan: budget cap, basic work items, KPIs (arithmetic, details, facets, B類's digital
channel), recommended stages, bonuses."""

from __future__ import annotations

from clusterbook.checks.derive import B_CLASS, as_int
from clusterbook.findings import UNNAMED, Collector
from clusterbook.proposal import Proposal

RULES = (
    "BUDGET-CAP",
    "WORK-MEETINGS",
    "WORK-WORKSHOPS",
    "WORK-DIGITAL-WORKSHOP",
    "WORK-VISITS",
    "KPI-SPLIT",
    "KPI-CHANNEL",
    "KPI-INCOMPLETE",
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
    workshops = p.totals["panel.workshops.current"]
    if digital < minimum["digital_workshops"]:
        reason = f"至少需 {minimum['digital_workshops']} 場；請規劃由群聚顧問講授、開放跨群聚參與的線上研習"
    elif digital > workshops:
        reason = f"多於研習全程目標 {workshops} 場；數位方式研習是研習的一部分"
    else:
        return
    out.at("WORK-DIGITAL-WORKSHOP", "work.digital_workshops", value=digital, reason=reason)


def _kpis(p: Proposal, out: Collector) -> None:
    basic = len(p.program.tables["kpis"].prefill)
    kpis = p.rows.get("kpis")
    custom = [] if kpis is None else [r for r in kpis if r["pos"] >= basic]
    if p.fields.get("proposal.category") == B_CLASS and p.totals["panel.channel.current"] == 0:
        out.at("KPI-CHANNEL", "kpis.channel", custom[0]["pos"] if custom else basic)
    if kpis is None or not len(kpis):
        return
    for row in kpis.tuples("pos", "name", "split_ok", "midterm", "final", "total"):
        if row.split_ok is False:
            mid, fin = as_int(row.midterm), as_int(row.final)
            out.at(
                "KPI-SPLIT",
                "kpis.total",
                row.pos,
                value=as_int(row.total),
                name=row.name or UNNAMED,
                midterm=mid,
                final=fin,
                sum=mid + fin,
            )
    labels = {c.name: c.label for c in p.program.tables["kpis"].columns}
    needed = ("unit", "evidence", "benefit")
    for row in custom:
        missing = [c for c in needed if row.get(c) is None]
        if missing:
            out.at(
                "KPI-INCOMPLETE",
                f"kpis.{missing[0]}",
                row["pos"],
                name=row.get("name") or UNNAMED,
                missing="、".join(f"「{labels[c]}」" for c in missing),
            )
    cluster_type = p.fields.get("proposal.cluster_type")
    letter = p.program.params["stressed_facet"].get(cluster_type)
    if letter is None:
        return
    facet = p.program.params["facets"][letter]["label"]
    if not any(r.get("facet") == facet for r in custom):
        pos = custom[0]["pos"] if custom else basic
        out.at("KPI-FACET", "kpis.facet", pos, value=facet, cluster_type=cluster_type, facet=facet)


def _levels(p: Proposal, out: Collector) -> None:
    levels = list(p.rows["cluster_levels"].tuples("level", "recommended", "planned"))
    missing = [(i, r.level) for i, r in enumerate(levels) if r.recommended and r.planned == 0]
    if not missing:
        return
    recommended = "+".join(r.level for r in levels if r.recommended)
    names = "、".join(level for _, level in missing)
    out.at(
        "LEVELS-RECOMMENDED",
        "cluster_levels.ok",
        missing[0][0],
        value=names,
        category=p.fields.get("proposal.category"),  # both given: levels are recommended
        cluster_type=p.fields.get("proposal.cluster_type"),
        levels=recommended,
        missing=names,
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
