"""貳、六 eligibility: members, leader, SME share, coaching history, other programs, owners, route."""

from __future__ import annotations

from clusterbook.checks.derive import rows
from clusterbook.findings import Collector
from clusterbook.proposal import Proposal

RULES = (
    "ELIG-MEMBERS-MIN",
    "ELIG-LEADER",
    "ELIG-SME-RATIO",
    "ELIG-COACHED-LAST-YEAR",
    "ELIG-COACHED-3Y",
    "ELIG-OTHER-PROGRAM",
    "ELIG-DUP-OWNER",
    "ELIG-ROUTE",
)
YES = "有"


def _pct(x: float) -> str:
    return f"{x:.0%}"


def check(p: Proposal, out: Collector) -> None:
    params, totals = p.program.params, p.totals
    members = p.tables.get("members")
    n = totals["members.count"]
    category = p.fields.get("proposal.category")
    if category in params["members_min"] and n < params["members_min"][category]:
        out.at(
            "ELIG-MEMBERS-MIN",
            "members.name",
            min(n, p.program.tables["members"].capacity - 1),
            value=n,
            category=category,
            required=params["members_min"][category],
            count=n,
        )
    if members is None or members.empty:
        return
    leaders = members.index[members["role"] == params["leader_role"]]
    if len(leaders) != params["leaders_required"]:
        pos = members.loc[leaders[1], "pos"] if len(leaders) > 1 else members["pos"].iloc[0]
        out.at("ELIG-LEADER", "members.role", int(pos), value=len(leaders), count=len(leaders))
    sme = totals["panel.sme.current"]
    if sme < params["sme_ratio_min"]:
        out.at(
            "ELIG-SME-RATIO",
            "panel.sme.current",
            value=_pct(sme),
            count=int(members["is_sme"].sum()),
            ratio=_pct(sme),
            required=_pct(params["sme_ratio_min"]),
        )
    _coached(p, out, category, n)
    for row in rows(members, "pos", "name", "coached_last_year", "coached_3y", "other_program"):
        if row.coached_last_year != YES and row.coached_3y == YES:
            out.at(
                "ELIG-COACHED-3Y",
                "members.coached_3y",
                row.pos,
                value=row.coached_3y,
                name=row.name or "",
            )
        if row.other_program == YES:
            out.at(
                "ELIG-OTHER-PROGRAM",
                "members.other_program",
                row.pos,
                value=row.other_program,
                name=row.name or "",
            )
    _owners(members, out)
    _route(p, out)


def _coached(p: Proposal, out: Collector, category: str | None, n: int) -> None:
    params = p.program.params
    ratio = p.totals["panel.coached.current"]
    count = round(ratio * n)
    if category == "B類":
        replaced = 1 - ratio
        if n and replaced > params["replacement_ratio_max"]:
            detail = (
                f"B類原群聚成員（前一年曾受輔導）{count} 家，占 {_pct(ratio)}，"
                f"更換比例 {_pct(replaced)} 超過 {_pct(params['replacement_ratio_max'])}"
            )
            out.at(
                "ELIG-COACHED-LAST-YEAR", "panel.coached.current", value=_pct(ratio), detail=detail
            )
    elif ratio > params["coached_last_year_ratio_max"]:
        detail = (
            f"前一年曾受數位群聚輔導者 {count} 家，占 {_pct(ratio)}，"
            f"A類不得超過 {_pct(params['coached_last_year_ratio_max'])}(含)"
        )
        out.at("ELIG-COACHED-LAST-YEAR", "panel.coached.current", value=_pct(ratio), detail=detail)


def _owners(members, out: Collector) -> None:
    """Same owner name twice; two different mobile numbers mean two different people."""
    seen: dict[str, list] = {}
    for row in rows(members, "pos", "name", "owner_name", "owner_mobile"):
        if not row.owner_name:
            continue
        for other in seen.get(row.owner_name, []):
            if row.owner_mobile and other.owner_mobile and row.owner_mobile != other.owner_mobile:
                continue
            names = f"{other.name or '?'}與{row.name or '?'}"
            out.at(
                "ELIG-DUP-OWNER", "members.owner_name", row.pos, value=row.owner_name, names=names
            )
            break
        seen.setdefault(row.owner_name, []).append(row)


def _route(p: Proposal, out: Collector) -> None:
    params = p.program.params
    route, ubn = p.fields.get("proposal.route"), p.fields.get("unit.ubn")
    if not route or not ubn:
        return
    members = p.tables["members"]
    hits = members.loc[members["ubn"] == ubn, "pos"]
    if route == params["route_unit"] and not hits.empty:
        reason = f"輔導單位提案的提案單位（統一編號 {ubn}）不可同時為群聚成員，卻列於群聚成員表序 {int(hits.iloc[0]) + 1}"
        out.at("ELIG-ROUTE", "proposal.route", value=route, reason=reason)
    elif route == params["route_leader"]:
        if hits.empty:
            reason = f"領導企業提案的提案單位須為群聚成員之一，但統一編號 {ubn} 不在群聚成員表中"
            out.at("ELIG-ROUTE", "proposal.route", value=route, reason=reason)
        if p.fields.get("unit.it_consulting") == YES:
            reason = "領導企業提案的提案單位不得為資訊服務、管理顧問公司"
            out.at("ELIG-ROUTE", "unit.it_consulting", value=YES, reason=reason)
