"""Findings are data: one located, actionable message per problem, built from the rule catalog."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from clusterbook.text import printable
from clusterbook.workbook import a1
from clusterbook.workbook.spec import Program, Rule

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {"error": "錯誤", "warning": "警告", "info": "資訊"}
ELIGIBLE, NOT_ELIGIBLE, UNREADABLE = "符合", "不符合", "無法讀取"
"""The verdict on a proposal: no error finding, some error finding, or the input is unusable."""
UNNAMED = "未填名稱"
"""What a finding calls a member, KPI or cluster left without a name (the name is asked for)."""


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
    fatal: bool = False
    """The input could not be used at all (the rule's ``fatal`` flag in the catalog)."""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["fatal"]
        if out["value"] is not None and not isinstance(out["value"], str | int | float | bool):
            out["value"] = str(out["value"])
        return {k: printable(v) if isinstance(v, str) else v for k, v in out.items()}


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
    return Finding(rule.id, rule.severity, message, sheet, cell, value, file, field, rule.fatal)


def finding(program: Program, rule_id: str, **kw: Any) -> Finding:
    return make(program.rules[rule_id], **kw)


def verdict_of(errors: int, fatal: bool = False) -> str:
    """符合 / 不符合 / 無法讀取 from the number of error findings (the one place it is decided)."""
    return UNREADABLE if fatal else (NOT_ELIGIBLE if errors else ELIGIBLE)


def verdict(findings: Iterable[Finding]) -> str:
    """The verdict on everything found on one proposal (cross-cluster findings included)."""
    items = list(findings)
    return verdict_of(sum(f.severity == "error" for f in items), any(f.fatal for f in items))


def ordered(findings: Iterable[Finding], sheets: Sequence[str] = ()) -> list[Finding]:
    """By severity, then sheet in workbook order (findings on the file or a sheet not listed
    first), then cell in row and column order."""
    rank = {title: i for i, title in enumerate(sheets)}

    def key(f: Finding) -> tuple:
        try:
            row, col, _, _ = a1.parse_area(f.cell.replace("$", "")) if f.cell else (0, 0, 0, 0)
        except ValueError:
            row, col = 0, 0
        severity = SEVERITIES.index(f.severity) if f.severity in SEVERITIES else len(SEVERITIES)
        return severity, rank.get(f.sheet, -1), row, col

    return sorted(findings, key=key)


def for_applicant(findings: Iterable[Finding], program: Program) -> list[Finding]:
    """What may go back to an applicant: a rule whose message names another proposal (its
    cluster, firms or people) has an ``applicant_message`` in the catalog, shown instead."""
    out = []
    for f in findings:
        rule = program.rules.get(f.rule)
        text = rule.applicant_message if rule is not None else None
        if text is None and f.rule.startswith("REG-"):
            text = GENERIC_APPLICANT_MESSAGE  # a cross-cluster rule the catalog does not know
        if text is not None:
            shown = "" if f.value is None else f.value
            f = replace(
                f, message=text.format(sheet=f.sheet, cell=f.cell, value=shown, file=f.file)
            )
        out.append(f)
    return out


GENERIC_APPLICANT_MESSAGE = "「{sheet}」工作表 {cell}：與另一提案重複（請洽承辦人）。"


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


class Collector:
    """Collects findings for one workbook, locating them through its field map."""

    def __init__(self, program: Program, refs: dict, file: str = "") -> None:
        self.program = program
        self.refs = refs
        self.file = file
        self.items: list[Finding] = []

    def add(
        self, rule_id: str, *, sheet: str = "", cell: str = "", value: Any = None, **params: Any
    ) -> None:
        self.items.append(
            make(
                self.program.rules[rule_id],
                sheet=sheet,
                cell=cell,
                value=value,
                file=self.file,
                **params,
            )
        )

    def at(
        self,
        rule_id: str,
        field_id: str,
        index: int | None = None,
        *,
        where: tuple[str, str] | None = None,
        value: Any = None,
        **params: Any,
    ) -> None:
        """A finding at a field's cell, row ``index`` of a table column, or an explicit ``where``."""
        ref = self.refs.get(field_id)
        sheet = cell = ""
        if where is not None:
            sheet, cell = where
        elif ref is not None:
            sheet = ref.sheet
            cell = (
                a1.cell(ref.first_row, ref.first_col)
                if index is None
                else a1.cell(*ref.cell_at(index))
            )
        spec = self.program.fields.get(field_id)
        params.setdefault("label", spec.full_label if spec else (ref.label if ref else field_id))
        rule = self.program.rules[rule_id]
        self.items.append(
            make(
                rule, sheet=sheet, cell=cell, value=value, file=self.file, field=field_id, **params
            )
        )
