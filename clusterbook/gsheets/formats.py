"""Sheets cell formats for the Layout's style roles, derived from the xlsx renderer's STYLES."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill

from clusterbook.workbook.xlsx import HIGHLIGHTS, STYLES

SEVERITY_FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
_HORIZONTAL = {"left": "LEFT", "center": "CENTER", "right": "RIGHT"}
_VERTICAL = {"top": "TOP", "center": "MIDDLE", "bottom": "BOTTOM"}
_BORDER = {"thin": "SOLID", "medium": "SOLID_MEDIUM", "thick": "SOLID_THICK"}


def color(rgb: str) -> dict[str, float]:
    """'FFC7CE' (or openpyxl's '00FFC7CE') → a Sheets Color."""
    rgb = rgb[-6:]
    return {
        key: round(int(rgb[i : i + 2], 16) / 255, 4)
        for key, i in (("red", 0), ("green", 2), ("blue", 4))
    }


def number_format(fmt: str) -> dict[str, str]:
    """An Excel number format of the Layout → a Sheets NumberFormat."""
    if fmt == "@":
        return {"type": "TEXT", "pattern": "@"}
    return {"type": "PERCENT" if fmt.endswith("%") else "NUMBER", "pattern": fmt}


def _font(font: Font) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if font.b:
        out["bold"] = True
    if font.i:
        out["italic"] = True
    if font.sz:
        out["fontSize"] = int(font.sz)
    if font.color is not None and isinstance(font.color.rgb, str):
        out["foregroundColor"] = color(font.color.rgb)
    return out


def _role(
    font: Font | None, fill: PatternFill | None, align: Alignment | None, border: Border | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if fill is not None:
        out["backgroundColor"] = color(fill.start_color.rgb)
    if font is not None and (text := _font(font)):
        out["textFormat"] = text
    if align is not None:
        if align.wrap_text:
            out["wrapStrategy"] = "WRAP"
        if align.horizontal in _HORIZONTAL:
            out["horizontalAlignment"] = _HORIZONTAL[align.horizontal]
        if align.vertical in _VERTICAL:
            out["verticalAlignment"] = _VERTICAL[align.vertical]
    if border is not None:
        out["borders"] = {
            side: {"style": _BORDER[edge.style], "color": color(edge.color.rgb)}
            for side in ("top", "bottom", "left", "right")
            if (edge := getattr(border, side)) is not None
            and edge.style in _BORDER
            and edge.color is not None
        }
    return out


ROLE_FORMATS = {role: _role(*parts) for role, parts in STYLES.items()}


def cell_format(role: str, fmt: str | None = None) -> dict[str, Any]:
    """The userEnteredFormat of a Layout cell: its role's look plus its number format."""
    out = dict(ROLE_FORMATS[role])
    if fmt:
        out["numberFormat"] = number_format(fmt)
    return out


def role_background(role: str | None) -> dict[str, float] | None:
    """The background a cell of this role has in the template (None: no fill)."""
    return ROLE_FORMATS.get(role or "", {}).get("backgroundColor")


def highlight_formats() -> list[tuple[str, dict[str, Any]]]:
    """(text, format) for the ✘/✔/加分 conditional formats, in priority order."""
    return [
        (
            text,
            {
                "backgroundColor": color(bg),
                "textFormat": {"foregroundColor": color(fg), "bold": True},
            },
        )
        for text, bg, fg in HIGHLIGHTS
    ]
