"""Normalise one cell by its field type, with the program's lists and aliases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from clusterbook.importers import normalize as n
from clusterbook.workbook.spec import Field, Program

YEAR_ROC_OFFSET = 1911
MEMO_SIZE = 50_000
ROC_NOTE = "民國年轉西元"
DATE_NOTE = "日期寫法統一為民國年/月/日"


class Cleaner:
    """Turns raw cell values into typed values: ``clean(field, raw) -> Cleaned``; ``original``
    is the raw value, a date serial shown as the date it stands for.

    Values that are already canonical take a fast path (no work, no notes). Date serials
    count from 1904-01-01 with ``date1904`` (the workbook's date system), else from 1899-12-30.
    """

    def __init__(self, program: Program, *, date1904: bool = False) -> None:
        self.tables = program.choice_tables
        self.date1904 = date1904
        self.towns = {t.township for t in program.townships}
        self.town_alias = {
            "".join(t.seed_spelling.split()): t.township
            for t in program.townships
            if t.seed_spelling != t.township
        }
        self.year_roc = int(program.params["year_roc"])
        self._memo: dict[tuple, n.Cleaned | n.NormalizeError] = {}

    def clean(self, f: Field, raw: Any, *, list_id: str | None = None) -> n.Cleaned:
        """Normalise ``raw`` as field ``f``; results (and refusals) are remembered per value
        (one Cleaner per workbook: values repeat down a column)."""
        if raw is None:
            return n.Cleaned(None, raw)
        key = (f.type, list_id or f.list, type(raw), raw)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self._clean(f, raw, list_id)
            except n.NormalizeError as exc:
                hit = exc
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = hit
        if isinstance(hit, n.NormalizeError):
            raise hit
        return hit

    def _clean(self, f: Field, raw: Any, list_id: str | None) -> n.Cleaned:
        t = f.type
        if t in ("text", "longtext", "url"):
            if type(raw) is str and raw and raw.strip() == raw and raw.isprintable():
                return n.Cleaned(raw, raw)
            return n.clean_text(raw)
        if t in ("enum", "yesno"):
            return n.clean_choice(raw, self.tables[list_id or f.list_id])
        if t == "multi":
            return n.clean_choices(raw, self.tables[f.list_id])
        if t == "township":
            return self.township(raw)
        if t in ("integer", "money"):
            if type(raw) is int:
                return n.Cleaned(raw, raw)
            return n.clean_int(raw, allow_wan=t == "money")
        if t == "number":
            c = n.clean_number(raw, allow_wan=False)
            if isinstance(c.value, float) and round(c.value, f.decimals or 0) != c.value:
                raise n.NormalizeError(f"至多 {f.decimals or 0} 位小數", raw)
            return c
        if t == "percent":
            return n.clean_percent(raw)
        if t == "ubn":
            if type(raw) is str and len(raw) == 8 and raw.isdigit() and raw.isascii():
                return n.Cleaned(raw, raw)
            return n.clean_ubn(raw)
        if t == "date":
            # the form's own format is 民國 112/03/07: only other spellings are recorded
            c = n.clean_date(raw, date1904=self.date1904)
            notes = tuple(x for x in c.notes if x != ROC_NOTE)
            if c.value is not None and str(raw).strip() != shown(c.value):
                notes = (*notes, DATE_NOTE)
            return n.Cleaned(c.value, self._as_seen(raw), notes)
        if t == "year":
            if type(raw) is int and 0 < raw <= self.year_roc:
                return n.Cleaned(raw, raw)
            c = n.clean_year(raw, date1904=self.date1904)
            return n.Cleaned(c.value, self._as_seen(raw), c.notes)
        if t == "phone":
            return n.clean_phone(raw)
        if t == "email":
            return n.clean_email(raw)
        raise ValueError(f"not an input type: {t}")

    def _as_seen(self, raw: Any) -> Any:
        """A date serial as the applicant sees it (2023/3/1), not as a number that also depends
        on the workbook's date system; any other value as it is."""
        day = n.excel_date(raw, date1904=self.date1904) if type(raw) in (int, float) else None
        return raw if day is None else f"{day.year}/{day.month}/{day.day}"

    def township(self, raw: Any) -> n.Cleaned:
        """A township name: 台→臺, 郷→鄉, spaces removed, the guide's misspellings corrected."""
        if raw in self.towns:
            return n.Cleaned(raw, raw)
        place = n.clean_place(raw)
        official = self.town_alias.get(place.value, place.value)
        if official != place.value:
            return n.Cleaned(
                official, raw, (*place.notes, f"附件三寫法「{place.value}」改為正式名稱")
            )
        return place


def shown(value: Any) -> str:
    """How a normalised value is shown in a message: ROC dates, percentages, as typed otherwise."""
    if isinstance(value, dt.date):
        return f"{value.year - YEAR_ROC_OFFSET}/{value.month:02d}/{value.day:02d}"
    if isinstance(value, float):  # a share as a percentage, any other number in full
        if abs(value) > 1:
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return f"{value:.1%}".replace(".0%", "%")
    return str(value)
