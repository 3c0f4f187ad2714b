"""The workbook prints: page setup, repeated headers, page groups, readable scale, fitted rows,
headers and footers; and (LibreOffice) the filled demo workbooks printed to PDF."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from clusterbook.document import to_pdf
from clusterbook.importers import check_source
from clusterbook.samples import random_proposal, sample_proposals
from clusterbook.workbook import printing
from clusterbook.workbook.fill import fill_file
from clusterbook.workbook.xlsx import template_bytes
from tests.test_document import (
    assert_printed_whole,
    page_text,
    pages,
    pdf_text,
    smallest_type,
)

LONG = "本群聚成員以在地特色產業為核心，透過數位工具整合營運資料與顧客回饋，逐步建立共同品牌。"


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(io.BytesIO(template_bytes("dc112")))


def long_proposal():
    """A random proposal with a 群聚組成特色與優勢分析 of about 1,100 characters (its row is
    taller than a page at the sheet's usual scale) and long 預期差異 rows."""
    data = random_proposal(7, members=12)
    data.fields["narrative.strengths"] = "\n".join([LONG * 4] * 6) + "最後一句完整印出。"
    data.tables["gaps"] = [
        {
            "gaps.problem": f"第{i}列問題：{LONG * 2}",
            "gaps.solution": LONG * 4,
            "gaps.result": f"{LONG}第{i}列完。",
        }
        for i in range(1, 5)
    ]
    return data


@pytest.fixture(scope="module")
def filled(tmp_path_factory, template_file):
    """The four demo proposals and one with long texts, filled in as clusterbook fills them,
    and their reports."""
    folder = tmp_path_factory.mktemp("print")
    out = {}
    for key, data in [*sample_proposals(), ("long-texts", long_proposal())]:
        path = folder / f"{key}.xlsx"
        fill_file(str(template_file), data, str(path))
        out[key] = (path, check_source(path))
    return out


def visible(wb):
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def smallest_font(ws) -> float:
    return min(float(c.font.sz) for row in ws.iter_rows() for c in row if c.value is not None)


def test_every_sheet_prints_at_a_readable_scale(template):
    for ws in visible(template):
        setup = ws.page_setup
        assert int(setup.paperSize) == 9 and not ws.sheet_properties.pageSetUpPr.fitToPage
        assert smallest_font(ws) * int(setup.scale) / 100 >= printing.MIN_PRINTED_PT, ws.title
        assert ws.print_area, ws.title


def test_every_cell_names_its_font(template):
    for ws in visible(template):
        names = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
        assert names == {printing.FONT}, (ws.title, names)
    assert template._named_styles["Normal"].font.name == printing.FONT


def test_headers_footers_and_repeated_rows(template):
    for ws in visible(template):
        assert ws.oddFooter.center.text == "第 &P 頁／共 &N 頁"
        assert ws.oddHeader.right.text == "&A"
        assert "提案計畫書" in ws.oddHeader.left.text
    assert template["群聚成員"].print_title_rows == "$4:$5"
    assert template["群聚成員"].print_title_cols == "$A:$B"
    assert template["成員自我評估"].print_title_cols == "$A:$E"
    assert template["績效指標"].print_title_rows
    assert template["經費需求"].print_title_rows is None  # two tables: no header over the other


def test_wide_sheets_break_between_column_groups(template, layout):
    members = template["群聚成員"]
    starts = {
        layout.fields[c.id].first_col
        for t in [layout.program.tables["members"]]
        for c, prev in zip(t.columns[1:], t.columns, strict=False)
        if c.group != prev.group
    }
    breaks = [b.id for b in members.col_breaks.brk]
    assert len(breaks) >= 2
    assert sum(b + 1 in starts for b in breaks) >= len(breaks) - 1  # whole groups per page
    matrix = template["成員自我評估"]
    first = layout.fields["member_assessment.value"].first_col
    assert all((b + 1 - first) % 2 == 0 for b in (b.id for b in matrix.col_breaks.brk))


def test_template_rows_grow_as_text_is_typed(template_file):
    with zipfile.ZipFile(template_file) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b'customHeight="1"' in z.read(n) for n in sheets)


def test_instructions_fit_one_page_across(template):
    ws = template["填寫說明"]
    assert not ws.col_breaks.brk and ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.scale) >= 90


def test_filled_workbook_headers_rows_and_area(filled, layout):
    path, report = filled["hualien-valley"]
    wb = openpyxl.load_workbook(path)
    p = report.proposal
    for ws in visible(wb):
        assert ws.oddHeader.left.text.startswith("縱谷慢遊數位群聚｜")
    members = wb["群聚成員"]
    first = layout.fields["members.name"].first_row
    n = len(p.tables["members"])
    assert not any(members.row_dimensions[first + i].hidden for i in range(n))
    assert all(members.row_dimensions[first + i].hidden for i in range(n, 50))
    matrix = wb["成員自我評估"]
    ref = layout.fields["member_assessment.value"]
    last = openpyxl.utils.column_index_from_string(
        re.match(r".*:\$?([A-Z]+)\$?\d+$", matrix.print_area).group(1)
    )
    assert last == ref.first_col + 2 * n - 1
    narrative = layout.fields["narrative.motivation"]
    lines = printing.lines(p.fields["narrative.motivation"], 48 * printing.UNIT_PT, 10)
    height = wb[narrative.sheet].row_dimensions[narrative.first_row].height
    assert height >= lines * 10 * printing.LINE


def test_headers_and_footers_print_at_8_pt_or_more(filled):
    path, _ = filled["changhua-tea"]
    wb = openpyxl.load_workbook(path)
    for ws in visible(wb):
        scale = int(ws.page_setup.scale)
        for part in (ws.oddHeader.left, ws.oddHeader.right, ws.oddFooter.center):
            assert part.size * scale / 100 >= printing.MIN_PRINTED_PT, (ws.title, scale)


def test_a_row_taller_than_a_page_lowers_the_scale(filled, layout):
    sheet = layout.fields["narrative.strengths"].sheet
    usual = openpyxl.load_workbook(filled["hualien-valley"][0])[sheet]
    wb = openpyxl.load_workbook(filled["long-texts"][0])
    ws = wb[sheet]
    assert int(ws.page_setup.scale) < int(usual.page_setup.scale)
    for ws in visible(wb):
        scale = int(ws.page_setup.scale)
        page = printing.usable_pt(ws.page_setup.orientation)[1]
        tallest = max(printing.row_height(ws, r) for r in range(1, ws.max_row + 1))
        assert tallest * scale / 100 <= page or scale == printing.min_scale(), ws.title


def test_a_heading_keeps_its_table_header_and_first_entry(filled, layout):
    wb = openpyxl.load_workbook(filled["long-texts"][0])
    for sl in layout.sheets:
        if sl.hidden:
            continue
        ws = wb[sl.title]
        inputs = {r for (r, _), cell in sl.cells.items() if not cell.locked}
        breaks = {b.id for b in ws.row_breaks.brk}
        for (r, c), cell in sl.cells.items():
            if c != 1 or cell.style != "section":
                continue
            lead = [k for k in range(r + 1, r + 5) if k in inputs and printing.row_height(ws, k)]
            assert not breaks & set(range(r, lead[0] if lead else r + 1)), (sl.title, r)


# -- LibreOffice: the printed workbooks --------------------------------------------------------
@pytest.fixture(scope="module")
def printed(filled):
    """The filled workbooks printed to PDF in one LibreOffice run, as their print setup says."""
    paths = [path for path, _ in filled.values()]
    return dict(zip(filled, to_pdf(paths), strict=True))


@pytest.mark.libreoffice
def test_printed_workbook_holds_every_member_narrative_kpi_and_total(filled, printed):
    for key, (_, report) in filled.items():
        p = report.proposal
        text = pdf_text(printed[key])
        assert_printed_whole(p, text, key)
        assert f"總計{p.totals['budget.total']:,}" in text, key


@pytest.mark.libreoffice
def test_printed_workbook_pages_are_sane(filled, printed):
    for key, pdf in printed.items():
        members = len(filled[key][1].proposal.tables["members"])
        assert 20 <= pages(pdf) <= 40 + 2 * members, (key, pages(pdf))
        blank = [
            i
            for i in range(1, pages(pdf) + 1)
            if len(page_text(pdf, i)) <= len("第1頁／共99頁") + 60  # header and footer only
        ]
        assert not blank, (key, blank)


@pytest.mark.libreoffice
def test_printed_workbook_type_is_at_least_8_pt(printed):
    for key, pdf in printed.items():  # headers and footers too: they shrink with the page
        assert smallest_type(pdf) >= printing.MIN_PRINTED_PT, key


@pytest.mark.libreoffice
def test_printed_long_texts_are_whole_and_headed(printed):
    pdf = printed["long-texts"]
    text = pdf_text(pdf)
    assert "最後一句完整印出。" in text
    for i in range(1, 5):
        assert f"第{i}列完。" in text
    page = next(i for i in range(1, pages(pdf) + 1) if "第1列問題" in page_text(pdf, i))
    assert "解決方法與評估方式說明" in page_text(pdf, page)  # the header is on its page
