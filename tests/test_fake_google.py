"""Tests of the offline Google Sheets/Drive fake, driven through gspread's public API."""

from __future__ import annotations

import socket

import gspread
import pytest
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from gspread.utils import ValueRenderOption

from tests.fakes.google import QUOTA_MESSAGE, FakeGoogle, fake_client, parse_cells, split_sheet

pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture
def google() -> tuple[gspread.Client, FakeGoogle]:
    return fake_client()


@pytest.fixture
def client(google: tuple[gspread.Client, FakeGoogle]) -> gspread.Client:
    return google[0]


@pytest.fixture
def fake(google: tuple[gspread.Client, FakeGoogle]) -> FakeGoogle:
    return google[1]


@pytest.fixture
def sheet(client: gspread.Client, fake: FakeGoogle) -> gspread.Spreadsheet:
    """A fresh spreadsheet in a shared-drive folder (how a service account must create it)."""
    return client.create("群聚提案", folder_id=fake.add_folder("Cluster", shared_drive=True))


def test_create_in_folder_is_counted_and_clean(client: gspread.Client, fake: FakeGoogle) -> None:
    folder = fake.add_folder("Cluster", shared_drive=True)
    sh = client.create("群聚提案", folder_id=folder)
    assert fake.count("files.create") == 1
    assert fake.count("spreadsheets.get") == 1  # open_by_key fetches the metadata
    assert fake.count() == 2
    create = fake.calls("drive.files.create")[0]
    assert create.body["parents"] == [folder] and create.params["supportsAllDrives"] == "True"
    assert fake.files[sh.id]["parents"] == [folder]
    assert sh.title == "群聚提案" and sh.locale == "en_US"
    assert sh.sheet1.id == 0 and fake.sheet_titles(sh.id) == ["Sheet1"]
    assert [p["role"] for p in fake.permissions(sh.id)] == ["organizer"]
    assert client.list_spreadsheet_files(folder_id=folder)[0]["id"] == sh.id
    fake.assert_clean()


def test_create_without_folder_hits_service_account_quota(
    client: gspread.Client, fake: FakeGoogle
) -> None:
    fake.forbid_create_in_own_drive = True
    with pytest.raises(APIError) as err:
        client.create("no folder")
    assert err.value.code == 403 and err.value.error["message"] == QUOTA_MESSAGE
    assert err.value.error["errors"][0]["reason"] == "storageQuotaExceeded"
    assert fake.books == {}


def test_unknown_spreadsheet_and_parent_are_not_found(
    client: gspread.Client, fake: FakeGoogle
) -> None:
    with pytest.raises(SpreadsheetNotFound):
        client.open_by_key("1doesNotExist")
    with pytest.raises(APIError) as err:
        client.create("x", folder_id="missing-folder")
    assert err.value.code == 404 and "File not found: missing-folder." in str(err.value)
    fake.assert_clean()  # legitimate API errors are not protocol errors


def test_unknown_field_is_rejected_and_recorded(
    sheet: gspread.Spreadsheet, fake: FakeGoogle
) -> None:
    body = {
        "requests": [
            {
                "repeatCell": {
                    "range": {"sheetId": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"backgroundColour": {"red": 1}}},
                    "fields": "userEnteredFormat.backgroundColor",
                }
            }
        ]
    }
    with pytest.raises(APIError) as err:
        sheet.batch_update(body)
    assert err.value.code == 400 and err.value.error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "backgroundColour"' in err.value.error["message"]
    assert fake.calls()[-1].status == 400 and fake.calls()[-1].subrequests == ["repeatCell"]
    with pytest.raises(AssertionError, match="backgroundColour"):
        fake.assert_clean()


@pytest.mark.parametrize(
    ("request_body", "needle"),
    [
        ({"mergeCells": {"range": {"sheetId": 0}, "mergeType": "MERGE_EVERYTHING"}}, "TYPE_ENUM"),
        ({"addSheet": {"properties": {"title": 7}}}, "type string"),
        ({"addSheet": {}, "deleteSheet": {"sheetId": 0}}, "oneof"),
        ({"frobnicate": {}}, 'Unknown name "frobnicate"'),
    ],
)
def test_bad_bodies_are_rejected(
    sheet: gspread.Spreadsheet, fake: FakeGoogle, request_body, needle
) -> None:
    with pytest.raises(APIError) as err:
        sheet.batch_update({"requests": [request_body]})
    assert err.value.code == 400
    assert len(fake.errors) == 1 and needle in fake.errors[0]


def test_bad_query_parameters_and_unknown_paths(
    sheet: gspread.Spreadsheet, fake: FakeGoogle
) -> None:
    with pytest.raises(APIError):
        sheet.values_get("A1", params={"valueRenderOption": "PRETTY"})
    with pytest.raises(APIError):
        sheet.values_get("A1", params={"bogus": "1"})
    with pytest.raises(APIError):
        sheet.fetch_sheet_metadata(params={"fields": "sheets.propertiez"})
    with pytest.raises(APIError) as err:
        sheet.client.request("get", "https://sheets.googleapis.com/v4/nowhere")
    assert err.value.code == 404
    assert [e.split(":")[0] for e in fake.errors] == [
        "sheets.spreadsheets.values.get",
        "sheets.spreadsheets.values.get",
        "sheets.spreadsheets.get",
        "no sheets discovery method for GET /v4/nowhere",
    ]


def test_batch_update_replies_in_order(sheet: gspread.Spreadsheet, fake: FakeGoogle) -> None:
    reply = sheet.batch_update(
        {
            "requests": [
                {"addSheet": {"properties": {"title": "_meta", "hidden": True}}},
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": 0,
                            "title": "群聚成員",
                            "gridProperties": {"frozenRowCount": 1},
                        },
                        "fields": "title,gridProperties.frozenRowCount",
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "endRowIndex": 1},
                            "description": "header",
                        }
                    }
                },
                {
                    "addNamedRange": {
                        "namedRange": {
                            "name": "members",
                            "range": {
                                "sheetId": 0,
                                "startRowIndex": 5,
                                "endRowIndex": 45,
                                "startColumnIndex": 1,
                                "endColumnIndex": 2,
                            },
                        }
                    }
                },
                {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS"}}},
            ]
        }
    )["replies"]
    assert [list(r) for r in reply] == [
        ["addSheet"],
        [],
        ["addProtectedRange"],
        ["addNamedRange"],
        [],
    ]
    meta_id = reply[0]["addSheet"]["properties"]["sheetId"]
    assert reply[0]["addSheet"]["properties"]["index"] == 1
    protected = reply[2]["addProtectedRange"]["protectedRange"]
    assert isinstance(protected["protectedRangeId"], int)
    assert protected["editors"]["users"] == [fake.account_email]
    assert fake.sheet_titles(sheet.id) == ["群聚成員", "_meta"]
    assert sheet.worksheet("_meta").isSheetHidden and sheet.sheet1.frozen_row_count == 1
    assert fake.protected_ranges(sheet.id) == [protected]
    assert sheet.list_protected_ranges(0) == [protected]
    assert [n["name"] for n in sheet.list_named_ranges()] == ["members"]
    assert (
        fake.named_ranges(sheet.id)[0]["namedRangeId"]
        == reply[3]["addNamedRange"]["namedRange"]["namedRangeId"]
    )
    assert meta_id != 0
    fake.assert_clean()


@pytest.mark.parametrize(
    "bad",
    [
        {"repeatCell": {"range": {"sheetId": 999}, "cell": {"note": "x"}, "fields": "note"}},
        {"addSheet": {"properties": {"title": "sheet1"}}},  # titles are case-insensitive
        {
            "updateCells": {
                "range": {"sheetId": 0, "startRowIndex": 999, "endRowIndex": 1001},
                "fields": "note",
            }
        },
        {"deleteProtectedRange": {"protectedRangeId": 42}},
    ],
)
def test_batch_update_is_atomic(sheet: gspread.Spreadsheet, fake: FakeGoogle, bad) -> None:
    sheet.sheet1.update([["keep"]], "A1")
    with pytest.raises(APIError) as err:
        sheet.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": "new"}}},
                    {
                        "repeatCell": {
                            "range": {"sheetId": 0},
                            "cell": {"note": "n"},
                            "fields": "note",
                        }
                    },
                    bad,
                ]
            }
        )
    assert err.value.code == 400 and "Invalid requests[2]" in err.value.error["message"]
    assert fake.sheet_titles(sheet.id) == ["Sheet1"]
    assert fake.cell(sheet.id, "Sheet1", "A1") == {
        "value": "keep",
        "formula": None,
        "note": None,
        "format": None,
        "dataValidation": None,
    }
    fake.assert_clean()


def test_cells_validation_notes_and_merges(sheet: gspread.Spreadsheet, fake: FakeGoogle) -> None:
    rule = {
        "condition": {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": "是"}, {"userEnteredValue": "否"}],
        },
        "strict": True,
        "showCustomUi": True,
    }
    sheet.batch_update(
        {
            "requests": [
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 5,
                            "endRowIndex": 45,
                            "startColumnIndex": 1,
                            "endColumnIndex": 2,
                        },
                        "rule": rule,
                    }
                },
                {
                    "updateCells": {
                        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                        "rows": [
                            {
                                "values": [
                                    {
                                        "userEnteredValue": {"stringValue": "名稱"},
                                        "note": "必填",
                                        "userEnteredFormat": {"textFormat": {"bold": True}},
                                    }
                                ]
                            }
                        ],
                        "fields": "userEnteredValue,note,userEnteredFormat.textFormat",
                    }
                },
                {
                    "mergeCells": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "endRowIndex": 2,
                            "startColumnIndex": 0,
                            "endColumnIndex": 3,
                        },
                        "mergeType": "MERGE_ALL",
                    }
                },
                {
                    "insertDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}
                    }
                },
            ]
        }
    )
    assert fake.cell(sheet.id, "Sheet1", "B8")["dataValidation"] == rule  # shifted by 2 rows
    assert fake.cell(sheet.id, "Sheet1", "B6")["dataValidation"] is None
    header = fake.cell(sheet.id, "Sheet1", "A3")
    assert (header["value"], header["note"]) == ("名稱", "必填")
    assert header["format"] == {"textFormat": {"bold": True}}
    assert fake.sheet(sheet.id, "Sheet1").merges[0]["startRowIndex"] == 3
    assert sheet.sheet1.row_count == 1002
    fake.assert_clean()


def test_raw_versus_user_entered(sheet: gspread.Spreadsheet, fake: FakeGoogle) -> None:
    ws = sheet.sheet1
    ws.update([["=SUM(B1:B2)", "007", "1,234", "TRUE", "'=x"]], "A1")  # raw=True by default
    ws.update([["=SUM(B1:B2)", "007", "1,234", "TRUE", "'=x"]], "A2", raw=False)
    assert fake.cell(sheet.id, "Sheet1", "A1")["formula"] is None
    assert fake.cell(sheet.id, "Sheet1", "A2")["formula"] == "=SUM(B1:B2)"
    assert fake.values(sheet.id, "Sheet1") == [
        ["=SUM(B1:B2)", "007", "1,234", "TRUE", "'=x"],
        ["=SUM(B1:B2)", 7, 1234, True, "=x"],
    ]
    assert ws.get("A2:E2", value_render_option=ValueRenderOption.formula) == [
        ["=SUM(B1:B2)", 7, 1234, True, "=x"]
    ]
    assert ws.get("A2:E2") == [["", "7", "1234", "TRUE", "=x"]]  # formulas are not evaluated
    fake.set_computed(sheet.id, "Sheet1", "A2", 1241)
    assert ws.get("A2", value_render_option=ValueRenderOption.unformatted) == [[1241]]
    assert fake.calls("values.update")[1].params["valueInputOption"] == "USER_ENTERED"
    fake.assert_clean()


def test_values_batch_update_and_get_trimmed(sheet: gspread.Spreadsheet, fake: FakeGoogle) -> None:
    sheet.add_worksheet("群聚成員", rows=50, cols=6)
    sheet.values_batch_update(
        {
            "valueInputOption": "USER_ENTERED",
            "data": [
                {"range": "'群聚成員'!B6:C8", "values": [["王小明", ""], [None, None], ["", "42"]]},
                {"range": "'群聚成員'!E10", "values": [["x"]]},
            ],
        }
    )
    fake.set_values(sheet.id, "群聚成員", "A20", [["typed", "=A1"]])
    got = sheet.values_batch_get(
        ["'群聚成員'!B6:B45", "'群聚成員'!A:D", "'群聚成員'!F1:F3", "Sheet1"],
        params={"valueRenderOption": "UNFORMATTED_VALUE"},
    )["valueRanges"]
    assert got[0] == {
        "range": "'群聚成員'!B6:B45",
        "majorDimension": "ROWS",
        "values": [["王小明"]],
    }  # B8 was written as "" i.e. cleared
    assert got[1]["range"] == "'群聚成員'!A1:D50"
    assert got[1]["values"][5] == ["", "王小明"] and got[1]["values"][7] == ["", "", 42]
    assert got[1]["values"][19] == ["typed"]  # B20 is an unevaluated formula: ""
    assert len(got[1]["values"]) == 20
    assert "values" not in got[2] and got[3]["range"] == "Sheet1!A1:Z1000"
    cols = sheet.values_batch_get(["'群聚成員'!B6:C8"], params={"majorDimension": "COLUMNS"})
    assert cols["valueRanges"][0]["values"] == [["王小明"], ["", "", "42"]]
    with pytest.raises(APIError, match="valueInputOption"):
        sheet.values_batch_update({"data": [{"range": "Sheet1!A1", "values": [[1]]}]})
    with pytest.raises(APIError, match="exceeds grid limits"):
        sheet.values_batch_update(
            {
                "valueInputOption": "RAW",
                "data": [
                    {"range": "Sheet1!A1", "values": [[1]]},
                    {"range": "'群聚成員'!A51", "values": [[2]]},
                ],
            }
        )
    assert fake.values(sheet.id, "Sheet1") == []  # the failed batch wrote nothing
    assert fake.count("values.batchUpdate") == 3 and fake.count("values.batchGet") == 2
    fake.assert_clean()


def test_share_records_permissions(sheet: gspread.Spreadsheet, fake: FakeGoogle) -> None:
    sheet.share("applicant@example.com", perm_type="user", role="writer", notify=False)
    sheet.share("pm@example.org", perm_type="user", role="reader", email_message="請審閱")
    call = fake.calls("permissions.create")[0]
    assert call.params == {"supportsAllDrives": "true", "sendNotificationEmail": "False"}
    emails = {p.get("emailAddress"): p["role"] for p in fake.permissions(sheet.id)}
    assert emails["applicant@example.com"] == "writer" and emails["pm@example.org"] == "reader"
    assert fake.notifications == [
        {
            "fileId": sheet.id,
            "emailAddress": "pm@example.org",
            "role": "reader",
            "message": "請審閱",
        }
    ]
    assert any("withLink" in w for w in fake.warnings)  # gspread sends a Drive v2 field
    sheet.remove_permissions("applicant@example.com")
    assert "applicant@example.com" not in {
        p.get("emailAddress") for p in fake.permissions(sheet.id)
    }
    fake.non_google_accounts.add("nogoogle@example.com")
    with pytest.raises(APIError, match="Notify people"):
        sheet.share("nogoogle@example.com", perm_type="user", role="writer", notify=False)
    fake.assert_clean()


def test_fail_next(sheet: gspread.Spreadsheet, fake: FakeGoogle) -> None:
    fake.fail_next(429, times=2)
    for _ in range(2):
        with pytest.raises(APIError) as err:
            sheet.values_get("A1")
        assert err.value.code == 429 and err.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert sheet.values_get("A1")["range"] == "Sheet1!A1"
    fake.fail_next(403, reason="PERMISSION_DENIED", kind="values.batchGet")
    sheet.values_get("A1")  # other methods are unaffected
    with pytest.raises(APIError) as err:
        sheet.values_batch_get(["A1"])
    assert err.value.code == 403 and err.value.error["status"] == "PERMISSION_DENIED"
    fake.fail_next(500, message="boom")
    with pytest.raises(APIError, match="boom"):
        sheet.batch_update({"requests": []})
    assert [c.status for c in fake.calls()[-6:]] == [429, 429, 200, 200, 403, 500]


def test_unmounted_host_fails_loudly(client: gspread.Client, fake: FakeGoogle) -> None:
    with pytest.raises(AssertionError, match="unexpected host"):
        client.http_client.session.get("https://oauth2.googleapis.com/token")
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("sheets.googleapis.com", 443))
    assert fake.count() == 0 and len(fake.errors) == 1


def test_sheets_create_and_field_masks(client: gspread.Client, fake: FakeGoogle) -> None:
    body = {
        "properties": {"title": "登錄冊", "locale": "zh_TW", "timeZone": "Asia/Taipei"},
        "sheets": [{"properties": {"title": "群聚成員"}}, {"properties": {"title": "_meta"}}],
    }
    created = client.http_client.request("post", SPREADSHEETS_API_V4_BASE_URL, json=body).json()
    sid = created["spreadsheetId"]
    assert created["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    assert created["sheets"][0]["properties"]["sheetId"] == 0
    sh = client.open_by_key(sid)
    assert (sh.title, sh.locale, sh.timezone) == ("登錄冊", "zh_TW", "Asia/Taipei")
    ws = sh.worksheet("群聚成員")
    ws.insert_note("B6", "請填統一編號")
    ws.update([["12345675"]], "B6")
    assert ws.get_notes(grid_range="A1:C10") == [[], [], [], [], [], ["", "請填統一編號"]]
    meta = sh.fetch_sheet_metadata(params={"fields": "sheets(properties(title,index))"})
    assert meta == {
        "sheets": [
            {"properties": {"title": "群聚成員", "index": 0}},
            {"properties": {"title": "_meta", "index": 1}},
        ]
    }
    grid = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "'群聚成員'!B6"})
    cell = grid["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert grid["sheets"][0]["data"][0]["startRow"] == 5
    assert cell["userEnteredValue"] == {"stringValue": "12345675"} and cell["note"]
    fake.forbid_create_in_own_drive = True
    with pytest.raises(APIError, match="storage quota"):
        client.http_client.request("post", SPREADSHEETS_API_V4_BASE_URL, json=body)
    fake.assert_clean()


def test_a1_parsing() -> None:
    assert split_sheet("'群聚成員'!B6:B45") == ("群聚成員", "B6:B45")
    assert split_sheet("'It''s'!A1") == ("It's", "A1")
    assert split_sheet("_meta!A1:D200") == ("_meta", "A1:D200")
    assert split_sheet("A1") == (None, "A1")
    assert parse_cells("B6:B45") == (5, 45, 1, 2, False)
    assert parse_cells("A:D") == (0, None, 0, 4, False)
    assert parse_cells("3:5") == (2, 5, None, None, False)
    assert parse_cells("A5:D") == (4, None, 0, 4, False)
    assert parse_cells("$C$3") == (2, 3, 2, 3, True)
    assert parse_cells("AA10") == (9, 10, 26, 27, True)
    assert parse_cells("B2:A1") == (0, 2, 0, 2, False)
    assert parse_cells("A0") is None and parse_cells("members") is None
