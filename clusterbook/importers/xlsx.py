"""Read an .xlsx file into a :class:`RawBook`, fast and defensively, with the standard library.

Only what the checks need is parsed: the workbook's sheet list, the shared strings, and the
sheets asked for (values and formula text of non-empty cells, merged ranges). Nothing is
evaluated or executed. Files are refused before parsing when they are too large, compressed
suspiciously well (zip bombs), encrypted, legacy .xls, or carry a DTD (entity expansion, XXE).
"""

from __future__ import annotations

import hashlib
import html
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from clusterbook.importers.rawbook import RawBook, RawSheet
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


LIMITS = Limits()


class UnreadableError(Exception):
    """The file cannot be used; ``str(exc)`` is a zh-TW reason for the applicant."""


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ANY_CELL = re.compile(
    # the usual shape in one match: r, optional s and t, an optional plain formula, a value
    rb'<c r="([A-Z]{1,3})([0-9]+)"(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?>'
    rb"(?:<f>([^<]*)</f>)?(?:<v>([^<]*)</v>|<v ?/>|<is><t>([^<]*)</t></is>)?</c>"
    # anything else (attribute order, prefixes, rich text, shared formulas): the general path
    rb"|<(?:\w+:)?c ([^>]*[^/])>(.*?)</(?:\w+:)?c>",
    re.S,
)
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_SHARED = re.compile(rb'\bsi="(\d+)"')
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_SI = re.compile(rb"<(?:\w+:)?si>(.*?)</(?:\w+:)?si>", re.S)
_SI_EMPTY = re.compile(rb"<(?:\w+:)?si/>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet ([^>]*?)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<Relationship ([^>]*?)/?>")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def read_xlsx(path: str | Path, limits: Limits = LIMITS) -> RawBook:
    """Open a workbook; sheets are parsed lazily through ``RawBook.sheet(title)``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableError(f"無法開啟檔案（{exc.strerror or exc}）") from None
    if size == 0:
        raise UnreadableError("檔案是空的")
    if size > limits.file_bytes:
        raise UnreadableError(f"檔案超過 {limits.file_bytes // 2**20} MB 上限")
    data = path.read_bytes()
    return read_xlsx_bytes(data, str(path), limits)


def read_xlsx_bytes(data: bytes, source: str, limits: Limits = LIMITS) -> RawBook:
    _sniff(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename: i for i in zf.infolist()}
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise UnreadableError(f"檔案已損毀或不完整，無法以 .xlsx 開啟（{exc}）") from None
    _check_sizes(infos.values(), limits)
    book = _Package(zf, infos, limits)
    titles, targets, notes = book.workbook()
    return RawBook(
        source=source,
        sheets={},
        digest=hashlib.sha256(data).hexdigest(),
        titles=titles,
        loader=lambda title: book.sheet(title, targets[title]),
        notes=notes,
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


def _check_sizes(infos, limits: Limits) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.part_bytes:
            raise UnreadableError(
                f"活頁簿內的 {info.filename} 解壓縮後超過 {limits.part_bytes // 2**20} MB 上限"
            )
        if (
            info.compress_size
            and info.file_size / info.compress_size > limits.ratio
            and info.file_size > 2**20
        ):
            raise UnreadableError("活頁簿壓縮比例異常（疑似壓縮炸彈），拒絕讀取")
    if total > limits.total_bytes:
        raise UnreadableError(f"活頁簿解壓縮後超過 {limits.total_bytes // 2**20} MB 上限")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise UnreadableError("壓縮檔中沒有活頁簿內容，不是 .xlsx 活頁簿")


class _Package:
    def __init__(self, zf: zipfile.ZipFile, infos: dict, limits: Limits) -> None:
        self.zf, self.infos, self.limits = zf, infos, limits
        self._strings: list[str] | None = None

    def part(self, name: str) -> bytes:
        """A part's bytes, read with a cap whatever its header declares."""
        info = self.infos.get(name)
        if info is None:
            return b""
        try:
            with self.zf.open(info) as fh:
                data = fh.read(self.limits.part_bytes + 1)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise UnreadableError(f"活頁簿內容損毀，無法讀取 {name}（{exc}）") from None
        if len(data) > self.limits.part_bytes:
            raise UnreadableError("活頁簿內容解壓縮後超過上限（疑似壓縮炸彈），拒絕讀取")
        if _DTD.search(data[:4096]):
            raise UnreadableError(
                f"活頁簿的 {name} 含有 DTD 宣告（可能的實體擴展或外部實體攻擊），拒絕讀取"
            )
        return data

    def workbook(self) -> tuple[list[str], dict[str, str], list[str]]:
        wb = self.part("xl/workbook.xml")
        rels = {
            attrs.get(b"Id", b"").decode(): attrs.get(b"Target", b"").decode()
            for attrs in (
                _attrs(m.group(1)) for m in _REL.finditer(self.part("xl/_rels/workbook.xml.rels"))
            )
        }
        titles, targets = [], {}
        for m in _SHEET.finditer(wb):
            attrs = _attrs(m.group(1))
            name = _text(attrs.get(b"name", b""))
            rid = next((v.decode() for k, v in attrs.items() if k.endswith(b":id")), "")
            target = rels.get(rid, "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            titles.append(name)
            targets[name] = path
        notes = []
        names = set(self.infos)
        if "xl/vbaProject.bin" in names:
            notes.append("巨集 (VBA)")
        if any(n.startswith("xl/externalLinks/") for n in names):
            notes.append("外部連結")
        for n in names:
            if n.startswith("xl/worksheets/_rels/") and b"javascript:" in self.part(n).lower():
                notes.append("javascript: 超連結")
                break
        return titles, targets, notes

    def strings(self) -> list[str]:
        if self._strings is None:
            data = self.part("xl/sharedStrings.xml")
            data = _SI_EMPTY.sub(b"<si></si>", data)
            self._strings = [
                _text(b"".join(t.group(1) for t in _TEXT.finditer(m.group(1))))
                for m in _SI.finditer(data)
            ]
        return self._strings

    def sheet(self, title: str, path: str) -> RawSheet:
        """Non-empty cells as (value, formula). The shapes openpyxl, Excel and LibreOffice write
        most often match one regex in one step; anything else takes the general path."""
        data = self.part(path)
        sheet = RawSheet(title)
        cells = sheet.cells
        shared: dict[bytes, tuple[int, int, str]] = {}
        max_row = self.limits.max_row
        columns: dict[bytes, int] = {}
        for m in _ANY_CELL.finditer(data):
            letters, number, kind, ftext, vtext, itext, attrs, inner = m.groups()
            if letters is None:  # the general path
                ref = _ATTR_R.search(attrs)
                if ref is None:
                    continue
                letters, number = ref.group(1), ref.group(2)
                t = _ATTR_T.search(attrs)
                kind = t.group(1) if t else None
            row = int(number)
            if row > max_row:
                continue
            col = columns.get(letters) or columns.setdefault(letters, a1.col_number(letters.decode()))
            formula = None
            if inner is not None:
                fm = _FORMULA.search(inner)
                if fm is not None:
                    formula = self._formula(fm, row, col, shared)
                if kind == b"inlineStr":
                    itext = b"".join(x.group(1) for x in _TEXT.finditer(inner))
                else:
                    vm = _VALUE.search(inner)
                    vtext = None if vm is None else vm.group(1)
            elif ftext:
                formula = "=" + _text(ftext)
            value = self._value(kind, vtext, itext)
            if formula is None and (value is None or value == ""):
                continue
            cells[(row, col)] = (value, formula)
        sheet.merged = [a1.parse_area(m.group(1).decode()) for m in _MERGE.finditer(data)]
        return sheet

    def _value(self, kind: bytes | None, vtext: bytes | None, itext: bytes | None) -> object:
        if kind == b"inlineStr":
            return None if itext is None else _text(itext)
        if vtext is None:
            return None
        if kind == b"s":
            strings = self.strings()
            idx = int(vtext)
            return strings[idx] if 0 <= idx < len(strings) else None
        if kind in (b"str", b"e"):
            return _text(vtext)
        if kind == b"b":
            return vtext.strip() == b"1"
        return _number(vtext) if vtext else None

    @staticmethod
    def _formula(fm: re.Match, row: int, col: int, shared: dict) -> str | None:
        """The formula text; shared formulas (Excel) are translated from their master cell."""
        fattrs, text = fm.group(1), fm.group(2)
        si = _SHARED.search(fattrs) if b"shared" in fattrs else None
        if text:
            formula = "=" + _text(text)
            if si is not None:
                shared[si.group(1)] = (row, col, formula)
            return formula
        if si is not None and si.group(1) in shared:
            r0, c0, master = shared[si.group(1)]
            from openpyxl.formula.translate import Translator

            return Translator(master, origin=a1.cell(r0, c0)).translate_formula(a1.cell(row, col))
        return None


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    if "&" not in text and "_x" not in text:
        return text
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _number(raw: bytes) -> int | float | str:
    try:
        x = float(raw)
    except ValueError:
        return _text(raw)
    if x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x
