"""The form's two special tables: the self-assessment checklists (勾選與說明, 指標積分, 小計,
應用情境) and the 經費運用分配表 (categories, their lines, 營業稅, 總計); and the checkpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusterbook.document import word
from clusterbook.document.blocks import table_rows
from clusterbook.document.values import BLANK, Context, blank, boxes, fill, plain, render
from clusterbook.register.columns import roc

if TYPE_CHECKING:
    from clusterbook.document.blocks import Renderer

YES, NO = "有", "無"
SCORE = "指標積分\n(有填1無填0)"


def checklist(r: Renderer, ctx: Context, spec: dict[str, Any]) -> None:
    """Items grouped by facet: 序, 階段, 實踐工具, then per check 勾選與說明 (□無 □有 + 說明)
    and its score, then the 應用情境 choices; a 小計 row closes each facet."""
    prog = ctx.proposal.program
    items = _items(ctx, spec)
    checks = spec["checks"]
    scenario = spec.get("scenario")
    t = word.Table(r.doc, spec["widths"], spec.get("size", r.size))
    if spec.get("title"):
        t.row([word.band(spec["title"], t.columns)], header=True)
    _header(t, checks, scenario)
    for letter, facet in prog.params["facets"].items():
        rows = [it for it in items if it["facet"] == letter]
        if not rows:
            continue
        t.row([word.band(facet["label"], t.columns)], keep=True, with_next=True)
        totals = [0] * len(checks)
        for it in rows:
            cells = [
                word.Cell(str(it["seq"]), align="center"),
                word.Cell(it["level"], align="center"),
                word.Cell(it["name"]),
            ]
            for k, (value, note) in enumerate(it["checks"]):
                cells.append(word.Cell(_ticks(value, note, it.get("hint"))))
                cells.append(word.Cell("1" if value == YES else "0", align="center"))
                totals[k] += value == YES
            if scenario:
                choices = prog.lists[it["scenarios"]].values
                chosen = boxes(choices, it["scenario"], per_line=scenario.get("per_line", 0))
                cells.append(word.Cell(chosen))
            t.row(cells, keep=True)
        cells = [word.label("小計", 3)]
        for total in totals:
            cells += [word.Cell(), word.Cell(str(total), align="center")]
        t.row([*cells, word.Cell()] if scenario else cells, keep=True)
    footer = spec.get("footer")
    if footer:
        t.row([word.label(footer["label"], 3), word.Cell(render(ctx, footer))], keep=True)
    r.started()


def _items(ctx: Context, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each checklist item with its answers: from a matrix (this member's column) or a table."""
    p = ctx.proposal
    prog = p.program
    source = spec["source"]
    names = [(prog.fields[c["value"]].name, prog.fields[c["note"]].name) for c in spec["checks"]]
    frame = p.tables.get(source)
    if source in prog.matrices:
        items = prog.matrices[source].items
        answers: dict[int, dict[str, Any]] = {}
        if frame is not None and not frame.empty and ctx.row is not None:
            mine = frame[frame["member_index"] == ctx.row["pos"]]
            answers = {int(r["item_index"]): r for r in mine.to_dict("records")}
    else:
        items = prog.tables[source].rows
        answers = {}
        if frame is not None and not frame.empty:
            answers = {int(r["pos"]): r for r in frame.to_dict("records")}
    scenario = spec.get("scenario")
    out = []
    for i, item in enumerate(items):
        row = answers.get(i, {})
        checks = [(_clean(row.get(v)), _clean(row.get(nt))) for v, nt in names]
        chosen = _clean(row.get(prog.fields[scenario["field"]].name)) if scenario else None
        out.append({**item, "checks": checks, "scenario": chosen})
    return out


def _clean(value: Any) -> Any:
    return None if blank(value) else value


def _header(t: word.Table, checks: list[dict[str, Any]], scenario: dict | None) -> None:
    """One header row, or two when several checks each head a 勾選與說明/積分 pair."""
    fixed = ("序", "階段", "實踐工具")
    if len(checks) == 1:
        labels = [*fixed, checks[0]["label"], SCORE] + ([scenario["label"]] if scenario else [])
        t.row([word.head(label) for label in labels], header=True)
        return
    top = [word.head(label, merge="restart") for label in fixed]
    top += [word.head(check["label"], span=2) for check in checks]
    bottom = [word.head("", merge="continue") for _ in fixed]
    bottom += [word.head(label) for _ in checks for label in ("勾選與說明", SCORE)]
    if scenario:
        top.append(word.head(scenario["label"], merge="restart"))
        bottom.append(word.head("", merge="continue"))
    t.row(top, header=True)
    t.row(bottom, header=True)


def _ticks(value: Any, note: Any, hint: str | None) -> str:
    text = boxes([NO, YES], value)
    if note:
        return f"{text}：{note}"
    return f"{text} {BLANK}{hint}" if hint else text


def allocation(r: Renderer, ctx: Context, spec: dict[str, Any]) -> None:
    """經費運用分配表: each category's amount, share and the lines that make it up; 營業稅 and
    總計 below (all recomputed by clusterbook, never read from the workbook)."""
    p = ctx.proposal
    t = word.Table(r.doc, spec["widths"], r.size)
    t.row([word.head(label) for label in spec["columns"]], header=True)
    lines_table = spec["lines"]
    category = p.program.tables[lines_table].columns[0].name
    lines = table_rows(ctx, lines_table)
    total = p.totals.get(spec["total"]["total"]) or 0
    for row in table_rows(ctx, spec["summary"]):
        mine = [ln for ln in lines if ln.get(category) == row["category"]]
        texts = [_line(ctx.at(lines_table, ln, i), spec) for i, ln in enumerate(mine, start=1)]
        _money_row(t, row["category"], row["amount"], row["share"], "\n".join(texts))
    tax = p.totals.get(spec["tax"]["total"]) or 0
    _money_row(t, spec["tax"]["label"], tax, tax / total if total else 0, "", bold=True)
    _money_row(t, spec["total"]["label"], total, 1 if total else 0, "", bold=True)
    r.started()


def _line(ctx: Context, spec: dict[str, Any]) -> str:
    text = fill(ctx, spec["line"])
    note = render(ctx, {"field": spec["line_note"]}) if spec.get("line_note") else ""
    if note:
        return f"{text}（{note}）"
    detail = fill(ctx, spec["line_detail"], missing="") if spec.get("line_detail") else ""
    return f"{text}（{detail.strip()}）" if detail.strip() else text


def _money_row(t: word.Table, label: str, amount, share, text: str, bold: bool = False) -> None:
    t.row(
        [
            word.Cell(label, bold=bold),
            word.Cell(plain(amount or 0, "money"), bold=bold, align="center"),
            word.Cell(plain(share or 0, "percent2"), bold=bold, align="center"),
            word.Cell(text),
        ],
        keep=True,
    )


def checkpoints(r: Renderer, ctx: Context, template: str) -> None:
    """期中/期末查核點 lines from the program's checkpoints."""
    for cp in ctx.proposal.program.params["checkpoints"]:
        text = template.format(
            name=cp["name"],
            date=roc(cp["date"]),
            rate=f"{cp['rate']:.0%}",
            cumulative=f"{cp['cumulative']:.0%}",
        )
        word.paragraph(r.doc, text)
    r.started()
