"""The checker's own recomputation of every derived figure equals the hand-worked tables of
``tests/figures.py``: tax, totals, category shares, tiers, member flags, owners, KPI sums and
self-assessment scores; and the panel's counts."""

from __future__ import annotations

import pandas as pd
import pytest

from tests import figures
from tests.helpers import check_data, clean_data, rules
from tests.limits import uniform


def proposal(data):
    return check_data(data).proposal


@pytest.mark.parametrize(("subtotal", "tax", "total"), figures.TAX)
def test_tax_rounds_half_up_and_the_total_includes_it(subtotal, tax, total):
    t = proposal(figures.build(lambda d: figures.taxed(d, subtotal))).totals
    assert (t["budget.subtotal"], t["budget.tax"], t["budget.total"]) == (subtotal, tax, total)
    assert t["panel.budget.current"] == total
    assert t["budget.tax_share"] == pytest.approx(tax / total if total else 0)


def test_budget_lines_categories_and_shares():
    p = proposal(figures.build(figures.budget_lines))
    amounts = p.tables["budget"]["amount"].tolist()
    assert [None if pd.isna(a) else a for a in amounts] == [
        line[3] for line in figures.BUDGET_LINES
    ]
    t = p.totals
    assert (t["budget.subtotal"], t["budget.tax"], t["budget.total"]) == (
        figures.BUDGET_SUBTOTAL,
        figures.BUDGET_TAX,
        figures.BUDGET_TOTAL,
    )
    summary = p.tables["budget_summary"]
    assert summary["category"].tolist() == list(figures.CATEGORIES)
    assert summary["amount"].tolist() == figures.BUDGET_BY_CATEGORY
    assert summary["share"].tolist() == pytest.approx(figures.BUDGET_SHARES)
    assert t["budget.tax_share"] == pytest.approx(figures.TAX_SHARE)
    assert sum(figures.BUDGET_SHARES) + figures.TAX_SHARE == pytest.approx(1)


def test_tiers_of_the_towns():
    report = check_data(figures.build(figures.tiers, ("A類", len(figures.TIERS))))
    tiers = report.proposal.tables["members"]["tier"].tolist()
    assert [None if pd.isna(t) else t for t in tiers] == [t[2] for t in figures.TIERS]
    assert "TOWNSHIP-COUNTY" in rules(report)  # 吉安鄉 is not in 臺東縣
    # 分群3–4: 臺中市大安區, 花蓮縣光復鄉, 瑞穗鄉, 南投縣名間鄉, 臺東縣池上鄉 = 5 of 12
    assert report.proposal.totals["panel.tier.current"] == pytest.approx(5 / 12)


@pytest.mark.parametrize(
    ("town", "reason"),
    [
        ("池上鄉", "「池上鄉」位於臺東縣，不是花蓮縣的鄉鎮市區"),
        ("幸福鄉", "「幸福鄉」不是花蓮縣的鄉鎮市區（附件三查無此名稱）"),
    ],
)
def test_a_town_of_another_county_or_of_none_says_which(town, reason):
    """The third member (花蓮縣) is given a town of 臺東縣, then a town 附件三 does not list."""
    data = clean_data()
    data.tables["members"][2]["members.township"] = town
    found = [f for f in check_data(data).findings if f.rule == "TOWNSHIP-COUNTY"]
    assert [(f.cell, f.value) for f in found] == [("J8", town)]
    assert reason in found[0].message


def test_member_flags():
    p = proposal(figures.build(figures.flags, ("A類", len(figures.FLAGS))))
    m = p.tables["members"]
    got = [
        tuple(bool(v) for v in row)
        for row in zip(m["is_sme"], m["is_eligible"], m["is_small"], m["is_diverse"], strict=True)
    ]
    assert got == [row[5:] for row in figures.FLAGS]
    n = len(figures.FLAGS)
    t = p.totals
    assert t["panel.sme.current"] == pytest.approx(5 / n)
    assert t["panel.member_type.current"] == 3  # 250 employees; 其他; no size given
    assert t["panel.small.current"] == pytest.approx(3 / n)
    assert t["panel.diverse.current"] == pytest.approx(5 / n)


def test_the_same_owner_twice():
    report = check_data(figures.build(figures.owners, ("A類", len(figures.OWNERS))))
    assert report.proposal.tables["members"]["dup_owner"].tolist() == [o[2] for o in figures.OWNERS]
    assert report.proposal.totals["panel.dup_owner.current"] == 4
    flagged = [f.cell for f in report.findings if f.rule == "ELIG-DUP-OWNER"]
    assert len(flagged) == 4


def test_kpi_splits():
    report = check_data(figures.build(figures.kpi_splits))
    got = report.proposal.tables["kpis"]["split_ok"].tolist()[3:]
    assert got == [k[3] for k in figures.KPI_SPLITS]
    assert rules(report).count("KPI-SPLIT") == 3
    said = [f.message.split("」", 2)[-1] for f in report.findings if f.rule == "KPI-SPLIT"]
    assert said == [  # a blank 期中 or 期末 counts 0
        "期中 2 + 期末 1 = 3，與全程目標數 4 不符；請修正。",
        "期中 0 + 期末 0 = 0，與全程目標數 5 不符；請修正。",
        "期中 4 + 期末 0 = 4，與全程目標數 0 不符；請修正。",
    ]


def test_self_assessment_scores():
    p = proposal(figures.build(figures.assessments))
    sub = p.tables["cluster_subtotals"]
    assert sub["initial"].tolist() == figures.CLUSTER_SUBTOTALS["initial"]
    assert sub["target"].tolist() == figures.CLUSTER_SUBTOTALS["target"]
    assert sub["facet"].tolist() == [
        "組織凝聚力(O)",
        "環境擴散力(E)",
        "服務優化力(S)",
        "資訊加值力(I)",
    ]
    ca = p.tables["cluster_assessment"]
    assert ca["initial_score"].sum() == 4 and ca["target_score"].sum() == 7
    levels = p.tables["cluster_levels"]
    planned = dict(zip(levels["level"], levels["planned"], strict=True))
    assert {k: v for k, v in planned.items() if v} == figures.CLUSTER_PLANNED
    scores = p.tables["member_scores"]
    first_member = scores[scores["member_index"] == 0][["O", "E", "S", "I"]].iloc[0].tolist()
    assert first_member == figures.MEMBER_SCORES


@pytest.mark.parametrize(
    ("edit", "key", "count"),
    [
        # what changes on the uniform proposal of 10 members → the panel's count
        (lambda d: None, "leader", 1),
        (lambda d: d.tables["members"][3].update({"members.role": "群聚領導企業"}), "leader", 2),
        (lambda d: d.tables["members"][0].update({"members.role": "群聚成員企業"}), "leader", 0),
        (
            lambda d: d.tables["members"][2].update({"members.other_program": "有"}),
            "other_program",
            1,
        ),
        (lambda d: d.tables["members"][2].update({"members.coached_3y": "有"}), "coached_3y", 1),
        (lambda d: d.fields.update({"unit.consent_public": "不同意"}), "consent", 1),
        (
            lambda d: [
                d.tables["members"][i].update({"members.consent_collect": None}) for i in (1, 2)
            ],
            "consent",
            2,
        ),
        (lambda d: d.tables["members"][1].update({"members.consent_public": "否"}), "consent", 1),
        (lambda d: d.tables["members"][9].update({"members.name": None}), "members", 9),
        (lambda d: d.tables["members"][9].update({"members.name": " \u3000"}), "members", 9),
        (lambda d: d.tables["kpis"][3].update({"kpis.channel": "有"}), "channel", 1),
    ],
)
def test_panel_counts(edit, key, count):
    data = uniform()
    edit(data)
    assert proposal(data).totals[f"panel.{key}.current"] == count


@pytest.mark.parametrize(
    ("category", "original", "coached_last_year", "coached_3y", "count"),
    [
        # the sixth member's answers → 「三年內曾受輔導」 members that break the rule
        ("A類", None, "有", "有", 0),  # coached last year: one of A類's 20%
        ("A類", None, "無", "有", 1),
        ("B類", "有", "有", "有", 0),  # last year's member of this cluster
        ("B類", "無", "有", "有", 1),  # a new member, coached
        ("B類", "無", "有", "無", 1),
        ("B類", "無", "無", "有", 1),  # a new member, coached within three years
        ("B類", "無", "無", "無", 0),
    ],
)
def test_panel_count_of_members_coached_within_three_years(
    category, original, coached_last_year, coached_3y, count
):
    data = uniform(category, 15)
    data.tables["members"][5].update(
        {
            "members.original_member": original,
            "members.coached_last_year": coached_last_year,
            "members.coached_3y": coached_3y,
        }
    )
    assert proposal(data).totals["panel.coached_3y.current"] == count


@pytest.mark.parametrize("blank", ["budget.unit_price", "budget.quantity"])
def test_a_budget_line_without_a_price_or_a_quantity_costs_nothing(blank):
    """The first line (5,000 元 × 8) loses its price or its quantity: its
    amount is 0, not the other figure, and the subtotal is 548,000 less what it cost."""
    data = clean_data()
    line = data.tables["budget"][0]
    cost = line["budget.unit_price"] * line["budget.quantity"]
    line[blank] = None
    report = check_data(data)
    amounts = report.proposal.tables["budget"]["amount"]
    assert str(amounts.dtype) == "Int64"
    assert amounts.iloc[0] == 0
    assert report.proposal.totals["budget.subtotal"] == 548_000 - cost


def test_a_kpi_without_figures_has_no_split_verdict():
    """A custom KPI with a name but no 期中/期末/全程 figure: 0 + 0 = 0 would say its split is
    right; it has none to judge (and each blank figure is asked for)."""
    data = clean_data()
    for column in ("midterm", "final", "total"):
        data.tables["kpis"][4].pop(f"kpis.{column}")
    report = check_data(data)
    split = report.proposal.tables["kpis"]["split_ok"].tolist()
    assert split[:4] == [True] * 4 and pd.isna(split[4])
    assert rules(report).count("FIELD-REQUIRED") == 3


def test_derived_columns_keep_their_dtypes():
    tables = check_data(clean_data()).proposal.tables
    members, budget = tables["members"], tables["budget"]
    assert str(members["tier"].dtype) == "Int64"
    flags = ("is_sme", "is_eligible", "is_small", "is_diverse", "dup_owner")
    assert [str(members[c].dtype) for c in flags] == ["bool"] * len(flags)
    assert str(budget["amount"].dtype) == "Int64"
    scores = tables["cluster_assessment"][["initial_score", "target_score"]]
    assert [str(t) for t in scores.dtypes] == ["int64", "int64"]
    # the tables clusterbook computes: numbers as numbers, not objects
    summary = tables["budget_summary"]
    assert (str(summary["amount"].dtype), str(summary["share"].dtype)) == ("int64", "float64")
    assert str(tables["cluster_subtotals"]["initial"].dtype) == "int64"


@pytest.mark.parametrize(("kept", "ratio"), [(0, 1.0), (1, 0.0)])
def test_replacement_of_a_cluster_of_one_member_last_year(kept, ratio):
    """前一年本群聚成員 1 家: losing it is 100% replaced, keeping it 0%."""
    data = uniform("B類", 15)
    for i, m in enumerate(data.tables["members"]):
        m["members.original_member"] = "有" if i < kept else "無"
    data.fields["proposal.prior_members"] = 1
    assert proposal(data).totals["panel.replacement.current"] == ratio


@pytest.mark.parametrize("category", ["A類", "B類"])
def test_rows_without_a_company_name_count_in_no_panel_figure(category):
    """Two rows below the 15 members, filled in but without 企業名稱, are not members: every
    panel figure is what the 15 named members give, worked out by hand."""
    named = proposal(uniform(category, 15)).totals
    totals = proposal(figures.build(figures.unnamed_rows, (category, 15))).totals
    assert {k: v for k, v in totals.items() if "panel." in k} == {
        k: v for k, v in named.items() if "panel." in k
    }
    hand = figures.unnamed_panel(category)
    assert {k: totals[k] for k in hand} == hand
    flags = ("is_sme", "is_eligible", "is_small", "is_diverse")
    table = proposal(figures.build(figures.unnamed_rows, (category, 15))).tables["members"]
    assert table[list(flags)].iloc[15:].to_numpy().tolist() == [[False] * 4] * 2


def test_a_kpi_row_without_a_name_is_no_channel():
    """A custom KPI row with 通路 有 but no 指標名稱 is no KPI: the count stays at the one
    named KPI with a channel (the fourth row)."""
    data = uniform()
    row = {**data.tables["kpis"][3], "kpis.name": None}
    data.tables["kpis"].append(row)
    assert proposal(data).totals["panel.channel.current"] == 1
