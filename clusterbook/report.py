"""The result of checking one workbook: its findings and, when it could be read, the proposal."""

from __future__ import annotations

from dataclasses import dataclass, field

from clusterbook.findings import Finding, count_by_severity, ordered, verdict
from clusterbook.proposal import Proposal
from clusterbook.workbook.programs import DEFAULT_PROGRAM


@dataclass
class Report:
    source: str
    findings: list[Finding] = field(default_factory=list)
    proposal: Proposal | None = None
    program: str = DEFAULT_PROGRAM
    """The program the workbook was made from (its sheet order orders the findings)."""

    @property
    def fatal(self) -> bool:
        """The input could not be used at all."""
        return any(f.fatal for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def valid(self) -> bool:
        return not self.fatal and self.errors == 0

    @property
    def exit_code(self) -> int:
        return 2 if self.fatal else (1 if self.errors else 0)

    @property
    def verdict(self) -> str:
        """符合, 不符合 or 無法讀取 (see :func:`clusterbook.findings.verdict`)."""
        return verdict(self.findings)

    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    def ordered(self) -> list[Finding]:
        """The findings by severity, then sheet in workbook order, then cell."""
        from clusterbook.workbook.layout import build_layout

        sheets = [s.title for s in build_layout(self.program).sheets if not s.hidden]
        return ordered(self.findings, sheets)


def exit_code(reports: list[Report]) -> int:
    """2 when some input was unusable, else 1 when any finding is an error, else 0."""
    return max((r.exit_code for r in reports), default=0)
