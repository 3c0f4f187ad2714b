"""A zip package read part by part and written again, unchanged parts copied as compressed.

:func:`entries` lists a package's parts with their stored (compressed) bytes; :func:`write`
writes a new package from such entries and new bytes, so a part that does not change is never
inflated and deflated again. Every entry is dated :data:`ZIP_TIME`, as the openpyxl path does.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass

ZIP_TIME = (2023, 1, 1, 0, 0, 0)
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_TIME = 0
_DOS_DATE = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]
_UTF8 = 0x800


@dataclass(frozen=True)
class Entry:
    """One part: its name and its bytes as stored (``method`` 0 stored, 8 deflated)."""

    name: str
    stored: bytes
    method: int
    crc: int
    size: int


class BadPackage(Exception):
    """The zip cannot be copied entry by entry (encrypted, zip64, unknown compression …)."""


def entries(data: bytes, zf: zipfile.ZipFile) -> list[Entry]:
    """Every entry of ``zf`` (opened on ``data``), with its stored bytes."""
    out = []
    for info in zf.infolist():
        if info.flag_bits & 0x1 or info.compress_type not in (0, 8):
            raise BadPackage(
                f"{info.filename}: encrypted or compressed with method {info.compress_type}"
            )
        if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
            raise BadPackage(f"{info.filename}: zip64")
        at = info.header_offset
        head = data[at : at + _LOCAL.size]
        if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise BadPackage(f"{info.filename}: no local header")
        name_len, extra_len = struct.unpack("<2H", head[26:30])
        start = at + _LOCAL.size + name_len + extra_len
        stored = data[start : start + info.compress_size]
        if len(stored) != info.compress_size:
            raise BadPackage(f"{info.filename}: truncated")
        out.append(Entry(info.filename, stored, info.compress_type, info.CRC, info.file_size))
    return out


def deflated(name: str, body: bytes) -> Entry:
    """A new part, deflated as zipfile does."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    stored = packer.compress(body) + packer.flush()
    return Entry(name, stored, 8, zlib.crc32(body), len(body))


def write(parts: list[Entry]) -> bytes:
    """A zip holding ``parts`` in order."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in parts:
        name = e.name.encode("utf-8")
        flags = 0 if name.isascii() else _UTF8
        fixed = (e.method, _DOS_TIME, _DOS_DATE, e.crc, len(e.stored), e.size, len(name))
        local = _LOCAL.pack(b"PK\x03\x04", 20, flags, *fixed, 0) + name
        central.append(
            _CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, *fixed, 0, 0, 0, 0, 0o600 << 16, offset)
            + name
        )
        out += (local, e.stored)
        offset += len(local) + len(e.stored)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), offset, 0)
    return b"".join(out) + directory + end
