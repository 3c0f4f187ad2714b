"""Normalise what applicants really type into workbook cells, recording every change.

Each ``clean_*`` function takes a raw cell value (str, int, float, bool, date/datetime or None)
and returns a :class:`Cleaned` (value, original, zh-TW notes) or raises :class:`NormalizeError`
with a short zh-TW ``reason``. Blank input (None, or a string of only whitespace) gives
``Cleaned(value=None, ...)``. Range and business rules (checksums, limits) live elsewhere.
Stdlib only; every regex is anchored and linear so 10,000-character cells stay fast.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TypeGuard

from clusterbook.choices import ChoiceTable, cell_text, choice_key

__all__ = [
    "Cleaned",
    "NormalizeError",
    "clean_choice",
    "clean_choices",
    "clean_date",
    "clean_email",
    "clean_int",
    "clean_number",
    "clean_percent",
    "clean_phone",
    "clean_place",
    "clean_text",
    "clean_ubn",
    "clean_year",
    "excel_date",
]


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A normalised cell: ``notes`` describe each change applied (empty when none)."""

    value: object
    original: object
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.notes)


class NormalizeError(ValueError):
    """The raw value cannot be normalised; ``reason`` says why, in zh-TW."""

    def __init__(self, reason: str, original: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.original = original


# --- tables -----------------------------------------------------------------------------------

_ZERO_WIDTH = "\u200b\ufeff"
_STRIP = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + _ZERO_WIDTH
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # they can visually reorder a message
_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u3000": " "})
_FULLWIDTH_ALNUM = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
    }
)
# Full-width / typographic punctuation that matters inside numbers, dates, phones and e-mails.
_PUNCT = str.maketrans(
    {
        "＋": "+", "－": "-", "−": "-", "‐": "-", "‑": "-", "–": "-", "—": "-", "．": ".",
        "／": "/", "＄": "$", "％": "%", "﹪": "%", "＃": "#", "（": "(", "）": ")", "＠": "@",
    }
)  # fmt: skip
_PLACE_FIXES = (("台", "臺"), ("郷", "鄉"), ("巿", "市"))

_CURRENCY_PREFIXES = ("新臺幣", "新台幣", "NT$", "NTD", "NT", "$")
_UNIT_SUFFIXES = ("元整", "元")
_MULTIPLIERS = {"萬": 10_000, "億": 100_000_000}
_NUMBER_FORMS = (  # (pattern, note): one regex per way of writing a number
    (re.compile(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{1,3}"), "科學記號轉換"),
    (re.compile(r"[0-9]{1,3}(?:[,，﹐][0-9]{3})+(?:\.[0-9]+)?"), "移除千分位逗號"),
    (re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:\.[0-9]+)?"), "移除數字間空白"),
    (re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"), None),
)
_NUMBER_SEPARATORS = str.maketrans("", "", ",，﹐ ")
_LOOSE_SPACE = re.compile(r"(?<![0-9]) | (?![0-9])")  # a space not between two digits
_MAX_DIGITS = 400

_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_EPOCH_1904 = date(1904, 1, 1)
_EXCEL_SERIALS = (20_000, 80_000)
_ROC_OFFSET = 1911
_DATE_SEP = re.compile(r"([0-9]{1,4})[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})")
_DATE_ZH = re.compile(r"([0-9]{1,4})年([0-9]{1,2})月([0-9]{1,2})[日號]?")
_DATE_COMPACT = re.compile(r"([0-9]{3,4})([0-9]{2})([0-9]{2})")  # 7 digits ROC, 8 Western
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?")
_ROC_PREFIXES = ("中華民國", "民國")
_WESTERN_PREFIX = "西元"
_YEAR = re.compile(r"[0-9]{1,4}")

_UBN_SEPARATORS = str.maketrans("", "", " -.")
_UBN = re.compile(r"[0-9]{8}")
_PHONE_CHAR = re.compile(r"((?<![A-Za-z])[Ee][Xx][Tt](?![A-Za-z])|分機|轉|[0-9+#()\s-])|.", re.S)

# --- helpers ----------------------------------------------------------------------------------


def _step(text: str, notes: list[str], note: str, new: str) -> str:
    """Record ``note`` when ``new`` differs from ``text``; return ``new``."""
    if new != text:
        notes.append(note)
    return new


def _fail(reason: str, raw: object) -> NormalizeError:
    return NormalizeError(reason, raw)


def _is_number(raw: object) -> TypeGuard[int | float]:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def _start(raw: object) -> tuple[str | None, list[str]]:
    """clean_text's value (None when blank) and its notes, as a list to append to."""
    if raw is None:
        return None, []
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):
        text = str(Decimal(raw))  # str(int) refuses more than 4300 digits
    else:
        text = str(raw)
    notes: list[str] = []
    text = _step(text, notes, "移除控制字元", _CONTROL.sub("", text.replace("\r\n", "\n")))
    text = _step(text, notes, "去除前後空白", text.strip(_STRIP))
    text = _step(text, notes, "移除零寬字元", text.replace("\u200b", "").replace("\ufeff", ""))
    text = _step(text, notes, "移除文字方向控制字元", _BIDI.sub("", text))
    text = _step(text, notes, "特殊空白轉一般空白", text.translate(_ODD_SPACES))
    text = _step(text, notes, "全形英數轉半形", text.translate(_FULLWIDTH_ALNUM))
    return text or None, notes


def _parse_number(
    text: str, notes: list[str], raw: object, reason: str, *, units: bool, wan: bool = True
) -> Fraction:
    """Exact value of a typed number; ``units`` allows currency, 元 and 萬/億."""
    text = _step(text, notes, "全形符號轉半形", text.translate(_PUNCT))
    text = _LOOSE_SPACE.sub("", " ".join(text.split()))
    sign = ""
    if text.startswith(("+", "-")):
        sign, text = text[0], text[1:]
    multiplier = 1
    if units:
        for prefix in _CURRENCY_PREFIXES:
            if text[: len(prefix)].upper() == prefix:
                text = text[len(prefix) :]
                notes.append("移除貨幣符號")
                break
        if not sign and text.startswith(("+", "-")):
            sign, text = text[0], text[1:]
        for suffix in _UNIT_SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                notes.append("移除「元」")
                break
        if text[-1:] in _MULTIPLIERS:
            if not wan:
                raise _fail("不可使用「萬」「億」等單位", raw)
            multiplier = _MULTIPLIERS[text[-1]]
            notes.append(f"「{text[-1]}」換算為元")
            text = text[:-1]
    if len(text) > _MAX_DIGITS:
        raise _fail("數字位數過多", raw)
    for pattern, note in _NUMBER_FORMS:
        if pattern.fullmatch(text):
            if note:
                notes.append(note)
            break
    else:
        raise _fail(reason, raw)
    value = Fraction(sign + text.translate(_NUMBER_SEPARATORS)) * multiplier
    if value < 0:
        notes.append("數值為負數")
    return value


def _to_float(value: Fraction | int, raw: object, reason: str) -> float:
    try:
        return float(value)
    except OverflowError:
        raise _fail(reason, raw) from None


# --- text -------------------------------------------------------------------------------------


def clean_text(raw: object) -> Cleaned:
    """Strip (incl. NBSP, U+3000, zero-width), drop control chars, full-width A–Z/0–9 → ASCII.

    Inner NBSP / U+3000 become plain spaces. Full-width punctuation （），： is kept.
    Never raises; non-str input goes through ``str()``.
    """
    text, notes = _start(raw)
    return Cleaned(text, raw, tuple(notes))


def clean_place(raw: object) -> Cleaned:
    """clean_text, remove every inner space, 台→臺, 郷→鄉, 巿→市 (all exact in official names)."""
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    text = _step(text, notes, "移除空白", "".join(text.split()))
    for old, new in _PLACE_FIXES:
        text = _step(text, notes, f"{old}→{new}", text.replace(old, new))
    return Cleaned(text, raw, tuple(notes))


# --- numbers ----------------------------------------------------------------------------------


def clean_int(raw: object, *, allow_wan: bool = True) -> Cleaned:
    """A whole number: "1,234", "NT$1,000元", "12萬", "1.2345萬", "1e6", "-5" (noted)."""
    if isinstance(raw, bool):
        raise _fail("不是整數", raw)
    if isinstance(raw, int):
        return Cleaned(raw, raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise _fail("不是整數", raw)
        return Cleaned(int(raw), raw)
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    value = _parse_number(text, notes, raw, "不是整數", units=True, wan=allow_wan)
    if value.denominator != 1:
        raise _fail("不是整數", raw)
    return Cleaned(int(value), raw, tuple(notes))


def clean_number(raw: object, *, allow_wan: bool = True) -> Cleaned:
    """Like clean_int but decimals allowed; an int when integral, else a float."""
    if isinstance(raw, bool):
        raise _fail("不是數字", raw)
    if isinstance(raw, int):
        return Cleaned(raw, raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _fail("不是數字", raw)
        return Cleaned(int(raw) if raw.is_integer() else raw, raw)
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    value = _parse_number(text, notes, raw, "不是數字", units=True, wan=allow_wan)
    if value.denominator == 1:
        return Cleaned(int(value), raw, tuple(notes))
    return Cleaned(_to_float(value, raw, "不是數字"), raw, tuple(notes))


def clean_percent(raw: object) -> Cleaned:
    """A fraction (float, 10 decimals): "35%", 0.35 → 0.35; a bare number > 1 is read as percent."""
    notes: list[str] = []
    if isinstance(raw, bool):
        raise _fail("不是百分比", raw)
    if _is_number(raw):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise _fail("不是百分比", raw)
        value = Fraction(raw)
        percent = False
    else:
        text, notes = _start(raw)
        if text is None:
            return Cleaned(None, raw, tuple(notes))
        percent = text.endswith(("%", "％", "﹪"))
        value = _parse_number(text[:-1] if percent else text, notes, raw, "不是百分比", units=False)
    if percent:
        value /= 100
    elif abs(value) > 1:
        value /= 100
        notes.append("視為百分比")
    return Cleaned(round(_to_float(value, raw, "不是百分比"), 10), raw, tuple(notes))


# --- dates ------------------------------------------------------------------------------------


def clean_date(raw: object, *, date1904: bool = False) -> Cleaned:
    """A ``date`` from a date, an Excel serial (20000–80000), or ROC / Western text.

    Serials count days from 1899-12-30, or from 1904-01-01 with ``date1904`` (the workbook's
    date system).

    Text: 112/3/7, 112.03.07, 112-3-7, 1120307, (中華)民國112年3月7日, 2023/3/7, 20230307,
    2023年3月7日, optionally followed by a time (ignored). Years below 1000 are ROC years.
    A month and day without a year ("3/7") is refused rather than guessed.
    """
    if isinstance(raw, bool):
        raise _fail("無法辨識的日期", raw)
    if isinstance(raw, datetime):
        notes = ("忽略時間部分",) if raw.time() != time() else ()
        return Cleaned(raw.date(), raw, notes)
    if isinstance(raw, date):
        return Cleaned(raw, raw)
    if _is_number(raw):
        return _date_from_number(raw, date1904)
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    return Cleaned(_date_from_text(text, notes, raw), raw, tuple(notes))


def _date_from_number(raw: int | float, date1904: bool) -> Cleaned:
    if isinstance(raw, float) and not math.isfinite(raw):
        raise _fail("無法辨識的日期", raw)
    day = excel_date(raw, date1904=date1904)
    if day is not None:
        notes = ["Excel日期序號"] + (["忽略時間部分"] if raw != math.floor(raw) else [])
        return Cleaned(day, raw, tuple(notes))
    # 1120307 or 20230307 typed into a number cell
    if raw != int(raw) or not 1_000_000 <= raw < 100_000_000:
        raise _fail("無法辨識的日期", raw)
    notes = []
    return Cleaned(_date_from_text(str(int(raw)), notes, raw), raw, tuple(notes))


def excel_date(raw: int | float, *, date1904: bool = False) -> date | None:
    """The day of an Excel date serial in 20000–80000 (1954–2119, or 1958–2123 counted from
    1904-01-01 with ``date1904``); None for any other number."""
    low, high = _EXCEL_SERIALS
    if not low <= raw <= high:
        return None
    return (_EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH) + timedelta(days=math.floor(raw))


def _date_from_text(text: str, notes: list[str], raw: object) -> date:
    text = _step(text, notes, "全形符號轉半形", text.translate(_PUNCT))
    head, _, tail = text.rpartition(" ")
    time_match = _TIME.fullmatch(tail) if head else None
    if time_match:
        text = head
        if any(int(part or 0) for part in time_match.groups()):
            notes.append("忽略時間部分")
    text = "".join(text.split())
    era = ""
    for prefix in (*_ROC_PREFIXES, _WESTERN_PREFIX):
        if text.startswith(prefix):
            era, text = prefix, text[len(prefix) :]
            break
    match = _DATE_SEP.fullmatch(text) or _DATE_ZH.fullmatch(text)
    if not match and len(text) in (7, 8):
        match = _DATE_COMPACT.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        if year < 1000:
            if era == _WESTERN_PREFIX or year == 0:
                raise _fail("無法辨識的日期", raw)
            year += _ROC_OFFSET
            notes.append("民國年轉西元")
        elif era in _ROC_PREFIXES:
            raise _fail("無法辨識的日期", raw)
    else:
        raise _fail("無法辨識的日期", raw)  # a month and day without a year is not guessed
    try:
        return date(year, month, day)
    except ValueError:
        raise _fail("無法辨識的日期", raw) from None


def clean_year(raw: object, *, today: date | None = None, date1904: bool = False) -> Cleaned:
    """An ROC year (int) in 1..(this ROC year + 1): 109, "民國109年", "109年度", 2020, a date,
    an Excel date serial (20000–80000, counted from 1904-01-01 with ``date1904``)."""
    current = (today or date.today()).year - _ROC_OFFSET
    if isinstance(raw, bool):
        raise _fail("無法辨識的年度", raw)
    if isinstance(raw, date):
        return _roc_year(raw.year, raw, ["日期取民國年"], current, western=True)
    if _is_number(raw):  # NaN and infinities are outside the serials' range
        day = excel_date(raw, date1904=date1904)
        if day is not None:
            notes = ["Excel日期序號", "日期取民國年"]
            return _roc_year(day.year, raw, notes, current, western=True)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise _fail("無法辨識的年度", raw)
        raw_int = int(raw)
        return _roc_year(raw_int, raw, [], current, western=raw_int > current + 1)
    if isinstance(raw, int):
        return _roc_year(raw, raw, [], current, western=raw > current + 1)
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    bare = "".join(text.split())
    era = next((p for p in (*_ROC_PREFIXES, _WESTERN_PREFIX) if bare.startswith(p)), "")
    bare = bare[len(era) :].removesuffix("年度").removesuffix("年")
    if _YEAR.fullmatch(bare):
        year = int(bare)
        western = year > current + 1
        if (era == _WESTERN_PREFIX and not western) or (era in _ROC_PREFIXES and western):
            raise _fail("無法辨識的年度", raw)
        return _roc_year(year, raw, notes, current, western=western)
    try:
        day = _date_from_text(text, [], raw)
    except NormalizeError:
        raise _fail("無法辨識的年度", raw) from None
    return _roc_year(day.year, raw, [*notes, "日期取民國年"], current, western=True)


def _roc_year(year: int, raw: object, notes: list[str], current: int, *, western: bool) -> Cleaned:
    if western:
        year -= _ROC_OFFSET
        if "日期取民國年" not in notes:
            notes.append("西元年轉民國年")
    if not 1 <= year <= current + 1:
        raise _fail("無法辨識的年度", raw)
    return Cleaned(year, raw, tuple(notes))


# --- flags and identifiers --------------------------------------------------------------------


def clean_ubn(raw: object) -> Cleaned:
    """Eight digits as a string: 4541302 → "04541302", "0454-1302", "04 541 302". No checksum."""
    if isinstance(raw, bool):
        raise _fail("統一編號應為8位數字", raw)
    if isinstance(raw, float) and raw.is_integer():
        raw_int: object = int(raw)
    else:
        raw_int = raw
    if isinstance(raw_int, int):
        if not 0 <= raw_int < 100_000_000:
            raise _fail("統一編號應為8位數字", raw)
        notes = ("補回遺失的前導0",) if raw_int < 10_000_000 else ()
        return Cleaned(f"{raw_int:08d}", raw, notes)
    if isinstance(raw, float | date):
        raise _fail("統一編號應為8位數字", raw)
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    text = text.translate(_PUNCT)
    text = _step(text, notes, "移除分隔符號", "".join(text.split()).translate(_UBN_SEPARATORS))
    if not _UBN.fullmatch(text):
        raise _fail("統一編號應為8位數字", raw)
    return Cleaned(text, raw, tuple(notes))


def clean_phone(raw: object) -> Cleaned:
    """Keep digits, + # ( ) -, ext/分機/轉 and single spaces; 912345678 → "0912345678".

    Never raises for text: text without any digit (e.g. "無") is returned as clean_text gives it.
    """
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raw_int: object = int(raw)
    else:
        raw_int = raw
    if isinstance(raw_int, int) and not isinstance(raw_int, bool):
        if not 0 <= raw_int < 10**20:
            raise _fail("不是電話號碼", raw)
        digits = str(raw_int)
        if len(digits) == 9 and digits[0] == "9":
            return Cleaned("0" + digits, raw, ("補回遺失的前導0",))
        return Cleaned(digits, raw)
    if isinstance(raw, bool | float | date):
        raise _fail("不是電話號碼", raw)
    text, notes = _start(raw)
    if text is None or not any(c in "0123456789" for c in text):
        return Cleaned(text, raw, tuple(notes))
    text = _step(text, notes, "全形符號轉半形", text.translate(_PUNCT))
    removed = False

    def keep(match: re.Match[str]) -> str:
        nonlocal removed
        removed = removed or match.group(1) is None
        return match.group(1) or " "

    kept = " ".join(_PHONE_CHAR.sub(keep, text).split())
    if removed:
        notes.append("移除非電話字元")
    elif kept != text:
        notes.append("合併多餘空白")
    return Cleaned(kept, raw, tuple(notes))


def clean_email(raw: object) -> Cleaned:
    """clean_text, ＠/．/。 → @/., spaces and "mailto:" removed, domain lower-cased."""
    text, notes = _start(raw)
    if text is None:
        return Cleaned(None, raw, tuple(notes))
    text = _step(text, notes, "全形符號轉半形", text.translate(_PUNCT).replace("。", "."))
    text = _step(text, notes, "移除空白", "".join(text.split()))
    if text[:7].lower() == "mailto:":
        text = _step(text, notes, "移除「mailto:」", text[7:])
    local, _, domain = text.rpartition("@")
    labels = domain.split(".")
    tld = labels[-1]
    if not local or "@" in local or len(labels) < 2 or not all(labels):
        raise _fail("E-Mail格式不正確", raw)
    if len(tld) < 2 or not (tld.isalpha() or tld.lower().startswith("xn--")):
        raise _fail("E-Mail格式不正確", raw)
    text = _step(text, notes, "網域改為小寫", f"{local}@{domain.lower()}")
    return Cleaned(text, raw, tuple(notes))


# --- choices ----------------------------------------------------------------------------------


def clean_choice(raw: object, table: ChoiceTable) -> Cleaned:
    """One of the table's values, read by its choice key; anything else is refused."""
    key = choice_key(raw)
    if not key:
        text, notes = _start(raw)
        if text is None:
            return Cleaned(None, raw, tuple(notes))
        raise _fail("不在可選清單中", raw)
    value = table.keys.get(key)
    if value is None:
        raise _fail("不在可選清單中", raw)
    notes = () if raw == value else (table.note.format(value=value),)
    return Cleaned(value, raw, notes)


_MULTI_SEPARATORS = re.compile(r"[、,，;；/／\n]+")


def clean_choices(raw: object, table: ChoiceTable) -> Cleaned:
    """Several choices in one cell, separated by 、 , ; / or new lines: their values joined by
    「、」 in the order typed (repeats dropped); an unknown part refuses the whole cell (its
    reason names it)."""
    text = None if raw is None else cell_text(raw)
    if text is None or not choice_key(text):
        return clean_choice(raw, table)
    found = []
    for part in _MULTI_SEPARATORS.split(text):
        if not choice_key(part):
            continue
        value = table.keys.get(choice_key(part))
        if value is None:
            raise _fail(f"「{_start(part)[0]}」不在可選清單中", raw)
        found.append(value)
    value = "、".join(dict.fromkeys(found))
    notes = () if raw == value else ("複選寫法統一為以「、」分隔",)
    return Cleaned(value, raw, notes)
