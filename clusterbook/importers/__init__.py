"""Read filled workbooks back: locate every field through ``_meta``, normalise, check.

``check_source(path_or_url)`` returns a :class:`~clusterbook.report.Report` (never raises for
bad input); ``read_proposal(path)`` returns the :class:`~clusterbook.proposal.Proposal` or
raises :class:`ReadError` with the findings that made the workbook unusable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clusterbook.findings import Collector, finding
from clusterbook.importers.fieldmap import NotATemplate, read_field_map
from clusterbook.importers.rawbook import RawBook
from clusterbook.importers.xlsx import UnreadableError, read_xlsx
from clusterbook.proposal import Proposal
from clusterbook.report import Report
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.programs import DEFAULT_PROGRAM, SpecError, available_programs
from clusterbook.workbook.spec import load_program


class ReadError(Exception):
    """A workbook that cannot be used; ``report`` holds the findings that say why."""

    def __init__(self, report: Report) -> None:
        super().__init__("; ".join(f.message for f in report.findings if f.fatal))
        self.report = report


def check_source(source: str | Path, *, today: dt.date | None = None) -> Report:
    """Read and check one workbook file; every problem becomes a finding."""
    source = str(source)
    try:
        return check_rawbook(read_xlsx(source), today=today)
    except UnreadableError as exc:  # also raised when a sheet is parsed lazily
        return unusable(source, "FILE-UNREADABLE", str(exc))


def check_rawbook(raw: RawBook, *, today: dt.date | None = None) -> Report:
    """Check a workbook already read (from a file or from Google Sheets)."""
    from clusterbook import checks
    from clusterbook.importers.extract import extract

    today = today or dt.date.today()
    try:
        fmap = read_field_map(raw)
    except NotATemplate as exc:
        return unusable(raw.source, "TEMPLATE-UNKNOWN", str(exc))
    program_id = fmap.meta.get("program", "")
    if program_id not in available_programs():
        return unusable(raw.source, "TEMPLATE-UNKNOWN", f"未知的提案規格「{program_id}」")
    try:
        program = load_program(program_id)
    except SpecError as exc:
        return unusable(raw.source, "TEMPLATE-UNKNOWN", str(exc))
    missing = sorted({ref.sheet for ref in fmap.refs.values()} - set(raw.titles))
    if missing:
        reason = f"欄位對照表所列的工作表「{'」「'.join(missing)}」不存在（可能被刪除或更名）"
        return unusable(raw.source, "TEMPLATE-UNKNOWN", reason)
    out = Collector(program, fmap.refs, raw.source)
    if fmap.meta.get("template_id") != program.template_id:
        return unusable(
            raw.source, "TEMPLATE-UNKNOWN", "活頁簿的 template_id 不是 clusterbook 提案範本"
        )
    same_version = _version(fmap, program, out)
    if raw.notes:
        out.add("FILE-ACTIVE-CONTENT", what="、".join(raw.notes))
    proposal = extract(raw, fmap, program, out, today)
    checks.run(proposal, raw, out, same_version=same_version)
    return Report(raw.source, out.items, proposal, program.id)


def read_proposal(source: str | Path, *, today: dt.date | None = None) -> Proposal:
    report = check_source(source, today=today)
    if report.proposal is None:
        raise ReadError(report)
    return report.proposal


def _version(fmap, program, out: Collector) -> bool:
    """TEMPLATE-VERSION when the workbook was made from another spec or its map was edited."""
    meta = fmap.meta
    found = f"{meta.get('program')} {meta.get('version')}"
    expected = f"{program.id} {program.version}"
    where = {"sheet": "_meta", "cell": "B4"}
    if meta.get("version") != program.version or meta.get("spec_hash") != program.spec_hash:
        out.add(
            "TEMPLATE-VERSION", **where, value=meta.get("version"), found=found, expected=expected
        )
        return False
    layout = build_layout(program.id)
    stale = [fid for fid, ref in layout.fields.items() if fmap.refs.get(fid) != ref]
    if stale:
        out.add(
            "TEMPLATE-VERSION",
            sheet="_meta",
            cell="A7",
            value=stale[0],
            found=f"{found}（欄位對照表已被修改：「{layout.fields[stale[0]].label}」等 {len(stale)} 項）",
            expected=expected,
        )
        return False
    return True


def unusable(source: str, rule: str, reason: str) -> Report:
    program = load_program(DEFAULT_PROGRAM)
    return Report(source, [finding(program, rule, file=source, reason=reason.rstrip("。"))])
