"""The fast way to an annotated copy: edit only the parts of the package that change.

A plain workbook (a filled template as clusterbook or openpyxl writes it: worksheets, styles,
theme and document properties, nothing else) is annotated by appending fills and cell formats
to the styles part, changing the ``s`` attribute of the marked cells, adding a comments part
with its legacy drawing to each sheet that gets comments, and adding the 檢核結果 worksheet.
Every other part is copied as it is stored. The result is the same, cell by cell, as
:func:`clusterbook.annotate.annotate_xlsx` writes through openpyxl.

Anything else raises :class:`NotPlain` and the caller takes the openpyxl path, which keeps every
guarantee for unusual and hostile files: a part or relationship outside the allow-list (macros,
external links, drawings, comments, shared strings …), XML that is not plain UTF-8 or holds a
DTD, CDATA or comments, a formula the template does not have in that cell, a hyperlink, a
linked defined name, an earlier annotation (a 檢核結果 sheet, or a cell in an annotation colour
that the template does not give it), or a marked cell missing from its sheet.
"""

from __future__ import annotations

import functools
import io
import posixpath
import pyexpat
import re
import zipfile
from collections import defaultdict

from clusterbook.annotate import RESULTS_SHEET
from clusterbook.annotate import markup as x
from clusterbook.annotate.markup import MAIN, PKG_RELS, R_NS, NotPlain
from clusterbook.annotate.zipparts import BadPackage, Entry, deflated, entries, write
from clusterbook.findings import Finding, for_applicant, ordered
from clusterbook.importers.xmltext import encoding, string_item, text
from clusterbook.outputs import ANNOTATED
from clusterbook.workbook import a1

_OFFICE = "application/vnd.openxmlformats-officedocument."
_SML = _OFFICE + "spreadsheetml."
_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
_KINDS = (
    # (part name, its content type, the relationship type that may point at it)
    (r"\[Content_Types\]\.xml", None, None),
    (r"_rels/\.rels", _RELS_TYPE, None),
    (r"xl/_rels/workbook\.xml\.rels", _RELS_TYPE, None),
    (r"xl/workbook\.xml", _SML + "sheet.main+xml", R_NS + "/officeDocument"),
    (r"xl/styles\.xml", _SML + "styles+xml", R_NS + "/styles"),
    (r"xl/theme/theme\d{1,3}\.xml", _OFFICE + "theme+xml", R_NS + "/theme"),
    (r"xl/worksheets/sheet\d{1,4}\.xml", _SML + "worksheet+xml", R_NS + "/worksheet"),
    (
        r"docProps/core\.xml",
        "application/vnd.openxmlformats-package.core-properties+xml",
        PKG_RELS + "/metadata/core-properties",
    ),
    (r"docProps/app\.xml", _OFFICE + "extended-properties+xml", R_NS + "/extended-properties"),
)
_KIND_OF = [(re.compile(p), t, r) for p, t, r in _KINDS]
_VML_TYPE = _OFFICE + "vmlDrawing"
_ROOT = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml [^<>]*\?>\s*)?<(\w+)\s[^<>]*?xmlns=\"([^\"]*)\"")
_ATTR = re.compile(rb'([\w:.-]+)="([^"<]*)"')
_TAG = {
    n: re.compile(rb"<" + n + rb"\s([^<>]*?)/?>")
    for n in (b"Relationship", b"Override", b"Default", b"sheet")
}
_DEFINED = re.compile(rb"<definedName\b[^<>]*>([^<]*)</definedName>")
_CELL_OPEN = re.compile(rb"<c[\s/>]")
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_FORMULA = re.compile(rb"<f(\s[^<>]*)?(/>|>([^<]*)</f>)")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3}[0-9]{1,7}):([A-Z]{1,3}[0-9]{1,7})"')
_ODD_VALUE = re.compile(rb"<v>([^<]*?[^0-9.eE+\-<][^<]*|[^<]*[eE]\+?[0-9]{3,}[^<]*)</v>")
"""A value that is not a plain finite number (text, NaN, INF, 1e309): fine in a text cell."""
_TEXT_TYPES = (b"str", b"s", b"inlineStr", b"e", b"b", b"d")
_TYPE = re.compile(rb'\st="(\w+)"')
_FINDING_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_FORBIDDEN = (b"<hyperlink", b"r:id=", b"<extLst", b' t="s"')
_ACTIVE = re.compile(rb'\s(activeTab|firstSheet)="\d+"')
_LOCAL_ID = re.compile(rb'localSheetId="(\d+)"')


def annotated_bytes(data: bytes, findings: list[Finding]) -> bytes:
    """The annotated copy of a plain workbook's bytes; raises :class:`NotPlain` otherwise."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        stored = entries(data, zf)
        parts = {e.name: zf.read(e.name) for e in stored}
    except (BadPackage, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise NotPlain(f"zip: {exc}") from None
    book = _Book(parts)
    return write(book.annotate(findings, stored))


class _Book:
    """The parts of a plain workbook, checked, and what annotating changes in them."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts
        if len({n.lower() for n in parts}) != len(parts):
            raise NotPlain("duplicate part names")
        self.types = self._content_types()
        for name, body in parts.items():
            self._check_part(name, body)
        root = self._rels("_rels/.rels", "")
        if [p for k, p in root.values() if k == R_NS + "/officeDocument"] != ["xl/workbook.xml"]:
            raise NotPlain("main part")
        self.book_rels = self._rels("xl/_rels/workbook.xml.rels", "xl")
        self.sheets = self._sheets()  # [(title, part)]
        if RESULTS_SHEET in {t for t, _ in self.sheets}:
            raise NotPlain("an earlier 檢核結果 sheet")
        for _m in _DEFINED.finditer(parts["xl/workbook.xml"]):
            if b"[" in _m.group(1) or b"|" in _m.group(1):
                raise NotPlain("a linked defined name")

    # -- checks ------------------------------------------------------------------------------
    def _content_types(self) -> dict[str, str]:
        xml = self.parts.get("[Content_Types].xml")
        if xml is None:
            raise NotPlain("no content types")
        _plain(xml, "Types")
        defaults = {
            _attrs(m)[b"Extension"].lower(): _attrs(m)[b"ContentType"]
            for m in _TAG[b"Default"].finditer(xml)
        }
        overrides = {
            _attrs(m)[b"PartName"].lstrip(b"/"): _attrs(m)[b"ContentType"]
            for m in _TAG[b"Override"].finditer(xml)
        }
        out = {}
        for name in self.parts:
            raw = name.encode()
            ext = raw.rpartition(b".")[2].lower()
            found = overrides.get(raw, defaults.get(ext))
            out[name] = found.decode() if found else None
        self.defaults = defaults
        return out

    def _check_part(self, name: str, body: bytes) -> None:
        kind = next((k for k in _KIND_OF if k[0].fullmatch(name)), None)
        if kind is None:
            raise NotPlain(f"part {name}")
        if kind[1] is not None and self.types[name] != kind[1]:
            raise NotPlain(f"content type of {name}")
        if encoding(body[:256]) != "utf-8" or b"<!" in body:
            raise NotPlain(f"{name}: not plain UTF-8 XML")
        try:
            pyexpat.ParserCreate().Parse(body, True)
        except pyexpat.ExpatError as exc:
            raise NotPlain(f"{name}: {exc}") from None

    def _rels(self, name: str, base: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part name); every target inside the package."""
        xml = self.parts.get(name)
        if xml is None:
            raise NotPlain(f"no {name}")
        out = {}
        for m in _TAG[b"Relationship"].finditer(xml):
            a = _attrs(m)
            if b"TargetMode" in a and a[b"TargetMode"] != b"Internal":
                raise NotPlain(f"external target in {name}")
            target = text(a.get(b"Target", b""))
            part = target[1:] if target.startswith("/") else posixpath.join(base, target)
            part = posixpath.normpath(part)
            kind = a.get(b"Type", b"").decode()
            if part not in self.parts or not _fits(part, kind):
                raise NotPlain(f"relationship {kind} → {target} in {name}")
            out[a[b"Id"].decode()] = (kind, part)
        return out

    def _sheets(self) -> list[tuple[str, str]]:
        xml = self.parts["xl/workbook.xml"]
        if f'xmlns:r="{R_NS}"'.encode() not in xml:
            raise NotPlain("relationship namespace")
        out = []
        for m in _TAG[b"sheet"].finditer(xml):
            a = _attrs(m)
            kind, part = self.book_rels.get(a.get(b"r:id", b"").decode(), (None, None))
            if kind != R_NS + "/worksheet":
                raise NotPlain("a sheet that is not a worksheet")
            out.append((text(a[b"name"]), part))
        if not out or len({p for _t, p in out}) != len(out):
            raise NotPlain("sheets")
        return out

    # -- annotating --------------------------------------------------------------------------
    def annotate(self, findings: list[Finding], stored: list[Entry]) -> list[Entry]:
        from clusterbook.workbook.spec import load_program

        program = self._program()
        findings = for_applicant(findings, load_program(program))
        styles = x.Styles(self.parts["xl/styles.xml"])
        for title, part in self.sheets:
            _check_sheet(self.parts[part], title, program, styles)
        parts = dict(self.sheets)
        by_cell: dict[str, dict[tuple[int, int], list[Finding]]] = defaultdict(dict)
        merged: dict[str, list] = {}
        for f in findings:
            if f.sheet in parts and f.cell:
                if f.sheet not in merged:
                    merged[f.sheet] = _merged(self.parts[parts[f.sheet]])
                anchor = _anchor(f.cell, merged[f.sheet])
                if anchor is not None:
                    by_cell[f.sheet].setdefault(anchor, []).append(f)
        new: dict[str, bytes] = {}
        added: list[tuple[str, str]] = []  # (part, content type)
        for title, part in self.sheets:
            xml = self.parts[part]
            cells = by_cell.get(title)
            if cells:
                n = len(added) // 2 + 1
                comments, vml = f"xl/comments{n}.xml", f"xl/drawings/vmlDrawing{n}.vml"
                new[comments], new[vml] = x.comments(cells), x.vml(cells, n)
                new[x.rels_name(part)] = x.relationships(
                    [
                        (R_NS + "/comments", x.relative(part, comments), "rId1"),
                        (R_NS + "/vmlDrawing", x.relative(part, vml), "rId2"),
                    ]
                )
                added += [(comments, _SML + "comments+xml"), (vml, _VML_TYPE)]
                xml = x.mark_cells(xml, cells, styles).replace(
                    b"</worksheet>",
                    f'<legacyDrawing xmlns:r="{R_NS}" r:id="rId2"/></worksheet>'.encode(),
                )
            xml = xml.replace(b'tabSelected="1"', b'tabSelected="0"')
            if xml != self.parts[part]:
                new[part] = xml
        results = _free(self.parts, "xl/worksheets/sheet{}.xml")
        listed = ordered(findings, [RESULTS_SHEET, *parts])
        new[results], links = x.results_sheet(listed, set(parts), styles)
        added.append((results, _SML + "worksheet+xml"))
        if links:
            new[x.rels_name(results)] = x.relationships(links, external=True)
        new["xl/styles.xml"] = styles.xml()
        new.update(self._workbook(results))
        new["docProps/custom.xml"] = x.custom_properties(ANNOTATED)
        added.append(("docProps/custom.xml", _OFFICE + "custom-properties+xml"))
        new["_rels/.rels"], _rid = x.add_relationship(
            self.parts["_rels/.rels"], R_NS + "/custom-properties", "docProps/custom.xml"
        )
        new["[Content_Types].xml"] = self._types_with(added)
        out = [e if e.name not in new else deflated(e.name, new.pop(e.name)) for e in stored]
        return out + [deflated(name, body) for name, body in new.items()]

    def _program(self) -> str:
        from clusterbook.workbook.grid import META_SHEET
        from clusterbook.workbook.programs import DEFAULT_PROGRAM, available_programs

        part = dict(self.sheets).get(META_SHEET)
        if part is not None:
            values = _values(self.parts[part], max_row=20, max_col=2)
            for row in range(1, 21):
                if (
                    values.get((row, 1)) == "program"
                    and values.get((row, 2)) in available_programs()
                ):
                    return values[(row, 2)]
        return DEFAULT_PROGRAM

    def _workbook(self, results: str) -> dict[str, bytes]:
        xml = self.parts["xl/workbook.xml"]
        target = posixpath.relpath(results, "xl")
        rels, rid = x.add_relationship(
            self.parts["xl/_rels/workbook.xml.rels"], R_NS + "/worksheet", target
        )
        ids = [int(_attrs(m).get(b"sheetId", b"0")) for m in _TAG[b"sheet"].finditer(xml)]
        entry = (
            f'<sheet xmlns:r="{R_NS}" name="{RESULTS_SHEET}" sheetId="{max(ids) + 1}" '
            f'state="visible" r:id="{rid}"/>'
        ).encode("ascii", "xmlcharrefreplace")
        if xml.count(b"<sheets>") != 1:
            raise NotPlain("sheets element")
        xml = xml.replace(b"<sheets>", b"<sheets>" + entry)
        xml = _LOCAL_ID.sub(lambda m: b'localSheetId="%d"' % (int(m.group(1)) + 1), xml)
        xml = _ACTIVE.sub(lambda m: b" " + m.group(1) + b'="0"', xml)
        return {"xl/workbook.xml": xml, "xl/_rels/workbook.xml.rels": rels}

    def _types_with(self, added: list[tuple[str, str]]) -> bytes:
        xml = self.parts["[Content_Types].xml"]
        extra = "".join(
            f'<Override PartName="/{name}" ContentType="{ctype}"/>'
            for name, ctype in added
            if not name.endswith(".vml")
        )
        vml = self.defaults.get(b"vml")
        if any(n.endswith(".vml") for n, _ in added):
            if vml is None:
                extra += f'<Default Extension="vml" ContentType="{_VML_TYPE}"/>'
            elif vml.decode() != _VML_TYPE:
                raise NotPlain("vml content type")
        return xml.replace(b"</Types>", extra.encode() + b"</Types>")


# -- checks of one worksheet -----------------------------------------------------------------
def _check_sheet(xml: bytes, title: str, program: str, styles: x.Styles) -> None:
    """Formulas only where the template has them, nothing linked, no earlier annotation."""
    _plain(xml, "worksheet")
    for token in _FORBIDDEN:
        if token in xml:
            raise NotPlain(f"{title}: {token.decode()}")
    if len(_CELL_OPEN.findall(xml)) != xml.count(b'<c r="'):
        raise NotPlain(f"{title}: cells without a reference")
    allowed = _formulas(program).get(title, {})
    for m in _FORMULA.finditer(xml):
        if m.group(1) or m.group(3) is None:
            raise NotPlain(f"{title}: a shared or array formula")
        row, col = _owner(xml, m.start())
        if _normalized(m.group(3)) != allowed.get((row, col)):
            raise NotPlain(f"{title}: a formula the template lacks")
    for m in _ODD_VALUE.finditer(xml):
        start = xml.rfind(b"<c ", 0, m.start())
        kind = _TYPE.search(xml, start, xml.find(b">", start))
        if kind is None or kind.group(1) not in _TEXT_TYPES:
            raise NotPlain(f"{title}: a number openpyxl cannot read or Excel cannot hold")
    looks = _looks(program).get(title, {})
    for style, colour in styles.ours().items():
        attr, at = b' s="%d"' % style, 0
        while (at := xml.find(attr, at) + 1) > 0:
            start = xml.rfind(b"<c ", 0, at)
            if xml.find(b">", start, at) >= 0:
                continue  # not an attribute of a cell
            if looks.get(_owner(xml, at)) != colour:
                raise NotPlain(f"{title}: a cell in an annotation colour")


def _owner(xml: bytes, at: int) -> tuple[int, int]:
    start = xml.rfind(b"<c ", 0, at)
    m = _CELL_REF.match(xml, start)
    if m is None:
        raise NotPlain("a formula outside a cell")
    return int(m.group(2)), a1.col_number(m.group(1).decode())


@functools.lru_cache(maxsize=8192)
def _normalized(raw: bytes) -> str:
    """A formula's text in a worksheet, normalised (the same formulas recur in every copy)."""
    from clusterbook.checks.formulas import normalize_formula

    return normalize_formula("=" + text(raw))


@functools.cache
def _formulas(program: str) -> dict[str, dict[tuple[int, int], str]]:
    from clusterbook.annotate import _template_formulas

    return _template_formulas(program)


@functools.cache
def _looks(program: str) -> dict[str, dict[tuple[int, int], str | None]]:
    """The solid colour the template gives each cell (None: no fill), by sheet."""
    from clusterbook.annotate import _solid
    from clusterbook.workbook.layout import build_layout
    from clusterbook.workbook.xlsx import STYLES

    return {
        s.title: {
            rc: _solid(STYLES[spec.style][1]) if spec.style in STYLES else None
            for rc, spec in s.cells.items()
        }
        for s in build_layout(program).sheets
    }


def _plain(xml: bytes, root: str) -> None:
    m = _ROOT.match(xml)
    expected = PKG_RELS.replace("relationships", "content-types") if root == "Types" else MAIN
    if m is None or m.group(1).decode() != root or m.group(2).decode() != expected:
        raise NotPlain(f"{root}: not in the default namespace")


def _fits(part: str, kind: str) -> bool:
    return any(p.fullmatch(part) and r == kind for p, _t, r in _KIND_OF)


def _attrs(m: re.Match) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(m.group(1)))


def _values(xml: bytes, max_row: int, max_col: int) -> dict[tuple[int, int], str]:
    """The text of the cells in the top-left corner of a sheet."""
    out = {}
    for m in re.finditer(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^<>]*?)(?:/>|>(.*?)</c>)', xml, re.S):
        row, col = int(m.group(2)), a1.col_number(m.group(1).decode())
        if row > max_row:
            break
        inner = m.group(4) or b""
        if col <= max_col and b"<is>" in inner:
            out[(row, col)] = string_item(inner)
        elif col <= max_col and b't="str"' in m.group(3):
            v = re.search(rb"<v>([^<]*)</v>", inner)
            out[(row, col)] = text(v.group(1)) if v else ""
    return out


def _merged(xml: bytes) -> list[tuple[int, int, int, int]]:
    return [
        a1.parse_area(f"{m.group(1).decode()}:{m.group(2).decode()}") for m in _MERGE.finditer(xml)
    ]


def _anchor(ref: str, merged: list[tuple[int, int, int, int]]) -> tuple[int, int] | None:
    """As :func:`clusterbook.annotate._anchor` (openpyxl's reading of a reference)."""
    m = _FINDING_REF.fullmatch(ref)
    if m is None:
        return None
    row, col = int(m.group(2)), a1.col_number(m.group(1).upper())
    if col > 16_384:
        return None
    if not 1 <= row <= 1_048_576:
        raise NotPlain(f"row {row}")  # openpyxl cannot write it: the copy fails there
    for r1, c1, r2, c2 in merged:
        if r1 <= row <= r2 and c1 <= col <= c2:
            return r1, c1
    return row, col


def _free(parts: dict[str, bytes], pattern: str) -> str:
    """The next free part name of the pattern (``sheet{}.xml``)."""
    n = 1
    while pattern.format(n) in parts:
        n += 1
    return pattern.format(n)
