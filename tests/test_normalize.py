"""clusterbook.importers.normalize: what applicants really type, cleaned and recorded."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterbook.choices import ChoiceTable, cell_text, choice_key, variants
from clusterbook.importers.clean import Cleaner, shown
from clusterbook.importers.normalize import (
    Cleaned,
    NormalizeError,
    clean_choice,
    clean_choices,
    clean_date,
    clean_email,
    clean_int,
    clean_number,
    clean_percent,
    clean_phone,
    clean_place,
    clean_text,
    clean_ubn,
    clean_year,
    excel_date,
)
from clusterbook.workbook.spec import load_program

TODAY = date(2024, 6, 1)  # ROC 113, so clean_year accepts 1..114
FACETS = ["組織凝聚力(O)", "環境擴散力(E)", "服務優化力(S)", "資訊加值力(I)"]
CATEGORIES = ["A類", "B類"]


def fails(func: Callable[..., Cleaned], raw: object, reason: str, **kwargs: object) -> None:
    with pytest.raises(NormalizeError) as info:
        func(raw, **kwargs)
    assert info.value.reason == reason
    assert str(info.value) == reason
    assert info.value.original is raw or info.value.original == raw


# --- Cleaned / NormalizeError ------------------------------------------------------------------


def test_cleaned_is_frozen_and_reports_changes() -> None:
    unchanged = Cleaned("a", "a", ())
    changed = Cleaned("a", " a", ("去除前後空白",))
    assert not unchanged.changed
    assert changed.changed
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.value = "b"  # type: ignore[misc]


def test_normalize_error_is_a_value_error() -> None:
    error = NormalizeError("不是整數", "abc")
    assert isinstance(error, ValueError)
    assert (error.reason, error.original, str(error)) == ("不是整數", "abc", "不是整數")


def clean_date_fixed(raw: object) -> Cleaned:
    return clean_date(raw)


def clean_year_fixed(raw: object) -> Cleaned:
    return clean_year(raw, today=TODAY)


def table(choices, aliases=None) -> ChoiceTable:
    return ChoiceTable.build(choices, aliases)


def clean_category(raw: object) -> Cleaned:
    return clean_choice(raw, table(CATEGORIES))


YESNO = load_program("dc112").choice_tables["yesno"]


def clean_yesno(raw: object) -> Cleaned:
    """Yes/no as the program spec reads it (lists.yaml: yesno and its aliases)."""
    return clean_choice(raw, YESNO)


ALL_CLEANERS: list[Callable[[object], Cleaned]] = [
    clean_text,
    clean_place,
    clean_int,
    clean_number,
    clean_percent,
    clean_date_fixed,
    clean_year_fixed,
    clean_yesno,
    clean_ubn,
    clean_phone,
    clean_email,
    clean_category,
]


@pytest.mark.parametrize("cleaner", ALL_CLEANERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("raw", "notes"),
    [
        (None, ()),
        ("", ()),
        ("   ", ("去除前後空白",)),
        ("\u00a0\u3000\u200b\ufeff\t\n", ("去除前後空白",)),
        ("\x00\x01", ("移除控制字元",)),
    ],
)
def test_blank_input_gives_none(cleaner: Callable[[object], Cleaned], raw: object, notes) -> None:
    assert cleaner(raw) == Cleaned(None, raw, notes)


# --- clean_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("abc", "abc", ()),
        ("  abc  ", "abc", ("去除前後空白",)),
        ("\u00a0abc\u3000", "abc", ("去除前後空白",)),
        ("\ufeff\u200babc\u200b", "abc", ("去除前後空白",)),
        ("a\u00a0b", "a b", ("特殊空白轉一般空白",)),
        ("a\u3000b", "a b", ("特殊空白轉一般空白",)),
        ("a\u200bb", "ab", ("移除零寬字元",)),
        ("ＡＢＣ１２３ａｂｃ", "ABC123abc", ("全形英數轉半形",)),
        ("臺中（南屯）：１號，２樓", "臺中（南屯）：1號，2樓", ("全形英數轉半形",)),
        ("（）：，、。！？", "（）：，、。！？", ()),  # full-width punctuation is kept
        ("a\x00b\x07c\x7f", "abc", ("移除控制字元",)),
        ("line1\r\nline2", "line1\nline2", ("移除控制字元",)),
        ("a\tb\nc", "a\tb\nc", ()),
        (" \x01 a", "a", ("移除控制字元", "去除前後空白")),
        (
            "\u3000ＡＢ\u00a0ｃ ",
            "AB c",
            ("去除前後空白", "特殊空白轉一般空白", "全形英數轉半形"),
        ),
        (123, "123", ()),
        (3.5, "3.5", ()),
        (True, "True", ()),
        (date(2023, 3, 7), "2023-03-07", ()),
        ("臺北市", "臺北市", ()),
    ],
)
def test_clean_text(raw: object, value: str, notes: tuple[str, ...]) -> None:
    assert clean_text(raw) == Cleaned(value, raw, notes)


def test_clean_text_handles_huge_ints() -> None:
    assert clean_text(10**5000).value == "1" + "0" * 5000


# --- clean_place --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("南屯區", "南屯區", ()),
        ("南屯 區", "南屯區", ("移除空白",)),
        (" 臺中市 南屯區 ", "臺中市南屯區", ("去除前後空白", "移除空白")),
        ("台中市", "臺中市", ("台→臺",)),
        ("台北市大安區", "臺北市大安區", ("台→臺",)),
        ("台東縣", "臺東縣", ("台→臺",)),
        ("霧台鄉", "霧臺鄉", ("台→臺",)),  # seed spelling in townships.csv
        ("溪口郷", "溪口鄉", ("郷→鄉",)),
        ("台西郷", "臺西鄉", ("台→臺", "郷→鄉")),
        ("臺北巿", "臺北市", ("巿→市",)),  # U+5DFF looks identical to 市
        ("台 南\u3000市", "臺南市", ("特殊空白轉一般空白", "移除空白", "台→臺")),
        ("ＡＢＣ里", "ABC里", ("全形英數轉半形",)),
    ],
)
def test_clean_place(raw: object, value: str, notes: tuple[str, ...]) -> None:
    assert clean_place(raw) == Cleaned(value, raw, notes)


# --- clean_int / clean_number -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (0, 0, ()),
        (42, 42, ()),
        (-7, -7, ()),
        (10**40, 10**40, ()),
        (3.0, 3, ()),
        (1e20, 10**20, ()),
        ("42", 42, ()),
        (" 42 ", 42, ("去除前後空白",)),
        ("+42", 42, ()),
        ("０４２", 42, ("全形英數轉半形",)),
        ("1,000", 1000, ("移除千分位逗號",)),
        ("1,234,567", 1234567, ("移除千分位逗號",)),
        ("1，234，567", 1234567, ("移除千分位逗號",)),
        ("1﹐234", 1234, ("移除千分位逗號",)),
        ("1 000 000", 1000000, ("移除數字間空白",)),
        ("1000元", 1000, ("移除「元」",)),
        ("1,000元", 1000, ("移除「元」", "移除千分位逗號")),
        ("1000 元整", 1000, ("移除「元」",)),
        ("$1000", 1000, ("移除貨幣符號",)),
        ("NT$1,000", 1000, ("移除貨幣符號", "移除千分位逗號")),
        ("nt$ 1000", 1000, ("移除貨幣符號",)),
        ("NTD 500", 500, ("移除貨幣符號",)),
        ("新台幣5000元", 5000, ("移除貨幣符號", "移除「元」")),
        ("新臺幣 5,000 元", 5000, ("移除貨幣符號", "移除「元」", "移除千分位逗號")),
        (
            "＄１，０００",
            1000,
            ("全形英數轉半形", "全形符號轉半形", "移除貨幣符號", "移除千分位逗號"),
        ),
        ("12萬", 120000, ("「萬」換算為元",)),
        ("12萬元", 120000, ("移除「元」", "「萬」換算為元")),
        ("12 萬", 120000, ("「萬」換算為元",)),
        ("12.5萬", 125000, ("「萬」換算為元",)),
        ("1.2345萬", 12345, ("「萬」換算為元",)),
        ("100萬元", 1000000, ("移除「元」", "「萬」換算為元")),
        ("1億", 100000000, ("「億」換算為元",)),
        ("2.5億", 250000000, ("「億」換算為元",)),
        ("-5", -5, ("數值為負數",)),
        ("－5", -5, ("全形符號轉半形", "數值為負數")),
        ("- 1,000", -1000, ("移除千分位逗號", "數值為負數")),
        ("-$1,000", -1000, ("移除貨幣符號", "移除千分位逗號", "數值為負數")),
        ("1e6", 1000000, ("科學記號轉換",)),
        ("1.5E+3", 1500, ("科學記號轉換",)),
        ("3.0", 3, ()),
        ("3.000", 3, ()),
        ("0", 0, ()),
        ("-0", 0, ()),
    ],
)
def test_clean_int(raw: object, value: int, notes: tuple[str, ...]) -> None:
    result = clean_int(raw)
    assert result == Cleaned(value, raw, notes)
    assert type(result.value) is int


@pytest.mark.parametrize(
    "raw",
    [
        3.5,
        "3.5",
        "1.23456萬",  # 12345.6
        "abc",
        "12abc",
        "1,00",  # not a thousands grouping
        "12,3456",
        "1 2",
        "1.2.3",
        "1e-3",
        "0x1F",
        "五",
        "٣",  # Arabic-Indic digit
        "$",
        "+",
        "萬",
        "1/2",
        True,
        False,
        float("nan"),
        float("inf"),
        float("-inf"),
        date(2023, 3, 7),
        "2023-03-07",
    ],
)
def test_clean_int_rejects(raw: object) -> None:
    fails(clean_int, raw, "不是整數")


@pytest.mark.parametrize("raw", ["12萬", "1億", "12萬元"])
def test_clean_int_without_wan(raw: str) -> None:
    fails(clean_int, raw, "不可使用「萬」「億」等單位", allow_wan=False)
    assert clean_int("1,200元", allow_wan=False).value == 1200


def test_clean_int_rejects_absurdly_long_digit_strings() -> None:
    fails(clean_int, "9" * 5000, "數字位數過多")


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (3, 3, ()),
        (3.0, 3, ()),
        (3.25, 3.25, ()),
        (-0.5, -0.5, ()),
        ("3.25", 3.25, ()),
        (".5", 0.5, ()),
        ("1,234.5", 1234.5, ("移除千分位逗號",)),
        ("3.0", 3, ()),
        ("12.5萬", 125000, ("「萬」換算為元",)),
        ("1.23456萬", 12345.6, ("「萬」換算為元",)),
        ("1e-3", 0.001, ("科學記號轉換",)),
        ("NT$ 99.5 元", 99.5, ("移除貨幣符號", "移除「元」")),
        ("-2.5", -2.5, ("數值為負數",)),
        ("３．５", 3.5, ("全形英數轉半形", "全形符號轉半形")),
    ],
)
def test_clean_number(raw: object, value: float, notes: tuple[str, ...]) -> None:
    result = clean_number(raw)
    assert result == Cleaned(value, raw, notes)
    assert type(result.value) is type(value)


@pytest.mark.parametrize(
    "raw", ["abc", "1.2.3", True, float("nan"), float("inf"), "1" * 350 + ".5", date(2023, 1, 1)]
)
def test_clean_number_rejects(raw: object) -> None:
    fails(clean_number, raw, "不是數字")


# --- clean_percent ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("35%", 0.35, ()),
        ("35 %", 0.35, ()),
        ("３５％", 0.35, ("全形英數轉半形",)),
        ("35％", 0.35, ()),
        ("12.5%", 0.125, ()),
        ("100%", 1.0, ()),
        ("0%", 0.0, ()),
        ("150%", 1.5, ()),
        ("-5%", -0.05, ("數值為負數",)),
        (0.35, 0.35, ()),
        (1, 1.0, ()),
        (0, 0.0, ()),
        (35, 0.35, ("視為百分比",)),
        (35.0, 0.35, ("視為百分比",)),
        (50.5, 0.505, ("視為百分比",)),
        ("35", 0.35, ("視為百分比",)),
        ("0.35", 0.35, ()),
        ("1", 1.0, ()),
        (0.1 + 0.2, 0.3, ()),  # rounded to 10 decimals
        (1 / 3, 0.3333333333, ()),
    ],
)
def test_clean_percent(raw: object, value: float, notes: tuple[str, ...]) -> None:
    result = clean_percent(raw)
    assert result == Cleaned(value, raw, notes)
    assert type(result.value) is float


@pytest.mark.parametrize(
    "raw", ["abc", "%", "35%%", "35萬", "$35", True, float("nan"), float("inf"), 10**400]
)
def test_clean_percent_rejects(raw: object) -> None:
    fails(clean_percent, raw, "不是百分比")


# --- clean_date ---------------------------------------------------------------------------------

MARCH_7 = date(2023, 3, 7)
ROC = ("民國年轉西元",)


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (MARCH_7, MARCH_7, ()),
        (datetime(2023, 3, 7), MARCH_7, ()),
        (datetime(2023, 3, 7, 14, 30), MARCH_7, ("忽略時間部分",)),
        (44992, MARCH_7, ("Excel日期序號",)),
        (44992.0, MARCH_7, ("Excel日期序號",)),
        (44992.75, MARCH_7, ("Excel日期序號", "忽略時間部分")),
        (20000, date(1954, 10, 3), ("Excel日期序號",)),
        (1120307, MARCH_7, ROC),  # typed into a number cell
        (20230307, MARCH_7, ()),
        ("112/3/7", MARCH_7, ROC),
        ("112/03/07", MARCH_7, ROC),
        ("112.03.07", MARCH_7, ROC),
        ("112-3-7", MARCH_7, ROC),
        ("1120307", MARCH_7, ROC),
        ("民國112年3月7日", MARCH_7, ROC),
        ("112年3月7日", MARCH_7, ROC),
        ("中華民國112年03月07日", MARCH_7, ROC),
        ("民國 112 年 3 月 7 日", MARCH_7, ROC),
        ("112年3月7號", MARCH_7, ROC),
        ("民國1120307", MARCH_7, ROC),
        ("99/12/31", date(2010, 12, 31), ROC),
        ("0991231", date(2010, 12, 31), ROC),
        ("1/1/1", date(1912, 1, 1), ROC),
        ("2023/3/7", MARCH_7, ()),
        ("2023-03-07", MARCH_7, ()),
        ("2023.3.7", MARCH_7, ()),
        ("20230307", MARCH_7, ()),
        ("2023年3月7日", MARCH_7, ()),
        ("西元2023年3月7日", MARCH_7, ()),
        ("2023-03-07 00:00:00", MARCH_7, ()),
        ("2023-03-07 14:30", MARCH_7, ("忽略時間部分",)),
        ("１１２／３／７", MARCH_7, ("全形英數轉半形", "全形符號轉半形", *ROC)),
        ("１１２年３月７日", MARCH_7, ("全形英數轉半形", *ROC)),
        (" 112/3/7 ", MARCH_7, ("去除前後空白", *ROC)),
        ("113/2/29", date(2024, 2, 29), ROC),
    ],
)
def test_clean_date(raw: object, value: date, notes: tuple[str, ...]) -> None:
    result = clean_date(raw)
    assert result == Cleaned(value, raw, notes)
    assert type(result.value) is date


@pytest.mark.parametrize(
    "raw",
    [
        "112/2/30",
        "112/2/29",  # 2023 is not a leap year
        "112/13/1",
        "112/0/1",
        "2023/2/29",
        "0/1/1",  # there is no ROC year 0
        "民國2023年3月7日",
        "西元112年3月7日",
        "民國3/7",
        "2/29",  # no year given: refused, not guessed
        "3/7",
        "3月7日",
        "112/3",
        "12.5",
        "112年",
        "abc",
        "2023-03-07T00:00:00",
        "11203070",
        "230307",
        19999,
        80001,
        123,
        1120230,
        -45000,
        45000.5e10,
        True,
        float("nan"),
        float("inf"),
    ],
)
def test_clean_date_rejects(raw: object) -> None:
    fails(clean_date, raw, "無法辨識的日期")


# --- clean_year ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (109, 109, ()),
        (1, 1, ()),
        (114, 114, ()),  # current ROC year + 1
        (109.0, 109, ()),
        ("109", 109, ()),
        ("１０９", 109, ("全形英數轉半形",)),
        ("109年", 109, ()),
        ("109年度", 109, ()),
        ("民國109年", 109, ()),
        ("中華民國109年", 109, ()),
        ("民國 109 年", 109, ()),
        (2020, 109, ("西元年轉民國年",)),
        (2020.0, 109, ("西元年轉民國年",)),
        ("2020", 109, ("西元年轉民國年",)),
        ("2020年", 109, ("西元年轉民國年",)),
        ("西元2020年", 109, ("西元年轉民國年",)),
        (1912, 1, ("西元年轉民國年",)),
        (2025, 114, ("西元年轉民國年",)),
        (date(2020, 5, 1), 109, ("日期取民國年",)),
        (datetime(2020, 5, 1, 8), 109, ("日期取民國年",)),
        ("2020/5/1", 109, ("日期取民國年",)),
        ("109/5/1", 109, ("日期取民國年",)),
    ],
)
def test_clean_year(raw: object, value: int, notes: tuple[str, ...]) -> None:
    assert clean_year(raw, today=TODAY) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(
    "raw",
    [
        0,
        -5,
        115,  # beyond current ROC year + 1
        1911,
        2026,
        10**30,
        109.5,
        "115",
        "民國2020年",
        "西元109年",
        "109年度上半",
        "abc",
        "12345",
        date(1911, 12, 31),
        True,
        float("nan"),
        float("inf"),
    ],
)
def test_clean_year_rejects(raw: object) -> None:
    fails(clean_year, raw, "無法辨識的年度", today=TODAY)


def test_clean_year_defaults_to_the_real_current_year() -> None:
    current = date.today().year - 1911
    assert clean_year(current + 1).value == current + 1
    fails(clean_year, current + 2, "無法辨識的年度")


# --- clean_yesno --------------------------------------------------------------------------------

YES_FORMS = ["是", "Y", "y", "Yes", "YES", "yes", "V", "v", "✔", "✔\ufe0f", "✓", "☑", "■", "O", "o"]
YES_FORMS += [
    "○",
    "◯",
    "1",
    "True",
    "TRUE",
    "true",
    "對",
    "Ｙ",
    "ｙｅｓ",
    "Ｖ",
    "Ｏ",
    "１",
    "ＴＲＵＥ",
]
NO_FORMS = ["否", "N", "n", "No", "NO", "no", "X", "x", "✘", "✗", "✕", "×", "☐", "□", "0"]
NO_FORMS += ["False", "FALSE", "false", "-", "－", "沒有", "Ｎ", "ＮＯ", "Ｘ", "０"]


@pytest.mark.parametrize(("raw", "value"), [("有", "有"), ("無", "無")])
def test_clean_yesno_canonical(raw: str, value: str) -> None:
    assert clean_yesno(raw) == Cleaned(value, raw, ())
    spaced = f" {raw}\u3000"
    assert clean_yesno(spaced) == Cleaned(value, spaced, ("是/否等寫法統一為有/無",))


@pytest.mark.parametrize(
    ("raw", "value"),
    [(f, "有") for f in YES_FORMS]
    + [(f, "無") for f in NO_FORMS]
    + [(True, "有"), (False, "無"), (1, "有"), (0, "無"), (1.0, "有"), (0.0, "無")],
)
def test_clean_yesno(raw: object, value: str) -> None:
    result = clean_yesno(raw)
    assert result.value == value
    assert result.notes[-1] == "是/否等寫法統一為有/無"


@pytest.mark.parametrize(
    "raw", ["maybe", "有無", "是否", "2", "yes!", "●", "不知道", 2, -1, 0.5, float("nan"), MARCH_7]
)
def test_clean_yesno_rejects(raw: object) -> None:
    fails(clean_yesno, raw, "不在可選清單中")


# --- clean_ubn ----------------------------------------------------------------------------------

LEADING_ZERO = ("補回遺失的前導0",)


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("04541302", "04541302", ()),
        (22099131, "22099131", ()),
        (4541302, "04541302", LEADING_ZERO),
        (4541302.0, "04541302", LEADING_ZERO),
        (0, "00000000", LEADING_ZERO),
        (" 04541302 ", "04541302", ("去除前後空白",)),
        ("0454-1302", "04541302", ("移除分隔符號",)),
        ("0454－1302", "04541302", ("移除分隔符號",)),
        ("04 541 302", "04541302", ("移除分隔符號",)),
        ("04.541.302", "04541302", ("移除分隔符號",)),
        ("０４５４１３０２", "04541302", ("全形英數轉半形",)),
        ("22099132", "22099132", ()),  # checksum is not this function's business
    ],
)
def test_clean_ubn(raw: object, value: str, notes: tuple[str, ...]) -> None:
    assert clean_ubn(raw) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(
    "raw",
    [
        "4541302",  # text keeps its zeros: a 7-digit text really is missing a digit
        "045413021",
        "0454130a",
        "統編04541302",
        "٠٤٥٤١٣٠٢",
        "04/541/302",
        100_000_000,
        -4541302,
        4541302.5,
        float("nan"),
        True,
        MARCH_7,
    ],
)
def test_clean_ubn_rejects(raw: object) -> None:
    fails(clean_ubn, raw, "統一編號應為8位數字")


# --- clean_phone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("02-2345-6789", "02-2345-6789", ()),
        ("(02)2345-6789", "(02)2345-6789", ()),
        ("0912-345-678", "0912-345-678", ()),
        ("+886 912 345 678", "+886 912 345 678", ()),
        ("02-2345-6789#123", "02-2345-6789#123", ()),
        ("02-2345-6789 分機 123", "02-2345-6789 分機 123", ()),
        ("02-2345-6789轉123", "02-2345-6789轉123", ()),
        ("02-2345-6789 ext 12", "02-2345-6789 ext 12", ()),
        ("02-2345-6789 EXT. 12", "02-2345-6789 EXT 12", ("移除非電話字元",)),
        ("02  2345   6789", "02 2345 6789", ("合併多餘空白",)),
        ("Tel: 02-2345-6789", "02-2345-6789", ("移除非電話字元",)),
        ("電話：(04)2345-6789", "(04)2345-6789", ("移除非電話字元",)),
        ("02-23456789/0912345678", "02-23456789 0912345678", ("移除非電話字元",)),
        ("０９１２－３４５－６７８", "0912-345-678", ("全形英數轉半形", "全形符號轉半形")),
        ("（０２）２３４５－６７８９", "(02)2345-6789", ("全形英數轉半形", "全形符號轉半形")),
        ("＋８８６ ９１２３４５６７８", "+886 912345678", ("全形英數轉半形", "全形符號轉半形")),
        ("0912—345—678", "0912-345-678", ("全形符號轉半形",)),
        ("無", "無", ()),  # no digits: left for the validators
        (" 不提供 ", "不提供", ("去除前後空白",)),
        (912345678, "0912345678", LEADING_ZERO),
        (912345678.0, "0912345678", LEADING_ZERO),
        (223456789, "223456789", ()),  # a landline cannot be told from a local number
        (37654321, "37654321", ()),
        (886912345678, "886912345678", ()),
    ],
)
def test_clean_phone(raw: object, value: str, notes: tuple[str, ...]) -> None:
    assert clean_phone(raw) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(
    "raw", [True, -912345678, 1.5, float("nan"), float("inf"), MARCH_7, 10**25]
)
def test_clean_phone_rejects_non_text(raw: object) -> None:
    fails(clean_phone, raw, "不是電話號碼")


@given(st.text().filter(lambda t: t.strip()))
def test_clean_phone_never_raises_for_text(text: str) -> None:
    result = clean_phone(text)
    again = clean_phone(result.value)
    assert again.value == result.value
    assert not again.notes


# --- clean_email --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("abc@gmail.com", "abc@gmail.com", ()),
        ("Abc.Def@Example.COM.TW", "Abc.Def@example.com.tw", ("網域改為小寫",)),
        (" abc@gmail.com ", "abc@gmail.com", ("去除前後空白",)),
        ("abc＠gmail.com", "abc@gmail.com", ("全形符號轉半形",)),
        ("ａｂｃ＠ｇｍａｉｌ．ｃｏｍ", "abc@gmail.com", ("全形英數轉半形", "全形符號轉半形")),
        ("abc@gmail。com", "abc@gmail.com", ("全形符號轉半形",)),
        ("abc @ gmail.com", "abc@gmail.com", ("移除空白",)),
        ("mailto:abc@gmail.com", "abc@gmail.com", ("移除「mailto:」",)),
        ("a+tag@mail.example.org", "a+tag@mail.example.org", ()),
        ("abc@xn--kpry57d.xn--kpry57d", "abc@xn--kpry57d.xn--kpry57d", ()),
        ("abc@範例.台灣", "abc@範例.台灣", ()),
    ],
)
def test_clean_email(raw: object, value: str, notes: tuple[str, ...]) -> None:
    assert clean_email(raw) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "abc@",
        "@gmail.com",
        "abc@gmail",
        "abc@gmail.",
        "abc@.com",
        "abc@gmail..com",
        "abc@gmail.c",
        "abc@gmail.123",
        "a@b@c.com",
        "a@x.com;b@y.com",
        123,
        True,
    ],
)
def test_clean_email_rejects(raw: object) -> None:
    fails(clean_email, raw, "E-Mail格式不正確")


# --- clean_choice -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "choices", "value", "notes"),
    [
        ("A類", CATEGORIES, "A類", ()),
        (" A類 ", CATEGORIES, "A類", ("選項寫法統一為「A類」",)),
        ("a類", CATEGORIES, "A類", ("選項寫法統一為「A類」",)),
        ("Ａ類", CATEGORIES, "A類", ("選項寫法統一為「A類」",)),
        ("A 類", CATEGORIES, "A類", ("選項寫法統一為「A類」",)),
        ("A", CATEGORIES, "A類", ("選項寫法統一為「A類」",)),
        ("b", CATEGORIES, "B類", ("選項寫法統一為「B類」",)),
        ("組織凝聚力(O)", FACETS, "組織凝聚力(O)", ()),
        ("組織凝聚力（O）", FACETS, "組織凝聚力(O)", ("選項寫法統一為「組織凝聚力(O)」",)),
        ("組織凝聚力 (o)", FACETS, "組織凝聚力(O)", ("選項寫法統一為「組織凝聚力(O)」",)),
        ("組織凝聚力", FACETS, "組織凝聚力(O)", ("選項寫法統一為「組織凝聚力(O)」",)),
        ("O", FACETS, "組織凝聚力(O)", ("選項寫法統一為「組織凝聚力(O)」",)),
        ("i", FACETS, "資訊加值力(I)", ("選項寫法統一為「資訊加值力(I)」",)),
        ("台北市", ["臺北市", "新北市"], "臺北市", ("選項寫法統一為「臺北市」",)),
        ("台西郷", ["臺西鄉", "麥寮鄉"], "臺西鄉", ("選項寫法統一為「臺西鄉」",)),
        ("1", ["1", "2"], "1", ()),
        (1, ["1", "2"], "1", ("選項寫法統一為「1」",)),
    ],
)
def test_clean_choice(raw: object, choices: list[str], value: str, notes: tuple[str, ...]) -> None:
    assert clean_choice(raw, table(choices)) == Cleaned(value, raw, notes)


def test_clean_choice_aliases() -> None:
    routes = table(
        ["領導企業提案", "輔導單位提案"],
        {"領導企業提案": ["領導企業"], "輔導單位提案": ["輔導單位"]},
    )
    assert clean_choice("領導企業", routes) == Cleaned(
        "領導企業提案", "領導企業", ("選項寫法統一為「領導企業提案」",)
    )
    assert clean_choice("輔導 單位", routes).value == "輔導單位提案"  # spaces never count
    assert clean_choice("領導企業提案", routes).notes == ()
    fails(clean_choice, "企業", "不在可選清單中", table=routes)
    # a cell of nothing but a character the choice key drops (an emoji variation selector) is
    # not blank to the text cleaner, and no choice either
    fails(clean_choice, "\ufe0f", "不在可選清單中", table=routes)
    assert clean_choice(" \u3000 ", routes) == Cleaned(None, " \u3000 ", ("去除前後空白",))


def test_a_choice_key_reads_a_cell_as_a_spreadsheet_formula_does() -> None:
    assert choice_key(" Y\u00a0\u3000\u200b\ufeff\t\n") == "y"
    assert choice_key("✔\ufe0f") == "✔"
    assert (choice_key(1.0), choice_key(True), choice_key(None)) == ("1", "true", "")


def test_several_choices_in_one_cell() -> None:
    identities = table(["青年返鄉", "原住民", "新住民", "其他"])
    typed = "原住民、青年返鄉"
    assert clean_choices(typed, identities) == Cleaned(typed, typed)
    assert clean_choices("原住民, 青年返鄉，原住民", identities).value == typed
    assert clean_choices("原住民\n新住民", identities).value == "原住民、新住民"
    fails(clean_choices, "原住民、漁民", "「漁民」不在可選清單中", table=identities)
    note = ("複選寫法統一為以「、」分隔",)
    assert clean_choices("原住民,新住民", identities) == Cleaned(
        "原住民、新住民", "原住民,新住民", note
    )
    assert clean_choices("原住民、 、新住民", identities).value == "原住民、新住民"  # a blank part
    assert clean_choices(None, identities) == Cleaned(None, None)
    assert clean_choices(" \u3000", identities) == Cleaned(None, " \u3000", ("去除前後空白",))


@pytest.mark.parametrize(
    ("raw", "choices"),
    [
        ("C", CATEGORIES),
        ("C類", CATEGORIES),
        ("類", CATEGORIES),
        ("AB", CATEGORIES),
        ("X", FACETS),
        ("力", FACETS),
        ("組織", FACETS),
        ("A", ["Apple", "Avocado"]),  # two choices start with the letter
        ("製造", ["製造業", "營建工程業"]),  # only a single ASCII letter may be a prefix
        ("A", []),
        (True, CATEGORIES),
    ],
)
def test_clean_choice_rejects(raw: object, choices: list[str]) -> None:
    fails(clean_choice, raw, "不在可選清單中", table=table(choices))


def test_clean_choice_ambiguous_loose_match_is_rejected() -> None:
    fails(clean_choice, "ab", "不在可選清單中", table=table(["AB", "Ab"]))


# --- properties ---------------------------------------------------------------------------------

raw_values = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)
typed_text = st.text(
    alphabet=st.sampled_from("0123456789０１２３,，. -+$%萬元年月日/台臺郷 \u3000Aa○✔")
)


@pytest.mark.parametrize("cleaner", ALL_CLEANERS, ids=lambda f: f.__name__)
@given(raw=st.one_of(raw_values, typed_text))
def test_every_cleaner_is_total(cleaner: Callable[[object], Cleaned], raw: object) -> None:
    try:
        result = cleaner(raw)
    except NormalizeError as error:
        assert error.reason
        return
    assert isinstance(result, Cleaned)
    assert result.original is raw
    assert all(isinstance(note, str) and note for note in result.notes)


@given(
    raw=raw_values,
    choices=st.lists(st.text(), max_size=5),
    aliases=st.dictionaries(st.text(), st.text(), max_size=3),
)
def test_clean_choice_is_total(raw: object, choices: list[str], aliases: dict[str, str]) -> None:
    try:
        result = clean_choice(raw, table(choices, {v: [k] for k, v in aliases.items()}))
    except NormalizeError:
        return
    assert result.value is None or result.value in choices or result.value in aliases.values()


IDEMPOTENT: list[Callable[[object], Cleaned]] = [
    clean_text,
    clean_place,
    clean_int,
    clean_ubn,
    clean_yesno,
    clean_date_fixed,
    clean_number,
    clean_phone,
    clean_email,
    clean_year_fixed,
    clean_category,
]


@pytest.mark.parametrize("cleaner", IDEMPOTENT, ids=lambda f: f.__name__)
@given(raw=st.one_of(raw_values, typed_text))
def test_cleaning_is_idempotent(cleaner: Callable[[object], Cleaned], raw: object) -> None:
    try:
        first = cleaner(raw)
    except NormalizeError:
        return
    again = cleaner(first.value)
    assert again.value == first.value
    assert again.notes == ()


big_ints = st.integers(min_value=-(10**60), max_value=10**60)


@given(big_ints)
def test_int_round_trips(n: int) -> None:
    for text in (str(n), f"{n:,}", f"{n:,}元", f" {n:,} 元 ", f"NT${n:,}"):
        assert clean_int(text).value == n
        assert clean_number(text).value == n


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_wan_round_trips(n: int) -> None:
    assert clean_int(f"{n}萬").value == n * 10_000
    assert clean_int(f"{n / 10_000:.4f}萬").value == n


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=6))
def test_decimal_round_trips(n: int, places: int) -> None:
    text = f"{n / 10**places:.{places}f}"
    assert clean_number(text).value == pytest.approx(n / 10**places)
    assert clean_percent(text + "%").value == round(n / 10**places / 100, 10)


roc_dates = st.dates(min_value=date(1912, 1, 1), max_value=date(2910, 12, 31))


@given(roc_dates)
def test_roc_formats_round_trip(day: date) -> None:
    y, m, d = day.year - 1911, day.month, day.day
    texts = [
        f"{y}/{m}/{d}",
        f"{y:03d}/{m:02d}/{d:02d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}-{m}-{d}",
        f"{y:03d}{m:02d}{d:02d}",
        f"民國{y}年{m}月{d}日",
        f"{y}年{m}月{d}日",
        f"中華民國{y:03d}年{m:02d}月{d:02d}日",
        f"{y}/{m}/{d}".translate(str.maketrans("0123456789/", "０１２３４５６７８９／")),
    ]
    for text in texts:
        result = clean_date(text)
        assert result.value == day, text
        assert "民國年轉西元" in result.notes


@given(st.dates(min_value=date(1000, 1, 1)))
def test_western_formats_round_trip(day: date) -> None:
    y, m, d = day.year, day.month, day.day
    for text in (day.isoformat(), f"{y}/{m}/{d}", f"{y}.{m}.{d}", f"{y}年{m}月{d}日"):
        assert clean_date(text) == Cleaned(day, text, ())
    assert clean_date(f"{y:04d}{m:02d}{d:02d}").value == day


@given(st.dates(min_value=date(1954, 10, 3), max_value=date(2119, 1, 1)))
def test_excel_serials_round_trip(day: date) -> None:
    serial = (day - date(1899, 12, 30)).days
    assert clean_date(serial).value == day
    assert clean_date(float(serial) + 0.5).value == day


@given(st.integers(min_value=1, max_value=114))
def test_year_round_trips(roc: int) -> None:
    for raw in (roc, str(roc), f"民國{roc}年", f"{roc}年度", roc + 1911, f"{roc + 1911}年"):
        assert clean_year(raw, today=TODAY).value == roc


@given(st.integers(min_value=0, max_value=99_999_999))
def test_ubn_round_trips(n: int) -> None:
    text = f"{n:08d}"
    assert clean_ubn(n).value == text
    assert clean_ubn(float(n)).value == text
    assert clean_ubn(f"{text[:4]}-{text[4:]}").value == text
    assert clean_ubn(f" {text[:2]} {text[2:5]} {text[5:]} ").value == text


@given(st.integers(min_value=-1000, max_value=1000))
def test_percent_round_trips(k: int) -> None:
    assert clean_percent(f"{k}%").value == round(k / 100, 10)
    assert clean_percent(f"{k} ％").value == round(k / 100, 10)


# --- long input ---------------------------------------------------------------------------------

LONG_INPUTS = [
    "1" * 10_000,
    " " * 10_000 + "x",
    "1 " * 5_000,
    "1," * 5_000,
    "1,000" * 2_000,
    "-" * 10_000,
    "/" * 10_000,
    "1/" * 5_000,
    "年" * 10_000,
    "(" * 10_000 + "1",
    "ext" * 3_333,
    "e" * 10_000,
    "@" * 10_000,
    "a@" + "b." * 5_000,
    "112/3/7 " * 1_250,
    " 1" * 5_000 + "x",
    "1" + " " * 10_000 + "2",
    "\u00a0\u200b" * 5_000,
    "台" * 10_000,
    "萬" * 10_000,
    "1e" * 5_000,
    "民國" * 5_000,
]


@pytest.mark.parametrize("text", LONG_INPUTS, ids=range(len(LONG_INPUTS)))
def test_long_strings_are_fast(text: str) -> None:
    cleaners = [*ALL_CLEANERS, lambda raw: clean_choice(raw, table([*FACETS, text[:50]]))]
    start = time.perf_counter()
    for cleaner in cleaners:
        with contextlib.suppress(NormalizeError):
            cleaner(text)
    assert time.perf_counter() - start < 0.5


def test_huge_int_inputs() -> None:
    huge = 10**5000
    assert clean_int(huge).value == huge
    assert clean_number(huge).value == huge
    fails(clean_percent, huge, "不是百分比")
    fails(clean_date, huge, "無法辨識的日期")
    fails(clean_ubn, huge, "統一編號應為8位數字")
    fails(clean_year, huge, "無法辨識的年度")


def test_excel_serial_epoch() -> None:
    assert clean_date(45000).value == date(1899, 12, 30) + timedelta(days=45000)


@pytest.mark.parametrize(
    ("serial", "date1904", "day"),
    [
        (44994, False, date(2023, 3, 9)),
        (43532, True, date(2023, 3, 9)),  # the same day in the 1904 date system
        (43532, False, date(2019, 3, 8)),
        (43532.99, True, date(2023, 3, 9)),
    ],
)
def test_serials_count_from_the_workbook_epoch(serial: float, date1904: bool, day: date) -> None:
    assert excel_date(serial, date1904=date1904) == day
    assert clean_date(serial, date1904=date1904).value == day
    roc = day.year - 1911
    assert clean_year(serial, today=TODAY, date1904=date1904) == Cleaned(
        roc, serial, ("Excel日期序號", "日期取民國年")
    )


@pytest.mark.parametrize("raw", [19_999, 80_001, 109, 2020, float("nan"), 10**30])
def test_other_numbers_are_not_serials(raw: object) -> None:
    assert excel_date(raw) is None and excel_date(raw, date1904=True) is None


def test_the_keys_that_read_as_a_value_own_key_first() -> None:
    counties = table(["臺東縣", "花蓮縣"])
    assert counties.keys_of("臺東縣") == ["臺東縣", "台東縣"]
    assert table(["原住民", "新住民"]).keys_of("原住民") == ["原住民"]


def test_cell_text_is_what_a_spreadsheet_text_function_sees() -> None:
    assert (cell_text(True), cell_text(False)) == ("TRUE", "FALSE")
    # whole numbers below 10^15 lose their ".0"; from there Python's float text stays
    assert cell_text(999_999_999_999_999.0) == "999999999999999"
    assert cell_text(1e15) == "1000000000000000.0"
    assert cell_text(2.5) == "2.5"


def test_a_choice_table_keeps_its_values_its_note_and_unique_initials() -> None:
    plans = ChoiceTable.build(["A1方案", "B類"], note="改為「{value}」")
    assert plans.values == ("A1方案", "B類") and plans.note == "改為「{value}」"
    assert (plans.keys["a"], plans.keys["ｂ"]) == ("A1方案", "B類")  # a leading letter, any width
    assert ChoiceTable.build(["是", "否"]).note == "選項寫法統一為「{value}」"


def test_variants_keep_the_spelling_and_swap_each_character_both_ways() -> None:
    assert variants("台東縣臺東市") == {
        "台東縣臺東市",
        "臺東縣臺東市",
        "台東縣台東市",
        "台東縣臺東巿",
        "臺東縣臺東巿",
        "台東縣台東巿",
    }


# --- the edges mutation testing found unpinned (each value worked out by hand) ---------------


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (1, 1.0, ()),  # 1 is 100%: the largest bare fraction
        (1.5, 0.015, ("視為百分比",)),  # above 1: a percentage
        (2, 0.02, ("視為百分比",)),
        ("50﹪", 0.5, ()),  # the small percent sign
    ],
)
def test_a_bare_number_above_one_is_a_percentage(raw, value, notes) -> None:
    assert clean_percent(raw) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(
    ("raw", "value"), [("+35", 35), ("+ 35", 35), ("+1,000", 1000), ("-35", -35)]
)
def test_a_leading_plus_or_minus_is_a_sign(raw, value) -> None:
    assert clean_number(raw).value == value


def test_a_sign_after_the_currency_or_before_a_percentage_is_read() -> None:
    assert clean_number("NT$+35") == Cleaned(35, "NT$+35", ("移除貨幣符號",))
    assert clean_number("NT$-35") == Cleaned(-35, "NT$-35", ("移除貨幣符號", "數值為負數"))
    assert clean_percent("+35%") == Cleaned(0.35, "+35%", ())


def test_numbers_of_up_to_400_digits_are_read() -> None:
    assert clean_number("1" * 400).value == int("1" * 400)
    fails(clean_number, "1" * 401, "數字位數過多")


def test_wan_is_refused_where_it_is_not_allowed() -> None:
    assert clean_number("3萬") == Cleaned(30_000, "3萬", ("「萬」換算為元",))
    fails(clean_number, "3萬", "不可使用「萬」「億」等單位", allow_wan=False)


@pytest.mark.parametrize(
    ("serial", "date1904", "day"),
    [
        # 45658 is 2025-01-01; 80000 is 34,342 days later: 94 years (22 leap days) and 10 days
        (80_000, False, date(2119, 1, 11)),
        (80_001, False, None),
        (20_000, False, date(1954, 10, 3)),
        (19_999, False, None),
        (80_000, True, date(2123, 1, 12)),  # 1,462 days later in the 1904 system
    ],
)
def test_excel_serials_from_20000_to_80000_are_dates(serial, date1904, day) -> None:
    assert excel_date(serial, date1904=date1904) == day
    if not date1904:
        assert excel_date(serial) == day  # the 1900 system unless the workbook says 1904


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("2023-03-07 00:00", date(2023, 3, 7), ()),  # midnight: no time to ignore
        ("2023-03-07 10:30", date(2023, 3, 7), ("忽略時間部分",)),
        ("2023-03-07 0:05", date(2023, 3, 7), ("忽略時間部分",)),
        ("民國112年3月7日", date(2023, 3, 7), ("民國年轉西元",)),
        # spaces inside the date too: the time is what follows the last one
        ("112年 3月 7日 10:30", date(2023, 3, 7), ("忽略時間部分", "民國年轉西元")),
    ],
)
def test_a_time_after_a_date_is_ignored_and_said_so(raw, value, notes) -> None:
    assert clean_date(raw) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(
    ("raw", "value"),
    [(114, 114), (113, 113), ("114", 114), (2025, 114), ("2025", 114), (114.0, 114), (2025.0, 114)],
)
def test_a_year_up_to_next_year_is_accepted(raw, value) -> None:
    """TODAY is 民國113年: 114 (next year) is the last ROC year, 2025 the last Western one."""
    assert clean_year(raw, today=TODAY).value == value


@pytest.mark.parametrize("raw", [115, "115", 2026, "2026", 115.0, 2026.0])
def test_a_year_after_next_year_is_refused(raw) -> None:
    fails(clean_year, raw, "無法辨識的年度", today=TODAY)


def test_a_date_that_is_no_year_is_refused_with_what_was_typed() -> None:
    fails(clean_year, "2023/13/45", "無法辨識的年度", today=TODAY)


def test_a_year_from_an_excel_serial_uses_the_workbooks_date_system() -> None:
    # 43000 is 2017-09-22 (民國106年); counted from 1904 it is 1,462 days later, 2021-09-23
    assert clean_year(43_000, today=TODAY).value == 106
    assert clean_year(43_000, today=TODAY, date1904=True).value == 110


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [(9_999_999, "09999999", ("補回遺失的前導0",)), (10_000_000, "10000000", ())],
)
def test_a_ubn_number_below_eight_digits_gets_its_leading_zero_back(raw, value, notes) -> None:
    assert clean_ubn(raw) == Cleaned(value, raw, notes)


@pytest.mark.parametrize(("raw", "value"), [(0, "0"), (10**20 - 1, "9" * 20)])
def test_phone_numbers_typed_as_numbers_up_to_twenty_digits(raw, value) -> None:
    assert clean_phone(raw).value == value


def test_a_phone_number_of_twenty_one_digits_is_refused() -> None:
    fails(clean_phone, 10**20, "不是電話號碼")


@pytest.mark.parametrize("order", [(1, True, 1.0), (True, 1.0, 1), (1.0, 1, True)])
def test_the_cleaner_remembers_each_value_with_its_type(program, order):
    """TRUE (a ticked box), 1 and 1.0 are equal to Python, not to the applicant: in any order
    down one column, 1 and 1.0 are 1 employee (each kept as typed) and TRUE is no number."""
    cleaner = Cleaner(program)
    employees = program.fields["members.employees"]
    for raw in order:
        if raw is True:
            with pytest.raises(NormalizeError, match="不是數字"):
                cleaner.clean(employees, raw)
        else:
            got = cleaner.clean(employees, raw)
            assert (got.value, repr(got.original)) == (1, repr(raw))


@pytest.mark.parametrize(
    ("raw", "year", "notes"),
    [
        # a 成立年度 typed as a whole number → the 民國 year (None: refused) and what changed
        (-1, None, ()),
        (0, None, ()),  # no 民國 year 0
        (1, 1, ()),
        (112, 112, ()),
        (1911, None, ()),  # 西元 1911 is 民國 0
        (1912, 1, ("西元年轉民國年",)),
        (2023, 112, ("西元年轉民國年",)),
        (112.0, 112, ()),
    ],
)
def test_the_cleaner_reads_a_year_typed_as_a_number(program, raw, year, notes):
    founded = program.fields["members.founded_year"]
    if year is None:
        with pytest.raises(NormalizeError):
            Cleaner(program).clean(founded, raw)
    else:
        got = Cleaner(program).clean(founded, raw)
        assert (got.value, repr(got.original), got.notes) == (year, repr(raw), notes)


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        # a 鄉鎮市區 as typed → the official name and what was changed (the original is kept)
        ("彰化市", "彰化市", ()),
        ("台東市", "臺東市", ("台→臺",)),
        (" 彰化 市", "彰化市", ("去除前後空白", "移除空白")),
        ("烏松區", "鳥松區", ("附件三寫法「烏松區」改為正式名稱",)),  # 附件三's misprint of 鳥松區
        ("大坦鄉", "大埤鄉", ("附件三寫法「大坦鄉」改為正式名稱",)),
        ("不存在鄉", "不存在鄉", ()),  # no such town: kept for the check to report
    ],
)
def test_the_cleaner_reads_a_township(program, raw, value, notes):
    got = Cleaner(program).clean(program.fields["members.township"], raw)
    assert (got.value, got.original, got.notes) == (value, raw, notes)


@pytest.mark.parametrize(
    ("fid", "raw", "value", "notes"),
    [
        # each field type, as the applicant typed it → the value and what was changed
        ("proposal.cluster_name", "花東縱谷", "花東縱谷", ()),
        ("proposal.cluster_name", " 花東縱谷 ", "花東縱谷", ("去除前後空白",)),
        ("proposal.cluster_name", "花東\x07縱谷", "花東縱谷", ("移除控制字元",)),
        ("proposal.cluster_name", 123, "123", ()),  # a number typed into a text cell
        ("proposal.cluster_name", "", None, ()),  # an empty text is a blank
        ("members.employees", " ", None, ("去除前後空白",)),
        ("unit.intro", "第一行\n第二行", "第一行\n第二行", ()),
        ("proposal.category", "B", "B類", ("選項寫法統一為「B類」",)),
        ("unit.invoice", "Y", "有", ("是/否等寫法統一為有/無",)),
        (
            "members.owner_identity",
            "原住民,新住民",
            "原住民、新住民",
            ("複選寫法統一為以「、」分隔",),
        ),
        ("proposal.prior_members", None, None, ()),  # a blank cell
        ("proposal.prior_members", 15, 15, ()),
        ("proposal.prior_members", "1,234", 1234, ("移除千分位逗號",)),
        ("members.capital", "3萬", 30_000, ("「萬」換算為元",)),  # money only
        ("members.employees", 12.5, 12.5, ()),  # 員工數 allows one decimal
        ("members.employees", "12.5", 12.5, ()),
        ("members.revenue_online", "35%", 0.35, ()),
        ("members.revenue_online", 35, 0.35, ("視為百分比",)),
        ("members.ubn", "04541302", "04541302", ()),
        ("members.ubn", "０４５４１３０２", "04541302", ("全形英數轉半形",)),
        ("members.ubn", 4541302, "04541302", ("補回遺失的前導0",)),
        ("proposal.date", "112/03/07", date(2023, 3, 7), ()),  # the form's own format
        ("proposal.date", "2023-03-07", date(2023, 3, 7), ("日期寫法統一為民國年/月/日",)),
        ("proposal.date", "民國112年3月7日", date(2023, 3, 7), ("日期寫法統一為民國年/月/日",)),
        ("contact.email", " a@b.com ", "a@b.com", ("去除前後空白",)),
        ("contact.phone", "(02)2345-6789", "(02)2345-6789", ()),
        ("members.founded_year", "109", 109, ()),
    ],
)
def test_the_cleaner_reads_each_field_type(program, fid, raw, value, notes):
    got = Cleaner(program).clean(program.fields[fid], raw)
    assert (got.value, got.original, got.notes) == (value, raw, notes)


@pytest.mark.parametrize(
    ("fid", "raw", "reason"),
    [
        ("proposal.prior_members", "3萬", "不可使用「萬」「億」等單位"),  # a count is no amount
        ("members.employees", 12.25, "至多 1 位小數"),
        ("members.employees", "3萬", "不可使用「萬」「億」等單位"),  # 員工數 is no amount
        ("members.ubn", "4541302", "統一編號應為8位數字"),  # typed as text: no zero is restored
        ("members.ubn", "045413021", "統一編號應為8位數字"),
        ("members.ubn", "0454130A", "統一編號應為8位數字"),
    ],
)
def test_the_cleaner_refuses_what_the_field_type_does_not_allow(program, fid, raw, reason):
    with pytest.raises(NormalizeError, match=reason):
        Cleaner(program).clean(program.fields[fid], raw)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # how a cleaned value is written in a finding's message
        (date(2023, 3, 7), "112/03/07"),  # 民國
        (date(2011, 1, 1), "100/01/01"),
        (0.35, "35%"),  # a share, to a tenth of a percent
        (0.355, "35.5%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (1.5, "1.5"),  # above 1: no share
        (12.5, "12.5"),  # 員工數 with a decimal
        (1234.5678, "1234.5678"),
        (95238.0, "95238"),
        (30000, "30000"),  # a whole number as the cell now holds it (no separators added)
        ("彰化市", "彰化市"),
    ],
)
def test_how_a_value_is_written_in_a_message(value, text):
    assert shown(value) == text


def test_a_number_field_without_decimals_takes_whole_numbers(program):
    """A later year's spec may allow no decimals (``decimals`` left out): 12.0 is 12, 12.5 is
    refused, and the message says 0 decimals."""
    whole = dataclasses.replace(program.fields["members.employees"], decimals=None)
    cleaner = Cleaner(program)
    assert cleaner.clean(whole, 12.0).value == 12
    with pytest.raises(NormalizeError, match="至多 0 位小數"):
        cleaner.clean(whole, 12.5)


def test_a_choice_is_remembered_with_its_rows_list(program):
    """情境 lists change row by row (one per 面向): 共識凝聚 is an O scenario, not an E one, even
    after the same cleaner accepted it on an O row."""
    scenario = program.fields["cluster_assessment.scenario"]
    cleaner = Cleaner(program)
    assert cleaner.clean(scenario, "共識凝聚", list_id="scenarios_O").value == "共識凝聚"
    with pytest.raises(NormalizeError, match="不在可選清單中"):
        cleaner.clean(scenario, "共識凝聚", list_id="scenarios_E")


def test_a_choice_is_remembered_with_its_fields_list(program):
    """「A類」 is a 提案類別, not a 群聚型態: the same cleaner refuses it there afterwards."""
    cleaner = Cleaner(program)
    assert cleaner.clean(program.fields["proposal.category"], "A類").value == "A類"
    with pytest.raises(NormalizeError, match="不在可選清單中"):
        cleaner.clean(program.fields["proposal.cluster_type"], "A類")


@pytest.mark.parametrize(
    ("func", "raw", "reason"),
    [
        # a ticked box is no number
        (clean_int, True, "不是整數"),
        (clean_int, False, "不是整數"),
        (clean_number, True, "不是數字"),
        (clean_percent, True, "不是百分比"),
        # one sign only, before or after the currency
        (clean_int, "--5", "不是整數"),
        (clean_int, "+-5", "不是整數"),
        (clean_int, "-NT$-5", "不是整數"),
        # a compact date typed into a number cell is a whole number
        (clean_date, 1120307.5, "無法辨識的日期"),
    ],
)
def test_what_is_no_number_or_date(func, raw, reason):
    fails(func, raw, reason)
