"""Spreadsheet keys and URLs."""

from __future__ import annotations

import re

from clusterbook.gsheets.errors import SheetsError

_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")


def spreadsheet_key(key_or_url: str) -> str:
    """The key of ``https://docs.google.com/spreadsheets/d/<key>/edit#gid=0`` or a bare key."""
    text = key_or_url.strip()
    found = _URL_KEY.search(text)
    if found:
        return found.group(1)
    if _BARE_KEY.fullmatch(text):
        return text
    raise SheetsError(
        f"看不懂試算表網址或 ID：{key_or_url!r}（應為 https://docs.google.com/spreadsheets/d/…）",
        kind="invalid",
    )


def spreadsheet_url(key: str) -> str:
    """The canonical URL of a spreadsheet."""
    return f"https://docs.google.com/spreadsheets/d/{key}"
