"""Read a filled Google Sheets proposal into a RawBook: two requests, formulas included."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

import gspread

from clusterbook.gsheets.annotate import RESULTS_SHEET
from clusterbook.gsheets.build import HELPERS_SHEET
from clusterbook.gsheets.errors import api_errors, not_template
from clusterbook.gsheets.urls import spreadsheet_key, spreadsheet_url
from clusterbook.importers.rawbook import RawBook, RawSheet
from clusterbook.workbook import a1
from clusterbook.workbook.grid import LISTS_SHEET, META_SHEET

if TYPE_CHECKING:
    from clusterbook.proposal import Proposal

SKIPPED = frozenset({LISTS_SHEET, HELPERS_SHEET, RESULTS_SHEET})
"""Sheets that hold no applicant content: generated lists and helpers, and our own findings."""
_EXTERNAL = re.compile(
    r"\b(IMPORTRANGE|IMPORTXML|IMPORTHTML|IMPORTDATA|IMPORTFEED|IMAGE)\s*\(", re.I
)


def read_rawbook(client: gspread.Client, key_or_url: str) -> RawBook:
    """Every sheet but :data:`SKIPPED` as typed: formula cells as "=…", numbers as numbers.

    One metadata get (titles, merges) and one values.batchGet with valueRenderOption=FORMULA,
    so a formula the applicant overwrote shows up as the value typed over it.
    """
    key = spreadsheet_key(key_or_url)
    url = spreadsheet_url(key)
    with api_errors(client, f"試算表 {url}"):
        meta = client.http_client.fetch_sheet_metadata(
            key, params={"fields": "sheets(properties(title),merges)"}
        )
        sheets = [s for s in meta.get("sheets", []) if "title" in s.get("properties", {})]
        titles = [s["properties"]["title"] for s in sheets]
        if META_SHEET not in titles:
            raise not_template(url)
        wanted = [s for s in sheets if s["properties"]["title"] not in SKIPPED]
        reply = client.http_client.values_batch_get(
            key,
            [a1.quote_sheet(s["properties"]["title"]) for s in wanted],
            params={"valueRenderOption": "FORMULA", "majorDimension": "ROWS"},
        )
    ranges = reply.get("valueRanges", [])
    book = RawBook(source=url, sheets={}, titles=titles)
    content = []
    for sheet, values in zip(wanted, (r.get("values", []) for r in ranges), strict=True):
        title = sheet["properties"]["title"]
        book.sheets[title] = RawSheet(title, _cells(values), _merges(sheet.get("merges", [])))
        content.append([title, values])
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    book.digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    book.notes = _external(book)
    return book


def read_proposal(
    client: gspread.Client, key_or_url: str, *, today: dt.date | None = None
) -> Proposal:
    """The checked Proposal of a filled spreadsheet (raises importers.ReadError if unusable)."""
    from clusterbook.importers import ReadError, check_rawbook

    report = check_rawbook(read_rawbook(client, key_or_url), today=today)
    if report.proposal is None:
        raise ReadError(report)
    return report.proposal


def _external(book: RawBook) -> list[str]:
    """Formulas that fetch outside data (Sheets' counterpart of external links), never run."""
    found = sorted(
        {
            m.group(1).upper()
            for sheet in book.sheets.values()
            for _, formula in sheet.cells.values()
            if formula and (m := _EXTERNAL.search(formula))
        }
    )
    return [f"外部資料公式（{'、'.join(found)}）"] if found else []


def _cells(values: list[list[Any]]) -> dict[tuple[int, int], tuple[Any, str | None]]:
    out: dict[tuple[int, int], tuple[Any, str | None]] = {}
    for r, row in enumerate(values, start=1):
        for c, v in enumerate(row, start=1):
            if v == "" or v is None:
                continue
            if isinstance(v, str) and v.startswith("=") and len(v) > 1:
                out[(r, c)] = (None, v)
            else:
                out[(r, c)] = (v, None)
    return out


def _merges(merges: list[dict[str, int]]) -> list[tuple[int, int, int, int]]:
    return [
        (
            m.get("startRowIndex", 0) + 1,
            m.get("startColumnIndex", 0) + 1,
            m.get("endRowIndex", 0),
            m.get("endColumnIndex", 0),
        )
        for m in merges
    ]
