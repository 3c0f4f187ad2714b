"""The .xlsx reader against openpyxl on every workbook the test suite can produce or hold: sheet
titles, values, formula texts and merged ranges are equal, with only the representation
differences that tests/compare.py documents (int vs float, date serials, ``_xHHHH_``, values
under merged ranges, rows below the row limit).

The workbooks: the empty template; every sample proposal and a few random ones; a proposal with
its dates typed in Excel, in either date system; an annotated copy and the register's master
export; every readable file of the hostile corpus (tests/hostile.py); with LibreOffice, copies
it re-saved. Two hostile files are left out because openpyxl takes minutes to load them
(million_empty_rows, shared_formula_flood: their shapes, empty rows and shared formulas, are
compared on small workbooks in test_reader_shapes.py). The files openpyxl refuses are listed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
from openpyxl.xml import LXML

from clusterbook.annotate import annotate_xlsx
from clusterbook.importers import check_rawbook, check_source
from clusterbook.importers.xlsx import read_xlsx_bytes
from clusterbook.samples import random_proposal, sample_proposals
from clusterbook.workbook.fill import filled_bytes
from clusterbook.workbook.xlsx import template_bytes
from tests import hostile
from tests.compare import openpyxl_view, reader_view
from tests.conftest import libreoffice_recalc
from tests.helpers import TODAY, clean_data, typed_dates

SLOW_FOR_OPENPYXL = {"million_empty_rows", "shared_formula_flood"}
OPENPYXL_REFUSES = {
    # openpyxl parses with lxml when it is installed (python-docx brings it), else with the
    # standard library's parser: the two word their refusals differently
    "regex_bomb_unclosed_tags": "not well-formed|invalid XML",  # tags never closed
    "regex_bomb_long_attributes": "not well-formed|invalid XML",  # a 1 MB reference
    "regex_bomb_unclosed_markup": "mismatched tag|invalid XML",  # CDATA sections never closed
    "extreme_numbers": "Unable to read workbook",  # NaN and INF as cell values
}
if LXML:  # lxml also refuses an undeclared namespace prefix in an external link part
    OPENPYXL_REFUSES["external_link"] = "Namespace prefix"
OPENPYXL_MISSES_SHEET = {"part_names_in_other_case": "群聚成員"}
"""Part names are case-insensitive (Excel reads this sheet); openpyxl does not find the part."""

HOSTILE = [
    c.name
    for c in hostile.CASES
    if c.exit != 2 and c.kind == "file" and c.name not in SLOW_FOR_OPENPYXL
]


def _annotated(tmp_path: Path) -> bytes:
    key, data = sample_proposals()[-1]  # the proposal that breaks rules: many comments
    path = tmp_path / f"{key}.xlsx"
    path.write_bytes(filled_bytes(data))
    report = check_source(path, today=TODAY)
    assert any(f.severity == "error" for f in report.findings)
    return annotate_xlsx(path, report.findings, tmp_path / "copy.xlsx").read_bytes()


def _master(tmp_path: Path) -> bytes:
    from clusterbook.register import import_sources, load
    from clusterbook.register.export import export

    paths = []
    for key, data in sample_proposals():
        paths.append(tmp_path / f"{key}.xlsx")
        paths[-1].write_bytes(filled_bytes(data))
    import_sources([str(p) for p in paths], tmp_path / "register.sqlite")
    return export(load(tmp_path / "register.sqlite"), tmp_path / "master.xlsx").read_bytes()


PRODUCED: dict[str, Callable[[Path], bytes]] = {
    "template": lambda _t: template_bytes("dc112"),
    **{f"sample-{key}": (lambda _t, d=data: filled_bytes(d)) for key, data in sample_proposals()},
    **{f"random-{seed}": (lambda _t, s=seed: filled_bytes(random_proposal(s))) for seed in (1, 2)},
    "typed-dates-1900": lambda _t: typed_dates(clean_data(), WINDOWS_EPOCH),
    "typed-dates-1904": lambda _t: typed_dates(clean_data(), CALENDAR_MAC_1904),
    "annotated-copy": _annotated,
    "master-export": _master,
}


@functools.cache
def _hostile(name: str) -> bytes:
    return next(c for c in hostile.CASES if c.name == name).build(name)


def _same(data: bytes) -> None:
    ours, theirs = reader_view(data), openpyxl_view(data)
    assert list(ours) == list(theirs), "sheet titles"
    for title in ours:
        assert ours[title][1] == theirs[title][1], f"merged ranges of {title}"
        cells, expected = ours[title][0], theirs[title][0]
        wrong = sorted(k for k in cells.keys() | expected.keys() if cells.get(k) != expected.get(k))
        shown = [(title, k, cells.get(k), expected.get(k)) for k in wrong[:5]]
        assert not wrong, shown


@pytest.mark.parametrize("name", list(PRODUCED))
def test_produced_workbooks_read_as_openpyxl_reads_them(name, tmp_path):
    _same(PRODUCED[name](tmp_path))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_workbooks_read_as_openpyxl_reads_them(name):
    data = _hostile(name)
    if name in OPENPYXL_REFUSES:
        with pytest.raises(Exception, match=OPENPYXL_REFUSES[name]):
            openpyxl_view(data)
        book = read_xlsx_bytes(data, name)
        assert check_rawbook(book, today=TODAY).proposal is not None
        return
    if name in OPENPYXL_MISSES_SHEET:
        missing = OPENPYXL_MISSES_SHEET[name]
        ours, theirs = reader_view(data), openpyxl_view(data)
        assert missing in ours and missing not in theirs and ours[missing][0]
        assert {t: v for t, v in ours.items() if t != missing} == theirs
        return
    _same(data)


def test_every_readable_hostile_file_is_compared_or_listed():
    listed = SLOW_FOR_OPENPYXL | set(OPENPYXL_REFUSES) | set(OPENPYXL_MISSES_SHEET)
    readable = {c.name for c in hostile.CASES if c.exit != 2 and c.kind == "file"}
    assert listed <= readable
    assert readable - SLOW_FOR_OPENPYXL == set(HOSTILE)


@pytest.mark.libreoffice
def test_workbooks_libreoffice_resaved_read_as_openpyxl_reads_them(tmp_path):
    """LibreOffice's copies (shared strings, its own attribute order, date1904="true"): equal
    to openpyxl's view of them, and the same findings as the originals."""
    originals = []
    for name in ("sample-" + sample_proposals()[0][0], "typed-dates-1900", "typed-dates-1904"):
        originals.append(tmp_path / f"{name}.xlsx")
        originals[-1].write_bytes(PRODUCED[name](tmp_path))
    copies = libreoffice_recalc(originals, tmp_path / "lo")
    for original, copy in zip(originals, copies, strict=True):
        data = copy.read_bytes()
        _same(data)
        before = check_source(original, today=TODAY)
        after = check_rawbook(read_xlsx_bytes(data, str(original)), today=TODAY)
        assert [(f.rule, f.cell, f.message) for f in after.findings] == [
            (f.rule, f.cell, f.message) for f in before.findings
        ], copy.name
    mac = read_xlsx_bytes(copies[2].read_bytes(), "mac.xlsx")
    assert mac.date1904, "LibreOffice keeps the 1904 date system"
    windows, mac = (check_source(c, today=TODAY) for c in copies[1:])
    assert [(f.rule, f.cell, f.message) for f in mac.findings] == [
        (f.rule, f.cell, f.message) for f in windows.findings
    ]
