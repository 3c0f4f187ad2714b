"""A reviewer's scoring workbook as a :class:`~clusterbook.workbook.layout.Layout`.

The same layout is drawn by the xlsx renderer and natively in Google Sheets, and read back
through its ``_meta`` field map. Sheets: 評分說明 (how to score, criteria and weights, the
methods, the import rules), 評分表 (one row per proposal of the slate: its data from the
register, 利益迴避, one score per criterion, locked formulas for the weighted total and the
reviewer's own rank, a comment), the hidden ``_lists`` and ``_meta``.
"""

from __future__ import annotations

from dataclasses import dataclass

from clusterbook.register.columns import width
from clusterbook.review.slate import Slate, bonus_text
from clusterbook.review.spec import ReviewSpec
from clusterbook.workbook import a1
from clusterbook.workbook.grid import (
    LISTS_SHEET,
    FieldRef,
    Layout,
    SheetLayout,
    Validation,
    meta_sheet,
)
from clusterbook.workbook.placeholders import key_formula

FIRST_ROW = 7
"""The first proposal row of 評分表 (title, reviewer, blank, groups, headers, weights above)."""
HEADER_ROW, WEIGHT_ROW, GROUP_ROW = 5, 6, 4
CASE_PREFIX, REVISION_PREFIX = "case:", "revision:"
RECUSED_NAME, CONFLICT_NAME = "R_RECUSED", "L_conflict"


@dataclass(frozen=True)
class Column:
    id: str
    """The field id's last part (case, score.facets, weighted_total …)."""
    label: str
    width: float
    group: str
    criterion: str | None = None

    @property
    def field_id(self) -> str:
        return f"review.{self.id}"


def columns(spec: ReviewSpec) -> list[Column]:
    """The scoring sheet's columns in order, criteria in place of ``criteria``."""
    out = []
    for entry in spec.raw["columns"]:
        if entry == "criteria":
            for c in spec.criteria:  # the weight is in the row below the headers
                out.append(Column(f"score.{c.id}", c.label, 10, "scores", c.id))
            continue
        cid = entry["id"]
        group = {"weighted_total": "computed", "rank": "computed", "comment": "comment"}.get(
            cid, "info"
        )
        out.append(Column(cid, entry["label"], entry["width"], group))
    return out


def review_layout(spec: ReviewSpec, slate: Slate, reviewer: str, seat: int = 1) -> Layout:
    """The scoring workbook of one reviewer for one class's slate (at least one proposal);
    ``seat``: the reviewer's place in the committee (results list reviewers in that order)."""
    if not slate.cases:
        raise ValueError(f"{slate.category}沒有符合資格的提案")
    lists, names = _lists(spec)
    scores, fields = _scores(spec, slate, reviewer, names[CONFLICT_NAME])
    title = spec.text(spec.raw["title"], category=slate.category)
    meta = [
        ("template_id", spec.template_id),
        ("program", spec.program.id),
        ("version", spec.version),
        ("spec_hash", spec.spec_hash),
        ("year", str(slate.year)),
        ("category", slate.category),
        ("reviewer", reviewer),
        ("seat", str(seat)),
        ("register", slate.fingerprint),
        ("cases", str(len(slate.cases))),
    ]
    for c in slate.cases:
        meta += [(CASE_PREFIX + c.case, c.key), (REVISION_PREFIX + c.case, str(c.revision))]
    sheets = [_instructions(spec, slate, title), scores, lists, meta_sheet(meta, fields)]
    return Layout(spec.program, sheets, names, fields, meta, title=title)


def _lists(spec: ReviewSpec) -> tuple[SheetLayout, dict[str, str]]:
    """The 利益迴避 choices (the dropdown) and every key read as 迴避 (the formulas' test)."""
    sl = SheetLayout("lists", LISTS_SHEET, hidden=True)
    names = {}
    for col, (name, head, values) in enumerate(
        (
            (CONFLICT_NAME, "conflict", list(spec.conflict.values)),
            (RECUSED_NAME, "recused", spec.conflict.keys_of(spec.recused)),
        ),
        start=1,
    ):
        sl.put(1, col, value=head, style="header")
        for i, v in enumerate(values, start=2):
            sl.put(i, col, value=v, style="fixed")
        area = a1.area(2, col, len(values) + 1, col, absolute=True)
        names[name] = a1.qualified(LISTS_SHEET, area)
    return sl, names


def _scores(
    spec: ReviewSpec, slate: Slate, reviewer: str, conflict_source: str
) -> tuple[SheetLayout, dict[str, FieldRef]]:
    raw = spec.raw
    cols = columns(spec)
    index = {c.field_id: k for k, c in enumerate(cols, start=1)}
    title = raw["sheets"]["scores"]
    sl = SheetLayout("scores", title, landscape=True)
    last_col = len(cols)
    first, last = FIRST_ROW, FIRST_ROW + len(slate.cases) - 1
    sl.put(1, 1, value=spec.text(raw["title"], category=slate.category), style="title")
    sl.merges.append((1, 1, 1, last_col))
    sl.put(2, 1, value=raw["reviewer_label"], style="label")
    sl.put(2, 2, value=reviewer, style="fixed")
    sl.put(2, 3, value=spec.text(raw["instructions"][0]), style="description")
    sl.merges.append((2, 3, 2, last_col))
    sl.heights[2] = 30
    fields = {
        "review.reviewer": FieldRef("review.reviewer", raw["reviewer_label"], title, 2, 2, 2, 2)
    }
    # group row, headers, weights
    groups = {k: spec.text(v) for k, v in raw["groups"].items()}
    start = 1
    for k, col in enumerate(cols, start=1):
        nxt = cols[k].group if k < len(cols) else None
        if nxt != col.group:
            sl.put(GROUP_ROW, start, value=groups[col.group], style="group")
            if k > start:
                sl.merges.append((GROUP_ROW, start, GROUP_ROW, k))
            start = k + 1
        sl.put(HEADER_ROW, k, value=col.label, style="header")
        sl.width(k, col.width)
    sl.heights[HEADER_ROW] = 50
    sl.put(WEIGHT_ROW, 1, value=raw["weights_label"], style="label")
    first_score = index[f"review.score.{spec.criteria[0].id}"]
    sl.merges.append((WEIGHT_ROW, 1, WEIGHT_ROW, first_score - 1))
    weights = spec.weights(slate.category)
    for c in spec.criteria:
        sl.put(
            WEIGHT_ROW,
            index[f"review.score.{c.id}"],
            value=weights[c.id] / 100,
            style="fixed",
            fmt="0%",
        )
    total_col, rank_col = index["review.weighted_total"], index["review.rank"]
    conflict_col = index["review.conflict"]
    for i, case in enumerate(slate.cases):
        r = first + i
        values = {
            "review.case": case.case,
            "review.cluster_name": case.cluster_name,
            "review.unit_name": case.unit_name,
            "review.cluster_type": case.cluster_type,
            "review.budget_total": case.budget_total,
            "review.bonus": bonus_text(spec, case.bonus),
            "review.summary": case.summary,
        }
        for fid, value in values.items():
            fmt = "#,##0" if fid == "review.budget_total" else None
            sl.put(r, index[fid], value=value, style="fixed", fmt=fmt)
        sl.put(r, conflict_col, style="input", locked=False)
        for c in spec.criteria:
            sl.put(r, index[f"review.score.{c.id}"], style="input", fmt="0", locked=False)
        sl.put(r, index["review.comment"], style="input", locked=False)
        total, rank = row_formulas(spec, index, r, (first, last))
        sl.put(r, total_col, style="formula", fmt="0.00", formula=total)
        fmt = "0.0" if spec.own_rank == "average" else "0"
        sl.put(r, rank_col, style="formula", fmt=fmt, formula=rank)
        sl.heights[r] = 48
    for col in cols:
        k = index[col.field_id]
        fields[col.field_id] = FieldRef(col.field_id, col.label, title, first, k, last, k)
    _validations(spec, sl, slate.category, index, (first, last), conflict_source)
    sl.freeze = (first, index["review.cluster_name"] + 1)
    return sl, fields


def row_formulas(
    spec: ReviewSpec, index: dict[str, int], row: int, rows: tuple[int, int]
) -> tuple[str, str]:
    """The weighted total and own-rank formulas of one proposal row (``rows``: first and last
    proposal rows). A 迴避 row, a missing or invalid score leave both blank."""
    first, last = rows
    first_score = index[f"review.score.{spec.criteria[0].id}"]
    last_score = first_score + len(spec.criteria) - 1
    total_col = index["review.weighted_total"]
    conflict = a1.cell(row, index["review.conflict"])
    scores = a1.area(row, first_score, row, last_score)
    weights = a1.area(WEIGHT_ROW, first_score, WEIGHT_ROW, last_score, absolute=True)
    recused = f"ISNUMBER(MATCH({key_formula(conflict)},{RECUSED_NAME},0))"
    invalid = (
        f"OR(MIN({scores})<{spec.score_min},MAX({scores})>{spec.score_max},"
        f"SUMPRODUCT(MOD({scores},1))>0)"
    )
    total = (
        f'=IF({recused},"",IF(COUNT({scores})<{len(spec.criteria)},"",'
        f'IF({invalid},"",ROUND(SUMPRODUCT({scores},{weights}),2))))'
    )
    totals = a1.area(first, total_col, last, total_col, absolute=True)
    mine = a1.cell(row, total_col)
    rank = f"RANK({mine},{totals},0)"
    if spec.own_rank == "average":
        rank += f"+(COUNTIF({totals},{mine})-1)/2"
    return total, f'=IF(ISNUMBER({mine}),{rank},"")'


def _validations(
    spec: ReviewSpec,
    sl: SheetLayout,
    category: str,
    index: dict[str, int],
    rows: tuple[int, int],
    source: str,
) -> None:
    first, last = rows
    conflict = index["review.conflict"]
    choices = "、".join(spec.conflict.values)
    sl.validations.append(
        Validation(
            sqref=a1.area(first, conflict, last, conflict),
            kind="list",
            source=source,
            name=CONFLICT_NAME,
            prompt_title="利益迴避",
            prompt=f"有利益迴避者選「{spec.recused}」，該案不評分；無者留空或選「{spec.conflict.values[0]}」。",
            error_title="填寫內容不符",
            error=f"請從下拉選單選擇：{choices}。",
        )
    )
    for c in spec.criteria:
        col = index[f"review.score.{c.id}"]
        sl.validations.append(
            Validation(
                sqref=a1.area(first, col, last, col),
                kind="whole",
                minimum=spec.score_min,
                maximum=spec.score_max,
                prompt_title=f"{c.label}（{c.weights[category]}%）"[:32],
                prompt=c.message(category)[:255],
                error_title="分數不符",
                error=f"「{c.label}」請填 {spec.score_min}–{spec.score_max} 的整數。",
            )
        )
    comment = index["review.comment"]
    sl.validations.append(
        Validation(
            sqref=a1.area(first, comment, last, comment),
            kind="prompt",
            prompt_title="評語",
            prompt="對本案的意見或建議（選填），供遴選會議討論。",
        )
    )


def _instructions(spec: ReviewSpec, slate: Slate, title: str) -> SheetLayout:
    """評分說明: how to score, the criteria with their weights and notes, the methods, the rules."""
    raw = spec.raw
    sl = SheetLayout("instructions", raw["sheets"]["instructions"], landscape=True)
    sl.put(1, 1, value=title, style="title")
    sl.merges.append((1, 1, 1, 4))
    row = 3
    for line in raw["instructions"]:
        text = spec.text(line)
        sl.put(row, 1, value=text, style="description")
        sl.merges.append((row, 1, row, 4))
        sl.heights[row] = 30
        row += 1

    def section(heading: str, heads: tuple[str, ...]) -> None:
        nonlocal row
        row += 1
        sl.put(row, 1, value=heading, style="section")
        sl.merges.append((row, 1, row, 4))
        row += 1
        for k, h in enumerate(heads, start=1):
            sl.put(row, k, value=h, style="header")
        row += 1

    section(f"評分項目與權重（{slate.category}）", ("評分項目", "評分重點", "權重", ""))
    for c in spec.criteria:
        sl.put(row, 1, value=c.label, style="label")
        sl.put(row, 2, value=c.message(slate.category), style="help")
        sl.put(row, 3, value=c.weights[slate.category] / 100, style="fixed", fmt="0%")
        sl.heights[row] = 45
        row += 1
    section("評選方式（承辦單位彙整）", ("方法", "說明", "", ""))
    for name in spec.methods:
        sl.put(row, 1, value=name, style="label")
        sl.put(row, 2, value=spec.method_text(name, slate.category), style="help")
        sl.merges.append((row, 2, row, 4))
        sl.heights[row] = 60
        row += 1
    section("匯入時的檢核", ("規則代碼", "說明", "嚴重度", ""))
    severity = {"error": "錯誤", "warning": "警告", "info": "資訊"}
    for rule in spec.program.rules.values():
        if rule.id.startswith("REVIEW-"):
            sl.put(row, 1, value=rule.id, style="help")
            text = f"{rule.title}：{rule.description}"
            sl.put(row, 2, value=text, style="help")
            sl.put(row, 3, value=severity[rule.severity], style="help")
            sl.heights[row] = 14 * -(-width(text) // 76) + 4
            row += 1
    for col, size in {1: 24, 2: 80, 3: 10, 4: 10}.items():
        sl.width(col, size)
    return sl
