"""貳、四 and 貳、六 eligibility: members, leader, member types, SME share, coaching history,
other programs, owners, the proposing unit's route, invoices and consent.

Every verdict follows the template's live panel formula for the same rule (``form.yaml``), so
the applicant's ✔/✘ and the officer's findings agree: a member is a row with a 企業名稱, and a
class other than B類 is judged as A類.
"""

from __future__ import annotations

from clusterbook.checks.derive import B_CLASS, CONSENT, YES, named
from clusterbook.findings import UNNAMED, Collector
from clusterbook.proposal import Proposal

RULES = (
    "ELIG-MEMBERS-MIN",
    "ELIG-LEADER",
    "ELIG-MEMBER-TYPE",
    "ELIG-SME-RATIO",
    "ELIG-COACHED-LAST-YEAR",
    "ELIG-B-PRIOR",
    "ELIG-REPLACEMENT",
    "ELIG-PRIOR-COUNT",
    "ELIG-COACHED-3Y",
    "ELIG-OTHER-PROGRAM",
    "ELIG-DUP-OWNER",
    "ELIG-ROUTE",
    "ELIG-INVOICE",
    "ELIG-CONSENT",
)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def check(p: Proposal, out: Collector) -> None:
    params, totals = p.program.params, p.totals
    members = p.rows.get("members")
    n = totals["members.count"]
    b_class = p.fields.get("proposal.category") == B_CLASS
    category = B_CLASS if b_class else "A類"
    required = params["members_min"][category]
    if n < required:
        out.at(
            "ELIG-MEMBERS-MIN",
            "members.name",
            min(n, p.program.tables["members"].capacity - 1),
            value=n,
            category=category,
            required=required,
            count=n,
        )
    _history(p, out, b_class)
    _unit(p, out)
    leaders = totals["panel.leader.current"]
    if leaders != params["leaders_required"]:
        pos = 0
        if members is not None and leaders > 1:
            roles = zip(named(members), members.tuples("pos", "role"), strict=True)
            pos = [r.pos for m, r in roles if m and r.role == params["leader_role"]][1]
        out.at("ELIG-LEADER", "members.role", pos, value=leaders, count=leaders)
    sme = totals["panel.sme.current"]
    if not n or sme < params["sme_ratio_min"]:
        out.at(
            "ELIG-SME-RATIO",
            "panel.sme.current",
            value=_pct(sme),
            count=round(sme * n),
            ratio=_pct(sme),
            required=_pct(params["sme_ratio_min"]),
        )
    if members is None or not len(members):
        return
    member = named(members)
    columns = ("pos", "name", "registration", "is_eligible", "coached_last_year", "coached_3y")
    columns += ("original_member", "other_program", "consent_collect", "consent_public")
    for row, is_member in zip(members.tuples(*columns), member, strict=True):
        if is_member:
            _member(p, row, out, b_class)
    _owners(members, out)


def _member(p: Proposal, row, out: Collector, b_class: bool) -> None:
    """The rules of one member row (a member has a name: see derive.named)."""
    name = row.name
    if not row.is_eligible:
        registration = row.registration
        if registration is None:
            reason = "未填登記類型"
        elif registration in p.program.params["sme"]["registrations"]:
            reason = f"為{registration}，但實收資本額超過1億元且經常僱用員工數達200人以上（或未填）"
        else:
            reason = f"登記類型為「{registration}」"
        out.at(
            "ELIG-MEMBER-TYPE",
            "members.registration",
            row.pos,
            value=registration,
            name=name,
            reason=reason,
        )
    coached, recent = row.coached_last_year == YES, row.coached_3y == YES
    if b_class:
        if row.original_member != YES and (recent or coached):
            field = "members.coached_3y" if recent else "members.coached_last_year"
            out.at(
                "ELIG-COACHED-3Y",
                field,
                row.pos,
                value=YES,
                name=name,
                reason="為B類新增成員（前一年非本群聚成員）",
            )
    elif not coached and recent:
        out.at(
            "ELIG-COACHED-3Y",
            "members.coached_3y",
            row.pos,
            value=YES,
            name=name,
            reason="前一年未受數位群聚輔導（非A類可占20%之成員）",
        )
    if row.other_program == YES:
        out.at("ELIG-OTHER-PROGRAM", "members.other_program", row.pos, value=YES, name=name)
    for column in ("consent_collect", "consent_public"):
        value = getattr(row, column)
        if value != CONSENT:
            out.at(
                "ELIG-CONSENT",
                f"members.{column}",
                row.pos,
                value=value or "（空白）",
                who=f"{name}：",
            )


def _history(p: Proposal, out: Collector, b_class: bool) -> None:
    """A類's 20% of members coached last year; B類's prior cluster and replacement ratio."""
    params, totals = p.program.params, p.totals
    n = totals["members.count"]
    if not b_class:
        ratio, limit = totals["panel.coached.current"], params["coached_last_year_ratio_max"]
        if ratio > limit:
            out.at(
                "ELIG-COACHED-LAST-YEAR",
                "panel.coached.current",
                value=_pct(ratio),
                count=round(ratio * n),
                ratio=_pct(ratio),
                required=_pct(limit),
            )
        return
    if not p.fields.get("proposal.prior_cluster"):
        out.at("ELIG-B-PRIOR", "proposal.prior_cluster")
    prior = p.fields.get("proposal.prior_members") or 0
    limit = params["replacement_ratio_max"]
    members = p.rows.get("members")
    kept = 0
    if members is not None:
        originals = zip(named(members), members.column("original_member"), strict=True)
        kept = sum(m and v == YES for m, v in originals)
    ratio = totals["panel.replacement.current"]
    if prior <= 0:
        detail = (
            "請於「前一年本群聚成員家數」填寫前一年本群聚的成員家數，才能計算原群聚成員更換比例"
        )
        out.at("ELIG-REPLACEMENT", "proposal.prior_members", value=prior, detail=detail)
    elif ratio > limit:
        detail = (
            f"前一年本群聚成員 {prior} 家，本年度仍參加者 {kept} 家，更換 {prior - kept} 家，"
            f"更換比例 {_pct(ratio)} 超過 {_pct(limit)}"
        )
        out.at("ELIG-REPLACEMENT", "panel.replacement.current", value=_pct(ratio), detail=detail)
    if prior > 0 and kept > prior:
        out.at("ELIG-PRIOR-COUNT", "proposal.prior_members", value=prior, count=kept, prior=prior)


def _owners(members, out: Collector) -> None:
    """One finding on every row whose owner also owns another member (see derive)."""
    dup = [r for r in members.tuples("pos", "name", "owner_name", "dup_owner") if r.dup_owner]
    for row in dup:
        others = [o for o in dup if o.pos != row.pos and o.owner_name == row.owner_name]
        names = "、".join([row.name or UNNAMED, *(o.name or UNNAMED for o in others)])
        out.at("ELIG-DUP-OWNER", "members.owner_name", row.pos, value=row.owner_name, names=names)


def _unit(p: Proposal, out: Collector) -> None:
    """貳、四: who may propose, by route; the invoice; the unit's consent."""
    f = p.fields
    for fid in ("unit.consent_collect", "unit.consent_public"):
        if f.get(fid) != CONSENT:
            out.at("ELIG-CONSENT", fid, value=f.get(fid) or "（空白）", who="提案單位")
    if f.get("unit.invoice") != YES:
        out.at("ELIG-INVOICE", "unit.invoice", value=f.get("unit.invoice") or "（空白）")
    for fid, reason in route_problems(p):
        out.at("ELIG-ROUTE", fid, value=f.get(fid), reason=reason)


def route_problems(p: Proposal) -> list[tuple[str, str]]:
    """(field, reason) for every way the proposing unit fails its route (貳、四)."""
    params, f = p.program.params, p.fields
    route, ubn = f.get("proposal.route"), f.get("unit.ubn")
    out = []
    if f.get("unit.registration") not in params["unit_registrations"]:
        out.append(("unit.registration", "提案單位須為國內依法設立商業/公司登記之企業或法人"))
    if route not in (params["route_leader"], params["route_unit"]):
        out.append(("proposal.route", "請選擇提案方式（領導企業提案或輔導單位提案）"))
        return out
    if not ubn:
        out.append(("unit.ubn", "請填寫提案單位的統一編號，才能確認提案單位資格"))
        return out
    members = p.rows.get("members")
    hits = [r for r in members if r.get("ubn") == ubn] if members is not None else []
    if route == params["route_unit"]:
        if hits:
            out.append(
                (
                    "proposal.route",
                    f"輔導單位提案的提案單位（統一編號 {ubn}）不可為本群聚成員，卻列於群聚成員表序 {hits[0]['pos'] + 1}",
                )
            )
        return out
    if not hits:
        out.append(
            (
                "proposal.route",
                f"領導企業提案的提案單位須為本群聚成員，但統一編號 {ubn} 不在群聚成員表中",
            )
        )
    elif not any(r.get("role") == params["leader_role"] for r in hits):
        out.append(
            (
                "proposal.route",
                f"領導企業提案的提案單位須為本群聚的群聚領導企業，但統一編號 {ubn} 在群聚成員表序 {hits[0]['pos'] + 1} 不是群聚領導企業",
            )
        )
    if f.get("unit.it_consulting") != "無":
        out.append(
            (
                "unit.it_consulting",
                "領導企業提案的提案單位不得為資訊服務、管理顧問公司（本欄須為「無」）",
            )
        )
    sme = params["sme"]
    capital, employees = f.get("unit.capital"), f.get("unit.employees")
    size = (capital is not None and capital <= sme["capital_max"]) or (
        employees is not None and employees < sme["employees_below"]
    )
    if f.get("unit.registration") not in sme["registrations"] or not size:
        out.append(
            (
                "unit.capital",
                "領導企業提案的提案單位須符合中小企業認定標準（公司登記或商業登記，且實收資本額1億元以下或經常僱用員工數未滿200人）",
            )
        )
    return out
