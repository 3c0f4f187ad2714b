"""The Excel template, reopened with openpyxl: sheets, lists, validations, formulas, protection, map."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from clusterbook.workbook import a1
from clusterbook.workbook.grid import FIELD_MAP_HEADER, META_SHEET
from clusterbook.workbook.placeholders import key_formula
from clusterbook.workbook.xlsx import template_bytes


@pytest.fixture(scope="module")
def wb(template_file):
    return openpyxl.load_workbook(template_file)


def _validations(ws):
    return list(ws.data_validations.dataValidation)


def _covering(ws, ref):
    return [dv for dv in _validations(ws) if ref in dv.sqref]


def test_sheets_in_form_order_with_hidden_helpers(wb, program):
    titles = [ws.title for ws in wb.worksheets]
    assert titles == ["填寫說明", *[s.title for s in program.sheets], "_lists", "_meta"]
    assert wb["_lists"].sheet_state == "hidden" and wb["_meta"].sheet_state == "hidden"
    assert all(wb[t].sheet_state == "visible" for t in titles[:-2])


def test_meta_holds_identity_and_the_field_map(wb, layout, program):
    ws = wb[META_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    meta = {r[0]: r[1] for r in rows[1:5]}
    assert meta == {
        "template_id": program.template_id,
        "program": "dc112",
        "version": program.version,
        "spec_hash": program.spec_hash,
    }
    start = next(i for i, r in enumerate(rows) if r[:4] == FIELD_MAP_HEADER)
    mapping = {r[0]: (r[1], r[2], r[3]) for r in rows[start + 1 :] if r[0]}
    assert mapping == {f.field_id: (f.label, f.sheet, f.range) for f in layout.fields.values()}
    assert mapping["proposal.category"][1:] == ("提案單位", "B6")
    assert mapping["members.county"][2] == "I6:I55"


def test_fields_command_prints_the_same_map(layout):
    out = subprocess.run(
        [sys.executable, "-m", "clusterbook", "fields", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = json.loads(out)
    assert [r["field_id"] for r in rows] == list(layout.fields)
    assert rows[0].keys() == set(FIELD_MAP_HEADER)


def test_every_enumerated_input_has_a_dropdown(wb, layout, program):
    for fid, f in program.fields.items():
        if f.type not in ("enum", "yesno", "township"):
            continue
        ref = layout.fields[fid]
        ws = wb[ref.sheet]
        first = a1.cell(ref.first_row, ref.first_col)
        matrix = program.matrices.get(f.table or "")
        last_col = ref.last_col - (matrix.stride - 1 if matrix else 0)  # a matrix's last value
        last = a1.cell(ref.last_row, last_col)
        dvs = [dv for dv in _covering(ws, first) if dv.type == "list"]
        assert dvs, fid
        assert any(last in dv.sqref for dv in _validations(ws) if dv.type == "list"), fid
        assert all(dv.showErrorMessage and dv.error for dv in dvs), fid


def test_list_names_point_at_the_lists(wb, program):
    names = wb.defined_names
    ref = names["L_categories"].attr_text
    assert ref == "'_lists'!$A$2:$A$3"
    values = [c.value for c in wb["_lists"]["A"][1:3]]
    assert values == ["A類", "B類"]
    for i, county in enumerate(program.counties, start=1):
        dest = next(iter(names[f"TW_{i}"].destinations))
        cells = wb[dest[0]][dest[1].replace("$", "")]
        towns = [row[0].value for row in cells]
        assert towns == [t.township for t in program.townships if t.county == county]


def test_township_dropdown_depends_on_the_county(wb, layout):
    ws = wb["群聚成員"]
    town = layout.fields["members.township"]
    dv = next(dv for dv in _validations(ws) if a1.cell(town.first_row, town.first_col) in dv.sqref)
    county_col = a1.col_letter(layout.fields["members.county"].first_col)
    assert dv.formula1 == f'INDIRECT("TW_"&MATCH({county_col}6,L_counties,0))'
    assert str(dv.sqref) == town.range


@pytest.mark.parametrize(
    ("fid", "kind", "low", "high"),
    [
        ("members.employees", "decimal", "0", "10000000"),
        ("unit.employees", "decimal", "0", "10000000"),
        ("budget.unit_price", "whole", "0", "1000000000000"),
        ("members.founded_year", "whole", "1", "113"),
        ("members.revenue_physical", "decimal", "0", "1"),
    ],
)
def test_numeric_validations(wb, layout, fid, kind, low, high):
    ref = layout.fields[fid]
    dv = _covering(wb[ref.sheet], a1.cell(ref.first_row, ref.first_col))[0]
    assert (dv.type, dv.formula1, dv.formula2) == (kind, low, high)
    assert dv.error and dv.prompt


def test_ubn_cells_check_eight_digits_and_are_text(wb, layout):
    for fid in ("unit.ubn", "members.ubn"):
        ref = layout.fields[fid]
        ws = wb[ref.sheet]
        top = a1.cell(ref.first_row, ref.first_col)
        dv = _covering(ws, top)[0]
        assert dv.type == "custom" and dv.formula1 == f"AND(LEN({top})=8,ISNUMBER(VALUE({top})))"
        assert ws[top].number_format == "@"


def test_formulas_subtotals_and_tier_lookup(wb, layout):
    def formula(fid, index=None):
        ref = layout.fields[fid]
        r, c = (ref.first_row, ref.first_col) if index is None else ref.cell_at(index)
        return wb[ref.sheet].cell(r, c).value

    county, town = key_formula("I6"), key_formula("J6")
    assert formula("members.tier", 0) == (
        f'=IF(OR({county}="",{town}=""),"",'
        f'IFERROR(INDEX(T_TIER,MATCH({county}&"|"&{town},T_KEY,0)),"查無"))'
    )
    assert formula("budget.amount", 2) == '=IF(AND(D10="",E10=""),"",N(D10)*N(E10))'
    assert formula("budget.subtotal") == "=SUM($G$8:$G$37)"
    assert formula("budget.tax") == "=ROUND($B$48*0.05,0)"
    assert formula("budget.tax_share") == "=IF(N($B$51)=0,0,$B$49/$B$51)"
    assert formula("budget.total") == "=$B$48+$B$49"
    assert formula("budget_summary.amount", 0) == "=SUMIF($B$8:$B$37,A41,$G$8:$G$37)"
    assert formula("kpis.split_ok", 0).startswith('=IF(AND(F8="",G8="",H8="")')
    assert formula("cluster_assessment.initial_score", 0) == (
        f"=IF(ISNUMBER(MATCH({key_formula('E10')},A_yesno_1,0)),1,0)"
    )
    assert formula("cluster_subtotals.initial", 0) == "=SUMIF($A$10:$A$76,A80,$G$10:$G$76)"
    assert formula("panel.budget.current") == "='經費需求'!$B$51"
    assert formula("summary.budget") == "='經費需求'!$B$51"


def test_choice_keys_drop_what_the_checker_drops():
    assert key_formula("A1") == (
        "SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(CLEAN(A1),"
        '" ",""),"\u00a0",""),"\u3000",""),"\u200b",""),"\ufeff",""),"\ufe0f","")'
    )


def test_basic_work_items_are_prefilled_with_editable_examples(wb, layout):
    ref = layout.fields["kpis.name"]
    ws = wb[ref.sheet]
    names = [ws.cell(*ref.cell_at(i)).value for i in range(4)]
    assert names[:3] == [
        "群聚討論會議",
        "提升數位能力及經營管理數據分析研習(每次至少2小時)",
        "跨群聚交流參訪",
    ]
    assert names[3] is None
    # the guide's 灰底字為舉例參考: the example text is grey and editable; the kind stays locked
    assert not ws.cell(*ref.cell_at(0)).protection.locked
    assert ws.cell(*ref.cell_at(0)).font.i
    kind = layout.fields["kpis.kind"]
    assert ws.cell(*kind.cell_at(0)).protection.locked
    assert not ws.cell(*ref.cell_at(3)).protection.locked
    total = layout.fields["kpis.total"]
    assert not ws.cell(*total.cell_at(0)).protection.locked


def test_protection_locks_formulas_and_opens_inputs(wb, layout, program):
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password
    for fid, f in program.fields.items():
        ref = layout.fields[fid]
        cell = wb[ref.sheet].cell(ref.first_row, ref.first_col)
        if f.is_input and not (
            ref.sheet == "績效指標" and ref.first_row == layout.fields["kpis.kind"].first_row
        ):
            assert not cell.protection.locked, fid
            assert cell.fill.start_color.rgb.endswith("FFF9DB"), fid
        elif f.type == "formula":
            assert cell.protection.locked, fid
            assert str(cell.value).startswith("="), fid


def test_frozen_headers_and_a4(wb):
    assert wb["群聚成員"].freeze_panes == "D6"
    assert wb["資格檢核"].freeze_panes == "A5"
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        if ws.sheet_state == "visible":  # a set scale, never shrunk to fit (tests/test_print.py)
            assert not ws.sheet_properties.pageSetUpPr.fitToPage
            assert 80 <= int(ws.page_setup.scale) <= 100


def test_instructions_cover_sheets_fields_and_rules(wb, program, layout):
    text = {c.value for row in wb["填寫說明"].iter_rows() for c in row if c.value}
    assert all(s.title in text for s in program.sheets)
    assert all(rule in text for rule in program.rules)
    assert layout.fields["members.county"].range in text
    assert "必填" in "".join(str(t) for t in text)


def test_panel_lists_every_eligibility_check(wb, program):
    ws = wb["資格檢核"]
    rules = [ws.cell(r, 5).value for r in range(5, 5 + len(program.panel.rows))]
    assert rules == [r.rule for r in program.panel.rows]
    assert {
        "ELIG-MEMBERS-MIN",
        "ELIG-LEADER",
        "ELIG-SME-RATIO",
        "BUDGET-CAP",
        "WORK-VISITS",
    } <= set(rules)


def test_live_character_counts(wb, layout):
    ref = layout.fields["summary.theme"]
    count = wb[ref.sheet].cell(ref.first_row, ref.first_col + 2).value
    assert count.startswith('="目前 "&LEN($B$') and "50" in count


def test_template_is_deterministic():
    assert template_bytes("dc112") == template_bytes("dc112")


def test_template_command_uses_a_cache_with_the_same_bytes(tmp_path, template_cache):
    from clusterbook.workbook import cache

    for name in ("a.xlsx", "b.xlsx"):
        result = subprocess.run(
            [sys.executable, "-m", "clusterbook", "template", "-o", str(tmp_path / name)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
    assert (
        (tmp_path / "a.xlsx").read_bytes()
        == (tmp_path / "b.xlsx").read_bytes()
        == template_bytes("dc112")
    )
    assert len(list(template_cache.glob("dc112-*.xlsx"))) == 1
    assert cache.template_bytes("dc112") == template_bytes("dc112")


def test_cache_key_follows_the_spec(tmp_path, program):
    import shutil

    from clusterbook.workbook.cache import cache_key

    copy = tmp_path / "dc112"
    shutil.copytree(program.path, copy)
    assert cache_key(copy) == cache_key(program.path)
    (copy / "lists.yaml").write_text(
        (copy / "lists.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert cache_key(copy) != cache_key(program.path)
