"""The workbook's own formulas at every limit: LibreOffice recalculates the boundary tables of
``tests/limits.py`` and the hand-worked figures of ``tests/figures.py``, and the live 資格檢核
panel, the length counters and the computed columns show what the tables say.

Cases that change different things of the same uniform proposal share one workbook, and all
workbooks go through one LibreOffice run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import openpyxl
import pytest

from clusterbook.workbook.fill import filled_bytes
from tests import figures
from tests.conftest import libreoffice_recalc
from tests.limits import CASES, uniform

pytestmark = pytest.mark.libreoffice

BONUS = {"BONUS-DIVERSE", "BONUS-TIER", "BONUS-SMALL"}
SHOWN = [c for c in CASES if c.panel is not None or c.rule == "TEXT-LENGTH"]


@dataclass
class Book:
    base: tuple[str, int]
    parts: set = field(default_factory=set)
    edits: list = field(default_factory=list)
    names: list = field(default_factory=list)


def pack(items) -> list[Book]:
    """Put each (name, base, parts, edit) into the first workbook of its base (any workbook for
    base None) whose parts it does not touch."""
    books: list[Book] = []
    for name, base, parts, edit in sorted(items, key=lambda item: item[1] is None):
        fits = (b for b in books if base in (None, b.base) and not b.parts & parts)
        book = next(fits, None)
        if book is None:
            book = Book(base or ("A類", 10))
            books.append(book)
        book.parts |= parts
        book.edits.append(edit)
        book.names.append(name)
    return books


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    """By case or figure name: the recalculated workbook it is in."""
    items = [(c.id, c.base, c.parts, c.edit) for c in SHOWN]
    items += [(name, base, parts, edit) for name, base, parts, edit in figures.EDITS]
    books = pack(items)
    src = tmp_path_factory.mktemp("limits")
    paths = []
    for i, book in enumerate(books):
        data = uniform(*book.base)
        for edit in book.edits:
            edit(data)
        path = src / f"limits-{i:02d}.xlsx"
        path.write_bytes(filled_bytes(data))
        paths.append(path)
    out = libreoffice_recalc(paths, src / "out")
    loaded = [openpyxl.load_workbook(p, data_only=True) for p in out]
    return {name: wb for book, wb in zip(books, loaded, strict=True) for name in book.names}


def value(wb, layout, fid, index=None):
    ref = layout.fields[fid]
    r, c = (ref.first_row, ref.first_col) if index is None else ref.cell_at(index)
    return wb[ref.sheet].cell(r, c).value


def test_the_panel_at_every_limit(sheets, layout):
    wrong = []
    for case in SHOWN:
        if case.panel is None:
            continue
        wb = sheets[case.id]
        mark = value(wb, layout, f"panel.{case.panel}.ok")
        if case.rule in BONUS:
            expected = "加分" if case.flagged else "—"
        else:
            expected = "✘" if case.flagged else "✔"
        current = value(wb, layout, f"panel.{case.panel}.current")
        if mark != expected or (
            case.current is not None and current != pytest.approx(case.current)
        ):
            wrong.append((case.id, mark, expected, current, case.current))
    assert wrong == []


def test_the_length_counters_at_every_limit(sheets, layout):
    wrong = []
    for case in SHOWN:
        if case.rule != "TEXT-LENGTH":
            continue
        fid = case.id.split("-")[1]
        ref = layout.fields[fid]
        shown = sheets[case.id][ref.sheet].cell(ref.first_row, ref.first_col + 2).value
        if not shown.startswith(f"目前 {case.current} 字") or shown.endswith("✘") != case.flagged:
            wrong.append((case.id, shown))
    assert wrong == []


@pytest.mark.parametrize(("subtotal", "tax", "total"), figures.TAX)
def test_tax_and_total(sheets, layout, subtotal, tax, total):
    wb = sheets[f"tax-{subtotal}"]
    got = [value(wb, layout, f) for f in ("budget.subtotal", "budget.tax", "budget.total")]
    assert got == [subtotal, tax, total]
    assert value(wb, layout, "panel.budget.current") == total
    assert value(wb, layout, "summary.budget") == total


def test_budget_lines_categories_and_shares(sheets, layout):
    wb = sheets["budget-lines"]
    amounts = [value(wb, layout, "budget.amount", i) for i in range(len(figures.BUDGET_LINES))]
    assert amounts == [line[3] for line in figures.BUDGET_LINES]
    assert value(wb, layout, "budget.total") == figures.BUDGET_TOTAL
    by_cat = [value(wb, layout, "budget_summary.amount", i) for i in range(6)]
    assert by_cat == figures.BUDGET_BY_CATEGORY
    shares = [value(wb, layout, "budget_summary.share", i) for i in range(6)]
    assert shares == pytest.approx(figures.BUDGET_SHARES)
    assert value(wb, layout, "budget.tax_share") == pytest.approx(figures.TAX_SHARE)


def test_tiers(sheets, layout):
    wb = sheets["tiers"]
    got = [value(wb, layout, "members.tier", i) for i in range(len(figures.TIERS))]
    assert got == [t[2] if t[2] is not None else "查無" for t in figures.TIERS]
    assert value(wb, layout, "panel.tier.current") == pytest.approx(5 / 12)


def test_member_flags(sheets, layout):
    wb = sheets["flags"]
    columns = ("members.is_sme", "members.is_eligible", "members.is_small", "members.is_diverse")
    got = [
        tuple(value(wb, layout, fid, i) == "是" for fid in columns)
        for i in range(len(figures.FLAGS))
    ]
    assert got == [row[5:] for row in figures.FLAGS]
    assert value(wb, layout, "panel.member_type.current") == 3


def test_owners(sheets, layout):
    wb = sheets["owners"]
    got = [value(wb, layout, "members.dup_owner", i) for i in range(len(figures.OWNERS))]
    assert got == ["是" if o[2] else "否" for o in figures.OWNERS]
    assert value(wb, layout, "panel.dup_owner.current") == 4


def test_kpi_splits(sheets, layout):
    wb = sheets["kpi-splits"]
    got = [value(wb, layout, "kpis.split_ok", 3 + i) for i in range(len(figures.KPI_SPLITS))]
    assert got == [{True: "✔", False: "✘"}[k[3]] for k in figures.KPI_SPLITS]


def test_self_assessment_scores(sheets, layout, program):
    wb = sheets["assessments"]
    for column in ("initial", "target"):
        got = [value(wb, layout, f"cluster_subtotals.{column}", i) for i in range(4)]
        assert got == figures.CLUSTER_SUBTOTALS[column], column
    planned = {
        level: value(wb, layout, "cluster_levels.planned", i)
        for i, level in enumerate(program.levels)
    }
    assert {k: v for k, v in planned.items() if v} == figures.CLUSTER_PLANNED
    ref = layout.fields["member_assessment.value"]
    ws = wb[ref.sheet]
    scores = [ws.cell(ref.last_row + 1 + k, ref.first_col).value for k in range(4)]
    assert scores == figures.MEMBER_SCORES


def test_rows_without_a_company_name_count_in_no_panel_figure(sheets, layout):
    wb = sheets["unnamed"]
    hand = figures.unnamed_panel("B類")
    assert {fid: value(wb, layout, fid) for fid in hand} == pytest.approx(hand)
