"""Read the hidden ``_meta`` sheet: the workbook's identity and its field map."""

from __future__ import annotations

from dataclasses import dataclass

from clusterbook.importers.rawbook import RawBook
from clusterbook.workbook import a1
from clusterbook.workbook.grid import FIELD_MAP_HEADER, META_SHEET, FieldRef


class NotATemplate(Exception):
    """The workbook is not a clusterbook template (or its field map is unusable)."""


@dataclass
class FieldMap:
    meta: dict[str, str]
    refs: dict[str, FieldRef]


def read_field_map(raw: RawBook) -> FieldMap:
    """The key/value rows and the field_id/label/sheet/range table of ``_meta``."""
    sheet = raw.sheet(META_SHEET)
    if sheet is None:
        raise NotATemplate(f"找不到隱藏工作表 {META_SHEET}（欄位對照表）")
    rows: dict[int, list] = {}
    for (r, c), (value, _) in sheet.cells.items():
        if c <= 4:
            rows.setdefault(r, [None] * 4)[c - 1] = value
    meta: dict[str, str] = {}
    refs: dict[str, FieldRef] = {}
    in_map = False
    for r in sorted(rows):
        row = rows[r]
        if tuple(row) == FIELD_MAP_HEADER:
            in_map = True
            continue
        if not in_map:
            if row[0] is not None and row[0] != "key":
                meta[str(row[0])] = "" if row[1] is None else str(row[1])
            continue
        fid, label, title, rng = row
        if not fid:
            continue
        try:
            r1, c1, r2, c2 = a1.parse_area(str(rng))
        except ValueError:
            raise NotATemplate(f"欄位對照表中 {fid} 的範圍 {rng!r} 無法辨識") from None
        refs[str(fid)] = FieldRef(str(fid), str(label or ""), str(title or ""), r1, c1, r2, c2)
    if not in_map or not refs:
        raise NotATemplate(f"{META_SHEET} 工作表中沒有欄位對照表")
    if not meta.get("program") or not meta.get("template_id"):
        raise NotATemplate(f"{META_SHEET} 工作表缺少 template_id 或 program")
    return FieldMap(meta, refs)
