"""Where workbooks come from: files, or Google Sheets given by URL or key."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from clusterbook.report import Report

if TYPE_CHECKING:
    import gspread

_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]{20,})")
_KEY = re.compile(r"^[A-Za-z0-9_-]{40,}$")


def is_google(source: str) -> bool:
    """A web address or a bare Google Sheets key (not a file name): read through the Sheets API."""
    if source.startswith(("http://", "https://")):
        return True
    return bool(_KEY.match(source)) and not source.endswith((".xlsx", ".xlsm"))


def sheet_key(source: str) -> str:
    """The key of a Google Sheet given by URL or key (an address that holds none, cleaned)."""
    found = _URL.match(source)
    if found:
        return found.group(1)
    return source if _KEY.match(source) else re.sub(r"[^A-Za-z0-9_-]+", "-", source).strip("-")


def address_problem(source: str) -> str | None:
    """Why an address cannot be a Google Sheet, with what to do; None when it can."""
    if not source.startswith(("http://", "https://")) or _URL.match(source):
        return None
    if "docs.google.com/spreadsheets/" in source:
        return (
            "Google 試算表的網址不完整：請從瀏覽器網址列複製完整網址"
            "（https://docs.google.com/spreadsheets/d/ 之後是試算表的金鑰）"
        )
    return (
        "這個網址不是 Google 試算表：其他網站上的檔案請先下載，再以檔案檢核；"
        "Google 試算表的網址以 https://docs.google.com/spreadsheets/d/ 開頭"
    )


def check_google(
    source: str,
    *,
    today: dt.date | None = None,
    credentials: str | None = None,
    client: gspread.Client | None = None,
) -> Report:
    """Read a Google Sheet (one metadata get, one values batchGet) and check it; a sheet that
    cannot be read becomes a SHEET-UNREADABLE finding."""
    from clusterbook.gsheets import SheetsError, client_from, read_rawbook
    from clusterbook.importers import check_rawbook, unusable

    problem = address_problem(source)
    if problem:
        return unusable(source, "SHEET-UNREADABLE", problem)
    try:
        raw = read_rawbook(client or client_from(credentials), source)
    except SheetsError as exc:
        return unusable(source, "SHEET-UNREADABLE", str(exc))
    return check_rawbook(raw, today=today)
