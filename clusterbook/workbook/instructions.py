"""The 填寫說明 sheet: what the workbook is for, its sheets, every field with its cell, format and
help, and every rule the checker applies (all from the spec, so it never drifts from them)."""

from __future__ import annotations

from clusterbook.workbook.grid import FieldRef, SheetLayout
from clusterbook.workbook.spec import Program

TYPE_HINTS = {
    "text": "文字",
    "longtext": "文字（可多行）",
    "integer": "整數（0 以上）",
    "number": "數字（0 以上，至多一位小數）",
    "money": "整數金額（新臺幣元，0 以上）",
    "percent": "百分比（如 35%）",
    "ubn": "8 位數字的統一編號",
    "date": "民國日期（如 112/03/07）",
    "year": "民國年（如 109）",
    "phone": "電話號碼",
    "email": "E-Mail（如 name@example.com）",
    "url": "網址",
    "enum": "下拉選單中的選項",
    "multi": "清單中的選項，可複選，以「、」分隔",
    "yesno": "「有」或「無」",
    "township": "所選縣市的鄉鎮市區",
    "formula": "自動計算",
    "label": "固定內容",
}

INSTRUCTION_WIDTHS = {1: 14, 2: 28, 3: 12, 4: 6, 5: 36, 6: 56}
"""填寫說明 columns: about one landscape page at a readable scale."""


def fill_instructions(sl: SheetLayout, program: Program, fields: dict[str, FieldRef]) -> None:
    """填寫說明: intro, the sheets, every field with its cell and help, every rule."""
    p = program
    sl.put(
        1,
        1,
        value=f"{p.instructions['title']}｜{p.title}（{p.id} 版本 {p.version}）",
        style="title",
    )
    row = 3
    for line in p.instructions["intro"]:
        sl.put(row, 1, value=line, style="description")
        sl.merges.append((row, 1, row, 6))
        row += 1
    row += 1

    def header(title: str, heads: tuple[str, ...], spans: tuple[int, ...]) -> None:
        nonlocal row
        sl.put(row, 1, value=title, style="section")
        row += 1
        put(heads, spans, "header")

    def put(values: tuple, spans: tuple[int, ...], style: str) -> None:
        """One row; a value may span columns (``spans``) so long text has room."""
        nonlocal row
        col = 1
        for v, span in zip(values, spans, strict=True):
            sl.put(row, col, value=v, style=style)
            if span > 1:
                sl.merges.append((row, col, row, col + span - 1))
            col += span
        row += 1

    header("工作表", ("工作表", "內容", "說明"), (1, 1, 4))
    for s in p.sheets:
        put((s.title, s.heading, s.description), (1, 1, 4), "help")
    row += 1
    spans = (1, 1, 1, 1, 1, 1)
    header("欄位說明", ("工作表", "欄位", "儲存格", "必填", "格式／選項", "說明"), spans)
    for fid, ref in fields.items():
        f = p.fields.get(fid)
        if f is None or f.type == "label":
            continue
        choices = p.choices(f)
        if f.type == "enum" and not choices:
            kind = "依面向列出之選項"
        elif f.type == "multi":
            kind = f"可複選：{'、'.join(choices)}"
        elif f.list == "counties":
            kind = "縣市（22 縣市）"
        elif choices:
            kind = "、".join(choices)
        else:
            kind = TYPE_HINTS[f.type]
        values = (ref.sheet, f.full_label, ref.range, "是" if f.required else "", kind, f.help)
        put(values, spans, "help")
    row += 1
    header("檢核規則", ("規則代碼", "名稱", "嚴重度", "說明"), (1, 1, 1, 3))
    severity = {"error": "錯誤", "warning": "警告", "info": "資訊"}
    for rule in p.rules.values():
        put(
            (rule.id, rule.title, severity[rule.severity], rule.description),
            (1, 1, 1, 3),
            "help",
        )
    for col, width in INSTRUCTION_WIDTHS.items():
        sl.width(col, width)
    sl.freeze = (2, 1)
