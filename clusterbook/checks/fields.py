"""Field-level rules that need more than the cell itself: checksums, places, duplicates, text."""

from __future__ import annotations

import datetime as dt

from clusterbook.findings import UNNAMED, Collector
from clusterbook.importers.clean import shown
from clusterbook.proposal import Proposal
from clusterbook.ubn import is_valid_ubn

RULES = (
    "UBN-CHECKSUM",
    "TOWNSHIP-COUNTY",
    "MEMBER-DUPLICATE",
    "MEMBER-REVENUE-SPLIT",
    "TEXT-LENGTH",
    "DATE-DEADLINE",
)


def check(p: Proposal, out: Collector) -> None:
    unit = p.fields.get("unit.ubn")
    if unit and not is_valid_ubn(unit):
        out.at("UBN-CHECKSUM", "unit.ubn", value=unit)
    members = p.rows.get("members")
    if members is not None and len(members):
        _members(p, members, out)
    _text_lengths(p, out)
    _deadline(p, out)


def _members(p: Proposal, members, out: Collector) -> None:
    where_is: dict[str, list[str]] = {}
    for t in p.program.townships:
        where_is.setdefault(t.township, []).append(t.county)
    known = {(t.county, t.township) for t in p.program.townships}
    first_row: dict[str, tuple[int, str]] = {}
    ubn_ref = p.refs.get("members.ubn")
    for row in members.tuples("pos", "revenue_physical", "revenue_online", "name"):
        physical, online = row.revenue_physical, row.revenue_online
        if physical is None or online is None or abs(physical + online - 1) < 1e-6:
            continue
        out.at(
            "MEMBER-REVENUE-SPLIT",
            "members.revenue_online",
            row.pos,
            value=_percent(online),
            name=row.name or UNNAMED,
            physical=_percent(physical),
            online=_percent(online),
            sum=_percent(physical + online),
        )
    for row in members.tuples("pos", "ubn", "name", "county", "township"):
        i = row.pos
        if row.ubn:
            if not is_valid_ubn(row.ubn):
                out.at("UBN-CHECKSUM", "members.ubn", i, value=row.ubn)
            if row.ubn in first_row and ubn_ref is not None:
                other, name = first_row[row.ubn]
                out.at(
                    "MEMBER-DUPLICATE",
                    "members.ubn",
                    i,
                    value=row.ubn,
                    other_row=ubn_ref.first_row + other,
                    name=name,
                )
            else:
                first_row[row.ubn] = (i, row.name or UNNAMED)
        county, town = row.county, row.township
        if county and town and (county, town) not in known:
            counties = where_is.get(town)
            if counties:
                reason = f"「{town}」位於{'、'.join(counties)}，不是{county}的鄉鎮市區"
            else:
                reason = f"「{town}」不是{county}的鄉鎮市區（附件三查無此名稱）"
            out.at("TOWNSHIP-COUNTY", "members.township", i, value=town, reason=reason)


def _text_lengths(p: Proposal, out: Collector) -> None:
    for fid, f in p.program.fields.items():
        value = p.fields.get(fid)
        if not f.guide or not value:
            continue
        count = len(str(value))
        g = f.guide
        low, high = g.get("min", 0), g["max"]
        if low <= count <= high:
            continue
        guidance = (
            f"建議約 {g['about']} 字（{low}–{high} 字）" if "about" in g else f"建議 {high} 字以內"
        )
        out.at("TEXT-LENGTH", fid, count=count, guidance=guidance)


def _deadline(p: Proposal, out: Collector) -> None:
    date, category = p.fields.get("proposal.date"), p.fields.get("proposal.category")
    deadline = p.program.params["deadlines"].get(category)
    if date is None or deadline is None:
        return
    limit = dt.datetime.fromisoformat(str(deadline)).date()
    if date > limit:
        out.at(
            "DATE-DEADLINE",
            "proposal.date",
            value=shown(date),
            category=category,
            deadline=shown(limit),
        )


def _percent(x: float) -> str:
    return f"{x:.1%}".replace(".0%", "%")
