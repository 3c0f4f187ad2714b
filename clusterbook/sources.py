"""Where workbooks come from: files, or Google Sheets given by URL or key."""

from __future__ import annotations

import datetime as dt
import re

from clusterbook.report import Report

_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]{20,})")
_KEY = re.compile(r"^[A-Za-z0-9_-]{40,}$")


def google_key(source: str) -> str | None:
    """The spreadsheet key of a Google Sheets URL or bare key, else None."""
    m = _URL.match(source)
    if m:
        return m.group(1)
    return source if _KEY.match(source) and not source.endswith((".xlsx", ".xlsm")) else None


def is_google(source: str) -> bool:
    return google_key(source) is not None


def check_google(
    source: str, *, today: dt.date | None = None, credentials: str | None = None
) -> Report:
    """Read a Google Sheet (one metadata get, one values batchGet) and check it."""
    from clusterbook.gsheets import SheetsError, client_from, read_rawbook
    from clusterbook.importers import check_rawbook, unusable

    try:
        raw = read_rawbook(client_from(credentials), source)
    except SheetsError as exc:
        return unusable(source, "SHEET-UNREADABLE", str(exc))
    return check_rawbook(raw, today=today)
