"""python-docx helpers: A4 pages, Traditional Chinese fonts, bordered tables whose header rows
repeat on every page, page-number fields, the 用印 box."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

A4 = (Cm(21.0), Cm(29.7))
_CONTROL = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
LABEL_FILL = "F2F2F2"
TITLE_FILL = "D9D9D9"
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER}


def new_document(fonts: dict[str, Any], margins_cm: float = 2.0) -> Any:
    """An A4 document whose every style writes Traditional Chinese in the given fonts."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(margins_cm))
    section.header_distance = section.footer_distance = Cm(1.0)
    styles = doc.styles
    body, heading = fonts["body"], fonts.get("heading", fonts["body"])
    _style_font(styles["Normal"], body, fonts["size"])
    styles["Normal"].paragraph_format.space_after = Pt(3)
    for name in ("Header", "Footer"):
        _style_font(styles[name], body, fonts["size"] - 2, color="595959")
    for level, size in enumerate(fonts["headings"], start=1):
        style = styles[f"Heading {level}"]
        _style_font(style, heading, size, bold=True, color="000000")
        style.paragraph_format.space_before = Pt(size * 0.8)
        style.paragraph_format.space_after = Pt(size * 0.4)
        style.paragraph_format.keep_with_next = True
    _style_font(styles["Title"], heading, fonts["headings"][0] + 8, bold=True, color="000000")
    _font_table(doc, [body, heading], fonts.get("fallback"))
    return doc


def _style_font(style: Any, name: str, size: float, bold=None, color: str | None = None) -> None:
    font = style.font
    font.name = name
    font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color:
        font.color.rgb = RGBColor.from_string(color)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-TW")


def _font_table(doc: Any, names: list[str], fallback: str | None) -> None:
    """Declare the fonts as Big5-capable, with a Windows font Word uses when they are missing."""
    from lxml import etree

    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    for name in dict.fromkeys(names):
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if fallback:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), fallback)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "88")  # Big5
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "swiss")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def clean(text: str) -> str:
    """Text XML can carry: control characters (which a cell may hold) are dropped."""
    return text.translate(_CONTROL)


def text_width(doc: Any) -> int:
    """The width between the margins (EMU)."""
    s = doc.sections[-1]
    return s.page_width - s.left_margin - s.right_margin


def paragraph(
    container: Any,
    text: str = "",
    *,
    style: str | None = None,
    size: float | None = None,
    bold: bool = False,
    align: str | None = None,
    color: str | None = None,
    keep_next: bool = False,
) -> Any:
    """A paragraph; line breaks in the text stay line breaks."""
    p = container.add_paragraph(style=style)
    add_text(p, text, size=size, bold=bold, color=color)
    if align:
        p.alignment = ALIGN[align]
    if keep_next:
        p.paragraph_format.keep_with_next = True
    return p


def add_text(p: Any, text: str, *, size=None, bold=False, color=None) -> None:
    for i, line in enumerate(text.split("\n")):
        run = p.add_run()
        if i:
            run.add_break()
        run.add_text(clean(line))
        if size:
            run.font.size = Pt(size)
        if bold:
            run.bold = True
        if color:
            run.font.color.rgb = RGBColor.from_string(color)


def page_break(doc: Any) -> None:
    """A new page: the empty paragraph last written (a table's spacer) or a new 1 pt one starts
    it. A break inside a paragraph would add a blank page whenever that paragraph itself spills
    onto the next page, as a spacer under a table that fills its page does."""
    from docx.text.paragraph import Paragraph

    body = doc.element.body
    last = body[-2] if len(body) > 1 else None  # the body ends with its section properties
    empty = last is not None and last.tag == qn("w:p") and not "".join(last.itertext()).strip()
    p = Paragraph(last, doc._body) if empty else doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.page_break_before = True
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(1)


@dataclass(frozen=True)
class Cell:
    """One cell of a table row: its text (one paragraph per line), the grid columns it spans,
    and whether it starts (``restart``) or continues (``continue``) a vertical merge."""

    text: str = ""
    span: int = 1
    merge: str | None = None
    fill: str | None = None
    bold: bool = False
    align: str | None = None


def label(text: str, span: int = 1, merge: str | None = None, align: str | None = None) -> Cell:
    return Cell(text, span, merge, LABEL_FILL, align=align)


def head(text: str, span: int = 1, merge: str | None = None) -> Cell:
    return Cell(text, span, merge, LABEL_FILL, bold=True, align="center")


def band(text: str, span: int) -> Cell:
    return Cell(text, span, fill=TITLE_FILL, bold=True)


class Table:
    """A bordered table with fixed column widths (scaled to the text width), written as XML
    row by row: python-docx's cell lookups and merges walk the whole table every call."""

    def __init__(self, doc: Any, widths_cm: list[float], size: float) -> None:
        t = doc.add_table(rows=0, cols=len(widths_cm))
        t.style = doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        total = sum(widths_cm)
        self.widths = [int(text_width(doc) * w / total) // 635 for w in widths_cm]  # twips
        for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), self.widths, strict=True):
            col.set(qn("w:w"), str(w))
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        t._tbl.tblPr.append(layout)
        self.tbl = t._tbl
        self.size = size
        self.rows = 0
        spacer(doc)

    @property
    def columns(self) -> int:
        return len(self.widths)

    def row(
        self, cells: list[Cell], *, header: bool = False, keep: bool = False, with_next=False
    ) -> None:
        """Append a row; header rows repeat at the top of every page, kept rows never split,
        ``with_next`` rows stay on the page of the next row. The last cell spans whatever
        columns the others leave."""
        parts = [f"<w:tr {nsdecls('w')}>"]
        if header or keep:
            parts.append(
                "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>"
            )
        col = 0
        for k, cell in enumerate(cells):
            span = cell.span if k < len(cells) - 1 else self.columns - col
            parts.append(self._tc(cell, sum(self.widths[col : col + span]), span, with_next))
            col += span
        parts.append("</w:tr>")
        self.tbl.append(parse_xml("".join(parts)))
        self.rows += 1

    def _tc(self, cell: Cell, width: int, span: int, with_next: bool) -> str:
        props = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
        if span > 1:
            props.append(f'<w:gridSpan w:val="{span}"/>')
        if cell.merge:
            props.append(f'<w:vMerge w:val="{cell.merge}"/>')
        if cell.fill:
            props.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>')
        if cell.merge == "restart" or (cell.fill and cell.align == "center"):
            props.append('<w:vAlign w:val="center"/>')
        text = "" if cell.merge == "continue" else cell.text
        half = round(self.size * 2)
        run = ("<w:b/>" if cell.bold else "") + f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
        jc = f'<w:jc w:val="{cell.align}"/>' if cell.align else ""
        keep = "<w:keepNext/>" if with_next else ""
        paragraphs = "".join(
            f'<w:p><w:pPr>{keep}<w:spacing w:after="0"/>{jc}</w:pPr><w:r><w:rPr>{run}</w:rPr>'
            f'<w:t xml:space="preserve">{escape(clean(line))}</w:t></w:r></w:p>'
            for line in (text or "").split("\n")
        )
        return f"<w:tc><w:tcPr>{''.join(props)}</w:tcPr>{paragraphs}</w:tc>"


def spacer(doc: Any) -> None:
    """A small empty paragraph: two tables in a row would otherwise join into one."""
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(2)
    p.add_run().font.size = Pt(4)


def stamp_box(doc: Any, caption: str, *, width_cm: float = 9.0, height_cm: float = 4.5) -> None:
    """The form's 用印 box: a captioned frame, right-aligned, never split across pages."""
    t = doc.add_table(rows=1, cols=1)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.RIGHT
    row = t.rows[0]
    row.height = Cm(height_cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    cell = row.cells[0]
    cell.width = Cm(width_cm)
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(caption)
    spacer(doc)


def new_section(doc: Any, orientation: str) -> None:
    """Start a new page in the given orientation (headers and footers carry on)."""
    from docx.enum.section import WD_SECTION

    landscape = orientation == "landscape"
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.different_first_page_header_footer = False  # only the cover goes bare
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = sorted((section.page_width, section.page_height))
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def page_field(p: Any, instr: str) -> None:
    """A PAGE / NUMPAGES field (Word and LibreOffice fill it in when they lay the pages out)."""
    for kind, text in (("begin", None), ("instr", f" {instr} "), ("separate", None), ("end", None)):
        run = p.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        if kind == "separate":
            p.add_run("1")


def header_footer(doc: Any, header: str, footer: str, *, first_page: bool) -> None:
    """Header text and a 第 N 頁／共 M 頁 footer; ``first_page=False`` leaves the cover bare."""
    section = doc.sections[0]
    section.different_first_page_header_footer = not first_page
    hp = section.header.paragraphs[0]
    hp.text = header
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    fp = section.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, rest = footer.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    fp.add_run(before)
    page_field(fp, "PAGE")
    fp.add_run(middle)
    page_field(fp, "NUMPAGES")
    fp.add_run(after)
