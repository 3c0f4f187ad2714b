"""The checks behind the rule catalog: each module implements some rules of ``rules.yaml``."""

from __future__ import annotations

from clusterbook.checks import eligibility, fields, formulas, plan
from clusterbook.checks.derive import derive
from clusterbook.findings import Collector
from clusterbook.importers.rawbook import RawBook
from clusterbook.proposal import Proposal


def run(p: Proposal, raw: RawBook, out: Collector, *, same_version: bool) -> None:
    """Recompute the proposal's figures, then run every check; findings go to ``out``."""
    derive(p)
    fields.check(p, out)
    if same_version:
        formulas.check(p, raw, out)
    eligibility.check(p, out)
    plan.check(p, out)
