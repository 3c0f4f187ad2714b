"""Annotated copies written part by part: the same, cell by cell, as the openpyxl path, a
well-formed package that LibreOffice reads with every comment and fill, and the openpyxl path
still taken for anything that is not a plain filled template."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from clusterbook import annotate
from clusterbook.annotate import PATHS, _annotated_copy, annotate_xlsx
from clusterbook.annotate.parts import NotPlain, annotated_bytes
from clusterbook.findings import Finding
from clusterbook.importers import check_source
from clusterbook.samples import random_proposal, sample_proposals
from clusterbook.workbook.fill import filled_bytes
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.xlsx import workbook_bytes
from tests import hostile
from tests.conftest import libreoffice_recalc
from tests.helpers import TODAY, clean_data

COLOURS = set(annotate.COLOURS.values())


def _bad_data():
    data = clean_data()
    data.tables["members"][1].update({"members.county": "臺東縣", "members.township": "吉安鄉"})
    data.tables["budget"][0]["budget.unit_price"] = "=1+1"
    data.tables["budget"][1]["budget.unit_price"] = 900_000
    return data


def _merge(layout) -> tuple[str, str, str]:
    """A merged range of a visible sheet: (title, its first cell, its last cell)."""
    sheet = next(s for s in layout.sheets if s.merges and not s.hidden)
    r1, c1, r2, c2 = sheet.merges[0]
    return sheet.title, f"{chr(64 + c1)}{r1}", f"{chr(64 + c2)}{r2}"


def _extra(layout) -> list[Finding]:
    """Findings the checks rarely give: another proposal named (shown to the applicant in the
    catalog's words), a cell inside a merged range, a range, control characters, formula-like
    text and a finding on the file."""
    title, _first, inside = _merge(layout)
    return [
        Finding(
            "REG-DUP-OWNER",
            "error",
            "負責人也是群聚「澎湖海味群聚」的負責人。",
            "群聚成員",
            "T9",
            "方家文",
        ),
        Finding("X-MERGED", "warning", "合併儲存格內", title, inside, None),
        Finding("X-RANGE", "info", "一個範圍", "群聚成員", "B7:C8", None),
        Finding("X-CONTROL", "warning", "控制字元\x01與🍵", "群聚成員", "C7", "=cmd|' /C calc'!A0"),
        Finding("X-FILE", "info", "檔案本身", "", "", None),
    ]


@pytest.fixture(scope="module")
def proposals(tmp_path_factory) -> list[tuple[Path, list[Finding]]]:
    """Filled proposals with errors, warnings and infos on table cells and single fields."""
    folder = tmp_path_factory.mktemp("parts")
    layout = build_layout("dc112")
    data = {
        "broken": sample_proposals()[-1][1],
        "bad": _bad_data(),
        "random-3": random_proposal(3, members=12),
        "random-11": random_proposal(11, members=30),
    }
    out = []
    for name, form in data.items():
        path = folder / f"{name}.xlsx"
        path.write_bytes(filled_bytes(form))
        findings = check_source(path, today=TODAY).findings
        if name == "bad":
            findings += _extra(layout)
        out.append((path, findings))
    severities = {f.severity for _p, fs in out for f in fs}
    assert severities == {"error", "warning", "info"}
    return out


@pytest.fixture(scope="module")
def copies(proposals, tmp_path_factory) -> list[tuple[Path, Path, list[Finding]]]:
    """(part by part, through openpyxl, findings) for each proposal."""
    folder = tmp_path_factory.mktemp("copies")
    out = []
    for path, findings in proposals:
        data = path.read_bytes()
        fast, slow = folder / f"fast-{path.name}", folder / f"slow-{path.name}"
        fast.write_bytes(annotated_bytes(data, findings))
        slow.write_bytes(workbook_bytes(_annotated_copy(data, findings)))
        out.append((fast, slow, findings))
    return out


def _view(path: Path) -> tuple[list[str], str, dict]:
    """Sheet order, active sheet, and every cell's value, fill colour, comment and link."""
    wb = openpyxl.load_workbook(path)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                rgb = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
                note = c.comment and (c.comment.text, c.comment.author)
                link = c.hyperlink and (c.hyperlink.target, c.hyperlink.location)
                fmt = (c.font.b, c.font.u, c.alignment.wrap_text, c.alignment.vertical)
                cells[(ws.title, c.coordinate)] = (c.value, c.data_type, rgb, note, link, fmt)
    return wb.sheetnames, wb.active.title, cells


def test_the_copy_is_the_openpyxl_copy_cell_by_cell(copies):
    for fast, slow, findings in copies:
        titles, active, cells = _view(fast)
        assert (titles, active) == _view(slow)[:2] and titles[0] == active == "檢核結果"
        expected = _view(slow)[2]
        wrong = sorted(k for k in cells.keys() | expected.keys() if cells.get(k) != expected.get(k))
        assert not wrong, [(k, cells.get(k), expected.get(k)) for k in wrong[:5]]
        notes = [v[3] for k, v in cells.items() if v[3]]
        assert notes and all(author == "clusterbook" for _t, author in notes)
        rows = [k for k in cells if k[0] == "檢核結果" and k[1].startswith("A")]
        assert len(rows) == len(findings) + 1
        assert openpyxl.load_workbook(fast).custom_doc_props["clusterbook"].value == "annotated"


def test_applicants_see_the_catalog_words_and_literal_text(copies):
    fast = copies[1][0]  # the proposal with the extra findings
    wb = openpyxl.load_workbook(fast)
    members = wb["群聚成員"]
    assert "與另一提案重複（請洽承辦人）" in members["T9"].comment.text
    text = zipfile.ZipFile(fast).read("xl/comments3.xml").decode()
    assert "澎湖海味群聚" not in text
    assert "\\x01" in members["C7"].comment.text and "🍵" in members["C7"].comment.text
    typed = [c for c in wb["檢核結果"]["F"] if c.value == "=cmd|' /C calc'!A0"]
    assert typed and all(c.data_type == "s" for c in typed)
    assert members["B7"].comment is None  # a range is listed, not marked
    title, first, inside = _merge(build_layout("dc112"))
    assert "X-MERGED" in wb[title][first].comment.text and inside != first


def test_the_package_is_complete_and_well_formed(copies):
    for fast, _slow, _f in copies:
        _structure(fast.read_bytes())


def _structure(data: bytes) -> None:
    """Every relationship target exists, every part has a content type, names are unique, all
    XML parses."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == len({n.lower() for n in names})
        parts = {n: zf.read(n) for n in names}
    for body in parts.values():
        ElementTree.fromstring(body)
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    defaults = {e.get("Extension").lower() for e in types if e.tag.endswith("Default")}
    overrides = {e.get("PartName").lstrip("/") for e in types if e.tag.endswith("Override")}
    assert overrides <= set(names)
    for name in names:
        if name != "[Content_Types].xml":
            assert name in overrides or name.rpartition(".")[2].lower() in defaults, name
    for name in (n for n in names if n.endswith(".rels")):
        folder = posixpath.dirname(posixpath.dirname(name))
        for rel in ElementTree.fromstring(parts[name]):
            if rel.get("TargetMode") == "External":
                assert rel.get("Target").startswith("#"), rel.attrib  # links inside the copy
                continue
            target = rel.get("Target")
            part = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            assert posixpath.normpath(part) in parts, (name, target)
    sheets = ElementTree.fromstring(parts["xl/workbook.xml"]).find(
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheets"
    )
    assert len({s.get("sheetId") for s in sheets}) == len(sheets)


def test_libreoffice_reads_the_same_comments_and_fills(copies, tmp_path):
    paths = [p for fast, slow, _f in copies for p in (fast, slow)]
    converted = dict(zip(paths, libreoffice_recalc(paths, tmp_path / "lo"), strict=True))
    for fast, slow, _findings in copies:
        ours, theirs = _lo_view(converted[fast]), _lo_view(converted[slow])
        marked = {k: v for k, v in ours.items() if v[2]}
        assert marked and all(v[1] in COLOURS for v in marked.values()), fast.name
        wrong = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        assert not wrong, [(k, ours.get(k), theirs.get(k)) for k in wrong[:5]]


def _lo_view(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                rgb = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
                rgb = rgb[-6:].upper() if isinstance(rgb, str) else None
                note = c.comment.text.strip() if c.comment else None
                if c.value is not None or rgb or note:
                    out[(ws.title, c.coordinate)] = (c.value, rgb, note)
    return out


def test_annotating_a_copy_again_replaces_the_earlier_marks(copies, tmp_path):
    fast, _slow, findings = copies[0]
    with pytest.raises(NotPlain):  # its comments and 檢核結果 sheet: the openpyxl path
        annotated_bytes(fast.read_bytes(), findings)
    marked = [f for f in findings if f.sheet == "群聚成員" and re.fullmatch(r"[A-Z]+\d+", f.cell)]
    fixed = {(f.sheet, f.cell) for f in marked[:1]}
    left = [f for f in findings if (f.sheet, f.cell) not in fixed]
    again = annotate_xlsx(fast, left, tmp_path / "again.xlsx")
    _titles, _active, cells = _view(again)
    first = _view(fast)[2]
    for key, (value, _t, rgb, note, _l, _fmt) in cells.items():
        if key in fixed:
            assert note is None and rgb not in {f"00{c}" for c in COLOURS}, key
        elif key[0] != "檢核結果":
            assert (value, rgb, note) == first[key][:1] + first[key][2:4], key
    assert _titles.count("檢核結果") == 1
    assert len([k for k in cells if k[0] == "檢核結果" and k[1].startswith("A")]) == len(left) + 1


def test_plain_proposals_take_the_fast_path_and_others_do_not(proposals, tmp_path):
    PATHS.clear()
    for path, findings in proposals:
        annotate_xlsx(path, findings, tmp_path / path.name)
    assert dict(PATHS) == {"parts": len(proposals)}
    reasons = {
        "xlsm_macro": "content type of xl/workbook.xml",  # macro-enabled
        "external_link": "part xl/externalLinks/",
        "javascript_hyperlink": "part xl/worksheets/_rels/",  # the link's relationship
        "formula_in_input_cell": "a formula the template lacks",
        "shared_formula_flood": "a shared or array formula",
        "extreme_numbers": "a number openpyxl cannot read",
        "utf16_parts": "not in the default namespace",
        "part_names_in_other_case": "part XL/WORKSHEETS/",
        "cells_without_r_flood": "cells without a reference",
        "regex_bomb_unclosed_tags": "not well-formed",
    }
    for name, reason in reasons.items():
        data = next(c for c in hostile.CASES if c.name == name).build(name)
        with pytest.raises(NotPlain, match=reason):
            annotated_bytes(data, [])
    source = tmp_path / "macro.xlsm"
    source.write_bytes(next(c for c in hostile.CASES if c.name == "xlsm_macro").build("m"))
    annotate_xlsx(source, [], tmp_path / "macro.檢核.xlsx")
    assert PATHS["openpyxl"] == 1
