"""Read an .xlsx file into a :class:`RawBook`, fast and defensively, with the standard library.

Only what the checks need is parsed: the workbook's sheet list, the shared strings, and the
sheets asked for (values and formula text of non-empty cells, merged ranges). Nothing is
evaluated or executed. Files are refused before parsing when they are too large, compressed
suspiciously well (zip bombs), encrypted, legacy .xls, carry a DTD (entity expansion, XXE) in any
XML part, or hold more cells or merged ranges than a proposal ever needs: every part is
inflated once, in bounded chunks, when the file is opened, so that a sheet parsed later cannot
fail. The patterns that parse the XML run in linear time whatever the input (no backtracking
across tags), and numbers in references are bounded, so crafted XML cannot stall the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from clusterbook.importers.rawbook import RawBook, RawSheet
from clusterbook.importers.xmltext import (
    NS,
    encoding,
    inner,
    plain_xml,
    string_item,
    string_table,
    text,
)
from clusterbook.workbook import a1


@dataclass(frozen=True)
class Limits:
    """What a proposal workbook may weigh (documented in the README)."""

    file_bytes: int = 25 * 2**20
    part_bytes: int = 40 * 2**20
    total_bytes: int = 150 * 2**20
    ratio: int = 150
    """Largest uncompressed ÷ compressed size of one part (ordinary sheets stay well below 50)."""
    max_row: int = 5_000
    """Rows below this one are not read."""
    max_parts: int = 10_000
    """Entries in the zip package (a template has about 25)."""
    max_cells: int = 250_000
    """Cells written in all the worksheets together (a filled template has about 15,000)."""
    max_merges: int = 1_000
    """Merged ranges in all the worksheets together (a template has about 40)."""


LIMITS = Limits()


class UnreadableError(Exception):
    """The file cannot be used; ``str(exc)`` is a zh-TW reason for the applicant."""


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 2**20
_ANY_CELL = re.compile(
    # the usual shape in one match: r, optional s and t, an optional plain formula, a value
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?>'
    rb"(?:<f>([^<]*)</f>)?(?:<v>([^<]*)</v>|<v ?/>|<is><t>([^<]*)</t></is>)?</c>"
    # anything else (attribute order, prefixes, rich text, shared formulas, no r): the general
    # path, in linear time (see xmltext.element)
    rb"|<" + NS + rb"c(\s[^<>]*+)?(?<!/)>" + inner(rb"c") + rb"</" + NS + rb"c>"
)
_IN_ORDER = re.compile(
    # a sheet whose cells lack r is read in order: rows (r optional) and empty cells count too;
    # these tags capture nothing (the groups stay those of _ANY_CELL)
    _ANY_CELL.pattern + rb"|<" + NS + rb"row(?:\s[^<>]*+)?/?>|<" + NS + rb"c(?:\s[^<>]*?)?/>"
)
_ROW_TAG = re.compile(rb"<" + NS + rb"row")
_ATTR_R = re.compile(rb'(?<![\w:.-])r="([A-Z]{1,3})(\d{1,7})"')
_HAS_R = re.compile(rb"(?<![\w:.-])r\s*=")
_ROW_R = re.compile(rb'(?<![\w:.-])r="(\d{1,9})"')
_ATTR_T = re.compile(rb'\bt="(\w{1,16})"')
_VALUE = re.compile(rb"<" + NS + rb"v>([^<]*)</" + NS + rb"v>")
_FORMULA = re.compile(rb"<" + NS + rb"f(\s[^<>]*?)?(?:/>|>([^<]*)</" + NS + rb"f>)")
_SHARED = re.compile(rb'\bsi="(\d{1,9})"')
_MERGE = re.compile(rb"<" + NS + rb'mergeCell\s+ref="([A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?)"')
_SHEET = re.compile(rb"<" + NS + rb"sheet\s([^<>]*)>")
_WORKBOOK_PR = re.compile(rb"<" + NS + rb"workbookPr\s([^<>]*)>")
_ATTR = re.compile(rb'(?<![\w:.-])([\w:.-]{1,64})\s*=\s*"([^"<]*)"')
_REL = re.compile(rb"<" + NS + rb"Relationship\s([^<>]*)>")
_DTD = re.compile(
    # in UTF-8 and in UTF-16 (an XML parser reads either; openpyxl's does)
    b"|".join(
        re.escape(word.encode(codec))
        for word in ("<!DOCTYPE", "<!ENTITY")
        for codec in ("ascii", "utf-16-le", "utf-16-be")
    ),
    re.I,
)
_TOKENS = {
    codec: (tuple(t.encode(codec) for t in ("<c", ":c")), ("mergeCell".encode(codec),))
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
}
"""Cells (with or without a namespace prefix: ``<col``, ``<cfRule`` … only over-count) and
merged ranges, as a part in that encoding spells them."""
_OVERLAP = 64
"""Bytes kept between chunks so that a tag split across two chunks is still seen (once)."""
_XML_PARTS = (".xml", ".rels", ".vml")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
)
_SCRIPT_SCHEMES = ("javascript:", "vbscript:")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def read_xlsx(path: str | Path, limits: Limits = LIMITS) -> RawBook:
    """Open a workbook; sheets are parsed lazily through ``RawBook.sheet(title)``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _os_error(exc) from None
    if path.is_dir():
        raise UnreadableError("這是資料夾，不是檔案")
    if size == 0:
        raise UnreadableError("檔案是空的")
    if size > limits.file_bytes:
        raise UnreadableError(f"檔案超過 {limits.file_bytes // 2**20} MB 上限")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _os_error(exc) from None
    return read_xlsx_bytes(data, str(path), limits)


def _os_error(exc: OSError) -> UnreadableError:
    if isinstance(exc, FileNotFoundError):
        return UnreadableError("找不到檔案，請確認檔名與路徑")
    if isinstance(exc, PermissionError):
        return UnreadableError("沒有讀取此檔案的權限")
    return UnreadableError(f"無法開啟檔案（{exc.strerror or exc}）")


def read_xlsx_bytes(data: bytes, source: str, limits: Limits = LIMITS) -> RawBook:
    """A RawBook from the file's bytes; raises :class:`UnreadableError` for every bad input.

    Everything that can make the file unusable is found here, before the RawBook is returned:
    sheets parsed later (``RawBook.sheet``) read parts that have already been checked.
    """
    _sniff(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        entries = zf.infolist()
    except _ZIP_ERRORS as exc:
        raise UnreadableError(f"檔案已損毀或不完整，無法以 .xlsx 開啟（{exc}）") from None
    infos = _index(entries, limits)
    book = _Package(zf, infos, limits)
    titles, targets, date1904 = book.workbook()
    book.scan({book.resolve(t) for t in targets.values()})
    return RawBook(
        source=source,
        sheets={},
        digest=hashlib.sha256(data).hexdigest(),
        titles=titles,
        loader=lambda title: book.sheet(title, targets[title]),
        notes=book.active_content(),
        date1904=date1904,
    )


def _sniff(data: bytes) -> None:
    if data.startswith(_OLE_MAGIC):
        if (
            "EncryptionInfo".encode("utf-16-le") in data[:65536]
            or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data
        ):
            raise UnreadableError("檔案設有密碼保護（已加密），請移除密碼後另存為 .xlsx")
        raise UnreadableError("這是舊版 Excel 97-2003 (.xls) 檔案，請以 Excel 另存為 .xlsx")
    if not data.startswith(b"PK"):
        head = data[:512]
        if b"<html" in head.lower() or b"<!doctype html" in head.lower():
            raise UnreadableError("這是網頁 (HTML) 而不是 .xlsx 活頁簿")
        if head and all(b >= 9 for b in head[:64]):
            raise UnreadableError("這是純文字檔（例如 CSV 改了副檔名），不是 .xlsx 活頁簿")
        raise UnreadableError("不是 .xlsx 活頁簿（檔案格式無法辨識）")


def _index(entries: list[zipfile.ZipInfo], limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The package's parts by name, after the checks that need no decompression."""
    if len(entries) > limits.max_parts:
        raise UnreadableError(f"壓縮檔內的項目超過 {limits.max_parts:,} 個，不是一般的活頁簿")
    infos: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    total = 0
    for info in entries:
        name = info.filename
        if name.lower() in seen:
            # part names are case-insensitive: Excel and this reader could read different copies
            raise UnreadableError(
                f"壓縮檔內有重複的項目 {name}（Excel 與檢核可能讀到不同的內容），拒絕讀取"
            )
        seen.add(name.lower())
        infos[name] = info
        if info.flag_bits & 0x1:
            raise UnreadableError(
                f"活頁簿內的 {name} 已加密（壓縮檔密碼），請移除密碼後另存為 .xlsx"
            )
        total += info.file_size
        if info.file_size > limits.part_bytes:
            raise UnreadableError(
                f"活頁簿內的 {name} 解壓縮後超過 {limits.part_bytes // 2**20} MB 上限"
            )
        if (
            info.compress_size
            and info.file_size / info.compress_size > limits.ratio
            and info.file_size > 2**20
        ):
            raise UnreadableError("活頁簿壓縮比例異常（疑似壓縮炸彈），拒絕讀取")
    if total > limits.total_bytes:
        raise UnreadableError(f"活頁簿解壓縮後超過 {limits.total_bytes // 2**20} MB 上限")
    if "xl/workbook.xml" not in seen:
        raise UnreadableError("壓縮檔中沒有活頁簿內容，不是 .xlsx 活頁簿")
    return infos


class _Package:
    def __init__(self, zf: zipfile.ZipFile, infos: dict, limits: Limits) -> None:
        self.zf, self.infos, self.limits = zf, infos, limits
        self._strings: list[str] | None = None
        self._names = {n.lower(): n for n in infos}
        self._inflated: dict[str, bytes] = {}
        """Worksheets inflated by scan(), kept until parsed (the sizes are capped already)."""

    def resolve(self, name: str) -> str:
        """The zip entry of a part name (part names are case-insensitive, as Excel reads them)."""
        return name if name in self.infos else self._names.get(name.lower(), name)

    def part(self, name: str) -> bytes:
        """A part's XML in UTF-8 (see :func:`plain_xml`), read with a cap whatever its header
        declares; the cap holds for the decoded XML too."""
        data = self._inflated.pop(self.resolve(name), None)
        if data is None:  # not scanned already (size, checksum and DTD checked)
            data = self._read(name)
        plain = plain_xml(data)
        if plain is not data:
            if len(plain) > self.limits.part_bytes:
                raise UnreadableError("活頁簿內容解壓縮後超過上限（疑似壓縮炸彈），拒絕讀取")
            if _has_dtd(plain):  # declared in an encoding the byte scan does not know
                raise _dtd(name)
        return plain

    def _read(self, name: str) -> bytes:
        info = self.infos.get(self.resolve(name))
        if info is None:
            return b""
        try:
            with self.zf.open(info) as fh:
                data = fh.read(self.limits.part_bytes + 1)
        except _ZIP_ERRORS as exc:
            raise UnreadableError(f"活頁簿內容損毀，無法讀取 {name}（{exc}）") from None
        if len(data) > self.limits.part_bytes:
            raise UnreadableError("活頁簿內容解壓縮後超過上限（疑似壓縮炸彈），拒絕讀取")
        if _has_dtd(data):
            raise _dtd(name)
        return data

    def scan(self, sheets: set[str]) -> None:
        """Inflate every part once, in chunks: sizes, checksums, DTDs; count cells and merges.

        Parts the checks never parse are scanned too: Excel, LibreOffice and openpyxl (which
        writes the annotated copies) read them.
        """
        cells = merges = 0
        for name, info in self.infos.items():
            xml = name.lower().endswith(_XML_PARTS)
            count = name in sheets
            size, tail = 0, b""
            kept: list[bytes] | None = [] if count else None
            cell_tokens, merge_tokens = _TOKENS["utf-8"]
            try:
                with self.zf.open(info) as fh:
                    while chunk := fh.read(_CHUNK):
                        if count and not size:
                            cell_tokens, merge_tokens = _TOKENS.get(
                                encoding(chunk), _TOKENS["utf-8"]
                            )
                        size += len(chunk)
                        if kept is not None:
                            kept.append(chunk)
                        if size > self.limits.part_bytes:
                            raise UnreadableError(
                                "活頁簿內容解壓縮後超過上限（疑似壓縮炸彈），拒絕讀取"
                            )
                        if not (xml or count):
                            continue
                        window = tail + chunk
                        if xml and _has_dtd(window):
                            raise _dtd(name)
                        if count:  # tags wholly inside the tail were counted with the last chunk
                            cells += _count(window, cell_tokens) - _count(tail, cell_tokens)
                            merges += _count(window, merge_tokens) - _count(tail, merge_tokens)
                        tail = window[-_OVERLAP:]
            except _ZIP_ERRORS as exc:
                raise UnreadableError(f"活頁簿內容損毀，無法讀取 {name}（{exc}）") from None
            if kept is not None:
                self._inflated[name] = b"".join(kept)  # parsed later without inflating again
            if cells > self.limits.max_cells:
                raise UnreadableError(
                    f"工作表的儲存格超過 {self.limits.max_cells:,} 個（例如整欄填滿），"
                    "請刪除範本範圍以外的資料"
                )
            if merges > self.limits.max_merges:
                raise UnreadableError(
                    f"工作表的合併儲存格超過 {self.limits.max_merges:,} 個，請取消不必要的合併"
                )

    def workbook(self) -> tuple[list[str], dict[str, str], bool]:
        """Sheet titles in order, their parts, and whether dates count from 1904."""
        wb = self.part("xl/workbook.xml")
        rels = {
            attrs.get(b"Id", b"").decode(errors="replace"): text(attrs.get(b"Target", b""))
            for attrs in (
                _attrs(m.group(1)) for m in _REL.finditer(self.part("xl/_rels/workbook.xml.rels"))
            )
        }
        titles, targets = [], {}
        for m in _SHEET.finditer(wb):
            attrs = _attrs(m.group(1))
            name = text(attrs.get(b"name", b""))
            rid = next((text(v) for k, v in attrs.items() if k.endswith(b":id")), "")
            target = rels.get(rid, "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            titles.append(name)
            targets[name] = path
        pr = _WORKBOOK_PR.search(wb)
        date1904 = pr is not None and _attrs(pr.group(1)).get(b"date1904", b"").strip() in (
            b"1",
            b"true",
        )
        return titles, targets, date1904

    def active_content(self) -> list[str]:
        """Macros, embedded objects, external links and script links seen (never executed)."""
        notes = []
        names = [n.lower() for n in self.infos]
        if any(n.endswith("vbaproject.bin") for n in names):
            notes.append("巨集 (VBA)")
        if any(n.startswith("xl/macrosheets/") for n in names):
            notes.append("Excel 4.0 巨集表")
        if any(n.startswith(("xl/embeddings/", "xl/activex/")) for n in names):
            notes.append("內嵌物件或 ActiveX 控制項")
        if any(n.startswith("xl/externallinks/") for n in names):
            notes.append("外部連結")
        for n in self.infos:
            if not n.lower().endswith(".rels"):
                continue
            for m in _REL.finditer(self.part(n)):
                target = _CONTROL.sub("", text(_attrs(m.group(1)).get(b"Target", b""))).lower()
                if target.startswith(_SCRIPT_SCHEMES):
                    notes.append("javascript: 超連結")
                    return notes
        return notes

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = string_table(self.part("xl/sharedStrings.xml"))
        return self._strings

    def sheet(self, title: str, path: str) -> RawSheet:
        """Non-empty cells as (value, formula), and merged ranges."""
        data = self.part(path)
        cells = self._cells(data, in_order=False)
        if cells is None:  # a cell without r: its position follows from the cells before it
            cells = self._cells(data, in_order=True)
        merged = [a1.parse_area(m.group(1).decode()) for m in _MERGE.finditer(data)]
        return RawSheet(title, cells, merged)

    def _cells(self, data: bytes, *, in_order: bool) -> dict | None:
        """The shapes openpyxl, Excel and LibreOffice write most often match one regex in one
        step; anything else takes the general path. Cells are placed by their r attribute;
        None when one has none, unless ``in_order``: then a cell without r takes the next
        column, and a row without r the next row (as openpyxl places them)."""
        cells: dict[tuple[int, int], tuple[object, str | None]] = {}
        shared: dict[bytes, tuple[int, int, object]] = {}
        max_row = self.limits.max_row
        columns: dict[bytes, int] = {}
        line = col = 0  # where the previous row and cell were (in order)
        for m in (_IN_ORDER if in_order else _ANY_CELL).finditer(data):
            letters, number, kind, ftext, vtext, itext, attrs, content = m.groups()
            if letters is None:  # the general path
                if content is None:  # in order: a row, or an empty cell
                    line, col = _advance(m.group(), line, col)
                    continue
                ref = _ATTR_R.search(attrs) if attrs else None
                if ref is not None:
                    letters, number = ref.groups()
                elif attrs and _HAS_R.search(attrs):
                    continue  # a reference that is not one
                elif not in_order:
                    return None
                t = _ATTR_T.search(attrs) if attrs else None
                kind = t.group(1) if t else None
            if letters is None:
                row, col = line, col + 1
            else:
                row = int(number)
                col = columns.get(letters) or columns.setdefault(
                    letters, a1.col_number(letters.decode())
                )
            if row > max_row:
                continue
            formula = None
            if content is not None:
                fm = _FORMULA.search(content)
                if fm is not None:
                    formula = self._formula(fm, row, col, shared)
                if kind == b"inlineStr":
                    value = string_item(content)
                else:
                    vm = _VALUE.search(content)
                    value = self._value(kind, None if vm is None else vm.group(1))
            else:
                if ftext:
                    formula = "=" + text(ftext)
                value = (
                    (None if itext is None else text(itext))
                    if kind == b"inlineStr"
                    else self._value(kind, vtext)
                )
            if formula is None and (value is None or value == ""):
                continue
            cells[(row, col)] = (value, formula)
        return cells

    def _value(self, kind: bytes | None, vtext: bytes | None) -> object:
        if vtext is None:
            return None
        if kind == b"s":
            strings = self.strings()
            idx = _index_of(vtext)
            return strings[idx] if 0 <= idx < len(strings) else None
        if kind in (b"str", b"e"):
            return text(vtext)
        if kind == b"b":
            return vtext.strip() == b"1"
        if kind == b"d":  # an ISO 8601 date (t="d"), rarely written
            return _iso_date(vtext)
        return _number(vtext) if vtext else None

    @staticmethod
    def _formula(fm: re.Match, row: int, col: int, shared: dict) -> str | None:
        """The formula text; shared formulas (Excel) are translated from their master cell."""
        fattrs, body = fm.group(1) or b"", fm.group(2)
        si = _SHARED.search(fattrs) if b"shared" in fattrs else None
        if body:
            formula = "=" + text(body)
            if si is not None:
                shared[si.group(1)] = (row, col, formula)
            return formula
        if si is not None and si.group(1) in shared:
            from openpyxl.formula.translate import Translator

            r0, c0, master = shared[si.group(1)]
            try:
                if isinstance(master, str):  # tokenise the master once, not once per cell
                    master = Translator(master, origin=a1.cell(r0, c0))
                    shared[si.group(1)] = (r0, c0, master)
                return master.translate_formula(a1.cell(row, col))
            except Exception:  # openpyxl's tokenizer on a formula Excel would not have written
                shared.pop(si.group(1))
                return None
        return None


def _advance(tag: bytes, line: int, col: int) -> tuple[int, int]:
    """Row and column after a row tag (its r or the next row; no column yet) or an empty cell
    (its r or the next column)."""
    if _ROW_TAG.match(tag):
        r = _ROW_R.search(tag)
        return (int(r.group(1)) if r else line + 1), 0
    ref = _ATTR_R.search(tag)
    return line, (a1.col_number(ref.group(1).decode()) if ref else col + 1)


def _has_dtd(data: bytes) -> bool:
    """A DTD declaration in UTF-8 or UTF-16 (a plain substring test first: the regex is slow)."""
    return (b"<!" in data or b"<\x00!" in data) and _DTD.search(data) is not None


def _dtd(name: str) -> UnreadableError:
    return UnreadableError(
        f"活頁簿的 {name} 含有 DTD 宣告（可能的實體擴展或外部實體攻擊），拒絕讀取"
    )


def _count(data: bytes, tokens: tuple[bytes, ...]) -> int:
    return sum(data.count(t) for t in tokens)


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def _index_of(raw: bytes) -> int:
    """A shared-string index; -1 for anything that is not a small number."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else -1


def _number(raw: bytes) -> int | float | str:
    try:
        x = float(raw)
    except ValueError:
        return text(raw)
    if x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def _iso_date(raw: bytes) -> dt.datetime | str:
    value = text(raw).strip()
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return value
