"""`clusterbook document`: the 提案計畫書 read back with python-docx against the workbook's
fields, the form's checkboxes, one stamped file per member, the CLI; and (LibreOffice) the PDF."""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from clusterbook.document import to_pdf, write_document
from clusterbook.document.layout import DOCUMENT_FILE, load_document
from clusterbook.importers import check_source
from clusterbook.samples import sample_proposals
from clusterbook.workbook.fill import fill_file
from clusterbook.workbook.programs import SPEC_FILES, TEMPLATES, SpecError

MEMBER_STAMP = "群聚成員單位用印(企業大章及負責人章)"
UNIT_STAMP = "提案單位用印(單位大章及負責人章)"


@pytest.fixture(scope="module")
def built(tmp_path_factory, template_file):
    """The four demo proposals: workbook, report, and the document with one file per member."""
    folder = tmp_path_factory.mktemp("document")
    out = {}
    for key, data in sample_proposals():
        book = folder / f"{key}.xlsx"
        fill_file(str(template_file), data, str(book))
        report = check_source(book)
        written = write_document(report.proposal, folder / f"{key}.docx", records_dir=folder / key)
        out[key] = (report, written)
    return out


def text_of(path: Path) -> str:
    """Every paragraph of a .docx (body and table cells, in order), one per line."""
    body = docx.Document(str(path)).element.body
    lines = []
    for p in body.iter(qn("w:p")):
        parts = []
        for node in p.iter(qn("w:t"), qn("w:br")):
            parts.append("\n" if node.tag == qn("w:br") else node.text or "")
        lines.append("".join(parts))
    return "\n".join(lines)


def shown(value, field) -> list[str]:
    """What the document must show for a value: its parts, amounts with thousands separators,
    民國 dates (short or long)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, dt.date):
        return [f"{value.year - 1911} 年 {value.month} 月 {value.day} 日"]
    if field.type == "percent":
        return [f"{value:.0%}"]
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        number = int(value) if float(value).is_integer() else value
        return [f"{number:,}"]
    if field.list == "consents":
        return []  # a ■/□ before the sentence (test_consents_are_ticked)
    text = str(value)
    parts = text.split("、") if field.type == "multi" else text.split("\n")
    return [p.strip() for p in parts if p.strip()]


def test_every_field_of_the_workbook_is_in_the_document(built):
    for key, (report, written) in built.items():
        p = report.proposal
        text = text_of(written.document)
        fields = p.program.fields
        missing = [
            (fid, want)
            for fid, value in p.fields.items()
            if fields[fid].is_input
            for want in shown(value, fields[fid])
            if want not in text
        ]
        for tid, frame in p.tables.items():
            if tid in ("members", "member_assessment") or tid not in p.program.tables:
                continue
            for row in frame.to_dict("records"):
                for name, value in row.items():
                    f = fields.get(f"{tid}.{name}")
                    if f is None or not f.is_input:
                        continue
                    missing += [(f.id, w) for w in shown(value, f) if w not in text]
        assert not missing, (key, missing[:10])


def test_each_member_file_holds_its_row_and_one_stamp(built):
    for key, (report, written) in built.items():
        p = report.proposal
        members = p.tables["members"].to_dict("records")
        assert len(written.records) == len(members), key
        for i, (row, path) in enumerate(zip(members, written.records, strict=True), start=1):
            assert path.name == f"{i:02d}-{row['name']}.docx"
            text = text_of(path)
            assert text.count(MEMBER_STAMP) == 1
            assert UNIT_STAMP not in text
            missing = [
                (name, want)
                for name, value in row.items()
                if (f := p.program.fields.get(f"members.{name}")) is not None and f.is_input
                for want in shown(value, f)
                if want not in text
            ]
            assert not missing, (path.name, missing)
        main = text_of(written.document)
        assert main.count(MEMBER_STAMP) == len(members)
        assert main.count(UNIT_STAMP) == 1


def test_checkboxes_are_drawn_as_the_form_draws_them(built):
    report, written = built["changhua-tea"]
    p = report.proposal
    text = text_of(written.document)
    assert "提案類別：□A類　■B類" in text  # the cover
    assert "■觀光休閒合作" not in text and "■商模數位創新" in text
    assert "■領導企業提案　□輔導單位提案" in text
    leader = p.tables["members"].iloc[0]
    member = text_of(written.records[0])
    assert "■群聚領導企業\n□群聚成員企業" in member
    assert f"■{leader['industry']}" in member
    for other in p.program.lists["industries"].values:
        if other != leader["industry"]:
            assert f"□{other}" in member
    for part in leader["owner_identity"].split("、"):
        assert f"■{part}" in member
    assert f"■{leader['owner_age']}" in member and "□19歲以下" in member
    # 1 for each 有 of this member's self-assessment, 0 for each 無
    answers = p.tables["member_assessment"]
    mine = answers[answers["member_index"] == 0]
    assert len(re.findall("□無　■有[^\n]*\n1\n", member)) == int((mine["value"] == "有").sum())
    assert len(re.findall("■無　□有[^\n]*\n0\n", member)) == int((mine["value"] == "無").sum())
    assert "■無　□有" in text  # 提案單位過往曾執行政府計畫案: 無
    expertise = text_of(written.document)
    assert "■資訊科技" in expertise and "■行銷流通" in expertise and "□財務融通" in expertise


def test_consents_are_ticked_only_when_given(built, tmp_path):
    report, written = built["tainan-alley"]
    text = text_of(written.document)
    assert "■本單位同意中華民國資訊軟體協會" in text
    assert "■本人同意中華民國資訊軟體協會" in text
    p = report.proposal
    p.fields["unit.consent_public"] = "不同意"
    again = write_document(p, tmp_path / "again.docx")
    assert "□本單位如實填寫上述資料" in text_of(again.document)


def test_amounts_dates_and_totals(built):
    report, written = built["hualien-valley"]
    totals = report.proposal.totals
    text = text_of(written.document)
    assert f"{totals['budget.total']:,}" in text and f"{totals['budget.tax']:,}" in text
    assert re.search(r"總計\n" + re.escape(f"{totals['budget.total']:,}") + r"\n100\.00%", text)
    assert "中華民國 112 年 3 月 1 日" in text
    assert "期中查核點：112/07/31預計達成率35%，累計達成率35%" in text
    assert "新臺幣" in text and "新台幣" not in text


def test_tables_repeat_their_headers_and_pages_are_numbered(built):
    _, written = built["changhua-tea"]
    d = docx.Document(str(written.document))
    headed = [
        t for t in d.tables if t.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    ]
    assert len(headed) >= 25  # every data table and every member's checklist
    footer = d.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "第" in footer and "頁／共" in footer
    assert "八卦山茶香商模群聚" in d.sections[0].header.paragraphs[0].text
    assert d.sections[0].different_first_page_header_footer  # the cover goes bare
    assert any(s.orientation == 1 for s in d.sections)  # the cluster self-assessment: landscape


def test_new_pages_never_leave_a_blank_page(built):
    """A page starts at a paragraph's top (never a break inside an empty paragraph, which
    spills onto a new page of its own when a table fills the page before it)."""
    for key, (report, written) in built.items():
        body = docx.Document(str(written.document)).element.body
        assert not body.xpath('.//w:br[@w:type="page"]'), key
        starts = body.xpath(".//w:p[w:pPr/w:pageBreakBefore]")
        members = len(report.proposal.tables["members"])
        assert len(starts) == 3 + members - 1, key  # 3 parts; the 1st member under its heading
        for p in starts:
            before = p.getprevious()
            assert before.tag != qn("w:p") or "".join(before.itertext()).strip(), key


def test_members_table_ends_with_its_note(built):
    _, written = built["hualien-valley"]
    d = docx.Document(str(written.document))
    table = next(
        t for t in d.tables if len(t.columns) > 2 and t.rows[0].cells[1].text == "企業名稱"
    )
    assert table.rows[-1].cells[0].text == "備註：領導企業於企業名稱處括號加註。"
    assert "備註：領導企業於企業名稱處括號加註。" not in [p.text for p in d.paragraphs]


def test_fonts_for_traditional_chinese(built):
    _, written = built["tainan-alley"]
    d = docx.Document(str(written.document))
    rpr = d.styles["Normal"].element.rPr
    assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "Noto Sans CJK TC"
    assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-TW"
    table = next(r.target_part for r in d.part.rels.values() if r.reltype.endswith("fontTable"))
    assert b'w:name="Noto Sans CJK TC"' in table.blob and b"Microsoft JhengHei" in table.blob


def test_the_layout_is_data_outside_the_spec_hash(tmp_path):
    assert DOCUMENT_FILE not in SPEC_FILES  # editing it never makes a filled workbook stale
    assert fnmatch.fnmatch(f"dc112/{DOCUMENT_FILE}", "*/*.yaml")  # packaged (pyproject)
    layout = load_document("dc112")
    assert layout["cover"]["title"] == ["中小企業數位群聚輔導", "提案計畫書"]
    copy = tmp_path / "dc112"
    shutil.copytree(TEMPLATES / "dc112", copy)
    raw = yaml.safe_load((copy / DOCUMENT_FILE).read_text(encoding="utf-8"))
    raw["body"].append({"field": "narrative.no_such_field"})
    (copy / DOCUMENT_FILE).write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError, match=r"narrative\.no_such_field"):
        load_document(str(copy))


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "clusterbook", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_cli_exit_codes_and_messages(built, tmp_path):
    clean = built["tainan-alley"][0].source
    result = run("document", clean, "-o", str(tmp_path / "ok.docx"))
    assert result.returncode == 0, result.stderr
    assert "已寫出提案計畫書" in result.stdout and (tmp_path / "ok.docx").exists()
    broken = built["penghu-sea"][0].source
    result = run(
        "document", broken, "-o", str(tmp_path / "draft.docx"), "--members-dir", str(tmp_path / "m")
    )
    assert result.returncode == 1
    assert "尚有 8 項錯誤" in result.stdout and (tmp_path / "draft.docx").exists()
    assert len(list((tmp_path / "m").glob("*.docx"))) == 9
    junk = tmp_path / "junk.xlsx"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run("document", str(junk), "-o", str(tmp_path / "junk.docx"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "junk.docx").exists()
    result = run("document", clean, "-o", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and ".docx" in result.stderr


def test_pdf_without_libreoffice_says_so_in_chinese(built, tmp_path):
    clean = built["tainan-alley"][0].source
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run("document", clean, "-o", str(tmp_path / "p.pdf"), env={"PATH": str(empty)})
    assert result.returncode == 2
    assert "找不到 LibreOffice" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "p.docx").exists()  # the Word file is written all the same


FAKE_SOFFICE = """#!{python}
import pathlib, sys
args = sys.argv[1:]
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(" ".join(args) + "\\n")
out = pathlib.Path(args[args.index("--outdir") + 1])
out.mkdir(parents=True, exist_ok=True)
for name in args[args.index("--outdir") + 2 :]:
    (out / (pathlib.Path(name).stem + ".pdf")).write_bytes(b"%PDF-1.4 fake")
"""


def test_many_proposals_one_libreoffice_start(built, tmp_path):
    """Several workbooks: one 提案計畫書 each, named after its file, in the -o folder; with
    --pdf every document and member record goes through ONE LibreOffice start (a stand-in
    soffice on PATH records its calls); an unreadable file is reported, the rest written."""
    import os

    bin_dir, log = tmp_path / "bin", tmp_path / "soffice.log"
    bin_dir.mkdir()
    fake = bin_dir / "soffice"
    fake.write_text(FAKE_SOFFICE.format(python=sys.executable, log=str(log)), encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    clean, broken = built["tainan-alley"][0].source, built["penghu-sea"][0].source
    junk = tmp_path / "junk.xlsx"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    out, members = tmp_path / "docs", tmp_path / "members"
    args = ["document", clean, broken, str(junk), "-o", str(out), "--members-dir", str(members)]
    result = run(*args, "--pdf", env=env)
    assert result.returncode == 2, result.stderr  # the unreadable file
    assert "Traceback" not in result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "penghu-sea.提案計畫書.docx",
        "penghu-sea.提案計畫書.pdf",
        "tainan-alley.提案計畫書.docx",
        "tainan-alley.提案計畫書.pdf",
    ]
    records = {d.name: len(list(d.glob("*.docx"))) for d in members.iterdir()}
    assert records == {"tainan-alley": 11, "penghu-sea": 9}
    assert len(list(members.glob("*/*.pdf"))) == 20
    calls = log.read_text(encoding="utf-8").splitlines()
    assert len(calls) == 1 and calls[0].count(".docx") == 22  # 2 documents + 20 records
    assert "尚有 8 項錯誤" in result.stdout and "junk.xlsx" in result.stdout
    single = run("document", clean, broken, "-o", str(out / "penghu-sea.提案計畫書.docx"))
    assert single.returncode == 2 and "是檔案" in single.stderr


# -- LibreOffice: the PDF -------------------------------------------------------------------------
def assert_printed_whole(p, text: str, key: str) -> None:
    """Every member's name, every narrative's last sentence and every KPI evidence line of
    proposal ``p`` appear in full in ``text`` (a PDF's text, whitespace removed)."""
    for name in p.tables["members"]["name"]:
        assert name in text, (key, name)
    for fid, value in p.fields.items():
        if fid.startswith("narrative.") and value:
            assert re.sub(r"\s+", "", last_sentence(value)) in text, (key, fid)
    for evidence in p.tables["kpis"]["evidence"].dropna():
        for line in evidence.split("\n"):
            assert line.replace(" ", "") in text, (key, line)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", out.stdout).group(1))


def page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True
    )
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


EM_BOX = 1.3
"""pdftotext's word boxes in Noto Sans CJK are 1.3 em tall."""


def smallest_type(pdf: Path) -> float:
    """The smallest type on any page (pt), headers and footers included."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True).stdout
    heights = [
        float(b) - float(a)
        for a, b in re.findall(rb'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox)
    ]
    return round(min(heights) / EM_BOX, 1)


def last_sentence(text: str) -> str:
    return [s for s in re.split(r"[。！？\n]", text) if s.strip()][-1].strip()


@pytest.fixture(scope="module")
def pdfs(built):
    """Every document and the penghu members' files, converted in one LibreOffice run."""
    files = [w.document for _, w in built.values()] + built["penghu-sea"][1].records
    return dict(zip(files, to_pdf(files), strict=True))


@pytest.mark.libreoffice
def test_pdf_holds_every_member_narrative_kpi_and_the_total(built, pdfs):
    for key, (report, written) in built.items():
        p = report.proposal
        pdf = pdfs[written.document]
        text = pdf_text(pdf)
        assert_printed_whole(p, text, key)
        assert f"總計{p.totals['budget.total']:,}100.00%" in text, key
        for kind in p.tables["kpis"]["kind"].dropna():  # 項目類別 never wraps mid-word
            assert kind in text, (key, kind)
        members = len(p.tables["members"])
        assert 1 + 2 * members <= pages(pdf) <= 20 + 6 * members, (key, pages(pdf))
        bare = [
            i
            for i in range(1, pages(pdf) + 1)
            if len(page_text(pdf, i)) < 30 + len(p.fields["proposal.cluster_name"])
        ]
        assert not bare, (key, bare)  # no page with its header and footer alone


@pytest.mark.libreoffice
def test_member_pdfs_exist_one_stamp_each(built, pdfs):
    report, written = built["penghu-sea"]
    for path, name in zip(written.records, report.proposal.tables["members"]["name"], strict=True):
        pdf = pdfs[path]
        assert pdf.exists() and pdf.name == path.with_suffix(".pdf").name
        text = pdf_text(pdf)
        assert name in text and text.count("群聚成員單位用印") == 1
        assert 2 <= pages(pdf) <= 6


@pytest.mark.libreoffice
def test_pdf_type_is_readable_and_embedded(pdfs):
    pdf = next(iter(pdfs.values()))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts
    for path in pdfs.values():
        assert smallest_type(path) >= 8.0, path.name
