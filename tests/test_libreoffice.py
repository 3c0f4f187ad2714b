"""A real spreadsheet engine computes the template: LibreOffice recalculates filled copies.

The expected values are worked out here in plain Python from what was typed, independently of
the workbook's formulas and of clusterbook's checker.
"""

from __future__ import annotations

import openpyxl
import pytest

from clusterbook.samples import random_proposal, sample_proposals
from clusterbook.workbook.fill import filled_bytes
from tests.conftest import libreoffice_recalc

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, program):
    src = tmp_path_factory.mktemp("filled")
    cases = [*sample_proposals(), ("random-31", random_proposal(31, members=40))]
    paths = []
    for key, data in cases:
        path = src / f"{key}.xlsx"
        path.write_bytes(filled_bytes(data))
        paths.append(path)
    out = libreoffice_recalc(paths, src / "out")
    books = {
        key: openpyxl.load_workbook(p, data_only=True)
        for (key, _), p in zip(cases, out, strict=True)
    }
    return [(key, data, books[key]) for key, data in cases]


def _value(wb, layout, fid, index=None):
    ref = layout.fields[fid]
    r, c = (ref.first_row, ref.first_col) if index is None else ref.cell_at(index)
    return wb[ref.sheet].cell(r, c).value


def _num(v):
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _expected(program, data):
    """What every computed cell should show, from the typed data alone."""
    p = program.params
    tiers = {(t.county, t.township): t.tier for t in program.townships}
    members = data.tables["members"]
    n = len(members)
    out = {"tier": [], "sme": [], "small": [], "diverse": []}
    for m in members:
        out["tier"].append(tiers.get((m["members.county"], m["members.township"]), "查無"))
        cap, emp = _num(m.get("members.capital")), _num(m.get("members.employees"))
        size = (cap is not None and cap <= 100_000_000) or (emp is not None and emp < 200)
        sme = size and m.get("members.registration") in ("公司登記", "商業登記")
        out["sme"].append("是" if sme else "否")
        out["small"].append("是" if sme and emp is not None and emp < 5 else "否")
        identities = set((m.get("members.owner_identity") or "").split("、"))
        diverse = m["members.owner_gender"] == "女" or bool(identities & {"原住民", "新住民"})
        out["diverse"].append("是" if diverse else "否")
    lines = data.tables["budget"]
    amounts = [line["budget.unit_price"] * line["budget.quantity"] for line in lines]
    subtotal = sum(amounts)
    tax = int(subtotal * 0.05 + 0.5)
    total = subtotal + tax
    by_cat = [
        sum(a for a, line in zip(amounts, lines, strict=True) if line["budget.category"] == cat)
        for cat in program.lists["budget_categories"].values
    ]
    category = data.fields["proposal.category"]
    kpis = data.tables["kpis"]
    yes = ("有", "是", "Y")  # the sheet reads 是 and Y as 有, as the checker does
    coached = sum(m["members.coached_last_year"] in yes for m in members) / n
    route_ok = (data.fields["unit.ubn"] in {m["members.ubn"] for m in members}) == (
        data.fields["proposal.route"] == "領導企業提案"
    )  # the samples' units are SMEs, registered, and (leader route) the leader
    panel = {
        "members": (n, n >= p["members_min"][category]),
        "leader": (sum(m["members.role"] == "群聚領導企業" for m in members), None),
        "sme": (out["sme"].count("是") / n, out["sme"].count("是") / n >= 0.5),
        "coached": (coached, None if category == "B類" else coached <= 0.2),
        "budget": (total, total <= 1_000_000),
        "meetings": (kpis[0]["kpis.total"], kpis[0]["kpis.total"] >= 4),
        "workshops": (kpis[1]["kpis.total"], kpis[1]["kpis.total"] >= 3),
        "visits": (kpis[2]["kpis.total"], kpis[2]["kpis.total"] >= 1),
        "tier": ((out["tier"].count(3) + out["tier"].count(4)) / n, None),
        "small": (out["small"].count("是") / n, None),
        "diverse": (out["diverse"].count("是") / n, None),
        "route": (None, route_ok),
    }
    panel["leader"] = (panel["leader"][0], panel["leader"][0] == 1)
    for key in ("tier", "small", "diverse"):
        panel[key] = (panel[key][0], panel[key][0] > 0.5)
    return out, amounts, subtotal, tax, total, by_cat, panel


def test_member_rows_tier_sme_small_diverse(recalculated, program, layout):
    for key, data, wb in recalculated:
        exp = _expected(program, data)[0]
        n = len(data.tables["members"])
        got = {
            name: [_value(wb, layout, f"members.{fid}", i) for i in range(n)]
            for name, fid in (
                ("tier", "tier"),
                ("sme", "is_sme"),
                ("small", "is_small"),
                ("diverse", "is_diverse"),
            )
        }
        assert got == exp, key
        # an empty row computes to blanks
        assert _value(wb, layout, "members.tier", n) is None
        assert _value(wb, layout, "members.is_sme", n) is None


def test_budget_lines_categories_tax_total(recalculated, program, layout):
    for key, data, wb in recalculated:
        _, amounts, subtotal, tax, total, by_cat, _ = _expected(program, data)
        got = [_value(wb, layout, "budget.amount", i) for i in range(len(amounts))]
        assert got == amounts, key
        assert _value(wb, layout, "budget.subtotal") == subtotal
        assert _value(wb, layout, "budget.tax") == tax
        assert _value(wb, layout, "budget.total") == total
        assert _value(wb, layout, "summary.budget") == total
        assert [_value(wb, layout, "budget_summary.amount", i) for i in range(6)] == by_cat
        shares = [_value(wb, layout, "budget_summary.share", i) for i in range(6)]
        assert shares == pytest.approx([c / total for c in by_cat])
        # with 營業稅's own share, the shares add up to 100%
        assert sum(shares) + _value(wb, layout, "budget.tax_share") == pytest.approx(1)


def test_eligibility_panel(recalculated, program, layout):
    for key, data, wb in recalculated:
        panel = _expected(program, data)[-1]
        for row, (current, ok) in panel.items():
            mark = _value(wb, layout, f"panel.{row}.ok")
            if current is not None:
                assert _value(wb, layout, f"panel.{row}.current") == pytest.approx(current), (
                    key,
                    row,
                )
            if row in ("tier", "small", "diverse"):
                assert mark == ("加分" if ok else "—"), (key, row)
            elif ok is None:
                assert mark == "—", (key, row)  # not a rule of this class
            else:
                assert mark == ("✔" if ok else "✘"), (key, row, mark)


def test_the_broken_sample_shows_crosses(recalculated, layout):
    _data, wb = next((d, w) for k, d, w in recalculated if k == "penghu-sea")
    marks = {
        r: _value(wb, layout, f"panel.{r}.ok") for r in ("members", "budget", "meetings", "sme")
    }
    assert marks == {"members": "✘", "budget": "✘", "meetings": "✘", "sme": "✔"}
    # 是 and Y typed into 前一年曾受輔導 count as 有, in the sheet as in the checker
    assert _value(wb, layout, "panel.coached.current") == pytest.approx(3 / 9)
    assert _value(wb, layout, "panel.coached.ok") == "✘"
    assert _value(wb, layout, "members.tier", 2) == "查無"  # 西嶼鄉 is not in 臺東縣
    assert _value(wb, layout, "kpis.split_ok", 0) == "✘"


def test_kpi_split_levels_subtotals_and_counts(recalculated, program, layout):
    for _key, data, wb in recalculated:
        kpis = data.tables["kpis"]
        for i, k in enumerate(kpis):
            mid = k.get("kpis.midterm") or 0
            fin = k.get("kpis.final") or 0
            assert _value(wb, layout, "kpis.split_ok", i) == (
                "✔" if mid + fin == k["kpis.total"] else "✘"
            )
        recommended = program.params["recommended_levels"][data.fields["proposal.category"]][
            data.fields["proposal.cluster_type"]
        ]
        levels = [
            _value(wb, layout, "cluster_levels.recommended", i) for i in range(len(program.levels))
        ]
        assert [
            lv for lv, mark in zip(program.levels, levels, strict=True) if mark == "建議"
        ] == recommended
        ca = data.tables["cluster_assessment"]
        for i, (letter, _) in enumerate(program.params["facets"].items()):
            items = [
                r
                for r, it in zip(ca, program.checklists["cluster"], strict=True)
                if it["facet"] == letter
            ]
            assert _value(wb, layout, "cluster_subtotals.target", i) == sum(
                r["cluster_assessment.target"] == "有" for r in items
            )
        theme = data.fields["summary.theme"]
        ref = layout.fields["summary.theme"]
        count = wb[ref.sheet].cell(ref.first_row, ref.first_col + 2).value
        assert count.startswith(f"目前 {len(theme)} 字")


def test_member_assessment_headers_and_subtotals(recalculated, program, layout):
    _key, data, wb = recalculated[0]
    ref = layout.fields["member_assessment.value"]
    ws = wb[ref.sheet]
    members = data.tables["members"]
    stride = program.matrices["member_assessment"].stride
    heads = [
        ws.cell(ref.first_row - 2, ref.first_col + stride * j).value
        for j in range(len(members) + 1)
    ]
    assert heads == [m["members.name"] for m in members] + [f"成員{len(members) + 1}"]
    items = program.checklists["member"]
    column = data.matrix["member_assessment"][0]
    for k, letter in enumerate("OESI"):
        expected = sum(
            v == "有" for v, it in zip(column, items, strict=True) if it["facet"] == letter
        )
        assert ws.cell(ref.last_row + 1 + k, ref.first_col).value == expected
