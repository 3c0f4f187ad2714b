"""Every limit of the guide, at limit − 1, limit and limit + 1: the checker's verdict and the
figure the panel shows equal the hand-worked table in ``tests/limits.py``."""

from __future__ import annotations

import pytest

from clusterbook.workbook import a1
from tests.helpers import check_data, rules
from tests.limits import ALSO, CASES, SAYS, SHOWS, WHERE, uniform


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_limit(case, layout):
    report = check_data(case.build())
    assert (case.rule in rules(report)) is case.flagged, [
        (f.rule, f.cell, f.message) for f in report.findings
    ]
    assert set(rules(report)) - {case.rule} == ALSO.get(case.id, set())
    if case.panel is not None and case.current is not None:
        assert report.proposal.totals[f"panel.{case.panel}.current"] == pytest.approx(case.current)
    found = [f for f in report.findings if f.rule == case.rule]
    for fragment in SAYS.get(case.id, ()):
        assert any(fragment in f.message for f in found), [f.message for f in found]
    if case.id in SHOWS:
        assert [f.value for f in found] == [SHOWS[case.id]]
    if case.id in WHERE:
        fid, index = WHERE[case.id]
        ref = layout.fields[fid]
        r, c = (ref.first_row, ref.first_col) if index is None else ref.cell_at(index)
        assert [(f.sheet, f.cell) for f in found] == [(ref.sheet, a1.cell(r, c))]


def test_every_message_and_place_is_of_a_case():
    ids = {c.id for c in CASES if c.flagged}
    assert set(SAYS) <= ids and set(SHOWS) <= ids and set(WHERE) <= ids
    assert set(ALSO) <= {c.id for c in CASES}


@pytest.mark.parametrize(("category", "n"), [("A類", 10), ("A類", 16), ("B類", 15), ("B類", 16)])
def test_the_uniform_base_is_clean(category, n):
    """The tables change one thing at a time on a proposal that breaks no rule."""
    assert rules(check_data(uniform(category, n))) == []
