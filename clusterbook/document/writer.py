"""Compose the 提案計畫書 (cover, parts one to three) and each record's own file (one
數位群聚成員基本資料表 per member, for stamping and individual upload)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterbook.document import word
from clusterbook.document.blocks import Renderer, record_name, table_rows
from clusterbook.document.layout import load_document
from clusterbook.document.values import Context, fill, render
from clusterbook.outputs import DOCUMENT, PROPERTY
from clusterbook.proposal import Proposal


@dataclass
class Written:
    """What ``write_document`` wrote: the document and one file per record (member)."""

    document: Path
    records: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)


def build(proposal: Proposal) -> Any:
    """The whole 提案計畫書 as a python-docx Document."""
    layout = load_document(proposal.program.id)
    ctx = Context(proposal)
    doc = _new(layout, ctx, layout["title"], cover=True)
    r = Renderer(doc, layout)
    _cover(doc, layout, ctx)
    r.started()
    r.blocks(ctx, layout["body"])
    return doc


def build_records(proposal: Proposal) -> list[tuple[str, Any]]:
    """(file name, Document) for each row of every ``records`` block that names its files."""
    layout = load_document(proposal.program.id)
    ctx = Context(proposal)
    out = []
    for block in layout["body"]:
        spec = block.get("records")
        if not spec or not spec.get("file"):
            continue
        for i, row in enumerate(table_rows(ctx, spec["rows"]), start=1):
            rctx = ctx.at(spec["rows"], row, i)
            doc = _new(layout, ctx, spec.get("title", layout["title"]), cover=False)
            Renderer(doc, layout).records(ctx, {**spec, "new_page": False}, only=i)
            out.append((record_name(rctx, spec["file"]), doc))
    return out


def write_document(
    proposal: Proposal, path: str | Path, *, records_dir: str | Path | None = None
) -> Written:
    """Write the 提案計畫書 (.docx) and, with ``records_dir``, one .docx per member there
    (``01-<企業名稱>.docx`` …)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(proposal).save(path)
    written = Written(path)
    if records_dir is not None:
        folder = Path(records_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name, doc in build_records(proposal):
            target = folder / f"{name}.docx"
            doc.save(target)
            written.records.append(target)
    return written


def _new(layout: dict[str, Any], ctx: Context, title: str, *, cover: bool) -> Any:
    doc = word.new_document(layout["fonts"])
    header = fill(ctx, layout["header"].replace("{title}", title), missing="")
    word.header_footer(doc, header.strip("｜ "), layout["footer"], first_page=not cover)
    props = doc.core_properties
    props.title = header.strip("｜ ")
    props.author = props.last_modified_by = "clusterbook"
    props.identifier = f"{PROPERTY}:{DOCUMENT}"  # recognised by clusterbook.outputs.kind_of
    return doc


def _cover(doc: Any, layout: dict[str, Any], ctx: Context) -> None:
    """The cover: title, 群聚名稱 and 提案類別, the three units, the 中華民國 date."""
    cover = layout["cover"]
    fonts = layout["fonts"]
    for _ in range(4):
        word.paragraph(doc, "")
    for line in cover["title"]:
        p = word.paragraph(doc, line, size=fonts["headings"][0] + 12, bold=True, align="center")
        _font(p, fonts.get("cover"))
    for _ in range(3):
        word.paragraph(doc, "")
    for item in cover["lines"]:
        text = f"{item['label']}：{render(ctx, item)}"
        word.paragraph(doc, text, size=fonts["headings"][0], align="center")
    for _ in range(5):
        word.paragraph(doc, "")
    for item in cover["parties"]:
        text = f"{item['label']}：{render(ctx, item)}"
        word.paragraph(doc, text, size=fonts["headings"][1], align="center")
    for _ in range(4):
        word.paragraph(doc, "")
    word.paragraph(doc, render(ctx, cover["date"]), size=fonts["headings"][1], align="center")


def _font(p: Any, name: str | None) -> None:
    if not name:
        return
    from docx.oxml.ns import qn

    for run in p.runs:
        run.font.name = name
        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
