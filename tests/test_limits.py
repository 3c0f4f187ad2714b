"""Every limit of the guide, at limit − 1, limit and limit + 1: the checker's verdict and the
figure the panel shows equal the hand-worked table in ``tests/limits.py``."""

from __future__ import annotations

import pytest

from tests.helpers import check_data, rules
from tests.limits import CASES, uniform


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_limit(case):
    report = check_data(case.build())
    assert (case.rule in rules(report)) is case.flagged, [
        (f.rule, f.cell, f.message) for f in report.findings
    ]
    if case.panel is not None and case.current is not None:
        assert report.proposal.totals[f"panel.{case.panel}.current"] == pytest.approx(case.current)


@pytest.mark.parametrize(("category", "n"), [("A類", 10), ("A類", 16), ("B類", 15), ("B類", 16)])
def test_the_uniform_base_is_clean(category, n):
    """The tables change one thing at a time on a proposal that breaks no rule."""
    assert rules(check_data(uniform(category, n))) == []
