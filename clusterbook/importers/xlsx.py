"""Read an .xlsx file into a :class:`RawBook`, fast and defensively, with the standard library.

Only what the checks need is parsed: the workbook's sheet list and date system, the shared
strings, and the sheets asked for (values and formula text of non-empty cells, merged ranges:
see :mod:`worksheet`). Each XML part is read as an XML parser reads it (UTF-16 or a declared
encoding, line ends, CDATA: see :mod:`xmltext`). Nothing is evaluated or executed. Files are
refused before parsing when they are too large, compressed suspiciously well (zip bombs),
encrypted, legacy .xls, carry a DTD (entity expansion, XXE) in any XML part, or hold more cells
or merged ranges than a proposal ever needs: every part is inflated once, in bounded chunks,
when the file is opened, so that a sheet parsed later cannot fail. The patterns that parse the
XML run in linear time whatever the input (no backtracking across tags), and numbers in
references are bounded, so crafted XML cannot stall the reader.
"""

from __future__ import annotations

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
from clusterbook.importers.worksheet import parse_sheet
from clusterbook.importers.xmltext import NS, encoding, plain_xml, string_table, text


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
    """The file cannot be used; ``str(exc)`` is a zh-TW reason for the applicant.

    A file recognised as something else (a PDF, a Word document, plain text …) also carries
    ``what`` it is; ``text`` says it is plain text (a CSV, say); :meth:`advise` names it with
    other advice, for workbooks that are not proposals (scoring sheets, rosters)."""

    def __init__(
        self, message: str, what: str | None = None, generic: bool = False, text: bool = False
    ):
        super().__init__(message)
        self.what, self.generic, self.text = what, generic, text

    def advise(self, advice: str) -> str:
        """The reason, with ``advice`` instead of the proposal template's when the file is
        simply not a workbook."""
        return f"{self.what}：{advice}" if self.what and self.generic else str(self)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 2**20
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
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
"""A character plain text does not hold (tab, line ends and form feed are fine)."""


SAVE_AS = "請以 Excel 開啟後另存為 Excel 活頁簿 (.xlsx) 再送出"
"""The advice for a file that Excel can open but is not an .xlsx workbook."""
DAMAGED = "請以 Excel 開啟確認內容，另存為 Excel 活頁簿 (.xlsx) 後重新送出"
"""The advice for a workbook that is damaged or unsafe."""


def read_xlsx(path: str | Path, limits: Limits = LIMITS) -> RawBook:
    """Open a workbook; sheets are parsed lazily through ``RawBook.sheet(title)``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise os_error(exc) from None
    if path.is_dir():
        raise UnreadableError("這是資料夾，不是檔案：請指定資料夾裡的 .xlsx 檔案")
    if size == 0:
        raise UnreadableError("檔案是空的（0 位元組）：可能未完整下載或儲存，請重新取得檔案")
    if size > limits.file_bytes:
        raise UnreadableError(
            f"檔案超過 {limits.file_bytes // 2**20} MB 上限：請刪除圖片等多餘內容後重新送出"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise os_error(exc) from None
    return read_xlsx_bytes(data, str(path), limits)


def os_error(exc: OSError) -> UnreadableError:
    if isinstance(exc, FileNotFoundError):
        return UnreadableError("找不到檔案：請確認檔名與路徑")
    if isinstance(exc, PermissionError):
        return UnreadableError("沒有讀取此檔案的權限：請確認檔案權限，或複製到自己的資料夾")
    return UnreadableError(f"無法開啟檔案（系統錯誤代碼 {exc.errno}）：請確認檔案可以開啟")


def read_xlsx_bytes(data: bytes, source: str, limits: Limits = LIMITS) -> RawBook:
    """A RawBook from the file's bytes; raises :class:`UnreadableError` for every bad input.

    Everything that can make the file unusable is found here, before the RawBook is returned:
    sheets parsed later (``RawBook.sheet``) read parts that have already been checked.
    """
    sniff(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        entries = zf.infolist()
    except _ZIP_ERRORS:
        raise UnreadableError(f"檔案已損毀或不完整，無法以 .xlsx 開啟：{DAMAGED}") from None
    infos = _index(entries, limits)
    if "xl/workbook.xml" not in {name.lower() for name in infos}:
        mimetype = infos.get("mimetype")
        small = mimetype is not None and mimetype.file_size < 200
        raise _zip_kind(list(infos), _read_small(zf, mimetype) if small else b"")
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


_NOT_A_WORKBOOK = "請送出以 clusterbook 提案範本填寫的 Excel 活頁簿 (.xlsx)"
_MAGIC = (
    # (leading bytes, what the file is, the advice)
    (b"%PDF-", "這是 PDF 文件，不是 Excel 活頁簿", _NOT_A_WORKBOOK + "，不是列印或轉存的 PDF"),
    (b"\x89PNG\r\n\x1a\n", "這是圖片 (PNG)，不是 Excel 活頁簿", _NOT_A_WORKBOOK + "，不是截圖"),
    (b"\xff\xd8\xff", "這是圖片 (JPEG)，不是 Excel 活頁簿", _NOT_A_WORKBOOK + "，不是照片或截圖"),
    (b"GIF87a", "這是圖片 (GIF)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    (b"GIF89a", "這是圖片 (GIF)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    (b"BM", "這是圖片 (BMP)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    (b"{\\rtf", "這是 RTF 文件（Word 等文書軟體），不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    (b"Rar!", "這是 RAR 壓縮檔，不是 Excel 活頁簿", "請解壓縮後送出其中的 .xlsx 檔案"),
    (b"7z\xbc\xaf", "這是 7-Zip 壓縮檔，不是 Excel 活頁簿", "請解壓縮後送出其中的 .xlsx 檔案"),
)
_OLE_KINDS = (
    # (stream name in the OLE2 directory, what the file is, the advice)
    ("WordDocument", "這是舊版 Word 97-2003 文件 (.doc)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    ("PowerPoint Document", "這是 PowerPoint 簡報 (.ppt)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
)
_ZIP_KINDS = (
    # (a part name or mimetype that names the package, what the file is, the advice)
    ("application/vnd.oasis.opendocument.spreadsheet", "這是 OpenDocument 試算表 (.ods)", SAVE_AS),
    (
        "application/vnd.oasis.opendocument.text",
        "這是 OpenDocument 文字文件 (.odt)，不是 Excel 活頁簿",
        _NOT_A_WORKBOOK,
    ),
    ("word/document.xml", "這是 Word 文件 (.docx)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    ("ppt/presentation.xml", "這是 PowerPoint 簡報 (.pptx)，不是 Excel 活頁簿", _NOT_A_WORKBOOK),
    ("xl/workbook.bin", "這是 Excel 二進位活頁簿 (.xlsb)", SAVE_AS),
    ("index.xml", "這是 Numbers 試算表", "請以 Numbers 匯出為 Excel 活頁簿 (.xlsx) 再送出"),
)


def sniff(data: bytes) -> None:
    """Name the common wrong files by their bytes, with what to do about each."""
    if data.startswith(_OLE_MAGIC):
        if (
            "EncryptionInfo".encode("utf-16-le") in data[:65536]
            or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data
        ):
            raise UnreadableError("檔案設有密碼保護（已加密）：請移除密碼後另存為 .xlsx 再送出")
        for stream, what, advice in _OLE_KINDS:
            if stream.encode("utf-16-le") in data[:65536]:
                raise _named(what, advice)
        raise UnreadableError(f"這是舊版 Excel 97-2003 (.xls) 檔案：{SAVE_AS}")
    if data.startswith(b"PK"):
        return
    for magic, what, advice in _MAGIC:
        if data.startswith(magic):
            raise _named(what, advice)
    head = data[:1024].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if b"<html" in head or b"<!doctype html" in head or b"<table" in head:
        raise UnreadableError(
            "這是網頁 (HTML)，不是 Excel 活頁簿（常見於從網站或信箱「下載」時存成網頁）：" + SAVE_AS
        )
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        raise UnreadableError(f"這是 Excel 2003 XML 試算表：{SAVE_AS}")
    if _text(data[:4096]):
        raise UnreadableError(
            "這是純文字檔（例如 CSV），不是 Excel 活頁簿：CSV 沒有範本的欄位與檢核，"
            "請把資料填入 clusterbook 提案範本後送出 .xlsx",
            what="這是純文字檔（例如 CSV），不是 Excel 活頁簿",
            generic=True,
            text=True,
        )
    raise _named("不是 Excel 活頁簿（檔案格式無法辨識）", _NOT_A_WORKBOOK)


def _named(what: str, advice: str) -> UnreadableError:
    """A file recognised as something else; the advice is generic when it is the template's."""
    return UnreadableError(
        f"{what}：{advice}", what=what, generic=advice.startswith(_NOT_A_WORKBOOK)
    )


def _text(head: bytes) -> bool:
    """Text in UTF-8, UTF-16 (with a byte order mark), Big5 or a single-byte code page: no
    control characters but tab, form feed and line ends."""
    for codec in ("utf-8", "utf-16", "big5", "latin-1"):
        if codec == "utf-16" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            # a multi-byte character cut at the end of the sample
            try:
                text = head[:-3].decode(codec)
            except UnicodeDecodeError:
                continue
        if text and not any(_CONTROL_CHAR.match(ch) for ch in text):
            return True
    return False


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return zf.read(info)
    except _ZIP_ERRORS:
        return b""


def _zip_kind(zf_names: list[str], mimetype: bytes) -> UnreadableError:
    """Why a zip without ``xl/workbook.xml`` is not a workbook, with what to do."""
    names = {n.lower() for n in zf_names}
    for key, what, advice in _ZIP_KINDS:
        if key.encode() == mimetype.strip() or key.lower() in names:
            return _named(what, advice)
    return _named(
        "這是 ZIP 壓縮檔，裡面沒有活頁簿內容，不是 .xlsx 活頁簿", "請解壓縮後送出其中的 .xlsx 檔案"
    )


def _index(entries: list[zipfile.ZipInfo], limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The package's parts by name, after the checks that need no decompression."""
    if len(entries) > limits.max_parts:
        raise UnreadableError(
            f"壓縮檔內的項目超過 {limits.max_parts:,} 個，不是一般的活頁簿：{DAMAGED}"
        )
    infos: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    total = 0
    for info in entries:
        name = info.filename
        if name.lower() in seen:
            # part names are case-insensitive: Excel and this reader could read different copies
            raise UnreadableError(
                f"壓縮檔內有重複的項目 {name}（Excel 與檢核可能讀到不同的內容），拒絕讀取：{DAMAGED}"
            )
        seen.add(name.lower())
        infos[name] = info
        if info.flag_bits & 0x1:
            raise UnreadableError(
                f"活頁簿內的 {name} 已加密（壓縮檔密碼）：請移除密碼後另存為 .xlsx 再送出"
            )
        total += info.file_size
        if info.file_size > limits.part_bytes:
            raise UnreadableError(
                f"活頁簿內的 {name} 解壓縮後超過 {limits.part_bytes // 2**20} MB 上限：{DAMAGED}"
            )
        if (
            info.compress_size
            and info.file_size / info.compress_size > limits.ratio
            and info.file_size > 2**20
        ):
            raise UnreadableError(f"活頁簿壓縮比例異常（疑似壓縮炸彈），拒絕讀取：{DAMAGED}")
    if total > limits.total_bytes:
        raise UnreadableError(
            f"活頁簿解壓縮後超過 {limits.total_bytes // 2**20} MB 上限：{DAMAGED}"
        )
    return infos


class _Package:
    def __init__(self, zf: zipfile.ZipFile, infos: dict, limits: Limits) -> None:
        self.zf, self.infos, self.limits = zf, infos, limits
        self._strings: list[str] | None = None
        self._names = {n.lower(): n for n in infos}
        self._inflated: dict[str, bytes] = {}
        """Worksheets inflated and decoded by scan(), kept until parsed (sizes capped already)."""

    def resolve(self, name: str) -> str:
        """The zip entry of a part name (part names are case-insensitive, as Excel reads them)."""
        return name if name in self.infos else self._names.get(name.lower(), name)

    def part(self, name: str) -> bytes:
        """A part's XML in UTF-8 (see :func:`plain_xml`), read with a cap whatever its header
        declares; the cap holds for the decoded XML too."""
        kept = self._inflated.pop(self.resolve(name), None)
        if kept is not None:  # scanned and decoded already
            return kept
        return self._plain(name, self._read(name))

    def _plain(self, name: str, data: bytes, markup: bool = True) -> bytes:
        plain = plain_xml(data, markup=markup)
        if plain is not data:
            if len(plain) > self.limits.part_bytes:
                raise UnreadableError(
                    f"活頁簿內的 {name} 展開為文字後超過 {self.limits.part_bytes // 2**20} MB 上限：{DAMAGED}"
                )
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
        except _ZIP_ERRORS:
            raise UnreadableError(f"活頁簿內容損毀，無法讀取 {name}：{DAMAGED}") from None
        if len(data) > self.limits.part_bytes:
            raise UnreadableError(
                f"活頁簿內容解壓縮後超過上限（疑似壓縮炸彈），拒絕讀取：{DAMAGED}"
            )
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
            size, tail, markup = 0, b"", False
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
                                f"活頁簿內容解壓縮後超過上限（疑似壓縮炸彈），拒絕讀取：{DAMAGED}"
                            )
                        if not (xml or count):
                            continue
                        window = tail + chunk
                        if xml and _markup(window):
                            markup = True
                            if _DTD.search(window) is not None:
                                raise _dtd(name)
                        if count:  # tags wholly inside the tail were counted with the last chunk
                            cells += _count(window, cell_tokens) - _count(tail, cell_tokens)
                            merges += _count(window, merge_tokens) - _count(tail, merge_tokens)
                        tail = window[-_OVERLAP:]
            except _ZIP_ERRORS:
                raise UnreadableError(f"活頁簿內容損毀，無法讀取 {name}：{DAMAGED}") from None
            if kept is not None:
                # parsed later without inflating or decoding again
                self._inflated[name] = self._plain(name, b"".join(kept), markup)
            if cells > self.limits.max_cells:
                raise UnreadableError(
                    f"工作表的儲存格超過 {self.limits.max_cells:,} 個（例如整欄填滿）"
                    "：請刪除範本範圍以外的資料後重新送出"
                )
            if merges > self.limits.max_merges:
                raise UnreadableError(
                    f"工作表的合併儲存格超過 {self.limits.max_merges:,} 個：請取消不必要的合併後重新送出"
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
        flag = _attrs(pr.group(1)).get(b"date1904", b"") if pr else b""
        return titles, targets, flag.strip() in (b"1", b"true")

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
        return parse_sheet(title, self.part(path), self.strings, self.limits.max_row)


def _has_dtd(data: bytes) -> bool:
    """A DTD declaration in UTF-8 or UTF-16 (a plain substring test first: the regex is slow)."""
    return _markup(data) and _DTD.search(data) is not None


def _markup(data: bytes) -> bool:
    """``<!`` in UTF-8 or UTF-16: a DTD, a CDATA section or a comment may follow."""
    return b"<!" in data or b"<\x00!" in data


def _dtd(name: str) -> UnreadableError:
    return UnreadableError(
        f"活頁簿的 {name} 含有 DTD 宣告（可能的實體擴展或外部實體攻擊），拒絕讀取：{DAMAGED}"
    )


def _count(data: bytes, tokens: tuple[bytes, ...]) -> int:
    return sum(data.count(t) for t in tokens)


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))
