"""The end-to-end demo: template, sample proposals, checks, register, annotated copies, the
遴選 (a committee's scoring workbooks, read back and ranked) and master.xlsx."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from clusterbook.register import ImportSummary

MARKER = ".clusterbook-demo"
"""A file in every demo folder: a later demo may replace what is in it."""


def replaceable(folder: str | Path) -> bool:
    """Whether the demo may write into ``folder``: it is new, empty, or an earlier demo's."""
    folder = Path(folder)
    if not folder.exists():
        return True
    return folder.is_dir() and ((folder / MARKER).is_file() or not any(folder.iterdir()))


@dataclass
class ReviewDemo:
    """The demo committee's 遴選: more A類 proposals, its sheets, their import, the results."""

    proposals: list[Path] = field(default_factory=list)
    imported: ImportSummary | None = None
    sheets: list[Path] = field(default_factory=list)
    summary: object = None
    """The scoring sheets' import (clusterbook.review.ReviewSummary)."""
    results: list = field(default_factory=list)
    """One clusterbook.review.rank.ClassResult per class."""
    output: Path | None = None


@dataclass
class DemoResult:
    folder: Path
    template: Path
    proposals: list[Path] = field(default_factory=list)
    annotated: list[Path] = field(default_factory=list)
    register: Path | None = None
    history: list[Path] = field(default_factory=list)
    master: Path | None = None
    summary: ImportSummary | None = None
    review: ReviewDemo | None = None


def run_demo(folder: str | Path, *, program: str = "dc112", jobs: int | None = None) -> DemoResult:
    """Build everything in ``folder`` (a fresh register each time) and return what was made;
    ``jobs`` worker processes fill and check the proposals (default: one per CPU)."""
    from clusterbook.annotate import annotate_xlsx, annotated_name
    from clusterbook.batch import default_jobs
    from clusterbook.history import import_history
    from clusterbook.register import import_sources, load
    from clusterbook.register.export import export
    from clusterbook.samples import sample_history, sample_proposals
    from clusterbook.workbook.cache import template_bytes
    from clusterbook.workbook.fill import write_filled

    jobs = jobs or default_jobs()
    folder = Path(folder)
    (folder / "proposals").mkdir(parents=True, exist_ok=True)
    (folder / "annotated").mkdir(exist_ok=True)
    (folder / MARKER).write_text("clusterbook demo\n", encoding="utf-8")
    result = DemoResult(folder, folder / "proposal-template.xlsx")
    result.template.write_bytes(template_bytes(program))
    samples = [
        (data, folder / "proposals" / f"{key}.xlsx") for key, data in sample_proposals(program)
    ]
    write_filled(samples, program, jobs)  # as applicants fill the template
    result.proposals = [path for _, path in samples]
    result.register = folder / "clusterbook.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{result.register}{suffix}").unlink(missing_ok=True)
    (folder / "history").mkdir(exist_ok=True)
    for name, rows in sample_history(program).items():
        path = folder / "history" / name
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
        result.history.append(path)
        import_history([path], result.register, banned=name.startswith("停權"))
    result.summary = import_sources([str(p) for p in result.proposals], result.register, jobs=jobs)
    for i, report in enumerate(result.summary.reports):
        if not report.fatal:
            out = folder / "annotated" / annotated_name(report.source)
            result.annotated.append(annotate_xlsx(report.source, result.summary.findings(i), out))
    result.review = run_review(folder / "review", result.register, program, jobs)
    result.master = export(load(result.register), folder / "master.xlsx")
    return result


def run_review(folder: Path, register: Path, program: str, jobs: int = 1) -> ReviewDemo:
    """Three more A類 proposals, the committee's sheets filled with its scores, imported and
    ranked by the spec's default method into 評選結果.xlsx (beside ``folder``)."""
    from clusterbook import review
    from clusterbook.register import import_sources
    from clusterbook.review.samples import COMMITTEE, extra_proposals, fill_scores
    from clusterbook.workbook.fill import write_filled

    out = ReviewDemo()
    (folder / "proposals").mkdir(parents=True, exist_ok=True)
    extra = [(data, folder / "proposals" / f"{key}.xlsx") for key, data in extra_proposals(program)]
    write_filled(extra, program, jobs)
    out.proposals = [path for _, path in extra]
    out.imported = import_sources([str(p) for p in out.proposals], register, jobs=jobs)
    plans, _ = review.sheet_layouts(register, COMMITTEE)
    out.sheets = review.write_sheets(plans, folder / "sheets")
    for plan, path in zip(plans, out.sheets, strict=True):
        fill_scores(path, plan.reviewer)
    out.summary = review.import_reviews([str(p) for p in out.sheets], register)
    spec, out.results, findings = review.class_results(register)
    out.output = review.write_results(spec, out.results, folder.parent / "評選結果.xlsx", findings)
    return out
