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
    """A Google Sheets URL or bare key (not a file name)."""
    if _URL.match(source):
        return True
    return bool(_KEY.match(source)) and not source.endswith((".xlsx", ".xlsm"))


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

    try:
        raw = read_rawbook(client or client_from(credentials), source)
    except SheetsError as exc:
        return unusable(source, "SHEET-UNREADABLE", str(exc))
    return check_rawbook(raw, today=today)
