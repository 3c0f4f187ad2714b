"""The XML an annotated copy adds to a workbook package, written as openpyxl writes it.

:class:`Styles` appends fonts, fills and cell formats to a styles part; :func:`mark_cells` gives
the marked cells their new formats; :func:`comments` and :func:`vml` are a sheet's comments part
and legacy drawing; :func:`results_sheet` is the 檢核結果 worksheet; the rest are the small
package parts (relationships, the custom property that marks the copy as annotated). Text
outside ASCII is written as character references, as openpyxl writes it.
"""

from __future__ import annotations

import posixpath
import re
from xml.sax.saxutils import escape, quoteattr

from clusterbook.annotate import (
    AUTHOR,
    COLOURS,
    COLUMNS,
    _literal,
    note_height,
    note_text,
    results_row,
    worst_colour,
)
from clusterbook.findings import Finding
from clusterbook.workbook import a1

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SOLID = re.compile(rb'patternType="solid"[^<>]*>\s*<fgColor rgb="([0-9A-Fa-f]{6,8})"')
_XF = re.compile(rb"<xf\b[^<>]*?/>|<xf\b[^<>]*>.*?</xf>", re.S)
_FILL = re.compile(rb"<fill\b[^<>]*?/>|<fill\b[^<>]*>.*?</fill>", re.S)
_FONT = re.compile(rb"<font[\s/>]")
_FILL_ID = re.compile(rb'\sfillId="\d+"')
_APPLY_FILL = re.compile(rb'\sapplyFill="\w+"')
_STYLE = re.compile(rb'\ss="(\d+)"')
_COUNT = re.compile(rb'\scount="\d+"')
_ID = re.compile(rb'\sId="([^"]*)"')
_TOP = b'<alignment vertical="top"/>'
_WRAP = b'<alignment vertical="top" wrapText="1"/>'


class NotPlain(Exception):
    """The workbook needs the openpyxl path; ``str(exc)`` says why (for tests and debugging)."""


class Styles:
    """A styles part, with what the copy appends to it."""

    def __init__(self, xml: bytes):
        self.source = xml
        self.sections = {}
        for name in (b"fonts", b"fills", b"cellXfs"):
            m = re.search(rb"<" + name + rb"\b[^<>]*(?<!/)>(.*?)</" + name + rb">", xml, re.S)
            if m is None or xml.count(b"<" + name + b" ") + xml.count(b"<" + name + b">") != 1:
                raise NotPlain(f"styles: {name.decode()}")
            self.sections[name] = m
        self.fonts = len(_FONT.findall(self.sections[b"fonts"].group(1)))
        fills = _FILL.findall(self.sections[b"fills"].group(1))
        self.colours = [_colour(f) for f in fills]
        self.xfs = _XF.findall(self.sections[b"cellXfs"].group(1))
        self.added = {b"fonts": [], b"fills": [], b"cellXfs": []}
        self._known: dict[tuple, int] = {}

    def ours(self) -> dict[int, str]:
        """Cell formats filled in an annotation colour: their index → the colour."""
        mine = set(COLOURS.values())
        out = {}
        for i, xf in enumerate(self.xfs):
            m = _FILL_ID.search(xf.split(b">", 1)[0])
            fill = int(m.group()[9:-1]) if m else 0
            colour = self.colours[fill] if fill < len(self.colours) else None
            if colour in mine:
                out[i] = colour
        return out

    def marked(self, style: int, colour: str) -> int:
        """The format of a cell of format ``style`` filled in ``colour``."""
        key = ("marked", style, colour)
        if key not in self._known:
            if style >= len(self.xfs):
                raise NotPlain(f"cell format {style}")
            head, sep, rest = self.xfs[style].partition(b">")
            fill = b' fillId="%d"' % self._fill(colour)
            head = (
                _FILL_ID.sub(fill, head, 1) if _FILL_ID.search(head) else head[:3] + fill + head[3:]
            )
            head = _APPLY_FILL.sub(b' applyFill="1"', head)
            self._known[key] = self._xf(head + sep + rest)
        return self._known[key]

    def results(self, kind: str, colour: str | None = None) -> int:
        """A format of the 檢核結果 sheet: header, severity, plain, link or wrapped text."""
        key = ("results", kind, colour if kind == "severity" else None)
        if key not in self._known:
            font, fill, child = 0, 0, _TOP
            if kind == "header":
                font, child = self._font(b'<font><b val="1"/></font>'), b""
            elif kind == "severity":
                fill = self._fill(colour)
            elif kind == "link":
                font = self._font(b'<font><color rgb="000563C1"/><u val="single"/></font>')
            elif kind == "wrap":
                child = _WRAP
            head = b'<xf numFmtId="0" fontId="%d" fillId="%d" borderId="0"' % (font, fill)
            tail = b' pivotButton="0" quotePrefix="0" xfId="0"'
            xf = head + (
                b' applyAlignment="1"' + tail + b">" + child + b"</xf>" if child else tail + b"/>"
            )
            self._known[key] = self._xf(xf)
        return self._known[key]

    def _font(self, xml: bytes) -> int:
        return self._add(b"fonts", self.fonts, xml)

    def _fill(self, colour: str) -> int:
        rgb = f"00{colour}"
        xml = f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor rgb="{rgb}"/></patternFill></fill>'
        return self._add(b"fills", len(self.colours), xml.encode())

    def _xf(self, xml: bytes) -> int:
        return self._add(b"cellXfs", len(self.xfs), xml)

    def _add(self, section: bytes, before: int, xml: bytes) -> int:
        items = self.added[section]
        if xml not in items:
            items.append(xml)
        return before + items.index(xml)

    def xml(self) -> bytes:
        """The styles part with everything appended."""
        out, at = [], 0
        counts = {b"fonts": self.fonts, b"fills": len(self.colours), b"cellXfs": len(self.xfs)}
        for name, m in sorted(self.sections.items(), key=lambda kv: kv[1].start()):
            open_tag = self.source[m.start() : m.start(1)]
            total = counts[name] + len(self.added[name])
            out += [
                self.source[at : m.start()],
                _COUNT.sub(b' count="%d"' % total, open_tag, 1)
                if _COUNT.search(open_tag)
                else open_tag[:-1] + b' count="%d">' % total,
                m.group(1),
                *self.added[name],
            ]
            at = m.end(1)
        return b"".join([*out, self.source[at:]])


def _colour(fill: bytes) -> str | None:
    m = _SOLID.search(fill)
    return m.group(1)[-6:].decode().upper() if m else None


def mark_cells(xml: bytes, cells: dict[tuple[int, int], list[Finding]], styles: Styles) -> bytes:
    """The worksheet with each cell of ``cells`` filled in its worst finding's colour."""
    colours = {a1.cell(r, c).encode(): worst_colour(items) for (r, c), items in cells.items()}
    pattern = re.compile(rb'<c r="(' + b"|".join(colours) + rb')"([^<>]*?)(/?)>')
    seen = set()

    def mark(m: re.Match) -> bytes:
        ref, attrs = m.group(1), m.group(2)
        if ref in seen:
            raise NotPlain(f"cell {ref.decode()} twice")
        seen.add(ref)
        old = _STYLE.search(attrs)
        new = b' s="%d"' % styles.marked(int(old.group(1)) if old else 0, colours[ref])
        attrs = _STYLE.sub(new, attrs, 1) if old else new + attrs
        return b'<c r="' + ref + b'"' + attrs + m.group(3) + b">"

    xml = pattern.sub(mark, xml)
    if len(seen) != len(colours):
        raise NotPlain("a marked cell is not in its sheet")
    return xml


def comments(cells: dict[tuple[int, int], list[Finding]]) -> bytes:
    """A comments part: one comment by :data:`AUTHOR` per cell."""
    body = "".join(
        f'<comment ref="{a1.cell(r, c)}" authorId="0" shapeId="0"><text>'
        f'<t xml:space="preserve">{escape(note_text(items))}</t></text></comment>'
        for (r, c), items in sorted(cells.items())
    )
    return (
        f'<comments xmlns="{MAIN}"><authors><author>{AUTHOR}</author></authors>'
        f"<commentList>{body}</commentList></comments>"
    ).encode("ascii", "xmlcharrefreplace")


def vml(cells: dict[tuple[int, int], list[Finding]], number: int) -> bytes:
    """The legacy drawing that holds a sheet's comment boxes (hidden until hovered)."""
    shapes = []
    for i, ((r, c), items) in enumerate(sorted(cells.items())):
        height = note_height(items)
        shapes.append(
            f'<v:shape id="_x0000_s{number * 1024 + 1 + i}" type="#_x0000_t202" '
            'style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;'
            f'width:360px;height:{height}px;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"/></v:textbox><x:ClientData ObjectType="Note">'
            "<x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{number}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{''.join(shapes)}</xml>"
    ).encode()


def results_sheet(
    listed: list[Finding], titles: set[str], styles: Styles
) -> tuple[bytes, list[tuple[str, str, str]]]:
    """The 檢核結果 worksheet (literal text only) and its hyperlink relationships."""
    rows = [
        "".join(
            _text_cell(1, col, head, styles.results("header"))
            for col, (head, _w) in enumerate(COLUMNS, 1)
        )
    ]
    links, anchors = [], []
    for row, f in enumerate(listed, start=2):
        linked = f.sheet in titles and bool(f.cell)
        values = results_row(f)
        kinds = ("severity", "top", "top", "link" if linked else "top", "wrap", "top")
        rows.append(
            "".join(
                _text_cell(row, col, value, styles.results(kind, COLOURS[f.severity]))
                for col, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1)
            )
        )
        if linked:
            rid = f"rId{len(links) + 1}"
            links.append((R_NS + "/hyperlink", f"#'{f.sheet}'!{f.cell}", rid))
            anchors.append(f'<hyperlink xmlns:r="{R_NS}" ref="D{row}" r:id="{rid}"/>')
    data = "".join(f'<row r="{i}">{cells}</row>' for i, cells in enumerate(rows, start=1))
    cols = "".join(
        f'<col width="{width}" customWidth="1" min="{i}" max="{i}"/>'
        for i, (_h, width) in enumerate(COLUMNS, start=1)
    )
    xml = (
        f'<worksheet xmlns="{MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
        f'<pageSetUpPr/></sheetPr><dimension ref="A1:F{len(rows)}"/><sheetViews>'
        '<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A1" '
        'sqref="A1"/></sheetView></sheetViews><sheetFormatPr baseColWidth="8" '
        f'defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{data}</sheetData>'
        + (f"<hyperlinks>{''.join(anchors)}</hyperlinks>" if anchors else "")
        + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        "</worksheet>"
    )
    return xml.encode("ascii", "xmlcharrefreplace"), [
        (kind, target, rid) for kind, target, rid in links
    ]


def _text_cell(row: int, col: int, value, style: int) -> str:
    """Literal text, as openpyxl writes an inline string ("" as an empty cell)."""
    ref = a1.cell(row, col)
    text = _literal("" if value is None else str(value))
    if not text:
        return f'<c r="{ref}" s="{style}" t="inlineStr"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def relationships(rels: list[tuple[str, str, str]], external: bool = False) -> bytes:
    """A relationships part: (type, target, id) each."""
    mode = ' TargetMode="External"' if external else ""
    body = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target={quoteattr(target)}{mode}/>'
        for kind, target, rid in rels
    )
    return f'<Relationships xmlns="{PKG_RELS}">{body}</Relationships>'.encode(
        "ascii", "xmlcharrefreplace"
    )


def add_relationship(xml: bytes, kind: str, target: str) -> tuple[bytes, str]:
    """A relationships part with one more relationship, and that relationship's new id."""
    taken = {m.decode() for m in _ID.findall(xml)}
    n = len(taken) + 1
    while f"rId{n}" in taken:
        n += 1
    rid = f"rId{n}"
    if xml.count(b"</Relationships>") != 1:
        raise NotPlain("relationships")
    entry = f'<Relationship Id="{rid}" Type="{kind}" Target={quoteattr(target)}/>'.encode(
        "ascii", "xmlcharrefreplace"
    )
    return xml.replace(b"</Relationships>", entry + b"</Relationships>"), rid


def custom_properties(kind: str) -> bytes:
    """docProps/custom.xml naming what clusterbook wrote (see :func:`clusterbook.outputs.mark`)."""
    from clusterbook.outputs import PROPERTY

    return (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'
        f'<property name="{PROPERTY}" fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2">'
        '<vt:lpwstr xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{kind}</vt:lpwstr></property></Properties>"
    ).encode()


def rels_name(part: str) -> str:
    """xl/worksheets/sheet3.xml → xl/worksheets/_rels/sheet3.xml.rels"""
    folder, name = posixpath.split(part)
    return f"{folder}/_rels/{name}.rels"


def relative(part: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(part))
