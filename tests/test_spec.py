"""The dc112 program spec: complete, faithful to the guide, and copyable to a new year."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
import yaml

from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.programs import SpecError
from clusterbook.workbook.spec import load_program
from tests.conftest import GUIDE

REQUIRED_IDS = [
    "proposal.cluster_name",
    "proposal.category",
    "proposal.cluster_type",
    "proposal.route",
    "unit.name",
    "unit.ubn",
    "members.name",
    "members.role",
    "members.ubn",
    "members.owner_name",
    "members.owner_gender",
    "members.owner_identity",
    "members.county",
    "members.township",
    "members.employees",
    "members.capital",
    "members.revenue",
    "members.industry",
    "members.coached_last_year",
    "members.coached_3y",
    "members.other_program",
    "budget.category",
    "budget.item",
    "budget.unit_price",
    "budget.quantity",
    "budget.amount",
    "kpis.name",
    "kpis.facet",
    "kpis.midterm",
    "kpis.final",
    "kpis.total",
]


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_townships_match_the_reference(program):
    assert len(program.townships) == 368
    assert len(program.counties) == 22
    assert Counter(t.tier for t in program.townships) == {1: 79, 2: 89, 3: 97, 4: 103}
    keys = [(t.county, t.township) for t in program.townships]
    assert len(set(keys)) == 368, "the lookup key is (county, township)"
    misspelled = {
        t.seed_spelling: t.township for t in program.townships if t.seed_spelling != t.township
    }
    assert len(misspelled) == 13
    assert misspelled["烏松區"] == "鳥松區" and misspelled["霧台鄉"] == "霧臺鄉"
    assert all(len(t.towncode) == 8 and t.towncode.isdigit() for t in program.townships)


def test_checklists_have_the_guides_items_and_levels(program, guide):
    def counts(key):
        return Counter(i["facet"] for i in program.checklists[key])

    assert counts("member") == {"O": 12, "E": 9, "S": 13, "I": 29}
    assert counts("cluster") == {"O": 16, "E": 9, "S": 13, "I": 29}
    flat = guide.replace("\n", "")
    for key in ("member", "cluster"):
        for item in program.checklists[key]:
            assert item["name"] in flat, item
            assert item["level"][0] == item["facet"]
    assert program.levels == (
        "O1",
        "O2",
        "O3",
        "E1",
        "E2",
        "E3",
        "S1",
        "S2",
        "S3",
        "I1",
        "I2",
        "I3",
    )


def test_option_lists_use_the_guides_words(program, guide):
    flat = guide.replace("\n", "").replace(" ", "")
    for lid, lst in program.lists.items():
        if (
            lid
            in (
                "counties",
                "kpi_kinds",
                "tool_categories",
                "partner_kinds",
                "facets",
                "kpi_facets",
                "registrations",  # 中小企業認定標準 and 商業登記法第5條 (../shared/reference), not the form
            )
        ):
            continue
        for value in lst.values:
            assert value.replace(" ", "") in flat, (lid, value)
    industries = program.lists["industries"]
    assert len(industries.values) == 20 and industries.values[-1] == "其他"
    assert sorted(industries.codes.values()) == [chr(c) for c in range(ord("A"), ord("S") + 1)]
    assert program.lists["categories"].values == ("A類", "B類")
    assert program.lists["routes"].values == ("領導企業提案", "輔導單位提案")


def test_parameters_are_the_guides(program):
    p = program.params
    assert p["members_min"] == {"A類": 10, "B類": 15}
    assert p["sme_ratio_min"] == 0.5 and p["coached_last_year_ratio_max"] == 0.2
    assert p["replacement_ratio_max"] == 0.5 and p["budget_cap"] == 1_000_000
    assert p["work_items"] == {"meetings": 4, "workshops": 3, "digital_workshops": 1, "visits": 1}
    assert [(c["rate"], c["date"].isoformat()) for c in p["checkpoints"]] == [
        (0.35, "2023-07-31"),
        (0.65, "2023-11-30"),
    ]
    assert p["recommended_levels"]["A類"]["觀光休閒合作"] == ["O1", "E1", "E2", "S1", "I1"]
    assert p["recommended_levels"]["B類"]["商模數位創新"][-1] == "I3"
    assert sum(s["A類"] for s in p["scoring"]) == pytest.approx(1.0)
    assert sum(s["B類"] for s in p["scoring"]) == pytest.approx(1.0)
    # 中小企業認定標準 art. 2–3, 貳、六 參與企業資格, 貳、四 提案方式, 陸、加分項目
    assert p["sme"] == {
        "registrations": ["公司登記", "商業登記"],
        "capital_max": 100_000_000,
        "employees_below": 200,
        "small_employees_below": 5,
    }
    assert p["member_exempt_registrations"] == ["小規模商業(免辦登記)"]
    assert p["unit_registrations"] == ["公司登記", "商業登記", "法人"]
    assert (p["route_leader"], p["route_unit"]) == ("領導企業提案", "輔導單位提案")
    assert (p["leader_role"], p["leaders_required"], p["tax_rate"]) == ("群聚領導企業", 1, 0.05)
    assert (p["bonus_ratio"], p["bonus_tiers"]) == (0.5, [3, 4])
    assert (p["diverse_genders"], p["diverse_identities"]) == (["女"], ["原住民", "新住民"])
    assert [(c["name"], c["cumulative"]) for c in p["checkpoints"]] == [
        ("期中", 0.35),
        ("期末", 1.0),
    ]
    assert p["deadlines"] == {
        "A類": "2023-03-07T17:00:00+08:00",
        "B類": "2023-02-22T17:00:00+08:00",
    }
    assert (p["year_roc"], p["coaching_end"].isoformat()) == (112, "2023-11-30")


def test_required_field_ids_exist(program):
    missing = [fid for fid in REQUIRED_IDS if fid not in program.fields]
    assert not missing
    for fid in program.fields:
        assert fid == fid.lower() and "." in fid, fid


def test_every_panel_row_names_a_catalog_rule(program):
    assert {r.rule for r in program.panel.rows} <= set(program.rules)


def test_a_new_year_is_a_copied_folder(tmp_path, program):
    folder = tmp_path / "dc113"
    shutil.copytree(program.path, folder)
    params = yaml.safe_load((folder / "program.yaml").read_text(encoding="utf-8"))
    params.update(id="dc113", version="2024.1", year=2024, year_roc=113)
    params["members_min"]["A類"] = 8
    params["capacity"]["members"] = 30
    (folder / "program.yaml").write_text(
        yaml.safe_dump(params, allow_unicode=True), encoding="utf-8"
    )
    new = load_program(str(folder))
    assert new.id == "dc113" and new.spec_hash != program.spec_hash
    layout = build_layout(str(folder))
    assert layout.fields["members.name"].range == "B6:B35"
    panel = layout.sheet("panel")
    requirement = panel.cells[(5, 2)].formula
    assert ",8)" in requirement and ",10)" not in requirement


def test_a_broken_spec_is_reported(tmp_path, program):
    folder = tmp_path / "broken"
    shutil.copytree(program.path, folder)
    form = (
        (folder / "form.yaml")
        .read_text(encoding="utf-8")
        .replace("list: genders", "list: sexes", 1)
    )
    (folder / "form.yaml").write_text(form, encoding="utf-8")
    with pytest.raises(SpecError, match="sexes"):
        load_program(str(folder))
