"""Every rule of the catalog fires on the slip it is about, at the right cell, and stays quiet
on a clean proposal."""

from __future__ import annotations

import pytest

from clusterbook.checks import eligibility, fields, formulas, plan
from clusterbook.history import records as history_records
from clusterbook.history import rules as history_rules
from clusterbook.review import read as review_read
from clusterbook.workbook import a1
from tests.helpers import at, cell, check_data, clean_data, plain_data, rules, without_table
from tests.limits import uniform

LAYOUT_FREE = {
    "FILE-UNREADABLE",
    "SHEET-UNREADABLE",
    "TEMPLATE-UNKNOWN",
    "TEMPLATE-VERSION",
    "FILE-ACTIVE-CONTENT",
}
READ_RULES = {
    "FIELD-FORMULA",
    "FIELD-REQUIRED",
    "FIELD-TYPE",
    "FIELD-ENUM",
    "FIELD-RANGE",
    "FIELD-NORMALIZED",
    "FIELD-CHOICES",
    "DATE-FUTURE",
    "BUDGET-NEGATIVE",
    "TABLE-CAPACITY",
    "TABLE-EMPTY",
    "TABLE-MERGED",
    "TOWNSHIP-COUNTY",
}
REGISTER_RULES = {"REG-DUP-OWNER", "REG-DUP-COMPANY"}


def test_every_catalog_rule_is_implemented(program):
    implemented = set().union(
        fields.RULES,
        formulas.RULES,
        eligibility.RULES,
        plan.RULES,
        history_rules.RULES,
        history_records.RULES,
        review_read.RULES,
    )
    assert set(program.rules) == implemented | LAYOUT_FREE | READ_RULES | REGISTER_RULES


@pytest.mark.parametrize("key", ["hualien-valley", "tainan-alley", "changhua-tea"])
def test_clean_samples_have_no_errors_or_warnings(key):
    report = check_data(clean_data(key))
    assert rules(report, "error") == [] and rules(report, "warning") == []
    assert report.exit_code == 0


def test_a_plain_clean_proposal_has_no_findings_at_all():
    assert check_data(plain_data()).findings == []


def members(data):
    return data.tables["members"]


def mutate(data, table, index, **values):
    data.tables[table][index].update({f"{table}.{k}": v for k, v in values.items()})
    return data


CASES = [
    # (rule, mutation, expected location as (field id, table row or None))
    ("FIELD-REQUIRED", lambda d: d.fields.pop("unit.name"), ("unit.name", None)),
    (
        "FIELD-REQUIRED",
        lambda d: mutate(d, "members", 3, owner_name=None),
        ("members.owner_name", 3),
    ),
    ("FIELD-TYPE", lambda d: mutate(d, "members", 1, employees="五人"), ("members.employees", 1)),
    (
        "FIELD-TYPE",
        lambda d: d.fields.update({"contact.email": "pi.example.com"}),
        ("contact.email", None),
    ),
    ("FIELD-ENUM", lambda d: mutate(d, "members", 2, industry="觀光"), ("members.industry", 2)),
    (
        "FIELD-ENUM",
        lambda d: d.fields.update({"proposal.category": "C類"}),
        ("proposal.category", None),
    ),
    (
        "FIELD-RANGE",
        lambda d: mutate(d, "members", 4, approved_on="115/01/01"),
        ("members.approved_on", 4),
    ),
    (
        "FIELD-RANGE",
        lambda d: mutate(d, "members", 4, revenue_physical=150),
        ("members.revenue_physical", 4),
    ),
    ("FIELD-RANGE", lambda d: mutate(d, "members", 0, employees=-3), ("members.employees", 0)),
    (
        "FIELD-NORMALIZED",
        lambda d: mutate(d, "members", 0, county="台東縣", township="池上鄉"),
        ("members.county", 0),
    ),
    (
        "FIELD-NORMALIZED",
        lambda d: mutate(
            d,
            "members",
            5,
            ubn=f" {members(d)[5]['members.ubn'][:4]}-{members(d)[5]['members.ubn'][4:]}",
        ),
        ("members.ubn", 5),
    ),
    (
        "TEXT-LENGTH",
        lambda d: d.fields.update({"summary.theme": "串聯" * 40}),
        ("summary.theme", None),
    ),
    (
        "TEXT-LENGTH",
        lambda d: d.fields.update({"narrative.motivation": "太短"}),
        ("narrative.motivation", None),
    ),
    ("UBN-CHECKSUM", lambda d: mutate(d, "members", 6, ubn="22099132"), ("members.ubn", 6)),
    ("UBN-CHECKSUM", lambda d: d.fields.update({"unit.ubn": "12345678"}), ("unit.ubn", None)),
    (
        "TOWNSHIP-COUNTY",
        lambda d: mutate(d, "members", 1, county="臺東縣", township="吉安鄉"),
        ("members.township", 1),
    ),
    ("TOWNSHIP-COUNTY", lambda d: mutate(d, "members", 1, county="花蓮市"), ("members.county", 1)),
    (
        "MEMBER-DUPLICATE",
        lambda d: mutate(d, "members", 7, ubn=members(d)[2]["members.ubn"]),
        ("members.ubn", 7),
    ),
    (
        "ELIG-MEMBERS-MIN",
        lambda d: d.tables["members"].__delitem__(slice(9, None)),
        ("members.name", 9),
    ),
    ("ELIG-LEADER", lambda d: mutate(d, "members", 4, role="群聚領導企業"), ("members.role", 4)),
    ("ELIG-LEADER", lambda d: mutate(d, "members", 0, role="群聚成員企業"), ("members.role", 0)),
    (
        "ELIG-SME-RATIO",
        lambda d: [
            m.update({"members.capital": 200_000_000, "members.employees": 250})
            for m in members(d)[:7]
        ],
        ("panel.sme.current", None),
    ),
    (
        "ELIG-COACHED-LAST-YEAR",
        lambda d: mutate(d, "members", 5, coached_last_year="有", coached_3y="有"),
        ("panel.coached.current", None),
    ),
    (
        "ELIG-COACHED-3Y",
        lambda d: mutate(d, "members", 8, coached_3y="有"),
        ("members.coached_3y", 8),
    ),
    (
        "ELIG-OTHER-PROGRAM",
        lambda d: mutate(d, "members", 9, other_program="有"),
        ("members.other_program", 9),
    ),
    (
        "ELIG-DUP-OWNER",
        lambda d: mutate(
            d,
            "members",
            10,
            owner_name=members(d)[3]["members.owner_name"],
            owner_mobile=members(d)[3]["members.owner_mobile"],
        ),
        ("members.owner_name", 10),
    ),
    ("ELIG-ROUTE", lambda d: d.fields.update({"unit.ubn": "22099131"}), ("proposal.route", None)),
    (
        "ELIG-ROUTE",
        lambda d: d.fields.update({"unit.it_consulting": "有"}),
        ("unit.it_consulting", None),
    ),
    ("BUDGET-CAP", lambda d: mutate(d, "budget", 0, unit_price=100_000), ("budget.total", None)),
    ("BUDGET-NEGATIVE", lambda d: mutate(d, "budget", 2, quantity=-9), ("budget.quantity", 2)),
    (
        "WORK-MEETINGS",
        lambda d: mutate(d, "kpis", 0, midterm=1, final=2, total=3),
        ("kpis.total", 0),
    ),
    (
        "WORK-WORKSHOPS",
        lambda d: mutate(d, "kpis", 1, midterm=1, final=1, total=2),
        ("kpis.total", 1),
    ),
    (
        "WORK-DIGITAL-WORKSHOP",
        lambda d: d.fields.update({"work.digital_workshops": 0}),
        ("work.digital_workshops", None),
    ),
    ("WORK-VISITS", lambda d: mutate(d, "kpis", 2, midterm=0, final=0, total=0), ("kpis.total", 2)),
    ("KPI-SPLIT", lambda d: mutate(d, "kpis", 4, total=999), ("kpis.total", 4)),
    ("KPI-FACET", lambda d: mutate(d, "kpis", 3, facet="其他"), ("kpis.facet", 3)),
    (
        "LEVELS-RECOMMENDED",
        lambda d: [
            r.update({"cluster_assessment.target": "無"})
            for r in d.tables["cluster_assessment"][16:25]
        ],
        ("cluster_levels.ok", 3),
    ),
    (
        "DATE-DEADLINE",
        lambda d: d.fields.update({"proposal.date": "112/03/08"}),
        ("proposal.date", None),
    ),
    ("TABLE-EMPTY", lambda d: d.tables.update({"tools": []}), ("tools.category", 0)),
]


@pytest.mark.parametrize(
    ("rule", "mutation", "where"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fires_at_the_cell(layout, rule, mutation, where):
    data = clean_data()
    mutation(data)
    report = check_data(data)
    expected = cell(layout, *where)
    assert expected in at(report, rule), [(f.rule, f.sheet, f.cell) for f in report.findings]
    finding = next(f for f in report.findings if f.rule == rule and (f.sheet, f.cell) == expected)
    assert f"「{expected[0]}」工作表 {expected[1]}" in finding.message
    assert finding.severity == report.proposal.program.rules[rule].severity


def test_bonus_rules_fire_when_most_members_qualify(layout):
    report = check_data(clean_data("hualien-valley"))
    for key, rule in (
        ("diverse", "BONUS-DIVERSE"),
        ("tier", "BONUS-TIER"),
        ("small", "BONUS-SMALL"),
    ):
        assert at(report, rule) == [cell(layout, f"panel.{key}.current")]
        assert next(f for f in report.findings if f.rule == rule).severity == "info"


def test_formula_overwritten_by_a_value_or_another_formula(layout):
    data = clean_data()
    total = layout.fields["budget.total"]
    tier = layout.fields["members.tier"]
    edits = {
        (total.sheet, total.first_row, total.first_col): (990_000, None),
        (tier.sheet, tier.first_row + 2, tier.first_col): (None, "=4"),
    }
    report = check_data(data, edits=edits)
    found = {(f.sheet, f.cell): f for f in report.findings if f.rule == "FORMULA-TAMPERED"}
    assert set(found) == {cell(layout, "budget.total"), cell(layout, "members.tier", 2)}
    assert report.proposal.totals["budget.total"] != 990_000, (
        "the workbook's own numbers are never used"
    )
    assert (
        f"{report.proposal.totals['budget.total']:,}" in found[cell(layout, "budget.total")].message
    )


def test_overwritten_tax_is_also_a_tax_warning(layout):
    tax = layout.fields["budget.tax"]
    report = check_data(
        clean_data(), edits={(tax.sheet, tax.first_row, tax.first_col): (1234, None)}
    )
    assert at(report, "BUDGET-TAX") == [cell(layout, "budget.tax")]
    assert "FORMULA-TAMPERED" in rules(report)


def test_a_formula_typed_into_an_input_cell_is_reported_and_its_result_used(layout):
    ref = layout.fields["members.employees"]
    edits = {(ref.sheet, ref.first_row + 1, ref.first_col): (3, "=1+2")}
    report = check_data(clean_data(), edits=edits)
    assert at(report, "FIELD-FORMULA") == [cell(layout, "members.employees", 1)]
    assert report.proposal.tables["members"].loc[1, "employees"] == 3
    single = layout.fields["unit.employees"]
    report = check_data(
        clean_data(), edits={(single.sheet, single.first_row, single.first_col): (None, "=A1")}
    )
    assert at(report, "FIELD-FORMULA") == [cell(layout, "unit.employees")]
    assert "FIELD-REQUIRED" not in rules(report)


def test_data_below_a_table_is_reported(layout):
    ref = layout.fields["members.name"]
    report = check_data(
        clean_data(), edits={(ref.sheet, ref.last_row + 1, ref.first_col): ("第51家", None)}
    )
    assert at(report, "TABLE-CAPACITY") == [(ref.sheet, a1.cell(ref.last_row + 1, ref.first_col))]


def test_merged_cells_inside_a_table(layout):
    from clusterbook.importers import check_rawbook
    from tests.helpers import rawbook

    raw = rawbook(clean_data())
    ref = layout.fields["members.products"]
    raw.sheets[ref.sheet].merged.append(
        (ref.first_row, ref.first_col, ref.first_row + 1, ref.first_col)
    )
    report = check_rawbook(raw)
    assert at(report, "TABLE-MERGED") == [(ref.sheet, a1.cell(ref.first_row, ref.first_col))]


def test_every_finding_is_collected_not_just_the_first():
    data = clean_data()
    for mutation in (CASES[2][1], CASES[13][1], CASES[28][1], CASES[34][1]):
        mutation(data)
    assert {"FIELD-TYPE", "UBN-CHECKSUM", "BUDGET-CAP", "KPI-SPLIT"} <= set(
        rules(check_data(data), "error")
    )


def test_b_class_replacement_ratio(layout):
    data = clean_data("changhua-tea")
    kept = sum(m["members.original_member"] == "有" for m in members(data))
    data.fields["proposal.prior_members"] = 2 * kept + 1  # one more than half were replaced
    report = check_data(data)
    finding = next(f for f in report.findings if f.rule == "ELIG-REPLACEMENT")
    assert (
        "更換比例" in finding.message and f"前一年本群聚成員 {2 * kept + 1} 家" in finding.message
    )
    assert (finding.sheet, finding.cell) == cell(layout, "panel.replacement.current")


def test_b_class_new_members_must_not_have_been_coached_in_three_years(layout):
    data = clean_data("changhua-tea")
    mutate(data, "members", 15, coached_3y="有")
    assert at(check_data(data), "ELIG-COACHED-3Y") == [cell(layout, "members.coached_3y", 15)]


def test_two_owners_with_the_same_name_but_different_phones_are_two_people():
    data = clean_data()
    mutate(data, "members", 10, owner_name=members(data)[3]["members.owner_name"])
    assert "ELIG-DUP-OWNER" not in rules(check_data(data))


def test_what_people_type_is_normalised_and_recorded():
    data = clean_data()
    mutate(data, "members", 0, employees="３", capital="50萬", county="花蓮縣", township="瑞穗 鄉")
    mutate(data, "members", 1, ubn=int(members(data)[1]["members.ubn"]), coached_last_year="V")
    mutate(data, "budget", 0, unit_price="5,000元")
    data.fields["proposal.date"] = "民國112年3月1日"
    report = check_data(data)
    m = report.proposal.tables["members"]
    assert (m.loc[0, "employees"], m.loc[0, "capital"], m.loc[0, "township"]) == (
        3,
        500_000,
        "瑞穗鄉",
    )
    assert m.loc[1, "coached_last_year"] == "有"
    assert report.proposal.tables["budget"].loc[0, "unit_price"] == 5000
    notes = [f for f in report.findings if f.rule == "FIELD-NORMALIZED"]
    assert len(notes) >= 6 and all(f.severity == "info" for f in notes)
    assert any("50萬" in f.message and "500000" in f.message for f in notes)
    assert rules(report, "error") == []


def test_seed_misspellings_are_accepted():
    data = clean_data()
    mutate(data, "members", 2, county="高雄市", township="烏松區")
    report = check_data(data)
    assert report.proposal.tables["members"].loc[2, "township"] == "鳥松區"
    assert report.proposal.tables["members"].loc[2, "tier"] == 1
    assert "TOWNSHIP-COUNTY" not in rules(report)


def test_every_rule_is_made_to_fire_by_some_test(program):
    """A rule no test triggers is a rule nobody has seen work."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    own = Path(__file__).read_text(encoding="utf-8")
    own = (
        own[: own.index("LAYOUT_FREE =")]
        + own[own.index("def test_every_catalog_rule_is_implemented(") :]
    )  # minus the id lists
    texts = "\n".join(
        p.read_text(encoding="utf-8") for p in here.glob("*.py") if p.name != "test_rules.py"
    )
    texts += own
    untested = [r for r in program.rules if f'"{r}"' not in texts and f"'{r}'" not in texts]
    assert untested == []


# What a finding says, by hand from rules.yaml, on the uniform proposal of tests/limits.py
# (members 田中茶具行 (row 1, 統一編號 41909982), 二水鳳梨園 (2), 名間物流行 (3), 田中米粉工坊 (5)).
SAID = [
    # (rule, mutation, (field, row) of the finding, its value, what it says)
    (
        "KPI-SPLIT",
        lambda d: mutate(d, "kpis", 0, midterm=1, final=2, total=4),
        ("kpis.total", 0),
        4,
        "期中 1 + 期末 2 = 3，與全程目標數 4 不符",
    ),
    (
        "MEMBER-REVENUE-SPLIT",
        lambda d: mutate(d, "members", 2, revenue_physical=0.7, revenue_online=0.2),
        ("members.revenue_online", 2),
        "20%",
        "二水鳳梨園 實體營收 70% + 網路營收 20% = 90%，應為 100%",
    ),
    (
        "MEMBER-REVENUE-SPLIT",
        lambda d: mutate(d, "members", 2, revenue_physical=0.655, revenue_online=0.3),
        ("members.revenue_online", 2),
        "30%",
        "實體營收 65.5% + 網路營收 30% = 95.5%",
    ),
    (
        "UBN-CHECKSUM",
        lambda d: mutate(d, "members", 2, ubn="12345678"),  # weighted digit sum 42 (or 32, 33)
        ("members.ubn", 2),
        "12345678",
        "統一編號 12345678 的檢查碼不正確",
    ),
    (
        "TOWNSHIP-COUNTY",
        lambda d: mutate(d, "members", 3, county="臺東縣", township="吉安鄉"),
        ("members.township", 3),
        "吉安鄉",
        "「吉安鄉」位於花蓮縣，不是臺東縣的鄉鎮市區",
    ),
]


@pytest.mark.parametrize(("rule", "mutation", "where", "value", "says"), SAID)
def test_what_the_finding_says(layout, rule, mutation, where, value, says):
    data = uniform()
    mutation(data)
    found = [f for f in check_data(data).findings if f.rule == rule]
    assert [(f.sheet, f.cell, f.value) for f in found] == [(*cell(layout, *where), value)]
    assert says in found[0].message, found[0].message


def test_a_duplicate_company_names_the_first_row(layout):
    data = uniform()
    mutate(data, "members", 5, ubn="41909982")  # 田中茶具行's
    found = [f for f in check_data(data).findings if f.rule == "MEMBER-DUPLICATE"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [
        (*cell(layout, "members.ubn", 5), "41909982")
    ]
    row = layout.fields["members.ubn"].first_row + 1  # the sheet row of the second member
    assert f"統一編號 41909982 與第 {row} 列重複（田中茶具行）" in found[0].message


# --- a field map that lists none of a table's columns (the proposal has no such table) --------

NO_TABLE = [
    # table, the findings that the clean sample gains (by hand: its figures count as 0)
    ("consultants", set()),
    ("members", {"ELIG-LEADER", "ELIG-MEMBERS-MIN", "ELIG-ROUTE", "ELIG-SME-RATIO"}),
    ("usage", set()),
    ("cluster_assessment", {"LEVELS-RECOMMENDED"}),  # no level planned
    ("gaps", set()),
    # no work item has a target: 0 meetings, visits, workshops and digital workshops
    ("kpis", {"WORK-MEETINGS", "WORK-VISITS", "WORK-WORKSHOPS", "WORK-DIGITAL-WORKSHOP"}),
    ("tools", set()),
    ("partners", set()),
    ("staff", set()),
    ("budget", set()),
    ("member_assessment", set()),
]


@pytest.mark.parametrize(("table", "gained"), NO_TABLE, ids=[t for t, _ in NO_TABLE])
def test_a_proposal_without_a_table_is_checked_as_if_it_were_empty_of_figures(
    monkeypatch, table, gained
):
    clean = set(rules(check_data(clean_data())))
    without_table(monkeypatch, table)
    report = check_data(clean_data())
    assert set(rules(report)) - clean == gained
    found = {f.rule: f.value for f in report.findings}
    if table == "budget":  # nothing spent: no share of anything
        totals = report.proposal.totals
        assert (totals["budget.total"], totals["budget.tax_share"]) == (0, 0.0)
        assert set(report.proposal.rows["budget_summary"].column("share")) == {0.0}
    if table == "cluster_assessment":  # no level planned
        assert set(report.proposal.rows["cluster_levels"].column("planned")) == {0}
    if table == "kpis":  # every work item's target counts as 0, and no KPI is a channel
        assert report.proposal.totals["panel.channel.current"] == 0
        assert [found[f"WORK-{w}"] for w in ("MEETINGS", "WORKSHOPS", "VISITS")] == [0, 0, 0]
    if table == "members":
        assert report.proposal.totals["members.count"] == 0


def test_every_table_read_from_a_workbook_is_tried_missing(monkeypatch):
    import clusterbook.importers.extract as extract

    read, seen = extract.extract, []

    def spy(*args, **kwargs):
        proposal = read(*args, **kwargs)
        seen.append(set(proposal.rows))
        return proposal

    monkeypatch.setattr(extract, "extract", spy)
    check_data(clean_data())
    assert seen == [{t for t, _ in NO_TABLE}]


def test_members_without_a_ubn_are_not_duplicates_of_each_other(layout):
    """Two members leave 統一編號 blank: each is asked for it, neither is the other's duplicate."""
    data = clean_data()
    for i in (1, 2):
        data.tables["members"][i]["members.ubn"] = None
    report = check_data(data)
    assert at(report, "FIELD-REQUIRED") == [cell(layout, "members.ubn", i) for i in (1, 2)]
    assert not {"MEMBER-DUPLICATE", "UBN-CHECKSUM"} & set(rules(report))


def test_a_kpi_without_a_name_is_called_unnamed(layout):
    """The first custom KPI loses its name and its 單位, and its figures no longer add up."""
    data = clean_data()
    kpi = data.tables["kpis"][4]
    del kpi["kpis.name"], kpi["kpis.unit"]
    kpi["kpis.total"] = kpi["kpis.midterm"] + kpi["kpis.final"] + 1
    report = check_data(data)
    assert at(report, "FIELD-REQUIRED") == [cell(layout, "kpis.name", 4)]
    said = {f.rule: f.message for f in report.findings if f.rule.startswith("KPI-")}
    assert "自訂績效指標「未填名稱」未填「單位」；" in said["KPI-INCOMPLETE"]
    assert "「未填名稱」期中 20 + 期末 40 = 60，與全程目標數 61 不符" in said["KPI-SPLIT"]


def test_without_custom_kpis_the_channel_and_facet_are_asked_for_on_the_first_free_row(layout):
    """B類 with only the 3 basic work items: no digital channel and no KPI of the stressed facet
    (商模數位創新 → 資訊加值力(I)); both go to the fourth row, where a custom KPI would start."""
    from tests.test_eligibility import b_class

    data = b_class(15, prior=10, kept=7)
    data.tables["kpis"] = data.tables["kpis"][:3]
    report = check_data(data)
    assert at(report, "KPI-CHANNEL") == [cell(layout, "kpis.channel", 3)]
    assert at(report, "KPI-FACET") == [cell(layout, "kpis.facet", 3)]


def test_an_incomplete_kpi_names_itself_and_everything_it_lacks(layout):
    data = clean_data()
    kpi = data.tables["kpis"][4]
    del kpi["kpis.unit"], kpi["kpis.evidence"]
    found = [f for f in check_data(data).findings if f.rule == "KPI-INCOMPLETE"]
    assert [(f.sheet, f.cell) for f in found] == [cell(layout, "kpis.unit", 4)]
    assert (
        "自訂績效指標「群聚數位推廣活動參與人次」未填「單位」、「查核點及佐證資料」；"
        in found[0].message
    )


def test_recommended_levels_left_unplanned_are_each_named(layout):
    """A類 觀光休閒合作 (附件二): O1, E1, E2, S1 and I1 are recommended; no tool is planned."""
    data = clean_data()
    for row in data.tables["cluster_assessment"]:
        row["cluster_assessment.target"] = None
    found = [f for f in check_data(data).findings if f.rule == "LEVELS-RECOMMENDED"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [
        (*cell(layout, "cluster_levels.ok", 0), "O1、E1、E2、S1、I1")
    ]
    assert (
        "A類觀光休閒合作建議達成 O1+E1+E2+S1+I1，但「輔導後預計達成情況」沒有任何"
        " O1、E1、E2、S1、I1 階段的實踐工具填「有」" in found[0].message
    )


def test_the_units_wrong_ubn_is_shown_as_typed(layout):
    data = clean_data()
    data.fields["unit.ubn"] = "12345678"  # digit sum 42 (43 with the 7th digit 7): no multiple of 5
    found = [f for f in check_data(data).findings if f.rule == "UBN-CHECKSUM"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [(*cell(layout, "unit.ubn"), "12345678")]


def test_a_nameless_members_findings_call_it_unnamed(layout):
    """The second member loses its 企業名稱 and its revenue shares add up to 110%; the fourth has
    the second's 統一編號 (98900373), so it repeats a row that has no name."""
    data = clean_data("tainan-alley")
    rows = data.tables["members"]
    rows[1].update({"members.name": None, "members.revenue_online": 0.3})
    rows[3]["members.ubn"] = rows[1]["members.ubn"]
    said = {f.rule: f.message for f in check_data(data).findings}
    assert "未填名稱 實體營收 80% + 網路營收 30% = 110%，應為 100%" in said["MEMBER-REVENUE-SPLIT"]
    row = layout.fields["members.ubn"].cell_at(1)[0]
    assert f"統一編號 98900373 與第 {row} 列重複（未填名稱）" in said["MEMBER-DUPLICATE"]


@pytest.mark.parametrize(
    ("physical", "online", "flagged"),
    [
        # 實體營收％ + 網路營收％ must be 100%: 0.1% off either way is a finding
        ("60.1%", "39.9%", False),
        ("60%", "40%", False),
        ("60%", "39.9%", True),  # 99.9%
        ("60%", "40.1%", True),  # 100.1%
        (0.6, 0.4, False),
        (0.6, 0.399, True),
    ],
)
def test_revenue_shares_add_up_to_100_percent_to_the_tenth(physical, online, flagged):
    data = clean_data()
    mutate(data, "members", 2, revenue_physical=physical, revenue_online=online)
    assert ("MEMBER-REVENUE-SPLIT" in rules(check_data(data))) is flagged


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # a blank cell is asked for when required, and never judged as a value (by hand)
        (lambda d: d.fields.pop("proposal.date"), {"FIELD-REQUIRED"}),  # no DATE-DEADLINE
        (lambda d: d.fields.pop("unit.ubn"), {"FIELD-REQUIRED", "ELIG-ROUTE"}),  # no UBN-CHECKSUM
        (lambda d: d.fields.pop("narrative.motivation"), {"FIELD-REQUIRED"}),  # no TEXT-LENGTH
        (
            lambda d: d.fields.pop("work.digital_workshops"),
            {"FIELD-REQUIRED", "WORK-DIGITAL-WORKSHOP"},
        ),
        # no TOWNSHIP-COUNTY, MEMBER-REVENUE-SPLIT or diversity for a blank
        (lambda d: mutate(d, "members", 2, township=None), {"FIELD-REQUIRED"}),
        (lambda d: mutate(d, "members", 2, county=None), {"FIELD-REQUIRED"}),
        (lambda d: mutate(d, "members", 2, revenue_online=None), set()),
        (lambda d: mutate(d, "members", 2, revenue_physical=None), set()),
        (lambda d: mutate(d, "members", 2, owner_identity=None), set()),  # a man
    ],
)
def test_a_blank_cell_is_asked_for_never_judged(edit, expected):
    data = uniform()
    edit(data)
    assert set(rules(check_data(data))) == expected
