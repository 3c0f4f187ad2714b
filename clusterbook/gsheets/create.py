"""Create the proposal template as a native Google Sheets spreadsheet and share it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import gspread
from gspread.exceptions import APIError
from gspread.urls import DRIVE_FILES_API_V3_URL, SPREADSHEETS_API_V4_BASE_URL

from clusterbook.gsheets.build import template_requests
from clusterbook.gsheets.errors import (
    STORAGE_QUOTA_HINT,
    SheetsError,
    account_email,
    api_errors,
    from_api_error,
    google_detail,
    is_storage_quota,
    status_of,
)
from clusterbook.gsheets.urls import spreadsheet_url
from clusterbook.workbook.grid import Layout
from clusterbook.workbook.layout import build_layout

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"
MAX_BODY = 1_900_000
"""Bytes per batchUpdate body (as requests serialises it), under Google's ~2 MB advice."""


def create_template(
    client: gspread.Client,
    title: str,
    *,
    program: str = "dc112",
    share: Iterable[str] = (),
    folder_id: str | None = None,
) -> gspread.Spreadsheet:
    """Build the program's template natively and share it with ``share`` as writers
    (see :func:`create_spreadsheet`)."""
    return create_spreadsheet(
        client, title, build_layout(program), share=share, folder_id=folder_id
    )


def create_spreadsheet(
    client: gspread.Client,
    title: str,
    layout: Layout,
    *,
    share: Iterable[str] = (),
    folder_id: str | None = None,
) -> gspread.Spreadsheet:
    """Draw a layout natively (the proposal template, a reviewer's scoring sheet …) and share
    it with ``share`` as writers.

    Requests: one create (Sheets, or Drive when ``folder_id`` is given), one batchUpdate
    (two if the body would pass :data:`MAX_BODY`), one metadata get for the returned
    Spreadsheet, and one permission per e-mail, whatever the number of rows.
    """
    emails = [share.strip()] if isinstance(share, str) else [e.strip() for e in share]
    bad = [e for e in emails if "@" not in e or " " in e]
    if bad:
        raise SheetsError(f"不是有效的 E-Mail：{'、'.join(bad)}", kind="invalid")
    key, default_sheet = _create(client, title, folder_id)
    url = spreadsheet_url(key)
    with api_errors(client, f"剛建立的試算表 {url}（尚未完成，可刪除後重試）"):
        for body in batches(template_requests(layout, default_sheet)):
            client.http_client.batch_update(key, body)
    for email in emails:
        with api_errors(client, f"試算表 {url}（已建立，分享給 {email} 失敗）"):
            client.http_client.request(
                "post",
                f"{DRIVE_FILES_API_V3_URL}/{key}/permissions",
                params={"supportsAllDrives": "true", "sendNotificationEmail": "true"},
                json={"type": "user", "role": "writer", "emailAddress": email},
            )
    with api_errors(client, f"試算表 {url}"):
        return gspread.Spreadsheet(client.http_client, {"id": key})


def _create(client: gspread.Client, title: str, folder_id: str | None) -> tuple[str, int]:
    """Create an empty spreadsheet; return its key and the id of its default sheet."""
    try:
        if folder_id:
            reply = client.http_client.request(
                "post",
                DRIVE_FILES_API_V3_URL,
                params={"supportsAllDrives": "true", "fields": "id"},
                json={"name": title, "mimeType": SHEETS_MIME, "parents": [folder_id]},
            ).json()
            return reply["id"], 0
        reply = client.http_client.request(
            "post",
            SPREADSHEETS_API_V4_BASE_URL,
            params={"fields": "spreadsheetId,sheets.properties.sheetId"},
            json={"properties": {"title": title}},
        ).json()
        return reply["spreadsheetId"], reply["sheets"][0]["properties"]["sheetId"]
    except APIError as err:
        own_drive = not folder_id and status_of(err) == 403 and account_email(client)
        if is_storage_quota(err) or own_drive:
            raise SheetsError(
                f"{STORAGE_QUOTA_HINT}（{google_detail(err)}）", kind="storage_quota", status=403
            ) from None
        what = f"資料夾 {folder_id}" if folder_id else "您的雲端硬碟"
        raise from_api_error(err, client, what) from None


def batches(requests: list[dict[str, Any]], limit: int = MAX_BODY) -> list[dict[str, Any]]:
    """Split the requests, in order, into batchUpdate bodies of at most ``limit`` bytes each."""
    out: list[list[dict[str, Any]]] = [[]]
    size = 0
    for req in requests:
        n = len(json.dumps(req)) + 1
        if out[-1] and size + n > limit:
            out.append([])
            size = 0
        out[-1].append(req)
        size += n
    return [{"requests": reqs} for reqs in out]
