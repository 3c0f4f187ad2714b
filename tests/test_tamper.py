"""FORMULA-TAMPERED: every formula cell of the template (generated from the field map, not
listed by hand), in turn, overwritten by a value or by another formula, is reported on exactly
that cell; the same formula spelled differently ($, spaces, case) is not."""

from __future__ import annotations

import dataclasses

import pytest

from clusterbook.checks import formulas
from clusterbook.checks.formulas import expected_formulas, normalize_formula
from clusterbook.findings import Collector
from clusterbook.importers import check_rawbook
from clusterbook.workbook import a1
from clusterbook.workbook.layout import build_layout
from tests.helpers import TODAY, cell, check_data, clean_data, rawbook, rules

CELLS = [
    (title, r, c, formula, fid)
    for title, cells in expected_formulas("dc112").items()
    for r, c, formula, _normalized, fid, _index in cells
]


@pytest.fixture(scope="module")
def clean():
    data = clean_data()
    raw = rawbook(data)
    report = check_rawbook(raw, today=TODAY)
    assert "FORMULA-TAMPERED" not in rules(report)
    return data, report.proposal, raw


def tampered(p, raw, title, r, c, cell) -> list:
    """The FORMULA-TAMPERED findings after one cell is replaced by ``cell`` (value, formula)."""
    cells = raw.sheets[title].cells
    old = cells.get((r, c))
    if cell is None:
        cells.pop((r, c), None)
    else:
        cells[(r, c)] = cell
    try:
        out = Collector(p.program, p.refs)
        formulas.check(p, raw, out)
    finally:
        cells[(r, c)] = old
    return [f for f in out.items if f.rule == "FORMULA-TAMPERED"]


def test_the_template_has_formulas_of_every_kind():
    fids = {fid for *_, fid in CELLS}
    assert len(CELLS) > 800
    assert {"budget.subtotal", "budget.tax", "budget.total", "members.is_sme"} <= fids
    assert {f"panel.{row}.ok" for row in ("members", "sme", "budget", "small")} <= fids


@pytest.mark.parametrize(
    "replacement",
    [
        ("value", lambda formula: (0, None)),
        ("text", lambda formula: ("是", None)),
        ("blank", lambda formula: None),
        ("constant-formula", lambda formula: (0, "=0")),
        ("edited-formula", lambda formula: (0, formula + "*1")),
        ("subtly-edited-formula", lambda formula: (0, formula.replace("<=", "<", 1) + " ")),
        ("prefixed-formula", lambda formula: (0, "=X" + formula[1:])),  # =XSUM(…), =XIF(…)
    ],
    ids=lambda r: r[0] if isinstance(r, tuple) else "",
)
def test_every_formula_cell_replaced_is_reported_on_exactly_that_cell(clean, replacement):
    _, p, raw = clean
    _, make = replacement
    wrong = []
    for title, r, c, formula, fid in CELLS:
        cell = make(formula)
        if cell is not None and cell[1] is not None and cell[1].rstrip() == formula:
            continue  # the edit did not change this formula (no "<=" in it)
        found = [(f.sheet, f.cell) for f in tampered(p, raw, title, r, c, cell)]
        if found != [(title, a1.cell(r, c))]:
            wrong.append((title, a1.cell(r, c), fid, found))
    assert wrong == []


def test_the_formula_list_is_read_from_the_layout_as_cached():
    """What the check compares with (cached across runs) is what the layout gives now: by hand,
    the budget subtotal is one cell, and 中小企業 of the third member is in its table's row 2."""
    layout = build_layout("dc112")
    built = formulas._formulas(layout)
    assert built == expected_formulas("dc112")
    entries = {(fid, index): (title, r, c, formula, normalized)
               for title, cells in built.items()
               for r, c, formula, normalized, fid, index in cells}  # fmt: skip
    subtotal = layout.fields["budget.subtotal"]
    title, r, c, formula, normalized = entries[("budget.subtotal", None)]
    assert (title, r, c) == (subtotal.sheet, subtotal.first_row, subtotal.first_col)
    assert normalized == normalize_formula(formula) and formula.startswith("=SUM(")
    sme = layout.fields["members.is_sme"]
    assert entries[("members.is_sme", 2)][:3] == (sme.sheet, *sme.cell_at(2))
    assert sum(len(cells) for cells in built.values()) == len(CELLS)
    assert all(title in {s.title for s in layout.sheets} for title in built)


def test_the_same_formula_spelled_differently_is_not_tampering(clean):
    _, p, raw = clean
    reported = []
    for title, r, c, formula, _fid in CELLS:
        spelled = "= " + formula[1:].replace("IF(", "if(").replace("SUM", "Sum")
        spelled = spelled.replace(",", " , ")
        if '"' in formula:  # text inside quotes keeps its exact spelling
            spelled = "= " + formula[1:]
        if tampered(p, raw, title, r, c, (None, spelled)):
            reported.append((title, a1.cell(r, c)))
    assert reported == []


def test_normalize_formula_ignores_only_what_a_spreadsheet_ignores():
    table = [
        # written, as written in the template, the same formula?
        ("=SUM($A$1:A3)", "=SUM(A1:A3)", True),
        ("= sum( a1 : a3 )", "=SUM(A1:A3)", True),
        ("='成員'!A1", "=成員!A1", True),
        ("=_xlfn.IFERROR(A1,0)", "=IFERROR(A1,0)", True),
        ('=IF(A1="是","✔","✘")', '=IF(A1="是","✔","✘")', True),
        ('=IF(A1="a b","✔","✘")', '=IF(A1="ab","✔","✘")', False),  # text keeps its spaces
        ('=IF(A1="Y",1,0)', '=IF(A1="y",1,0)', False),  # and its case
        ("=A1<=B1", "=A1<B1", False),
        ("=SUM(A1:A3)", "=SUM(A1:A4)", False),
        ("=ROUND(A1*0.05,0)", "=ROUND(A1*0.05,1)", False),
    ]
    got = [(a, b, normalize_formula(a) == normalize_formula(b)) for a, b, _ in table]
    assert got == table


def test_tampering_is_found_end_to_end_and_names_what_the_cell_should_show(clean, layout):
    """Through the whole check: the message gives the value clusterbook computed itself."""
    data, _, _ = clean
    subtotal = sum(
        line["budget.unit_price"] * line["budget.quantity"] for line in data.tables["budget"]
    )
    tax = int(subtotal * 5 / 100 + 0.5)
    expected = {
        # field, table row, what the message must say the cell should show
        "budget.subtotal": (None, f"{subtotal:,}"),
        "budget.total": (None, f"{subtotal + tax:,}"),
        "panel.members.current": (None, f"{len(data.tables['members']):,}"),
        "members.is_sme": (0, "是"),
        "members.tier": (1, "4"),  # 花蓮縣富里鄉: 分群4
        "members.dup_owner": (2, "否"),
    }
    edits = {}
    for fid, (index, _) in expected.items():
        ref = layout.fields[fid]
        r, c = (ref.first_row, ref.first_col) if index is None else ref.cell_at(index)
        edits[(ref.sheet, r, c)] = (12_345, None)
    report = check_data(data, edits=edits)
    found = {(f.sheet, f.cell): f.message for f in report.findings if f.rule == "FORMULA-TAMPERED"}
    assert set(found) == {(t, a1.cell(r, c)) for t, r, c in edits}
    for (t, r, c), (fid, (_, shown)) in zip(edits, expected.items(), strict=True):
        assert f"（應為 {shown}）" in found[(t, a1.cell(r, c))], (fid, found[(t, a1.cell(r, c))])
    # a panel cell is not a form field: the message names it by its label in the field map
    panel = layout.fields["panel.members.current"]
    assert (
        "「群聚家數（目前）」原為自動計算"
        in found[(panel.sheet, a1.cell(panel.first_row, panel.first_col))]
    )


@pytest.mark.parametrize(
    "index",
    [1, 20],
    ids=["a member without a town", "a row below the last member"],
)
def test_a_tampered_cell_whose_formula_gives_nothing_should_show_a_blank(layout, index):
    """分群 of a member with no 鄉鎮市區, and of an empty row, is blank: the message says so."""
    data = clean_data()
    data.tables["members"][1]["members.township"] = None
    ref = layout.fields["members.tier"]
    r, c = ref.cell_at(index)
    report = check_data(data, edits={(ref.sheet, r, c): (12_345, None)})
    found = [f for f in report.findings if f.rule == "FORMULA-TAMPERED"]
    assert [(f.sheet, f.cell, f.value) for f in found] == [(ref.sheet, a1.cell(r, c), 12_345)]
    assert "現被改為「12345」；系統已依原公式重新計算（應為 （空白））" in found[0].message


@pytest.mark.parametrize(
    ("typed", "warned"),
    [
        # what was typed over 營業稅 (小計 548,000 → 27,400), the BUDGET-TAX warning's value
        (27_400, None),
        (27_399, "27,399"),
        (27_401, "27,401"),
        (27_400.4, None),  # shown rounded: 27,400
        (27_400.6, "27,401"),
        (0, "0"),
        ("27400", None),  # text is not a number to compare (FORMULA-TAMPERED says enough)
        (True, None),  # nor is a ticked box
    ],
)
def test_a_typed_tax_is_compared_with_round_half_up_of_five_percent(layout, typed, warned):
    data = clean_data()
    assert sum(x["budget.unit_price"] * x["budget.quantity"] for x in data.tables["budget"]) == (
        548_000
    )
    ref = layout.fields["budget.tax"]
    report = check_data(data, edits={(ref.sheet, ref.first_row, ref.first_col): (typed, None)})
    found = [f for f in report.findings if f.rule == "BUDGET-TAX"]
    assert [(f.sheet, f.cell, f.value) for f in found] == (
        [(*cell(layout, "budget.tax"), warned)] if warned else []
    )
    assert "FORMULA-TAMPERED" in rules(report)
    if warned:
        assert f"營業稅填為新臺幣 {warned} 元，依未稅小計 548,000 元計算應為 27,400 元" in (
            found[0].message
        )


def test_what_each_tampered_cell_shows_and_should_show(layout):
    """By hand: 小計 548,000 + 5% 營業稅 27,400 = 總計 575,400; all 12 members are SMEs (100%).
    A cell with no field (the length counter beside 群聚名稱) is 「自動計算欄位」."""
    data = clean_data()
    sme, subtotal, total = (
        layout.fields[f] for f in ("panel.sme.current", "budget.subtotal", "budget.total")
    )
    edits = {
        (sme.sheet, sme.first_row, sme.first_col): (1, None),
        ("提案單位", 5, 4): (5, None),
        (subtotal.sheet, subtotal.first_row, subtotal.first_col): (0, "=1+1"),
        (total.sheet, total.first_row, total.first_col): None,
    }
    found = {
        f.cell: (f.value, f.message.split("：", 1)[1].split("。", 1)[0])
        for f in check_data(data, edits=edits).findings
        if f.rule == "FORMULA-TAMPERED"
    }
    assert found == {
        "C8": (1, "「符合中小企業認定標準之比例（目前）」原為自動計算，現被改為「1」；系統已依原公式重新計算（應為 100%）"),
        "D5": (5, "「自動計算欄位」原為自動計算，現被改為「5」；系統已依原公式重新計算（應為 依原公式重新計算之值）"),
        "B48": ("=1+1", "「小計(未稅)」原為自動計算，現被改為「=1+1」；系統已依原公式重新計算（應為 548,000）"),
        "B51": ("（空白）", "「總計」原為自動計算，現被改為「（空白）」；系統已依原公式重新計算（應為 575,400）"),
    }  # fmt: skip


def test_a_form_field_is_named_by_the_guide_even_when_the_field_map_says_otherwise(clean):
    """The hidden field map of an older or edited copy may carry another label: a form field is
    named by this year's spec (「小計(未稅)」), a panel cell by the field map (it is no form field)."""
    _, p, raw = clean
    refs = dict(p.refs)
    for fid in ("budget.subtotal", "panel.members.current"):
        refs[fid] = dataclasses.replace(refs[fid], label="舊範本的欄名")
    old = dataclasses.replace(p, refs=refs)
    named = {}
    for fid in ("budget.subtotal", "panel.members.current"):
        ref = refs[fid]
        (found,) = tampered(old, raw, ref.sheet, ref.first_row, ref.first_col, (0, None))
        named[fid] = found.message.split("原為自動計算", 1)[0].rsplit("「", 1)[1]
    assert named == {"budget.subtotal": "小計(未稅)」", "panel.members.current": "舊範本的欄名」"}


@pytest.mark.parametrize("fid", ["budget.subtotal", "budget.total", "panel.budget.current"])
def test_only_the_tax_cell_is_compared_with_the_tax(layout, fid):
    """A number typed over another budget figure is FORMULA-TAMPERED, never BUDGET-TAX."""
    ref = layout.fields[fid]
    report = check_data(clean_data(), edits={(ref.sheet, ref.first_row, ref.first_col): (1, None)})
    assert "FORMULA-TAMPERED" in rules(report) and "BUDGET-TAX" not in rules(report)
