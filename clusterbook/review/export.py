"""評選結果.xlsx: the final order per class, every score, what to discuss, how it was made.

Formatted like master.xlsx (:mod:`clusterbook.register.export`): zh-TW headers, one Excel Table
per list, typed cells (amounts ``#,##0``, totals ``0.00``), frozen headers, landscape A4 fitted
to the page width, literal text. Ties to be drawn, divergent reviewers and the funding line are
marked in colour as well as in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from clusterbook.register.columns import width
from clusterbook.register.export import _print_setup, put
from clusterbook.review.rank import ABSENT, INCOMPLETE, SCORED, ClassResult, Standing
from clusterbook.review.spec import ReviewSpec

TOTAL, RANK, MONEY, COUNT = "0.00", "0.0#", "#,##0", "0"
HEADER_FILL, TIE_FILL, DIVERGENT_FILL, BELOW_FILL = "DDEBF7", "FCE4D6", "FFC7CE", "F2F2F2"


@dataclass(frozen=True)
class Col:
    label: str
    get: Callable[[Standing], Any] | None = None
    fmt: str | None = None
    width: float | None = None


def _num(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def _total(hundredths: int | None) -> float | None:
    return None if hundredths is None else hundredths / 100


def _columns(spec: ReviewSpec, result: ClassResult) -> list[Col]:
    lab = spec.labels
    c = lab["columns"]
    states = lab["states"]
    rank_fmt = COUNT if spec.own_rank == "min" else RANK

    def mark(name: str, part: str) -> Callable[[Standing], Any]:
        def get(s: Standing) -> Any:
            e = s.entries[name]
            if e.state != SCORED:
                return states[e.state] if part == "total" else None
            return _total(e.total) if part == "total" else _num(e.rank)

        return get

    cols = [
        Col(c["place"], lambda s: s.place, COUNT, 6),
        Col(c["case"], lambda s: s.case.case, None, 6),
        Col(c["cluster_name"], lambda s: s.case.cluster_name),
        Col(c["unit_name"], lambda s: s.case.unit_name),
        Col(c["cluster_type"], lambda s: s.case.cluster_type, None, 13),
    ]
    for name in result.reviewers:
        cols.append(
            Col(lab["reviewer_total"].format(reviewer=name), mark(name, "total"), TOTAL, 10)
        )
        cols.append(
            Col(lab["reviewer_rank"].format(reviewer=name), mark(name, "rank"), rank_fmt, 8)
        )
    cols += [
        Col(c["scorers"], lambda s: s.scorers, COUNT, 6),
        Col(c["mean_total"], lambda s: _num(s.mean_total), TOTAL, 9),
        Col(c["median"], lambda s: _num(s.median), TOTAL, 8),
        Col(c["spread"], lambda s: _num(s.spread), TOTAL, 7),
        Col(c["rank_sum"], lambda s: _num(s.rank_sum), RANK, 6),
        Col(c["mean_rank"], lambda s: _num(s.mean_rank), TOTAL, 6),
        Col(c["first_places"], lambda s: s.first_places if s.scorers else None, COUNT, 7),
        Col(c["bonus"], lambda s: s.bonus, COUNT, 5),
        Col(c["method_score"], lambda s: _num(s.method_score), TOTAL, 8),
        Col(c["tie_note"], lambda s: s.tie_note or None, None, 26),
        Col(c["divergent"], lambda s: "、".join(s.divergent) or None, None, 9),
        Col(c["budget_total"], lambda s: s.case.budget_total, MONEY, 12),
    ]
    if result.budget is not None:
        cols += [
            Col(c["cumulative"], lambda s: s.cumulative, MONEY, 11),
            Col(c["funding"], lambda s: _funding(spec, s), None, 7),
        ]
    return cols


def _funding(spec: ReviewSpec, s: Standing) -> str | None:
    if s.funded is None:
        return None
    if s.line_tie:
        return spec.labels["flags"]["tie"]
    return spec.labels["funded"] if s.funded else spec.labels["waitlisted"]


def write_results(
    spec: ReviewSpec, results: list[ClassResult], output: str | Path, *, findings: list[tuple] = ()
) -> Path:
    """Write 評選結果.xlsx; ``findings`` are the current sheets' (reviewer, class, rule,
    severity, message) to list among what the committee should discuss."""
    from openpyxl import Workbook

    from clusterbook.outputs import RESULTS
    from clusterbook.outputs import mark as mark_kind
    from clusterbook.workbook.xlsx import workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    for result in results:
        _class_sheet(wb, spec, result)
    _detail_sheet(wb, spec, results)
    _flags_sheet(wb, spec, results, findings)
    _about_sheet(wb, spec, results)
    wb.properties.creator = "clusterbook"
    mark_kind(wb, RESULTS)
    wb.properties.title = spec.text(
        spec.labels["title"], category="、".join(r.category for r in results)
    )
    output = Path(output)
    output.write_bytes(workbook_bytes(wb))
    return output


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    def fill(rgb: str) -> PatternFill:
        return PatternFill("solid", start_color=rgb, end_color=rgb)

    return {
        "title": Font(bold=True, size=14, color="1F3864"),
        "note": Font(italic=True, color="595959"),
        "bold": Font(bold=True),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "head": Alignment(wrap_text=True, vertical="center", horizontal="center"),
        "center": Alignment(vertical="top", horizontal="center"),
        "header": fill(HEADER_FILL),
        "tie": fill(TIE_FILL),
        "divergent": fill(DIVERGENT_FILL),
        "below": fill(BELOW_FILL),
        "line": Border(bottom=Side(style="thick", color="C00000")),
    }


def _table(
    ws, top: int, heads: list[str], rows: list[list[Any]], cols: list[Col], name: str
) -> None:
    """Headers at row ``top``, then the rows, as one Excel Table with fitted widths."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    st = _styles()
    for j, head in enumerate(heads, start=1):
        cell = put(ws, top, j, head)
        cell.font, cell.alignment, cell.fill = st["bold"], st["head"], st["header"]
    for i, row in enumerate(rows, start=top + 1):
        lines = 1
        for j, (value, col) in enumerate(zip(row, cols, strict=True), start=1):
            if value is None:
                continue
            cell = put(ws, i, j, value)
            if col.fmt and not isinstance(value, str):
                cell.number_format = col.fmt
            if isinstance(value, str) and col.width and width(value) > col.width:
                cell.alignment = st["wrap"]  # long notes wrap within their column
                lines = max(lines, -(-width(value) // max(int(col.width) - 2, 1)))
            elif j <= 2:
                cell.alignment = st["center"]
        if lines > 1:
            ws.row_dimensions[i].height = 15 * min(lines, 8) + 2
    lines = 1
    for j, (head, col) in enumerate(zip(heads, cols, strict=True), start=1):
        widest = max([width(str(r[j - 1])) for r in rows if r[j - 1] is not None] or [0])
        size = col.width or min(max(widest + 2, 8), 36)
        if col.width is None:
            size = min(max(size, max(width(p) for p in head.split("\n")) + 2), 36)
        ws.column_dimensions[get_column_letter(j)].width = size
        lines = max(lines, head.count("\n") + 1, -(-width(head) // max(int(size) - 1, 1)))
    ws.row_dimensions[top].height = 15 * min(lines, 4) + 4
    last = get_column_letter(len(heads))
    table = Table(displayName=name, ref=f"A{top}:{last}{top + max(len(rows), 1)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = ws.cell(row=top + 1, column=4 if len(heads) > 6 else 1).coordinate
    _print_setup(ws)
    ws.print_title_rows = f"{top}:{top}"


def _heading(ws, spec: ReviewSpec, lines: list[tuple[str, str]], span: int) -> int:
    """Title and note lines above a table; returns the table's header row."""
    st = _styles()
    for r, (text, style) in enumerate(lines, start=1):
        cell = put(ws, r, 1, text)
        cell.font = st[style]
        if style != "title":
            cell.alignment = st["wrap"]
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=max(span, 1))
            ws.row_dimensions[r].height = 15 * max(1, -(-width(text) // 150)) + 4
    return len(lines) + 2


def _class_sheet(wb, spec: ReviewSpec, result: ClassResult) -> None:
    lab = spec.labels
    ws = wb.create_sheet(lab["sheet"].format(category=result.category))
    cols = _columns(spec, result)
    reviewers = "、".join(result.reviewers) or "（尚無評分表）"
    lines = [
        (spec.text(lab["title"], category=result.category), "title"),
        (spec.method_text(result.method, result.category), "note"),
        (lab["reviewers_line"].format(reviewers=reviewers), "note"),
    ]
    if result.budget is not None:
        lines.append((lab["budget_line"].format(budget=f"{result.budget:,}"), "note"))
    top = _heading(ws, spec, lines, len(cols))
    rows = [[c.get(s) for c in cols] for s in result.standings]
    letter = result.category.removesuffix("類")
    name = lab["table"].format(letter=letter if letter.isascii() else len(wb.sheetnames))
    _table(ws, top, [c.label for c in cols], rows, cols, name)
    _marks(ws, spec, result, cols, top)


def _marks(ws, spec: ReviewSpec, result: ClassResult, cols: list[Col], top: int) -> None:
    """Colour ties and divergent totals; a thick line under the last funded proposal."""
    st = _styles()
    heads = [c.label for c in cols]
    tie_col = heads.index(spec.labels["columns"]["tie_note"]) + 1
    for i, s in enumerate(result.standings, start=top + 1):
        if s.tie or s.line_tie:
            for j in (1, 3, tie_col):
                ws.cell(row=i, column=j).fill = st["tie"]
        for name in s.divergent:
            j = heads.index(spec.labels["reviewer_total"].format(reviewer=name)) + 1
            ws.cell(row=i, column=j).fill = st["divergent"]
        if s.funded is False:
            for j in range(1, len(cols) + 1):
                ws.cell(row=i, column=j).font = st["note"]
    funded = [i for i, s in enumerate(result.standings, start=top + 1) if s.funded]
    if result.budget is not None and funded:
        for j in range(1, len(cols) + 1):
            ws.cell(row=funded[-1], column=j).border = st["line"]


def _detail_sheet(wb, spec: ReviewSpec, results: list[ClassResult]) -> None:
    lab = spec.labels
    d = lab["detail_columns"]
    ws = wb.create_sheet(lab["detail_sheet"])
    rank_fmt = COUNT if spec.own_rank == "min" else RANK
    cols = [
        Col(d["category"], None, None, 6),
        Col(d["reviewer"], None),
        Col(d["case"], None, None, 6),
        Col(d["cluster_name"], None),
        Col(d["state"], None, None, 8),
        *(Col(c.label, None, COUNT, 10) for c in spec.criteria),
        Col(d["weighted_total"], None, TOTAL, 9),
        Col(d["own_rank"], None, rank_fmt, 8),
        Col(d["comment"], None, None, 40),
    ]
    rows = []
    for result in results:
        for name in result.reviewers:
            for s in result.standings:
                e = s.entries[name]
                rows.append(
                    [
                        result.category,
                        name,
                        s.case.case,
                        s.case.cluster_name,
                        lab["states"][e.state],
                        *(e.scores.get(c.id) for c in spec.criteria),
                        _total(e.total),
                        _num(e.rank),
                        e.comment,
                    ]
                )
    top = _heading(ws, spec, [(lab["detail_sheet"], "title")], len(cols))
    _table(ws, top, [c.label for c in cols], rows, cols, "ReviewScores")


def _flags_sheet(wb, spec: ReviewSpec, results: list[ClassResult], findings) -> None:
    lab = spec.labels
    f, kinds, notes = lab["flag_columns"], lab["flags"], lab["notes"]
    ws = wb.create_sheet(lab["flags_sheet"])
    rows = []
    for result in results:
        k = result.category
        for s in result.standings:
            case, cname = s.case.case, s.case.cluster_name
            median = s.median
            for name in s.divergent:
                total = Fraction(s.entries[name].total, 100)
                note = notes["divergent"].format(
                    total=f"{float(total):.2f}",
                    median=f"{float(median):.2f}",
                    diff=f"{float(abs(total - median)):.2f}",
                    threshold=f"{spec.divergence:g}",
                )
                rows.append([k, kinds["divergent"], case, cname, name, note])
            if s.tie:
                rows.append([k, kinds["tie"], case, cname, None, s.tie_note])
            if s.line_tie:
                rows.append([k, kinds["line_tie"], case, cname, None, notes["line_tie"]])
            for name, e in s.entries.items():
                if e.state in (INCOMPLETE, ABSENT):
                    rows.append([k, kinds["incomplete"], case, cname, name, notes[e.state]])
            if s.place is None:
                rows.append([k, kinds["unscored"], case, cname, None, notes["unscored"]])
    for reviewer, category, _rule, severity, message in findings:
        if severity != "info":
            rows.append([category, kinds["finding"], None, None, reviewer, message])
    cols = [
        Col(f["category"], None, None, 6),
        Col(f["kind"], None, None, 12),
        Col(f["case"], None, None, 6),
        Col(f["cluster_name"], None),
        Col(f["reviewer"], None),
        Col(f["note"], None, None, 80),
    ]
    top = _heading(ws, spec, [(lab["flags_sheet"], "title")], len(cols))
    _table(ws, top, [c.label for c in cols], rows, cols, "ReviewFlags")


def _about_sheet(wb, spec: ReviewSpec, results: list[ClassResult]) -> None:
    from clusterbook.register.export import file_name

    ws = wb.create_sheet(spec.labels["about_sheet"])
    st = _styles()
    lines = [(spec.labels["about_sheet"], "title")]
    for result in results:
        k = result.category
        lines.append((f"{k}｜{spec.method_text(result.method, k)}", "note"))
        weights = "、".join(f"{c.label} {c.weights[k]}%" for c in spec.criteria)
        lines.append((f"{k}｜評分項目與權重：{weights}", "note"))
        for name, source in result.sources.items():
            lines.append((f"{k}｜{name} 的評分表：{file_name(source)}", "note"))
    lines += [
        (
            f"意見分歧：委員的加權總分與該案各委員加權總分之中位數相差超過 {spec.divergence:g} 分者，請於會議討論。",
            "note",
        ),
        (f"總分法加分：{spec.bonus_label()}（由總表依提案資料判定）。", "note"),
        (
            "利益迴避、評分未完成或未列入評分表的委員，不計入該案的平均、中位數、全距與序位。",
            "note",
        ),
    ]
    for r, (text, style) in enumerate(lines, start=1):
        cell = put(ws, r, 1, text)
        cell.font = st[style]
        cell.alignment = st["wrap"]
        if style != "title":
            ws.row_dimensions[r].height = 15 * max(1, -(-width(text) // 118)) + 3
    ws.column_dimensions["A"].width = 120
    _print_setup(ws)
