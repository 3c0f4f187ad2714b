"""File shapes that spreadsheet programs write, built by hand (zip and XML written here) and read
by the .xlsx reader: its cells equal openpyxl's, or the expected value where openpyxl itself is
wrong (it leaves ``_xHHHH_`` escapes undecoded)."""

from __future__ import annotations

import codecs
import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from clusterbook.importers import check_rawbook
from clusterbook.importers.clean import Cleaner
from clusterbook.importers.xlsx import Limits, UnreadableError, read_xlsx_bytes
from clusterbook.importers.xmltext import string_item
from tests import hostile
from tests.compare import MAIN, openpyxl_view, package, reader_view, shared_strings, worksheet
from tests.helpers import TODAY, typed_dates

# --- 1. phonetic runs ------------------------------------------------------------------------

PHONETIC = (
    '<t>批次号</t><rPh sb="0" eb="1"><t>pi ci hao</t></rPh><phoneticPr fontId="1"/>',
    "<t>花蓮縣</t>"
    '<rPh sb="0" eb="1"><t>ㄏㄨㄚ</t></rPh><rPh sb="1" eb="2"><t>ㄌㄧㄢˊ</t></rPh>'
    '<rPh sb="2" eb="3"><t>ㄒㄧㄢˋ</t></rPh><phoneticPr fontId="1" type="noConversion"/>',
    # rich text runs, then hints (Excel writes runs first, hints after)
    '<r><rPr><b/></rPr><t>東京</t></r><r><t xml:space="preserve"> 都</t></r>'
    '<rPh sb="0" eb="2"><t>とうきょう</t></rPh><rPh sb="3" eb="4"><t>と</t></rPh>',
    '<t>空白讀音</t><rPh sb="0" eb="1"/><phoneticPr fontId="0"/>',
)


def test_phonetic_runs_are_not_text():
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>{i - 1}</v></c></row>' for i in (1, 2, 3, 4))
    rows += (
        '<row r="5"><c r="A5" t="inlineStr"><is><t>臺東縣</t>'
        '<rPh sb="0" eb="1"><t>ㄊㄞˊ</t></rPh></is></c></row>'
    )
    data = package({"S": worksheet(rows)}, strings=shared_strings(*PHONETIC))
    view = reader_view(data)
    assert view == openpyxl_view(data)
    hint_in_a_run = '<r><t>東</t><rPh sb="0" eb="1"><t>ひがし</t></rPh></r>'.encode()
    assert string_item(hint_in_a_run) == "東"  # not where Excel writes hints, still a hint
    assert [view["S"][0][(i, 1)] for i in range(1, 6)] == [
        "批次号",
        "花蓮縣",
        "東京 都",
        "空白讀音",
        "臺東縣",
    ]


def test_phonetic_runs_with_a_namespace_prefix():
    items = "".join(
        f"<x:si>{item.replace('<', '<x:').replace('<x:/', '</x:')}</x:si>" for item in PHONETIC[:2]
    )
    strings = f'<x:sst xmlns:x="{MAIN}">{items}</x:sst>'
    rows = '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row>'
    sheet = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{rows}</x:sheetData></x:worksheet>'
    data = package({"S": sheet}, strings=strings)
    assert reader_view(data) == openpyxl_view(data)
    assert reader_view(data)["S"][0] == {(1, 1): "批次号", (1, 2): "花蓮縣"}


def test_a_county_with_a_zhuyin_hint_is_the_county(layout):
    """The 縣市 cells of every member carry a reading hint, as East Asian Excel saves them."""
    data = hostile.clean_data("hualien-valley")
    counties = [m["members.county"] for m in data.tables["members"]]
    items = [
        f'<t>{c}</t><rPh sb="0" eb="{len(c)}"><t>ㄏㄨㄚ ㄌㄧㄢˊ ㄒㄧㄢˋ</t></rPh>' for c in counties
    ]
    sst = shared_strings(*items)
    cells = {}
    for i in range(len(counties)):
        ref = hostile.field_cell("members.county", i)
        cells[ref] = f'<c r="{ref}" t="s"><v>{i}</v></c>'
    raw = hostile.edit_sheets(hostile.filled_bytes(data), {"群聚成員": cells})
    raw = hostile.rezip(
        hostile.edit_part(
            raw,
            "[Content_Types].xml",
            lambda x: x.replace(
                "</Types>",
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ),
        ),
        lambda name, body: None if name == "xl/sharedStrings.xml" else body,
        extra={"xl/sharedStrings.xml": sst.encode()},
    )
    hinted = check_rawbook(read_xlsx_bytes(raw, "hinted.xlsx"), today=TODAY)
    plain = check_rawbook(read_xlsx_bytes(hostile.filled_bytes(data), "p.xlsx"), today=TODAY)
    assert "FIELD-ENUM" not in {f.rule for f in hinted.findings}
    assert _located(hinted) == _located(plain)
    assert hinted.proposal.tables["members"]["county"].tolist() == counties


def _located(report):
    return sorted((f.rule, f.sheet, f.cell, f.severity) for f in report.findings)


# --- 2. the 1904 date system -----------------------------------------------------------------


@pytest.mark.parametrize(
    "workbook_pr",
    [
        '<workbookPr date1904="1"/>',
        '<workbookPr defaultThemeVersion="164011" date1904="true"/>',  # LibreOffice's spelling
        f'<x:workbookPr xmlns:x="{MAIN}" date1904="1" />',
    ],
)
def test_the_1904_date_system_is_read(workbook_pr):
    rows = '<row r="1"><c r="A1" s="1"><v>43532</v></c><c r="B1" s="1"><v>43532.75</v></c></row>'
    data = package({"S": worksheet(rows)}, workbook_pr=workbook_pr)
    book = read_xlsx_bytes(data, "mac.xlsx")
    assert book.date1904
    assert reader_view(data) == openpyxl_view(data)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.epoch == CALENDAR_MAC_1904
    assert wb["S"]["A1"].value == dt.datetime(2023, 3, 9)


def test_the_1900_date_system_is_the_default():
    for pr in ("", "<workbookPr/>", '<workbookPr date1904="0"/>', '<workbookPr date1904="false"/>'):
        data = package({"S": worksheet('<row r="1"><c r="A1"><v>1</v></c></row>')}, workbook_pr=pr)
        assert not read_xlsx_bytes(data, "win.xlsx").date1904, pr


def test_serials_convert_with_the_workbook_epoch(program):
    date_field = program.fields["proposal.date"]
    year_field = next(f for f in program.fields.values() if f.type == "year")
    for date1904, serial in ((False, 44994), (True, 43532)):
        cleaner = Cleaner(program, date1904=date1904)
        assert cleaner.clean(date_field, serial).value == dt.date(2023, 3, 9)
        assert cleaner.clean(date_field, serial + 0.5).value == dt.date(2023, 3, 9)
        assert cleaner.clean(year_field, serial).value == 112
    assert Cleaner(program).clean(date_field, 43532).value == dt.date(2019, 3, 8)


def test_the_same_proposal_in_either_date_system_gives_the_same_findings(program):
    from openpyxl.utils.datetime import WINDOWS_EPOCH

    data = hostile.clean_data("hualien-valley")
    mac, windows = typed_dates(data, CALENDAR_MAC_1904), typed_dates(data, WINDOWS_EPOCH)
    mac_book, windows_book = (read_xlsx_bytes(d, "p.xlsx") for d in (mac, windows))
    assert mac_book.date1904 and not windows_book.date1904
    a = check_rawbook(mac_book, today=TODAY)
    b = check_rawbook(windows_book, today=TODAY)
    assert [(f.rule, f.sheet, f.cell, f.message) for f in a.findings] == [
        (f.rule, f.sheet, f.cell, f.message) for f in b.findings
    ]
    assert a.proposal.fields == b.proposal.fields
    assert a.proposal.fields["proposal.date"] == dt.date(2023, 3, 1)
    typed = [
        Cleaner(program)
        .clean(program.fields["members.approved_on"], m["members.approved_on"])
        .value
        for m in data.tables["members"]
    ]
    for report in (a, b):
        assert report.proposal.tables["members"]["approved_on"].tolist() == typed
    shown = next(f for f in a.findings if f.value == "112/03/01")
    assert "由「2023/3/1」整理為「112/03/01」" in shown.message  # the date, not its serial


def test_iso_8601_date_cells_are_dates(program):
    """``t="d"`` (ISO 8601, as some generators and Strict files write dates): a datetime."""
    rows = '<row r="1"><c r="A1" t="d"><v>2023-03-09T00:00:00</v></c><c r="B1" t="d"><v>x</v></c></row>'
    data = package({"S": worksheet(rows)})
    cells = read_xlsx_bytes(data, "iso.xlsx").sheet("S").cells
    assert cells[(1, 1)] == (dt.datetime(2023, 3, 9), None)
    assert cells[(1, 2)] == ("x", None)
    date_field = program.fields["proposal.date"]
    assert Cleaner(program).clean(date_field, cells[(1, 1)][0]).value == dt.date(2023, 3, 9)
    iso_only = package({"S": worksheet(rows.replace('<c r="B1" t="d"><v>x</v></c>', ""))})
    assert reader_view(iso_only) == openpyxl_view(iso_only)


# --- 3. cells and rows without r --------------------------------------------------------------

WITHOUT_R = (
    '<row><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c></row>'  # row 1: A1, B1
    '<row><c s="1"/><c><v>3</v></c><c t="b"><v>1</v></c></row>'  # row 2: B2, C2
    "<row/>"  # row 3, empty
    '<row r="7"><c r="C7"><v>4</v></c><c><v>5</v></c></row>'  # D7 follows C7
    '<row spans="1:3"><c><f>A1+1</f><v>2</v></c></row>'  # row 8
    '<row r="9"><c r="B9" s="0"/><c t="str"><f>"x"&amp;A1</f><v>x1</v></c></row>'  # C9
)


def test_cells_and_rows_without_r_follow_from_order():
    data = package({"S": worksheet(WITHOUT_R)})
    cells = reader_view(data)["S"][0]
    assert cells == {
        (1, 1): 1.0,
        (1, 2): "b",
        (2, 2): 3.0,
        (2, 3): True,
        (7, 3): 4.0,
        (7, 4): 5.0,
        (8, 1): "=A1+1",
        (9, 3): '="x"&A1',
    }
    assert reader_view(data) == openpyxl_view(data)


def test_cells_without_r_with_a_namespace_prefix():
    rows = WITHOUT_R.replace("<", "<x:").replace("<x:/", "</x:")
    sheet = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{rows}</x:sheetData></x:worksheet>'
    data = package({"S": sheet})
    assert reader_view(data) == reader_view(package({"S": worksheet(WITHOUT_R)}))
    assert reader_view(data) == openpyxl_view(data)


def test_a_proposal_without_references_reads_as_openpyxl_places_it():
    """Every r stripped from every cell and row of a filled proposal: positions by order
    (the merged ranges, which would cover other cells now, are removed too)."""
    import re

    def strip(name: str, body: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return body
        body = re.sub(rb"<mergeCells.*?</mergeCells>", b"", body)
        return re.sub(rb'(<(?:c|row)) r="[A-Z]*[0-9]+"', rb"\1", body)

    data = hostile.rezip(hostile.base("no-r"), strip)
    assert reader_view(data) == openpyxl_view(data)


# --- 4. line ends -----------------------------------------------------------------------------


def test_line_ends_follow_xml_end_of_line_handling():
    texts = (
        ("一\r\n二", "一\n二"),  # a literal CR LF is LF
        ("一\r二", "一\n二"),  # so is a lone CR
        ("一_x000D_\r\n二", "一\r\n二"),  # an escaped CR, then a line end: CR LF
        ("一_x000D__x000A_二", "一\r\n二"),
        ("一&#13;&#10;二", "一\r\n二"),
    )
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t xml:space="preserve">{raw}</t></is></c>'
        f'<c r="B{i}" t="s"><v>{i - 1}</v></c></row>'
        for i, (raw, _) in enumerate(texts, 1)
    )
    strings = shared_strings(*(f"<t>{raw}</t>" for raw, _ in texts))
    data = package({"S": worksheet(rows)}, strings=strings)
    cells = reader_view(data)["S"][0]
    for i, (_, expected) in enumerate(texts, 1):
        assert cells[(i, 1)] == cells[(i, 2)] == expected, i
    assert cells == openpyxl_view(data)["S"][0]


# --- 5. UTF-16 parts --------------------------------------------------------------------------


def _utf16(codec: str):
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE

    def encode(name: str, xml: str) -> bytes:
        if name == "[Content_Types].xml":
            return xml.encode()
        return bom + ('<?xml version="1.0" encoding="UTF-16"?>' + xml).encode(codec)

    return encode


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_parts_are_decoded(codec):
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>臺南市</t></is></c>'
        '<c r="C1"><v>12.5</v></c><c r="D1"><f>SUM(C1:C2)</f><v>12.5</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    )
    sheet = worksheet(rows, '<mergeCells count="1"><mergeCell ref="E1:F2"/></mergeCells>')
    strings = shared_strings("<t>花蓮縣</t>", "<t>🍵 茶</t>")
    data = package({"成員": sheet}, strings=strings, encode=_utf16(codec))
    view = reader_view(data)
    assert view == openpyxl_view(data)
    assert view["成員"] == (
        {(1, 1): "花蓮縣", (1, 2): "臺南市", (1, 3): 12.5, (1, 4): "=SUM(C1:C2)", (2, 1): "🍵 茶"},
        [(1, 5, 2, 6)],
    )


def _declared(encoding: str, codec: str, value: str) -> bytes:
    rows = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{value}</t></is></c></row>'

    def encode(name: str, xml: str) -> bytes:
        if name.endswith("sheet1.xml"):
            return (f'<?xml version="1.0" encoding="{encoding}"?>' + xml).encode(codec)
        return xml.encode()

    return package({"S": worksheet(rows)}, encode=encode)


def test_a_declared_encoding_is_decoded():
    data = _declared("ISO-8859-1", "latin-1", "Café")
    assert reader_view(data) == openpyxl_view(data) == {"S": ({(1, 1): "Café"}, [])}
    # Big5, as old Traditional Chinese tools write (openpyxl needs lxml for it)
    assert reader_view(_declared("Big5", "big5", "臺南市")) == {"S": ({(1, 1): "臺南市"}, [])}


@pytest.mark.parametrize("declared", ["punycode", "utf-7", "base64", "UTF-16", "no-such-codec"])
def test_other_declared_encodings_are_read_as_utf8(declared):
    """Codecs no spreadsheet program writes (some decode in quadratic time): UTF-8."""
    data = _declared(declared, "utf-8", "臺南市")
    assert reader_view(data) == {"S": ({(1, 1): "臺南市"}, [])}


def test_utf16_sheets_count_against_the_cell_limit():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 301))
    data = package({"S": worksheet(rows)}, encode=_utf16("utf-16-le"))
    assert len(read_xlsx_bytes(data, "x.xlsx", Limits(max_cells=300)).sheet("S").cells) == 300
    with pytest.raises(UnreadableError, match="儲存格超過"):
        read_xlsx_bytes(data, "x.xlsx", Limits(max_cells=299))


def test_a_part_that_grows_past_the_limit_when_decoded_is_refused():
    rows = (
        f'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[{"&" * 40_000}]]></t></is></c></row>'
    )
    data = package({"S": worksheet(rows)})
    with pytest.raises(UnreadableError, match="上限"):
        read_xlsx_bytes(data, "x.xlsx", Limits(part_bytes=100_000))  # on opening, as for sizes
    assert read_xlsx_bytes(data, "x.xlsx", Limits(part_bytes=300_000)).sheet("S").cells[(1, 1)] == (
        "&" * 40_000,
        None,
    )


# --- 6. CDATA sections and comments -----------------------------------------------------------


def test_cdata_sections_are_text():
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a < b & c]]></t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>x<![CDATA[<y>]]>z &amp; w</t></is></c>'
        '<c r="C1" t="s"><v>0</v></c>'
        '<c r="D1" t="str"><f><![CDATA[IF(A1<>"",1,2)]]></f><v><![CDATA[1]]></v></c>'
        '<c r="E1" t="inlineStr"><is><r><t><![CDATA[]]]]></t></r><r><t><![CDATA[>]]></t></r></is></c>'
        "</row>"
        '<!-- a comment is not content: <row r="2"><c r="A2"><v>9</v></c></row> -->'
    )
    strings = shared_strings('<t><![CDATA[<b>粗</b>]]></t><rPh sb="0" eb="1"><t>ㄘㄨ</t></rPh>')
    data = package({"S": worksheet(rows)}, strings=strings)
    view = reader_view(data)
    assert view == openpyxl_view(data)
    assert view["S"][0] == {
        (1, 1): "a < b & c",
        (1, 2): "x<y>z & w",
        (1, 3): "<b>粗</b>",
        (1, 4): '=IF(A1<>"",1,2)',
        (1, 5): "]]>",
    }


# --- shapes the heavy hostile files hold, small ------------------------------------------------


def test_shared_formulas_and_empty_rows_read_as_openpyxl_reads_them():
    rows = (
        '<row r="1" spans="1:4"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">'
        'A1*2+$A$1</f><v>3</v></c><c r="C1"><f t="array" ref="C1">SUM(A1:A3*2)</f>'
        "<v>12</v></c></row>"
        '<row r="2" ht="30" customHeight="1"/>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>7</v></c></row>'
        + "".join(f'<row r="{r}" ht="30"/>' for r in range(4, 200))
        + '<row r="200"><c r="D200" t="inlineStr"><is><t>遠</t></is></c></row>'
    )
    data = package({"S": worksheet(rows)})
    view = reader_view(data)
    assert view == openpyxl_view(data)
    assert view["S"][0][(3, 2)] == "=A3*2+$A$1"
