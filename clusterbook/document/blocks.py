"""The blocks of ``document.yaml`` drawn into a Word document: headings, paragraphs, narratives,
form grids, data tables, records, the privacy statement, consents and 用印 boxes."""

from __future__ import annotations

from typing import Any

from clusterbook.document import word
from clusterbook.document.layout import kind
from clusterbook.document.values import Context, condition, fill, render, tick


class Renderer:
    """Draws blocks into one document; ``forms`` draws the checklist and allocation tables."""

    def __init__(self, doc: Any, layout: dict[str, Any]) -> None:
        self.doc = doc
        self.layout = layout
        self.size = layout["fonts"]["table_size"]
        self._started = False

    # -- driver -----------------------------------------------------------------------------
    def blocks(self, ctx: Context, blocks: list[dict[str, Any]]) -> None:
        for block in blocks:
            self.block(ctx, block)

    def block(self, ctx: Context, block: dict[str, Any]) -> None:
        k = kind(block)
        if not condition(ctx, block.get("when")):
            return
        if block.get("section"):
            word.new_section(self.doc, block["section"])
            self._started = False
        elif block.get("new_page"):
            self.new_page()
        body = block[k]
        if k in ("h1", "h2", "h3"):
            word.paragraph(self.doc, fill(ctx, body), style=f"Heading {k[1]}")
        elif k == "p":
            word.paragraph(
                self.doc,
                fill(ctx, body),
                bold=block.get("bold", False),
                align=block.get("align"),
                keep_next=block.get("keep_next", False),
            )
        elif k == "note":
            word.paragraph(self.doc, fill(ctx, body), size=self.size - 1, color="595959")
        elif k == "field":
            self.narrative(ctx, body, block.get("heading"), block.get("level", 3))
        elif k == "grid":
            self.grid(ctx, body)
        elif k == "table":
            self.table(ctx, body)
        elif k == "records":
            self.records(ctx, body)
        elif k == "statement":
            self.statement(ctx, body, block.get("title", ""))
        elif k == "consents":
            self.consents(ctx, body)
        elif k == "stamp":
            word.stamp_box(self.doc, body)
        elif k == "page_break":
            self.new_page()
        else:
            from clusterbook.document import forms

            getattr(forms, k)(self, ctx, body)

    def new_page(self) -> None:
        """A page break, unless nothing has been written on the current page yet."""
        if self._started:
            word.page_break(self.doc)
        self._started = False

    def started(self) -> None:
        self._started = True

    # -- text -------------------------------------------------------------------------------
    def narrative(self, ctx: Context, field_id: str, heading: str | None, level: int) -> None:
        """A text field under its heading, one paragraph per line the applicant wrote."""
        f = ctx.proposal.program.fields[field_id]
        title = heading or f.label
        if level:
            word.paragraph(self.doc, title, style=f"Heading {level}")
        else:
            word.paragraph(self.doc, title, bold=True, keep_next=True)
        text = render(ctx, {"field": field_id})
        for line in (text or "（無）").split("\n"):
            p = word.paragraph(self.doc, line)
            p.paragraph_format.first_line_indent = word.Pt(self.layout["fonts"]["size"] * 2)
        self.started()

    def statement(self, ctx: Context, statement_id: str, title: str) -> None:
        text = ctx.proposal.program.statements[statement_id]
        t = word.Table(self.doc, [1.0], self.size - 1)
        if title:
            t.row([word.Cell(title, bold=True, align="center")], keep=True, with_next=True)
        t.row([word.Cell(text)], keep=True)
        self.started()

    def consents(self, ctx: Context, items: list[dict[str, Any]]) -> None:
        """■/□ before each consent sentence (■ only when the answer is the consenting one)."""
        for item in items:
            f = ctx.proposal.program.fields[item["field"]]
            mark = tick(render(ctx, {"field": item["field"]}), item["checked"])
            text = f"{mark}{item.get('text') or f.label}"
            word.paragraph(self.doc, text, size=self.size, keep_next=True)
        self.started()

    # -- grids: the form's label/value tables -----------------------------------------------
    def grid(self, ctx: Context, spec: dict[str, Any]) -> None:
        """Rows of label and value cells; a value cell spans what the row leaves; ``group``
        cells of consecutive rows merge down the first column; ``title`` rows span the grid."""
        t = word.Table(self.doc, spec["widths"], spec.get("size", self.size))
        previous = None
        for raw in spec["rows"]:
            cells = raw["cells"] if isinstance(raw, dict) else raw
            if isinstance(raw, dict) and not condition(ctx, raw.get("when")):
                continue
            row = []
            group = None
            for cell in cells:
                if isinstance(cell, str):
                    row.append(word.label(fill(ctx, cell)))
                elif "group" in cell:
                    group = fill(ctx, cell["group"])
                    merge = "continue" if group == previous else "restart"
                    row.append(word.label(group, merge=merge, align="center"))
                elif "title" in cell:
                    row.append(word.band(cell["title"], t.columns))
                elif "label" in cell:
                    row.append(word.label(cell["label"], cell.get("span", 1)))
                else:
                    row.append(word.Cell(self.value(ctx, cell), cell.get("span", 1)))
            previous = group
            t.row(row, keep=True)
        self.started()

    def value(self, ctx: Context, spec: dict[str, Any]) -> str:
        """A value cell: one value, or ``parts`` (one line each)."""
        if "parts" in spec:
            lines = [render(ctx, part) for part in spec["parts"]]
            return "\n".join(line for line in lines if line)
        return render(ctx, spec)

    # -- data tables ------------------------------------------------------------------------
    def table(self, ctx: Context, spec: dict[str, Any]) -> None:
        """One row per filled row of a proposal table; the header repeats on every page."""
        columns = [c for c in spec["columns"] if condition(ctx, c.get("when"))]
        number = spec.get("number")
        widths = ([0.9] if number else []) + [c.get("width", 3) for c in columns]
        t = word.Table(self.doc, widths, spec.get("size", self.size))
        labels = ([number] if number else []) + [c["label"] for c in columns]
        t.row([word.head(label) for label in labels], header=True)
        rows = table_rows(ctx, spec["rows"])
        for i, row in enumerate(rows, start=1):
            rctx = ctx.at(spec["rows"], row, i)
            cells = [word.Cell(str(i), align="center")] if number else []
            t.row(cells + [word.Cell(self.column(rctx, c)) for c in columns], keep=True)
        if not rows:
            t.row([word.Cell(spec.get("empty", "（無）"), align="center")])
        if spec.get("progress"):
            self._progress(ctx, t, spec["progress"], columns, bool(number))
        if spec.get("footnote"):  # a row of the table: never alone on a page after it
            t.row([word.Cell(fill(ctx, spec["footnote"]))], keep=True)
        self.started()

    def column(self, ctx: Context, col: dict[str, Any]) -> str:
        cell = {k: v for k, v in col.items() if k not in ("label", "width", "mark", "unit", "when")}
        text = self.value(ctx, {"money": "{:,}", **cell})
        if col.get("unit") and text:
            text += render(ctx, {"field": col["unit"]})
        mark = col.get("mark")
        if mark and condition(ctx, mark["when"]):
            text += mark["text"]
        return text

    @staticmethod
    def _progress(ctx: Context, t: word.Table, label: str, columns, numbered: bool) -> None:
        """The 預定完成工作進度百分比 row: each checkpoint's rate under its column, 100% last."""
        checkpoints = ctx.proposal.program.params["checkpoints"]
        rates = [f"{cp['rate']:.0%}" for cp in checkpoints]
        rates.append(f"{checkpoints[-1]['cumulative']:.0%}")
        first = next(i for i, c in enumerate(columns) if c.get("unit")) + (1 if numbered else 0)
        cells = [word.Cell(label, first, fill=word.LABEL_FILL, bold=True)]
        cells += [word.Cell(rate, align="center") for rate in rates]
        t.row([*cells, word.Cell()], keep=True)

    # -- records ----------------------------------------------------------------------------
    def records(self, ctx: Context, spec: dict[str, Any], only: int | None = None) -> None:
        """The blocks once per row of a table (``only``: that row alone, for its own file)."""
        rows = table_rows(ctx, spec["rows"])
        if not rows:
            word.paragraph(self.doc, spec.get("empty", "（無）"))
            self.started()
            return
        for i, row in enumerate(rows, start=1):
            if only is not None and i != only:
                continue
            if spec.get("new_page"):
                self.new_page()
            self.blocks(ctx.at(spec["rows"], row, i), spec["blocks"])


def table_rows(ctx: Context, table: str) -> list[dict[str, Any]]:
    """The filled rows of a proposal table, as dicts, in the form's order."""
    frame = ctx.proposal.tables.get(table)
    if frame is None or frame.empty:
        return []
    return frame.to_dict("records")


def record_name(ctx: Context, template: str) -> str:
    """A record's file name from its template (``{n:02d}-{members.name}``), safe on every OS."""
    text = template.replace("{n:02d}", f"{ctx.number:02d}")
    text = fill(ctx, text)
    bad = '<>:"/\\|?*\n\r\t'
    return "".join("_" if ch in bad else ch for ch in text).strip(" .") or f"{ctx.number:02d}"
