"""XML as an XML 1.0 parser would hand it to the .xlsx reader, with linear-time patterns only.

:func:`plain_xml` turns a part's bytes into UTF-8 (decoded by its byte-order mark or encoding
declaration) with LF line ends, CDATA sections written as escaped text and comments removed;
:func:`text` decodes character data (references and OOXML ``_xHHHH_`` escapes);
:func:`string_item` reads a string item (``<si>``, ``<is>``): its ``<t>`` elements, directly
or in runs, without the reading hints of phonetic runs (``<rPh>``); :func:`string_table` reads
the shared strings part.
"""

from __future__ import annotations

import codecs
import re

NS = rb"(?:\w{1,32}:)?"
"""An optional namespace prefix (bounded, so a long word cannot make a match slow)."""


def element(tag: bytes) -> re.Pattern[bytes]:
    """``<tag attrs>inner</tag>`` without crossing another ``<tag`` or ``</tag>``: linear time.

    The inner part (possessive, so never re-scanned) stops at the next ``<tag`` or ``</tag>``:
    an opening tag that is never closed fails there instead of scanning to the end of the part.
    """
    return re.compile(
        rb"<" + NS + tag + rb"(\s[^<>]*)?(?<!/)>" + inner(tag) + rb"</" + NS + tag + rb">"
    )


def inner(tag: bytes) -> bytes:
    return rb"((?:[^<]++|<(?!/?" + NS + tag + rb"[\s/>]))*+)"


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARABLE = (
    *("ascii", "iso8859-", "cp", "mac-", "koi8-", "tis-620"),  # single-byte
    *("big5", "gb", "hz", "shift_jis", "euc_", "iso2022_", "johab"),  # East Asian
)
"""Declared encodings decoded (Python's names): text encodings decoded in linear time. Others
(punycode, utf-7, base64 …) are not what a spreadsheet program writes: read as UTF-8."""
_DECLARED = re.compile(rb"<\?xml\s[^<>?]{0,200}?encoding\s*=\s*[\"']([A-Za-z][\w.:-]{0,39})[\"']")
_OPENINGS = re.compile(rb"<!(?:\[CDATA\[|--)")
_TEXT = re.compile(rb"<" + NS + rb"t(?:\s[^<>]*)?>([^<]*)</" + NS + rb"t>")
_PHONETIC = element(rb"rPh")
_SI = element(rb"si")
_SI_EMPTY = re.compile(rb"<" + NS + rb"si\s*/>")
_REFERENCE = re.compile(r"&(?:#([0-9]{1,8})|#x([0-9A-Fa-f]{1,8})|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile("[\ud800-\udfff]")


def encoding(head: bytes) -> str:
    """A part's encoding from its first bytes (XML 1.0 appendix F): byte-order mark, UTF-16
    without one, else the declaration of an 8-bit encoding, else UTF-8."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    declared = _DECLARED.match(head)
    if declared is None:
        return "utf-8"
    try:
        codec = codecs.lookup(declared.group(1).decode("ascii")).name
    except LookupError:
        return "utf-8"
    # a part that starts in 8-bit characters cannot be UTF-16, whatever it declares
    return codec if codec.startswith(_DECLARABLE) else "utf-8"


def plain_xml(data: bytes, *, markup: bool = True) -> bytes:
    """The part in UTF-8, line ends as LF, CDATA sections as escaped text, without comments.

    ``markup=False``: the caller has seen no ``<!`` in the part's bytes (no CDATA section, no
    comment), which spares a search through it.
    """
    codec = encoding(data[:256])
    if codec != "utf-8":
        data = data.decode(codec, "replace").removeprefix("\ufeff").encode("utf-8")
        markup = True
    if b"\r" in data:  # XML end-of-line handling: CR LF and a lone CR are read as LF
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if markup and b"<!" in data:
        data = _unwrap(data)
    return data


def _unwrap(data: bytes) -> bytes:
    """CDATA sections become escaped text and comments go; one pass over the part.

    An opening that is never closed ends the search: nothing after it can close either.
    """
    out, at = [], 0
    while (m := _OPENINGS.search(data, at)) is not None:
        cdata = m.group() == b"<![CDATA["
        end = data.find(b"]]>" if cdata else b"-->", m.end())
        if end < 0:
            break
        out.append(data[at : m.start()])
        if cdata:
            body = data[m.end() : end]
            out.append(body.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;"))
        at = end + 3
    if not out:
        return data
    out.append(data[at:])
    return b"".join(out)


def string_item(xml: bytes) -> str:
    """The text of a string item: its ``<t>`` elements; phonetic runs hold reading hints only."""
    if b"rPh" in xml:
        xml = _PHONETIC.sub(b"", xml)
    return text(b"".join(_TEXT.findall(xml)))


def string_table(xml: bytes) -> list[str]:
    """The shared strings part: the text of each ``<si>``, read as :func:`string_item` does."""
    xml = _SI_EMPTY.sub(b"<si></si>", xml)
    if b"rPh" in xml:
        xml = _PHONETIC.sub(b"", xml)
    return [text(b"".join(_TEXT.findall(m.group(2)))) for m in _SI.finditer(xml)]


def text(raw: bytes) -> str:
    """Character data: references (``&amp;``, ``&#13;``) and ``_xHHHH_`` escapes decoded."""
    value = raw.decode("utf-8", errors="replace")
    if "&" in value:
        value = _REFERENCE.sub(_reference, value)
    if "_x" in value:
        value = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
        if _SURROGATE.search(value):
            # _xD83C__xDF75_ is one character; a lone half (_xD800_) cannot be written as UTF-8
            value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def _reference(m: re.Match[str]) -> str:
    decimal, hexadecimal, name = m.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return "\ufffd"  # not a character an XML parser would accept
    return chr(code)
