"""Findings are data: one located, actionable message per problem, built from the rule catalog."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clusterbook.workbook.spec import Program, Rule

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {"error": "錯誤", "warning": "警告", "info": "資訊"}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    sheet: str = ""
    cell: str = ""
    value: Any = None
    file: str = ""
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if out["value"] is not None and not isinstance(out["value"], str | int | float | bool):
            out["value"] = str(out["value"])
        return out


def make(
    rule: Rule,
    *,
    sheet: str = "",
    cell: str = "",
    value: Any = None,
    file: str = "",
    field: str = "",
    **params: Any,
) -> Finding:
    """Format the rule's zh-TW template with the location, the value and the rule's parameters."""
    shown = "" if value is None else value
    message = rule.message.format(sheet=sheet, cell=cell, value=shown, file=file, **params)
    return Finding(rule.id, rule.severity, message, sheet, cell, value, file, field)


def finding(program: Program, rule_id: str, **kw: Any) -> Finding:
    return make(program.rules[rule_id], **kw)


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
