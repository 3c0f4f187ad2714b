"""遴選: the reviewers' scoring workbooks, read back, checked, stored and ranked.

``sheet_layouts(register, reviewers)`` gives one scoring workbook per reviewer and class (a
:class:`~clusterbook.workbook.layout.Layout`, drawn as .xlsx by :func:`write_sheets` or in Google
Sheets by :func:`clusterbook.gsheets.create_spreadsheet`); ``import_reviews(sources, register)``
reads them back (files or Sheets), checks them (REVIEW-* findings) and stores them as revisions;
``class_results(register)`` ranks each class by 序位法 or 總分法 and :func:`write_results` writes
評選結果.xlsx. The spec is ``review.yaml`` beside the program (weights: ``program.yaml``).
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clusterbook.review.spec import ReviewSpec, load_review

if TYPE_CHECKING:
    import gspread

    from clusterbook.review.rank import ClassResult
    from clusterbook.review.read import ReviewReport
    from clusterbook.review.slate import Slate
    from clusterbook.review.store import ReviewImport
    from clusterbook.workbook.grid import Layout

__all__ = [
    "ReviewSummary",
    "SheetPlan",
    "class_results",
    "import_reviews",
    "load_review",
    "read_source",
    "sheet_layouts",
    "write_results",
    "write_sheets",
]

_UNSAFE_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class SheetPlan:
    """One reviewer's workbook for one class."""

    reviewer: str
    slate: Slate
    layout: Layout
    file_name: str
    title: str
    """The Google Sheets title."""


def _frames(register: str | Path, year: int | str | None):
    from clusterbook.register import load

    return load(register, year)


def register_spec(frames) -> ReviewSpec:
    """The review spec of the program the loaded proposals were made with."""
    subs = frames.get("submissions")
    programs = [] if subs is None or subs.empty else list(subs["program"].dropna())
    program = max(set(programs), key=programs.count) if programs else "dc112"
    return load_review(program)


def check_reviewers(reviewers: Iterable[str]) -> list[str]:
    """Reviewer names, trimmed; empty or repeated names are refused (ValueError, zh-TW)."""
    names = [" ".join(str(r).split()) for r in reviewers]
    if not names or any(not n for n in names):
        raise ValueError("請以 --reviewer 指定至少一位委員（姓名或代號，不可空白）")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"委員重複：{'、'.join(repeated)}")
    return names


def sheet_layouts(
    register: str | Path,
    reviewers: Iterable[str],
    *,
    category: str | None = None,
    year: int | str | None = None,
) -> tuple[list[SheetPlan], list[str]]:
    """Every reviewer's workbook per class with 符合 proposals; and the classes left out (no
    eligible proposal)."""
    from clusterbook.review.layout import review_layout
    from clusterbook.review.slate import slates

    names = check_reviewers(reviewers)
    frames = _frames(register, year)
    spec = register_spec(frames)
    _known_class(spec, category)
    plans, empty = [], []
    for slate in slates(frames, spec, category):
        if not slate.cases:
            empty.append(slate.category)
            continue
        for seat, name in enumerate(names, start=1):
            values = {"category": slate.category, "reviewer": name}
            plans.append(
                SheetPlan(
                    name,
                    slate,
                    review_layout(spec, slate, name, seat),
                    _UNSAFE_FILE.sub("_", spec.raw["file_name"].format(**values)),
                    spec.text(spec.raw["gsheets_title"], **values),
                )
            )
    return plans, empty


def write_sheets(plans: list[SheetPlan], folder: str | Path, *, replace: bool = True) -> list[Path]:
    """Write each planned workbook into ``folder`` (same register and names: same bytes).

    Without ``replace``, nothing is written if a file of the same name holds anything else
    (a sheet a reviewer has scored, say): :class:`FileExistsError` names the first one."""
    from clusterbook.workbook.xlsx import render, workbook_bytes

    folder = Path(folder)
    made = [(folder / plan.file_name, workbook_bytes(render(plan.layout))) for plan in plans]
    for path, data in made:
        if not replace and path.exists() and (not path.is_file() or path.read_bytes() != data):
            raise FileExistsError(errno.EEXIST, "exists", str(path))
    folder.mkdir(parents=True, exist_ok=True)
    for path, data in made:
        path.write_bytes(data)
    return [path for path, _ in made]


def read_source(
    source: str,
    state,
    *,
    category: str | None = None,
    client: gspread.Client | None = None,
    credentials: str | None = None,
) -> ReviewReport:
    """Read and check one scoring workbook (a file, or a Google Sheets URL or key)."""
    from clusterbook.importers.xlsx import UnreadableError, read_xlsx
    from clusterbook.review.read import read_review, unusable
    from clusterbook.sources import is_google

    if is_google(source):
        from clusterbook.gsheets import SheetsError, client_from, read_rawbook

        try:
            raw = read_rawbook(client or client_from(credentials), source)
        except SheetsError as exc:
            return unusable(source, "SHEET-UNREADABLE", reason=str(exc).rstrip("。"))
        return read_review(raw, state, category=category)
    try:  # sheets are parsed on first use: reading can still find the file unreadable
        return read_review(read_xlsx(source), state, category=category)
    except UnreadableError as exc:
        advice = "請送出以 clusterbook review sheets 產生的評分表 (.xlsx)"
        return unusable(source, "FILE-UNREADABLE", reason=exc.advise(advice))


@dataclass
class ReviewSummary:
    results: list[ReviewImport] = field(default_factory=list)
    reports: list[ReviewReport] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def exit_code(self) -> int:
        from clusterbook.report import exit_code

        return exit_code(self.reports)


def import_reviews(
    sources: Iterable[str],
    register: str | Path,
    *,
    category: str | None = None,
    year: int | str | None = None,
    client: gspread.Client | None = None,
    credentials: str | None = None,
    progress: Callable[[ReviewImport], None] | None = None,
) -> ReviewSummary:
    """Read, check and store each scoring workbook in turn (one transaction each)."""
    from clusterbook.register.store import connect
    from clusterbook.review.read import register_state
    from clusterbook.review.store import import_review

    frames = _frames(register, year)
    spec = register_spec(frames)
    _known_class(spec, category)
    state = register_state(frames, spec)
    summary = ReviewSummary()
    conn = connect(register)
    try:
        for source in sources:
            report = read_source(
                str(source), state, category=category, client=client, credentials=credentials
            )
            result = import_review(conn, spec, report)
            summary.reports.append(report)
            summary.results.append(result)
            if progress:
                progress(result)
    finally:
        conn.close()
    return summary


def _known_class(spec, category: str | None, what: str = "--class ") -> None:
    if category is not None and category not in spec.classes:
        raise ValueError(f"{what}只接受 {'、'.join(spec.classes)}，收到「{category}」。")


def class_results(
    register: str | Path,
    *,
    method: str | None = None,
    budget: dict[str, int] | int | None = None,
    category: str | None = None,
    year: int | str | None = None,
) -> tuple[ReviewSpec, list[ClassResult], list[tuple]]:
    """Each class's final order (classes without a current scoring sheet are left out), and
    the current sheets' findings. ``budget``: one amount for every class, or by class."""
    from clusterbook.register.store import connect
    from clusterbook.review.rank import rank_class
    from clusterbook.review.slate import slates
    from clusterbook.review.store import current_findings, current_marks

    frames = _frames(register, year)
    spec = register_spec(frames)
    method = method or spec.default_method
    if method not in spec.methods:
        raise ValueError(f"--method 只接受 {'、'.join(spec.methods)}，收到「{method}」。")
    for key in budget if isinstance(budget, dict) else ():
        _known_class(spec, key, "--budget-total 的類別")
    _known_class(spec, category)
    conn = connect(register)
    try:
        out = []
        year_ = None
        for slate in slates(frames, spec, category):
            year_ = slate.year
            marks, records = current_marks(conn, spec, slate.year, slate.category)
            if not marks:
                continue
            amount = budget.get(slate.category) if isinstance(budget, dict) else budget
            result = rank_class(spec, slate, marks, method, amount)
            result.sources = {name: r["source"] for name, r in records.items()}
            out.append(result)
        found = current_findings(conn, year_) if year_ is not None else []
    finally:
        conn.close()
    return spec, out, found


def write_results(spec: ReviewSpec, results, output: str | Path, findings=()) -> Path:
    from clusterbook.review.export import write_results as write

    return write(spec, results, output, findings=findings)
