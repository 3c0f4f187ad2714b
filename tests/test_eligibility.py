"""Eligibility as the guide words it (貳、四, 貳、六 and 附件一), one slip at a time: each case
changes a clean sample the way an applicant would and names the finding an officer expects."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from tests import figures
from tests.helpers import TODAY, at, cell, check_data, clean_data, rules, without_table
from tests.limits import uniform


@pytest.fixture(scope="module")
def wb_template(template_file):
    return openpyxl.load_workbook(template_file)


def members(data):
    return data.tables["members"]


def b_class(size: int, prior: int, kept: int):
    """The B類 sample with ``size`` members, ``kept`` of last year's ``prior`` among them."""
    data = clean_data("changhua-tea")
    rows = members(data)[:size]
    data.tables["members"] = rows
    data.fields["proposal.prior_members"] = prior
    for i, m in enumerate(rows):
        original = "有" if i < kept else "無"
        m.update(
            {
                "members.original_member": original,
                "members.coached_last_year": original,
                "members.coached_3y": original,
            }
        )
    return data


# --- B類: the replacement ratio's base is last year's members of this cluster -----------------


def test_a_b_cluster_growing_from_10_to_15_and_keeping_7_is_eligible():
    report = check_data(b_class(15, prior=10, kept=7))  # 3 of 10 replaced: 30%
    assert report.proposal.totals["panel.replacement.current"] == pytest.approx(0.3)
    assert "ELIG-REPLACEMENT" not in rules(report)
    assert rules(report, "error") == []


@pytest.mark.parametrize(
    ("prior", "kept", "replaced"),
    [(10, 5, False), (10, 4, True), (11, 6, False), (11, 5, True), (12, 6, False)],
)
def test_replacement_ratio_boundaries(prior, kept, replaced):
    """更換比例不得超過50%: 5 of 10 replaced is allowed, 6 of 10 is not."""
    report = check_data(b_class(15, prior=prior, kept=kept))
    assert ("ELIG-REPLACEMENT" in rules(report)) is replaced


def test_a_newcomer_coached_last_year_in_another_cluster_is_not_an_original_member(layout):
    data = b_class(15, prior=10, kept=7)
    members(data)[10].update({"members.coached_last_year": "有", "members.coached_3y": "無"})
    report = check_data(data)
    assert at(report, "ELIG-COACHED-3Y") == [cell(layout, "members.coached_last_year", 10)]
    assert "ELIG-REPLACEMENT" not in rules(report)


def test_b_class_needs_last_years_member_count_and_cluster(layout):
    data = b_class(15, prior=10, kept=7)
    del data.fields["proposal.prior_members"]
    del data.fields["proposal.prior_cluster"]
    report = check_data(data)
    assert at(report, "ELIG-REPLACEMENT") == [cell(layout, "proposal.prior_members")]
    assert at(report, "ELIG-B-PRIOR") == [cell(layout, "proposal.prior_cluster")]


def test_more_original_members_than_last_year_had_is_a_warning(layout):
    report = check_data(b_class(15, prior=6, kept=8))
    finding = next(f for f in report.findings if f.rule == "ELIG-PRIOR-COUNT")
    assert finding.severity == "warning" and "8 家" in finding.message


def test_a_class_ignores_the_b_class_fields():
    data = clean_data()
    data.fields["proposal.prior_members"] = 3
    report = check_data(data)
    assert not {"ELIG-REPLACEMENT", "ELIG-B-PRIOR", "KPI-CHANNEL"} & set(rules(report))


# --- who may be a member ------------------------------------------------------------------------


def test_a_large_company_cannot_be_a_member(layout):
    data = clean_data()
    members(data)[4].update({"members.capital": 500_000_000, "members.employees": 800})
    report = check_data(data)
    assert at(report, "ELIG-MEMBER-TYPE") == [cell(layout, "members.registration", 4)]
    assert "1億元" in next(f.message for f in report.findings if f.rule == "ELIG-MEMBER-TYPE")


@pytest.mark.parametrize(
    ("registration", "capital", "employees", "eligible", "sme"),
    [
        ("公司登記", 100_000_000, 800, True, True),  # capital ≤ 1億
        ("公司登記", 100_000_001, 199, True, True),  # fewer than 200 employees
        ("公司登記", 100_000_001, 199.5, True, True),  # a 12-month average
        ("公司登記", 100_000_001, 200, False, False),
        ("商業登記", 100_000_001, 200, False, False),
        ("小規模商業(免辦登記)", 50_000, 1, True, False),  # 商業登記法第5條
        ("其他", 50_000, 1, False, False),
    ],
)
def test_member_types(registration, capital, employees, eligible, sme):
    data = clean_data()
    members(data)[6].update(
        {
            "members.registration": registration,
            "members.capital": capital,
            "members.employees": employees,
        }
    )
    report = check_data(data)
    m = report.proposal.tables["members"]
    assert (bool(m.loc[6, "is_eligible"]), bool(m.loc[6, "is_sme"])) == (eligible, sme)
    assert ("ELIG-MEMBER-TYPE" in rules(report)) is not eligible


def test_a_majority_of_small_unregistered_businesses_fails_the_sme_share():
    data = clean_data("tainan-alley")  # 11 members
    for m in members(data)[:6]:
        m["members.registration"] = "小規模商業(免辦登記)"
    report = check_data(data)
    assert "ELIG-SME-RATIO" in rules(report) and "ELIG-MEMBER-TYPE" not in rules(report)
    assert report.proposal.totals["panel.sme.current"] == pytest.approx(5 / 11)


def test_half_of_the_members_being_smes_is_enough():
    data = clean_data()  # 12 members
    for m in members(data)[:6]:
        m["members.registration"] = "小規模商業(免辦登記)"
    assert "ELIG-SME-RATIO" not in rules(check_data(data))


# --- the proposing unit ---------------------------------------------------------------------------


def test_a_leader_route_unit_must_be_the_leader_not_a_plain_member(layout):
    data = clean_data()  # 領導企業提案: the unit is member 0, the leader
    members(data)[0]["members.role"] = "群聚成員企業"
    members(data)[1]["members.role"] = "群聚領導企業"
    report = check_data(data)
    assert at(report, "ELIG-ROUTE") == [cell(layout, "proposal.route")]
    assert "群聚領導企業" in next(f.message for f in report.findings if f.rule == "ELIG-ROUTE")


def test_a_leader_route_unit_must_be_an_sme(layout):
    data = clean_data()
    data.fields.update({"unit.capital": 200_000_000, "unit.employees": 300})
    assert at(check_data(data), "ELIG-ROUTE") == [cell(layout, "unit.capital")]


def test_a_coaching_unit_may_not_be_a_member_of_its_own_cluster(layout):
    data = clean_data("tainan-alley")  # 輔導單位提案
    members(data)[3]["members.ubn"] = data.fields["unit.ubn"]
    assert at(check_data(data), "ELIG-ROUTE") == [cell(layout, "proposal.route")]


def test_the_unit_must_be_able_to_issue_invoices_and_be_registered(layout):
    data = clean_data()
    data.fields.update({"unit.invoice": "無", "unit.registration": "其他"})
    report = check_data(data)
    assert at(report, "ELIG-INVOICE") == [cell(layout, "unit.invoice")]
    assert cell(layout, "unit.registration") in at(report, "ELIG-ROUTE")


# --- consent ----------------------------------------------------------------------------------------


def test_consent_is_agree_or_disagree_for_the_unit_and_every_member(layout):
    data = clean_data()
    data.fields["unit.consent_public"] = "不同意"
    members(data)[2]["members.consent_collect"] = None
    members(data)[3]["members.consent_public"] = "是"  # read as 同意
    report = check_data(data)
    assert sorted(at(report, "ELIG-CONSENT")) == sorted(
        [cell(layout, "unit.consent_public"), cell(layout, "members.consent_collect", 2)]
    )
    assert report.proposal.tables["members"].loc[3, "consent_public"] == "同意"


def test_the_privacy_statement_stands_beside_the_answers(wb_template, layout, program):
    statement = program.statements["privacy"]
    for fid in ("unit.consent_collect", "members.consent_collect"):
        ws = wb_template[layout.fields[fid].sheet]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert statement in texts, fid


# --- work items, KPIs, members' details ----------------------------------------------------------


@pytest.mark.parametrize(
    ("digital", "ok"), [(0, False), (1, True), (3, True), (4, False), (9, False)]
)
def test_digital_workshops_are_at_least_one_and_at_most_the_workshops(digital, ok):
    data = clean_data()  # 3 workshops
    data.fields["work.digital_workshops"] = digital
    assert ("WORK-DIGITAL-WORKSHOP" in rules(check_data(data))) is not ok


def test_b_class_needs_a_digital_channel_kpi(layout):
    data = b_class(15, prior=10, kept=7)
    for k in data.tables["kpis"]:
        k.pop("kpis.channel", None)
    report = check_data(data)
    assert at(report, "KPI-CHANNEL") == [cell(layout, "kpis.channel", 3)]


def test_kpi_findings_go_to_the_first_custom_row_after_a_blank_one(layout):
    """The first row after the 3 basic KPIs is left blank: the B類 channel and the stressed
    facet (商模數位創新 → 資訊加值力(I)) are asked for on the first custom KPI, the fifth row."""
    data = b_class(15, prior=10, kept=7)
    kpis = data.tables["kpis"]
    for k in kpis:
        k.pop("kpis.channel", None)
    kpis.insert(3, {})
    kpis[4]["kpis.facet"] = "組織凝聚力(O)"
    report = check_data(data)
    assert at(report, "KPI-CHANNEL") == [cell(layout, "kpis.channel", 4)]
    assert at(report, "KPI-FACET") == [cell(layout, "kpis.facet", 4)]
    facet = next(f for f in report.findings if f.rule == "KPI-FACET")
    assert facet.value == "資訊加值力(I)"
    assert "商模數位創新強調資訊加值力(I)，但自訂績效指標中沒有該面向的指標" in facet.message


def test_a_blank_cluster_type_asks_for_it_and_for_no_facet(layout):
    data = clean_data()
    data.fields["proposal.cluster_type"] = None
    report = check_data(data)
    assert at(report, "FIELD-REQUIRED") == [cell(layout, "proposal.cluster_type")]
    assert "KPI-FACET" not in rules(report)


def test_custom_kpis_need_unit_evidence_and_benefit(layout):
    data = clean_data()
    data.tables["kpis"][4].update({"kpis.unit": None, "kpis.benefit": None})
    report = check_data(data)
    assert at(report, "KPI-INCOMPLETE") == [cell(layout, "kpis.unit", 4)]
    message = next(f.message for f in report.findings if f.rule == "KPI-INCOMPLETE")
    assert "「單位」" in message and "「績效指標效益說明」" in message


def test_the_example_text_of_the_basic_work_items_is_editable():
    data = clean_data()
    data.tables["kpis"][0]["kpis.name"] = "群聚討論會議（每月一次）"
    report = check_data(data)
    assert report.proposal.tables["kpis"].loc[0, "name"] == "群聚討論會議（每月一次）"
    assert "FORMULA-TAMPERED" not in rules(report)


@pytest.mark.parametrize(
    ("physical", "online", "ok"), [(0.7, 0.3, True), (0.7, 0.2, False), (None, 0.2, True)]
)
def test_revenue_shares_add_up_to_100_percent(layout, physical, online, ok):
    data = clean_data()
    members(data)[1].update(
        {"members.revenue_physical": physical, "members.revenue_online": online}
    )
    report = check_data(data)
    expected = [] if ok else [cell(layout, "members.revenue_online", 1)]
    assert at(report, "MEMBER-REVENUE-SPLIT") == expected


def test_multi_choice_answers(layout):
    data = clean_data()
    members(data)[0]["members.owner_identity"] = "原住民、青年返鄉"
    members(data)[1]["members.owner_identity"] = "原住民、漁民"
    data.tables["consultants"][0]["consultants.expertise"] = (
        "資訊科技、在地創新、行銷流通、人力資源"
    )
    report = check_data(data)
    m = report.proposal.tables["members"]
    assert m.loc[0, "owner_identity"] == "原住民、青年返鄉" and m.loc[0, "is_diverse"]
    assert at(report, "FIELD-ENUM") == [cell(layout, "members.owner_identity", 1)]
    assert "漁民" in next(f.message for f in report.findings if f.rule == "FIELD-ENUM")
    assert at(report, "FIELD-CHOICES") == [cell(layout, "consultants.expertise", 0)]


def test_member_self_assessment_notes_are_read():
    data = clean_data()
    data.matrix_notes["member_assessment"][0][0] = "社群經營研習 2 場"
    ma = check_data(data).proposal.tables["member_assessment"]
    first = ma[(ma["member_index"] == 0) & (ma["item_index"] == 0)]
    assert first["note"].iloc[0] == "社群經營研習 2 場"


def test_other_counts_for_level_three(program):
    """附件二 lists 「其它」 at level 3 of every facet."""
    levels = {i["name"][:2]: i["level"] for i in program.checklists["cluster"] if i["seq"] == 29}
    assert levels == {"其他": "I3"}
    data = clean_data("changhua-tea")  # B類商模數位創新: I3 recommended
    items = program.checklists["cluster"]
    for row, item in zip(data.tables["cluster_assessment"], items, strict=True):
        if item["level"] == "I3":
            row["cluster_assessment.target"] = "有" if item["name"].startswith("其他") else "無"
    assert "LEVELS-RECOMMENDED" not in rules(check_data(data))


# --- what the guide does not impose -------------------------------------------------------------


def test_employees_may_be_a_twelve_month_average(layout):
    data = clean_data()
    members(data)[0]["members.employees"] = 3.5
    members(data)[1]["members.employees"] = 3.55
    report = check_data(data)
    assert report.proposal.tables["members"].loc[0, "employees"] == 3.5
    assert at(report, "FIELD-TYPE") == [cell(layout, "members.employees", 1)]


def test_a_proposal_date_after_today_is_a_warning(layout):
    data = clean_data()
    data.fields["proposal.date"] = "112/07/01"  # TODAY is 112/06/30
    report = check_data(data)
    assert at(report, "DATE-FUTURE") == [cell(layout, "proposal.date")]
    assert "FIELD-RANGE" not in rules(report) and report.proposal.fields["proposal.date"]
    assert dt.date(2023, 7, 1) > TODAY


def test_a_long_cluster_name_is_a_warning(layout):
    data = clean_data()
    data.fields["proposal.cluster_name"] = "縱谷" * 21
    report = check_data(data)
    assert at(report, "TEXT-LENGTH") == [cell(layout, "proposal.cluster_name")]
    assert rules(report, "error") == []


def test_owners_are_the_same_person_unless_their_mobiles_differ(layout):
    data = clean_data()
    owner = members(data)[3]
    members(data)[7].update({"members.owner_name": owner["members.owner_name"]})
    members(data)[7]["members.owner_mobile"] = None  # no mobile to tell them apart
    report = check_data(data)
    expected = [cell(layout, "members.owner_name", 3), cell(layout, "members.owner_name", 7)]
    assert at(report, "ELIG-DUP-OWNER") == expected


# --- messages speak to applicants ---------------------------------------------------------------


def test_messages_name_no_field_or_table_ids():
    data = clean_data("changhua-tea")
    data.tables["tools"] = []
    members(data)[1]["members.employees"] = "十二"
    data.tables["budget"][0]["budget.unit_price"] = 900_000
    report = check_data(data)
    text = "\n".join(f.message for f in report.findings)
    assert "「預計導入群聚共同使用之數位工具」表" in text and "tools" not in text
    assert "超出" in text and "新臺幣" in text and "請改填數字（0 以上" in text
    for f in report.findings:
        assert f.field not in f.message if f.field else True, f.message


# --- what each finding says: the member, the answer, the counts (by hand, from rules.yaml) ------


def _set(i: int, **values):
    def edit(data):
        data.tables["members"][i].update({f"members.{k}": v for k, v in values.items()})

    return edit


def _unit(**values):
    def edit(data):
        data.fields.update({f"unit.{k}": v for k, v in values.items()})

    return edit


def _proposal(**values):
    def edit(data):
        data.fields.update({f"proposal.{k}": v for k, v in values.items()})

    return edit


def _same_owner(data):
    data.tables["members"][3].update(
        {"members.owner_name": "莊穎明", "members.owner_mobile": "0993319573"}
    )


def _b_kept_all_of_fewer(data):
    data.fields["proposal.prior_members"] = 15  # all 16 members say they were last year's


SAID = [
    # uniform proposal (A類 of 10: 芬園製茶廠 leads, 田中茶具行, 二水鳳梨園, 名間物流行,
    # 芬園包裝設計社 …), one change → rule, (field, row) of each finding, value, what it says
    (
        _set(3, role="群聚領導企業"),
        "ELIG-LEADER",
        [("members.role", 3)],
        [2],
        "群聚領導企業應恰好 1 家，目前 2 家",
    ),
    (
        _set(0, role="群聚成員企業"),
        "ELIG-LEADER",
        [("members.role", 0)],
        [0],
        "群聚領導企業應恰好 1 家，目前 0 家",
    ),
    (
        _set(4, registration="其他"),
        "ELIG-MEMBER-TYPE",
        [("members.registration", 4)],
        ["其他"],
        "芬園包裝設計社登記類型為「其他」，既非中小企業也非小規模商業",
    ),
    (
        _set(4, registration=None),
        "ELIG-MEMBER-TYPE",
        [("members.registration", 4)],
        [None],
        "芬園包裝設計社未填登記類型，既非中小企業",
    ),
    (
        _set(2, coached_3y="有"),
        "ELIG-COACHED-3Y",
        [("members.coached_3y", 2)],
        ["有"],
        "二水鳳梨園 前一年未受數位群聚輔導（非A類可占20%之成員），三年內曾受數位群聚輔導",
    ),
    (
        _set(2, other_program="有"),
        "ELIG-OTHER-PROGRAM",
        [("members.other_program", 2)],
        ["有"],
        "二水鳳梨園 本年度同時接受中小企業處其他計畫輔導",
    ),
    (
        _set(1, consent_public="不同意"),
        "ELIG-CONSENT",
        [("members.consent_public", 1)],
        ["不同意"],
        "田中茶具行：「",
    ),
    (
        _set(1, consent_collect=None),
        "ELIG-CONSENT",
        [("members.consent_collect", 1)],
        ["（空白）"],
        "為「（空白）」；須選「同意」",
    ),
    (
        _unit(consent_collect="不同意"),
        "ELIG-CONSENT",
        [("unit.consent_collect", None)],
        ["不同意"],
        "提案單位「",
    ),
    (
        _unit(invoice="無"),
        "ELIG-INVOICE",
        [("unit.invoice", None)],
        ["無"],
        "提案單位須能開立統一發票，本欄為「無」",
    ),
    (
        _unit(invoice=None),
        "ELIG-INVOICE",
        [("unit.invoice", None)],
        ["（空白）"],
        "提案單位須能開立統一發票，本欄為「（空白）」",
    ),
    (
        _unit(consent_public=None),
        "ELIG-CONSENT",
        [("unit.consent_public", None)],
        ["（空白）"],
        "提案單位「",
    ),
    (
        _same_owner,
        "ELIG-DUP-OWNER",
        [("members.owner_name", 1), ("members.owner_name", 3)],
        ["莊穎明", "莊穎明"],
        "負責人「莊穎明」同時為 田中茶具行、名間物流行 的負責人",
    ),
    (
        _unit(it_consulting="有"),
        "ELIG-ROUTE",
        [("unit.it_consulting", None)],
        ["有"],
        "領導企業提案的提案單位不得為資訊服務、管理顧問公司",
    ),
    (
        _proposal(route=None),
        "ELIG-ROUTE",
        [("proposal.route", None)],
        [None],
        "請選擇提案方式（領導企業提案或輔導單位提案）；",
    ),
    (
        _unit(ubn=None),
        "ELIG-ROUTE",
        [("unit.ubn", None)],
        [None],
        "請填寫提案單位的統一編號，才能確認提案單位資格；",
    ),
    (
        _unit(ubn="41909982"),  # 田中茶具行: a member, but not the leader
        "ELIG-ROUTE",
        [("proposal.route", None)],
        ["領導企業提案"],
        "統一編號 41909982 在群聚成員表序 2 不是群聚領導企業",
    ),
]


@pytest.mark.parametrize(("edit", "rule", "where", "values", "says"), SAID)
def test_what_each_finding_says(layout, edit, rule, where, values, says):
    data = uniform()
    edit(data)
    report = check_data(data)
    found = [f for f in report.findings if f.rule == rule]
    assert [(f.sheet, f.cell) for f in found] == [cell(layout, *w) for w in where]
    assert [f.value for f in found] == values
    assert says in found[0].message, found[0].message


@pytest.mark.parametrize(
    ("coached_3y", "coached_last_year", "field"),
    [("有", "有", "members.coached_3y"), ("無", "有", "members.coached_last_year")],
)
def test_a_new_b_class_member_coached_before_is_named_with_its_answer(
    layout, coached_3y, coached_last_year, field
):
    """B類 of 15 members of last year; the sixth (田中米粉工坊) is new and was coached."""
    data = uniform("B類", 15)
    members(data)[5].update(
        {
            "members.original_member": "無",
            "members.coached_3y": coached_3y,
            "members.coached_last_year": coached_last_year,
        }
    )
    found = [f for f in check_data(data).findings if f.rule == "ELIG-COACHED-3Y"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [(*cell(layout, field, 5), "有")]
    assert found[0].message.endswith(
        "田中米粉工坊 為B類新增成員（前一年非本群聚成員），三年內曾受數位群聚輔導，"
        "不符參與資格；請更換成員或更正資料。"
    )


def test_an_owner_of_a_nameless_row_names_it_unnamed(layout):
    """The fourth row has 田中茶具行's owner but no 企業名稱: both rows name the other, and the
    nameless one is 「未填名稱」."""
    data = uniform()
    members(data)[3].update(
        {"members.owner_name": "莊穎明", "members.owner_mobile": "0993319573", "members.name": None}
    )
    found = [f for f in check_data(data).findings if f.rule == "ELIG-DUP-OWNER"]
    assert [(f.cell, f.value) for f in found] == [
        (cell(layout, "members.owner_name", 1)[1], "莊穎明"),
        (cell(layout, "members.owner_name", 3)[1], "莊穎明"),
    ]
    assert "負責人「莊穎明」同時為 田中茶具行、未填名稱 的負責人；" in found[0].message
    assert "負責人「莊穎明」同時為 未填名稱、田中茶具行 的負責人；" in found[1].message


@pytest.mark.parametrize("category", ["A類", "B類"])
def test_a_field_map_without_the_members_table_is_judged_as_no_members(
    layout, monkeypatch, category
):
    """A field map that lists no member column gives the proposal no members table at all:
    0 members, no leader, 0% SMEs, and for B類 none of last year's 15 kept (100% replaced)."""
    without_table(monkeypatch, "members")
    report = check_data(uniform(category, 15))
    found = {f.rule: (f.cell, f.value) for f in report.findings}
    assert found["ELIG-MEMBERS-MIN"] == (cell(layout, "members.name", 0)[1], 0)
    assert found["ELIG-LEADER"] == (cell(layout, "members.role", 0)[1], 0)
    assert found["ELIG-SME-RATIO"] == (cell(layout, "panel.sme.current")[1], "0%")
    replaced = [f.message for f in report.findings if f.rule == "ELIG-REPLACEMENT"]
    if category == "B類":
        assert found["ELIG-REPLACEMENT"][1] == "100%"
        assert "前一年本群聚成員 15 家，本年度仍參加者 0 家，更換 15 家" in replaced[0]
    else:
        assert replaced == []


def test_more_original_members_than_last_year_says_both_counts(layout):
    data = uniform("B類", 16)
    _b_kept_all_of_fewer(data)
    found = [f for f in check_data(data).findings if f.rule == "ELIG-PRIOR-COUNT"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [
        (*cell(layout, "proposal.prior_members"), 15)
    ]
    assert "標示前一年為本群聚成員者 16 家，多於所填前一年本群聚成員家數 15 家" in found[0].message


def test_a_b_cluster_of_one_member_last_year_is_compared_with_that_one(layout):
    """前一年本群聚成員 1 家 (the least that is a count): 15 members all say they were last
    year's, so 15 kept of 1 is more than there were, and nothing is replaced (no ratio finding)."""
    data = uniform("B類", 15)
    data.fields["proposal.prior_members"] = 1
    report = check_data(data)
    assert "ELIG-REPLACEMENT" not in rules(report)
    found = [f for f in report.findings if f.rule == "ELIG-PRIOR-COUNT"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [
        (*cell(layout, "proposal.prior_members"), 1)
    ]
    assert "標示前一年為本群聚成員者 15 家，多於所填前一年本群聚成員家數 1 家" in found[0].message


def test_a_proposal_without_members_breaks_the_member_rules_and_nothing_else_fails(layout):
    """No member at all: 0 of 10 members, 0% SMEs (0 of 0 is not at least half), no leader, and
    the leader-route unit is not among the members."""
    report = check_data(uniform("A類", 0))
    assert sorted(set(rules(report))) == [
        "ELIG-LEADER",
        "ELIG-MEMBERS-MIN",
        "ELIG-ROUTE",
        "ELIG-SME-RATIO",
    ]
    found = {f.rule: (f.cell, f.value) for f in report.findings}
    assert found["ELIG-MEMBERS-MIN"] == (cell(layout, "members.name", 0)[1], 0)
    assert found["ELIG-SME-RATIO"] == (cell(layout, "panel.sme.current")[1], "0%")


@pytest.mark.parametrize(
    ("key", "registration", "refused"),
    [
        # 貳、四: a unit is 依法設立商業/公司登記之企業或法人; a 領導企業 unit meets the SME standard,
        # which asks for 公司登記 or 商業登記 (a 法人 may propose only as a coaching unit)
        ("tainan-alley", "公司登記", False),  # 輔導單位提案
        ("tainan-alley", "商業登記", False),
        ("tainan-alley", "法人", False),
        ("tainan-alley", "其他", True),
        ("hualien-valley", "公司登記", False),  # 領導企業提案
        ("hualien-valley", "商業登記", False),
        ("hualien-valley", "法人", True),
        ("hualien-valley", "其他", True),
    ],
)
def test_which_registrations_may_propose_by_route(key, registration, refused):
    data = clean_data(key)
    data.fields["unit.registration"] = registration
    assert ("ELIG-ROUTE" in rules(check_data(data))) is refused


@pytest.mark.parametrize("category", ["A類", "B類"])
def test_rows_without_a_company_name_break_no_eligibility_rule(category):
    """Two rows below 15 members, filled in but without 企業名稱 (one kept from last year, in a
    分群4 town, a leader …): they only lack their name and repeat the first member's 統一編號;
    B類 still keeps 15 of last year's 15 members (no ELIG-PRIOR-COUNT)."""
    report = check_data(figures.build(figures.unnamed_rows, (category, 15)))
    assert set(rules(report)) == {"FIELD-REQUIRED", "MEMBER-DUPLICATE"}


def test_the_second_leader_is_the_second_named_one(layout):
    """A nameless row marked 群聚領導企業 above the second named leader is no member: ELIG-LEADER
    (2 leaders) points at the named one, the sixth row."""
    data = uniform()
    members(data)[3].update({"members.name": None, "members.role": "群聚領導企業"})
    members(data)[5]["members.role"] = "群聚領導企業"
    found = [f for f in check_data(data).findings if f.rule == "ELIG-LEADER"]
    assert [(f.cell, f.value) for f in found] == [(cell(layout, "members.role", 5)[1], 2)]


def test_each_owner_finding_names_the_firms_of_that_owner_only(layout):
    """Two owners each own two firms: every finding names its own owner's two firms."""
    data = uniform()
    rows = members(data)
    for a, b in ((1, 3), (2, 4)):
        rows[b].update(
            {
                "members.owner_name": rows[a]["members.owner_name"],
                "members.owner_mobile": rows[a]["members.owner_mobile"],
            }
        )
    found = {f.cell: f.message for f in check_data(data).findings if f.rule == "ELIG-DUP-OWNER"}
    for a, b in ((1, 3), (2, 4)):
        names = (rows[a]["members.name"], rows[b]["members.name"])
        owner = rows[a]["members.owner_name"]
        assert (
            f"負責人「{owner}」同時為 {names[0]}、{names[1]} 的負責人；"
            in found[cell(layout, "members.owner_name", a)[1]]
        )
        assert (
            f"負責人「{owner}」同時為 {names[1]}、{names[0]} 的負責人；"
            in found[cell(layout, "members.owner_name", b)[1]]
        )


def test_a_kpi_whose_halves_do_not_add_up_is_named(layout):
    """期中 1 + 期末 1 is not 全程 5: the finding names the work item or the custom KPI."""
    data = uniform()
    for row in (0, 3):
        data.tables["kpis"][row].update({"kpis.midterm": 1, "kpis.final": 1, "kpis.total": 5})
    found = [f.message for f in check_data(data).findings if f.rule == "KPI-SPLIT"]
    assert [m.split("：", 1)[1] for m in found] == [
        "「群聚討論會議」期中 1 + 期末 1 = 2，與全程目標數 5 不符；請修正。",
        "「群聚電商訂單數」期中 1 + 期末 1 = 2，與全程目標數 5 不符；請修正。",
    ]
