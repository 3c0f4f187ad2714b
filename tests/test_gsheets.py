"""The Google Sheets backend, offline against tests.fakes.google (every request schema-checked)."""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import gspread
import pytest
import yaml

from clusterbook.findings import Finding
from clusterbook.gsheets import (
    SheetsError,
    annotate,
    client_from,
    create_template,
    read_proposal,
    read_rawbook,
)
from clusterbook.gsheets.annotate import RESULTS_HEADER, RESULTS_SHEET
from clusterbook.gsheets.auth import RetryingHTTPClient
from clusterbook.gsheets.build import HELPERS_SHEET, template_requests
from clusterbook.gsheets.create import MAX_BODY, batches
from clusterbook.gsheets.formats import color
from clusterbook.gsheets.grid import rectangles
from clusterbook.importers import check_rawbook
from clusterbook.workbook import a1
from clusterbook.workbook.fill import cell_writes
from clusterbook.workbook.layout import build_layout
from tests.fakes.google import FakeGoogle, fake_client
from tests.helpers import TODAY, check_data, clean_data

MEMBERS = "群聚成員"
BUDGET = "經費需求"


pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture
def google():
    client, fake = fake_client()
    yield client, fake
    fake.assert_clean()  # every request of every test was schema-valid


@pytest.fixture
def client(google) -> gspread.Client:
    return google[0]


@pytest.fixture
def fake(google) -> FakeGoogle:
    return google[1]


@pytest.fixture(scope="module")
def built():
    """One template built once (the build is the slow part): (client, fake, key)."""
    client, fake = fake_client()
    sh = create_template(client, "群聚提案", share=["applicant@example.com", "pm@example.org"])
    fake.assert_clean()
    return client, fake, sh.id


def _sheet_program(tmp_path: Path, program, members: int) -> str:
    folder = tmp_path / f"members{members}"
    shutil.copytree(program.path, folder)
    params = yaml.safe_load((folder / "program.yaml").read_text(encoding="utf-8"))
    params["capacity"]["members"] = members
    (folder / "program.yaml").write_text(
        yaml.safe_dump(params, allow_unicode=True), encoding="utf-8"
    )
    return str(folder)


def _cells(ref: str) -> list[tuple[int, int]]:
    r1, c1, r2, c2 = a1.parse_area(ref)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _covered(ranges: list[dict]) -> set[tuple[int, int]]:
    return {
        (r + 1, c + 1)
        for g in ranges
        for r in range(g["startRowIndex"], g["endRowIndex"])
        for c in range(g["startColumnIndex"], g["endColumnIndex"])
    }


def _type(fake: FakeGoogle, key: str, data=None, program: str = "dc112") -> None:
    """An applicant typing the sample: text stays text (as in the template's text cells)."""
    for title, r, c, value in cell_writes(data or clean_data(), build_layout(program)):
        if value is not None:
            fake.set_values(
                key, title, a1.cell(r, c), [[value]], user_entered=not isinstance(value, str)
            )


# -- create -----------------------------------------------------------------------------------
def test_create_builds_every_sheet_in_order(built, layout) -> None:
    _, fake, key = built
    book = fake.book(key)
    assert [s.title for s in book.sheets] == [s.title for s in layout.sheets] + [HELPERS_SHEET]
    hidden = [s.title for s in book.sheets if s.props.get("hidden")]
    assert hidden == ["_lists", "_meta", HELPERS_SHEET]
    assert (book.props["locale"], book.props["timeZone"]) == ("zh_TW", "Asia/Taipei")
    assert fake.unhandled == []  # every request kind is one the fake models
    members = fake.sheet(key, MEMBERS)
    grid = members.props["gridProperties"]
    fr, fc = layout.sheet("members").freeze
    assert (grid["frozenRowCount"], grid["frozenColumnCount"]) == (fr - 1, fc - 1)
    assert members.dims["COLUMNS"][1]["pixelSize"] > 100  # 名稱 column width from the layout


def test_meta_holds_the_layout_field_map(built, layout) -> None:
    _, fake, key = built
    rows = fake.values(key, "_meta")
    expected = [[None] * 4 for _ in range(layout.sheet("meta").max_row)]
    for (r, c), cell in layout.sheet("meta").cells.items():
        expected[r - 1][c - 1] = cell.value
    assert rows == [[v for v in row if v is not None] for row in expected]
    field_rows = {row[0]: row for row in rows if len(row) == 4}
    for fid, ref in layout.fields.items():
        assert field_rows[fid] == [fid, ref.label, ref.sheet, ref.range]


def test_named_ranges_match_the_layout(built, layout) -> None:
    _, fake, key = built
    lists_id = fake.sheet(key, "_lists").id
    named = {n["name"]: n["range"] for n in fake.named_ranges(key)}
    assert set(named) == set(layout.names)
    for name, ref in layout.names.items():
        r1, c1, r2, c2 = a1.parse_area(ref.split("!")[1].replace("$", ""))
        assert named[name] == {
            "sheetId": lists_id,
            "startRowIndex": r1 - 1,
            "endRowIndex": r2,
            "startColumnIndex": c1 - 1,
            "endColumnIndex": c2,
        }


def test_every_enumerated_input_has_a_dropdown_of_its_list(built, layout, program) -> None:
    _, fake, key = built
    checked = 0
    for s in layout.sheets:
        for v in s.validations:
            if v.kind != "list":
                continue
            for r, c in _cells(v.sqref):
                rule = fake.cell(key, s.title, a1.cell(r, c))["dataValidation"]
                assert rule["condition"] == {
                    "type": "ONE_OF_RANGE",
                    "values": [{"userEnteredValue": f"={v.source}"}],
                }
                assert rule["strict"] and rule["showCustomUi"] and rule["inputMessage"]
                checked += 1
    enums = [f for f in program.fields.values() if f.type in ("enum", "yesno")]
    for f in enums:
        ref = layout.fields[f.id]
        matrix = program.matrices.get(f.table or "")
        for r, c in _cells(ref.range):
            if matrix and (c - ref.first_col) % matrix.stride:
                continue  # a matrix's 說明 column, between its value columns
            cond = fake.cell(key, ref.sheet, a1.cell(r, c))["dataValidation"]["condition"]
            assert cond["type"] == "ONE_OF_RANGE", (f.id, r, c)
    assert checked > 1000


def test_township_dropdown_follows_each_rows_county(built, layout) -> None:
    _, fake, key = built
    county, town = layout.fields["members.county"], layout.fields["members.township"]
    helper_rows = set()
    for i in range(town.last_row - town.first_row + 1):
        r = town.first_row + i
        rule = fake.cell(key, MEMBERS, a1.cell(r, town.first_col))["dataValidation"]
        assert rule["strict"] and rule["showCustomUi"]
        assert rule["condition"]["type"] == "ONE_OF_RANGE"
        source = rule["condition"]["values"][0]["userEnteredValue"]
        assert source.startswith(f"='{HELPERS_SHEET}'!$A$")
        helper = int(source.split("$")[2].rstrip(":"))
        helper_rows.add(helper)
        formula = fake.cell(key, HELPERS_SHEET, f"A{helper}")["formula"]
        county_cell = f"'{MEMBERS}'!{a1.cell(r, county.first_col)}"
        assert formula.startswith(f'=IF({county_cell}="","",')
        assert f"FILTER(T_TOWN,T_COUNTY={county_cell})" in formula
    assert len(helper_rows) == town.last_row - town.first_row + 1  # one helper row per member row


def test_validation_kinds_map_to_sheets_conditions(built, layout) -> None:
    _, fake, key = built
    unit = layout.sheet("unit").title
    top = layout.fields["unit.ubn"].range
    ubn = fake.cell(key, unit, top)["dataValidation"]
    assert (
        ubn["condition"]
        == {
            "type": "CUSTOM_FORMULA",
            "values": [{"userEnteredValue": f"=AND(LEN({top})=8,ISNUMBER(VALUE({top})))"}],
        }
        and ubn["strict"]
    )
    price = _top(layout, "budget.unit_price")
    whole = fake.cell(key, BUDGET, price)["dataValidation"]["condition"]["values"][0]
    assert whole["userEnteredValue"].startswith(f"=AND(ISNUMBER({price}),{price}=INT({price}),")
    share = fake.cell(key, MEMBERS, _top(layout, "members.revenue_physical"))["dataValidation"]
    share = share["condition"]
    assert share == {
        "type": "NUMBER_BETWEEN",
        "values": [{"userEnteredValue": "0"}, {"userEnteredValue": "1"}],
    }
    name = fake.cell(key, unit, "B5")["dataValidation"]  # 群聚名稱: 40 字 is a guide, not a stop
    assert name["condition"]["values"] == [{"userEnteredValue": "=TRUE"}] and not name["strict"]
    prompt = fake.cell(key, MEMBERS, "B6")["dataValidation"]
    assert prompt["condition"]["values"] == [{"userEnteredValue": "=TRUE"}]
    assert prompt["strict"] is False and "名稱" in prompt["inputMessage"]


def test_labels_and_formulas_are_protected_inputs_open(built, layout) -> None:
    _, fake, key = built
    protected = fake.protected_ranges(key)
    assert len(protected) == len(layout.sheets) + 1  # one per sheet, _helpers included
    by_sheet = {p["range"]["sheetId"]: p for p in protected}
    for s in layout.sheets:
        pr = by_sheet[fake.sheet(key, s.title).id]
        assert set(pr["range"]) == {"sheetId"} and not pr.get("warningOnly")
        assert pr["editors"]["users"] == [fake.account_email]
        inputs = {pos for pos, cell in s.cells.items() if not cell.locked}
        assert _covered(pr.get("unprotectedRanges", [])) == inputs, s.title
    assert len(by_sheet[fake.sheet(key, MEMBERS).id]["unprotectedRanges"]) < 40


def test_formulas_land_as_formulas_and_labels_as_text(built, layout) -> None:
    _, fake, key = built
    formulas = list(layout.formula_cells())
    for s, r, c, cell in formulas:
        assert fake.cell(key, s.title, a1.cell(r, c))["formula"] == cell.formula
    panel = layout.sheet("panel")
    label = fake.cell(key, panel.title, "A1")
    assert (label["value"], label["formula"]) == (panel.cells[(1, 1)].value, None)
    assert len(formulas) > 800


def test_styles_formats_merges_and_highlights(built, layout) -> None:
    _, fake, key = built
    inp = fake.cell(key, MEMBERS, "B6")["format"]
    assert inp["backgroundColor"] == color("FFF9DB") and inp["wrapStrategy"] == "WRAP"
    assert fake.cell(key, MEMBERS, _top(layout, "members.ubn"))["format"]["numberFormat"] == {
        "type": "TEXT",
        "pattern": "@",
    }
    share = fake.cell(key, MEMBERS, _top(layout, "members.revenue_physical"))
    assert share["format"]["numberFormat"]["type"] == "PERCENT"
    assert fake.cell(key, MEMBERS, "B5")["format"]["textFormat"]["bold"]  # header
    merges = fake.sheet(key, MEMBERS).merges
    frozen = layout.sheet("members").freeze[1] - 1
    for m in merges:  # no merge straddles the frozen columns
        assert m["endColumnIndex"] <= frozen or m["startColumnIndex"] >= frozen
    panel = fake.sheet(key, layout.sheet("panel").title)
    rules = [r["booleanRule"] for r in panel.conditional]
    texts = [r["condition"]["values"][0]["userEnteredValue"] for r in rules]
    assert texts[:3] == [
        '=ISNUMBER(SEARCH("✘",D5))',
        '=ISNUMBER(SEARCH("✔",D5))',
        '=ISNUMBER(SEARCH("加分",D5))',
    ]
    assert rules[0]["format"]["backgroundColor"] == color("FFC7CE")
    assert rules[1]["format"]["backgroundColor"] == color("C6EFCE")
    covered = _covered([g for r in panel.conditional for g in r["ranges"]])
    assert covered == {a1.parse_cell(ref) for ref in layout.sheet("panel").highlights}


def test_text_that_looks_like_a_formula_stays_text(client, fake, layout) -> None:
    tricky = copy.deepcopy(layout)
    sheet = tricky.sheets[1]
    for (r, c), text in zip(
        [(1, 1), (2, 1), (3, 1), (4, 1)], ["=1+1", "+886", "-x", "@me"], strict=True
    ):
        sheet.put(r, c, value=text, style="label")
    key = fake.add_spreadsheet("raw")
    for body in batches(template_requests(tricky)):
        client.http_client.batch_update(key, body)
    for r, text in enumerate(["=1+1", "+886", "-x", "@me"], start=1):
        assert fake.cell(key, sheet.title, f"A{r}") | {"format": None} == {
            "value": text,
            "formula": None,
            "note": None,
            "format": None,
            "dataValidation": None,
        }


def test_sharing_adds_writers_and_no_link_sharing(built) -> None:
    _, fake, key = built
    perms = fake.permissions(key)
    writers = {p["emailAddress"] for p in perms if p["role"] == "writer" and p["type"] == "user"}
    assert writers == {"applicant@example.com", "pm@example.org"}
    assert not any(p["type"] in ("anyone", "domain") for p in perms)
    for call in fake.calls("permissions.create"):
        assert call.params["supportsAllDrives"] == "true"


def test_create_costs_constant_requests(tmp_path, program) -> None:
    counts, sizes = {}, {}
    for members in (10, 40):
        folder = _sheet_program(tmp_path, program, members)
        for emails in ((), ("a@example.com", "b@example.com")):
            client, fake = fake_client()
            sh = create_template(client, "t", program=folder, share=emails)
            fake.assert_clean()
            counts[members, len(emails)] = fake.count()
            assert fake.count() <= 4 + len(emails)
            assert fake.count("batchUpdate") == 1
            body = fake.calls("batchUpdate")[0].body
            sizes[members] = len(json.dumps(body))
            assert sizes[members] < MAX_BODY
            layout = build_layout(folder)
            assert (
                layout.fields["members.name"].last_row - layout.fields["members.name"].first_row
                == members - 1
            )
            assert fake.sheet_titles(sh.id)[-1] == HELPERS_SHEET
    assert counts[10, 0] == counts[40, 0] == 3
    assert counts[10, 2] == counts[40, 2] == 5


def test_create_at_full_capacity_fits_one_batch(client, fake) -> None:
    create_template(client, "t")
    assert fake.count() == 3
    assert len(json.dumps(fake.calls("batchUpdate")[0].body)) < MAX_BODY


def test_batches_keep_order_and_split_by_size() -> None:
    reqs = [{"deleteSheet": {"sheetId": i}} for i in range(10)]
    out = batches(reqs, limit=100)
    assert len(out) > 1 and [r for b in out for r in b["requests"]] == reqs
    assert batches(reqs) == [{"requests": reqs}]


def test_rectangles_cover_exactly() -> None:
    cells = {(r, c) for r in range(6, 56) for c in range(2, 10)} | {(3, 3), (4, 4), (5, 4)}
    rects = rectangles(cells)
    assert len(rects) == 3
    assert (
        _covered(
            [
                {
                    "startRowIndex": r1 - 1,
                    "endRowIndex": r2,
                    "startColumnIndex": c1 - 1,
                    "endColumnIndex": c2,
                }
                for r1, c1, r2, c2 in rects
            ]
        )
        == cells
    )


def test_create_in_a_shared_drive_folder(client, fake) -> None:
    fake.forbid_create_in_own_drive = True
    folder = fake.add_folder("群聚", shared_drive=True)
    sh = create_template(client, "群聚提案", folder_id=folder, share=["a@example.com"])
    assert fake.files[sh.id]["parents"] == [folder]
    create = fake.calls("drive.files.create")[0]
    assert create.params["supportsAllDrives"] == "true"
    assert create.body["mimeType"] == "application/vnd.google-apps.spreadsheet"
    assert fake.sheet_titles(sh.id)[0] == "填寫說明"
    assert "Sheet1" not in fake.sheet_titles(sh.id)
    assert fake.count() == 4 and sh.title == "群聚提案"


def test_service_account_without_folder_is_told_to_use_folder_id(client, fake) -> None:
    fake.forbid_create_in_own_drive = True
    with pytest.raises(SheetsError, match="--folder-id") as err:
        create_template(client, "t")
    assert err.value.kind == "storage_quota" and "共用雲端硬碟" in str(err.value)
    assert fake.books == {}


def test_a_bare_403_on_a_service_accounts_own_drive_gets_the_same_hint(client, fake) -> None:
    client.http_client.auth.service_account_email = "bot@proj.iam.gserviceaccount.com"
    fake.fail_next(403, kind="spreadsheets.create")
    with pytest.raises(SheetsError, match="--folder-id") as err:
        create_template(client, "t")
    assert err.value.kind == "storage_quota"


def test_unknown_folder_is_a_clear_error(client, fake) -> None:
    with pytest.raises(SheetsError, match="資料夾 missing") as err:
        create_template(client, "t", folder_id="missing")
    assert err.value.kind == "not_found"


def test_bad_share_address_is_refused_before_any_request(client, fake) -> None:
    with pytest.raises(SheetsError, match="not-an-email"):
        create_template(client, "t", share=["not-an-email"])
    assert fake.count() == 0
    create_template(client, "t", share="one@example.com")  # a lone address, not its letters
    assert fake.count("permissions.create") == 1


# -- read -------------------------------------------------------------------------------------
def test_read_sees_typed_values_and_formulas(client, fake, layout) -> None:
    sh = create_template(client, "t")
    _type(fake, sh.id)
    town = layout.fields["members.township"]
    r = town.first_row
    fake.set_values(
        sh.id, MEMBERS, a1.cell(r, town.first_col - 1), [["臺北市"]], user_entered=False
    )
    fake.set_values(sh.id, MEMBERS, a1.cell(r, town.first_col), [["鳳林鎮"]], user_entered=False)
    amount = layout.fields["budget.amount"]
    fake.set_values(sh.id, BUDGET, _top(layout, "budget.amount"), [[12345]])  # over a formula
    before = fake.count()
    book = read_rawbook(client, f"https://docs.google.com/spreadsheets/d/{sh.id}/edit#gid=0")
    assert fake.count() - before == 2
    call = fake.calls("values.batchGet")[-1]
    assert call.params["valueRenderOption"] == "FORMULA" and call.params["majorDimension"] == "ROWS"
    assert book.source == f"https://docs.google.com/spreadsheets/d/{sh.id}"
    assert set(book.sheets) == {s.title for s in layout.sheets} - {"_lists"}
    assert book.titles == fake.sheet_titles(sh.id)
    members = book.sheets[MEMBERS]
    assert members.cells[(r, town.first_col)] == ("鳳林鎮", None)
    assert members.cells[(r, town.first_col - 1)] == ("臺北市", None)
    assert book.sheets[BUDGET].cells[(amount.first_row, amount.first_col)] == (12345, None)
    subtotal = layout.fields["budget.subtotal"]
    assert book.sheets[BUDGET].cells[(subtotal.first_row, subtotal.first_col)] == (
        None,
        f"=SUM({a1.area(amount.first_row, amount.first_col, amount.last_row, amount.last_col, absolute=True)})",
    )
    assert (1, 1, 1, 3) in members.merged  # the title merge, split at the frozen columns
    employees = layout.fields["members.employees"]
    assert isinstance(members.value(employees.first_row, employees.first_col), int)
    report = check_rawbook(book, today=TODAY)
    rules = Counter(f.rule for f in report.findings)
    assert rules["TOWNSHIP-COUNTY"] == 1 and rules["FORMULA-TAMPERED"] == 1


def test_bare_key_and_url_read_alike_and_digest_tracks_content(client, fake) -> None:
    sh = create_template(client, "t")
    one = read_rawbook(client, sh.id)
    two = read_rawbook(client, sh.url + "/edit#gid=0")
    assert one.digest == two.digest and one.source == two.source
    fake.set_values(sh.id, MEMBERS, "B6", [["新成員"]], user_entered=False)
    assert read_rawbook(client, sh.id).digest != one.digest


def test_read_proposal_of_a_clean_sample_matches_the_file_path(client, fake) -> None:
    sh = create_template(client, "t")
    _type(fake, sh.id)
    book = read_rawbook(client, sh.id)
    sheets = Counter((f.rule, f.severity) for f in check_rawbook(book, today=TODAY).findings)
    files = Counter((f.rule, f.severity) for f in check_data(clean_data()).findings)
    assert sheets == files
    proposal = read_proposal(client, sh.id, today=TODAY)
    assert proposal is not None


def test_external_data_formulas_are_noted(client, fake) -> None:
    sh = create_template(client, "t")
    fake.set_values(sh.id, MEMBERS, "B6", [['=IMPORTRANGE("x","A1")']])
    assert read_rawbook(client, sh.id).notes == ["外部資料公式（IMPORTRANGE）"]


def test_a_spreadsheet_without_meta_is_not_a_template(client, fake) -> None:
    key = fake.add_spreadsheet("別人的試算表")
    with pytest.raises(SheetsError, match="不是 clusterbook") as err:
        read_rawbook(client, key)
    assert err.value.kind == "not_template"
    with pytest.raises(SheetsError, match="不是 clusterbook"):
        annotate(client, key, [])


def test_unknown_spreadsheet_is_not_found(client, fake) -> None:
    with pytest.raises(SheetsError, match="找不到試算表") as err:
        read_rawbook(client, "1doesNotExistAtAll")
    assert err.value.kind == "not_found" and err.value.status == 404


def test_forbidden_spreadsheet_says_whom_to_share_with(client, fake) -> None:
    client.http_client.auth.service_account_email = "bot@proj.iam.gserviceaccount.com"
    key = fake.add_spreadsheet("x")
    fake.fail_next(403, reason="PERMISSION_DENIED")
    with pytest.raises(SheetsError) as err:
        read_rawbook(client, key)
    message = str(err.value)
    assert err.value.kind == "permission" and "分享" in message
    assert "bot@proj.iam.gserviceaccount.com" in message
    assert "fake-token" not in message and "fake-token" not in repr(err.value)


def test_not_a_spreadsheet_address() -> None:
    with pytest.raises(SheetsError, match="看不懂"):
        read_rawbook(None, "https://example.com/nothing here")  # type: ignore[arg-type]


# -- annotate ---------------------------------------------------------------------------------
def test_annotate_twice_replaces_the_first_run(client, fake, layout) -> None:
    sh = create_template(client, "t")
    key = sh.id
    first = [
        Finding("UBN-CHECK", "error", "統一編號檢查碼錯誤", MEMBERS, "D6", "12345678"),
        Finding("FIELD-REQUIRED", "warning", '=HYPERLINK("http://evil")', MEMBERS, "B7", "=1+1"),
        Finding("MEMBER-X", "info", "第三列備註", MEMBERS, "C8"),
        Finding("FILE-ACTIVE-CONTENT", "warning", "整份活頁簿"),
    ]
    before = fake.count()
    annotate(client, sh.url, first)
    assert fake.count() - before <= 3
    d6 = fake.cell(key, MEMBERS, "D6")
    assert "統一編號檢查碼錯誤" in d6["note"] and d6["format"]["backgroundColor"] == color("FFC7CE")
    assert fake.cell(key, MEMBERS, "B7")["format"]["backgroundColor"] == color("FFEB9C")
    assert fake.cell(key, MEMBERS, "C8")["format"]["backgroundColor"] == color("DDEBF7")
    assert fake.sheet_titles(key)[0] == RESULTS_SHEET
    rows = fake.values(key, RESULTS_SHEET)
    assert rows[0] == list(RESULTS_HEADER) and len(rows) == 5
    assert [row[0] for row in rows[1:]] == ["錯誤", "警告", "警告", "資訊"]
    gid = fake.sheet(key, MEMBERS).id
    assert rows[1][3] == f'=HYPERLINK("#gid={gid}&range=D6","D6")'
    evil = next(row for row in rows if row[1] == "FIELD-REQUIRED")
    b7 = fake.cell(key, RESULTS_SHEET, f"E{rows.index(evil) + 1}")
    assert b7["formula"] is None and b7["value"] == '=HYPERLINK("http://evil")'
    assert fake.cell(key, RESULTS_SHEET, f"F{rows.index(evil) + 1}")["formula"] is None

    second = [Finding("UBN-CHECK", "warning", "請再確認統一編號", MEMBERS, "D6", "12345678")]
    before = fake.count()
    annotate(client, key, second)
    assert fake.count() - before <= 3
    d6 = fake.cell(key, MEMBERS, "D6")
    assert d6["note"] == "【警告】請再確認統一編號（UBN-CHECK）"
    assert d6["format"]["backgroundColor"] == color("FFEB9C")
    b7 = fake.cell(key, MEMBERS, "B7")
    assert b7["note"] is None and b7["format"]["backgroundColor"] == color("FFF9DB")  # input
    c8 = fake.cell(key, MEMBERS, "C8")
    assert c8["note"] is None and c8["format"]["backgroundColor"] == color("FFF9DB")
    assert fake.cell(key, MEMBERS, "B7")["format"]["wrapStrategy"] == "WRAP"  # rest kept
    rows = fake.values(key, RESULTS_SHEET)
    assert len(rows) == 2 and rows[1][:3] == ["警告", "UBN-CHECK", MEMBERS]
    assert fake.sheet_titles(key).count(RESULTS_SHEET) == 1

    annotate(client, key, [])
    assert fake.cell(key, MEMBERS, "D6")["note"] is None
    assert fake.values(key, RESULTS_SHEET)[1] == ["", "", "", "", "沒有檢核問題。"]


def test_annotating_a_label_restores_its_role_colour(client, fake, layout) -> None:
    sh = create_template(client, "t")
    annotate(client, sh.id, [Finding("R", "error", "x", MEMBERS, "B5")])  # a header cell
    annotate(client, sh.id, [])
    assert fake.cell(sh.id, MEMBERS, "B5")["format"]["backgroundColor"] == color("DDEBF7")


# -- retries and auth ---------------------------------------------------------------------------
def _retrying(client: gspread.Client) -> list[float]:
    slept: list[float] = []
    http = RetryingHTTPClient(None, session=client.http_client.session)
    http.sleep = slept.append
    client.http_client = http
    return slept


def test_a_transient_429_is_retried(client, fake) -> None:
    key = create_template(client, "t").id
    slept = _retrying(client)
    fake.fail_next(429, times=2)
    before = fake.count()
    assert read_rawbook(client, key).sheets
    assert len(slept) == 2 and fake.count() - before == 4
    fake.fail_next(503)
    read_rawbook(client, key)
    assert len(slept) == 3


def test_a_persistent_429_gives_up_within_bounds(client, fake) -> None:
    key = fake.add_spreadsheet("x")
    slept = _retrying(client)
    fake.fail_next(429, times=RetryingHTTPClient.max_attempts)
    with pytest.raises(SheetsError, match="配額") as err:
        read_rawbook(client, key)
    assert err.value.kind == "quota" and err.value.status == 429
    assert fake.count() == RetryingHTTPClient.max_attempts
    assert sum(slept) <= RetryingHTTPClient.max_wait and len(slept) == fake.count() - 1
    fake.fail_next(500, times=RetryingHTTPClient.max_attempts)
    with pytest.raises(SheetsError, match="暫時無法使用") as err:
        read_rawbook(client, key)
    assert err.value.kind == "unavailable"


def test_permission_errors_are_not_retried(client, fake) -> None:
    key = fake.add_spreadsheet("x")
    slept = _retrying(client)
    fake.fail_next(403)
    with pytest.raises(SheetsError) as err:
        read_rawbook(client, key)
    assert err.value.kind == "permission" and slept == [] and fake.count() == 1


def test_client_from_reports_missing_or_broken_keys(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "none.json"))
    with pytest.raises(SheetsError, match=r"none\.json") as err:
        client_from()
    assert err.value.kind == "credentials"
    broken = tmp_path / "sa.json"
    broken.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": "a@b.c",
                "private_key": "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    with pytest.raises(SheetsError) as err:
        client_from(str(broken))
    assert "TOPSECRET" not in str(err.value) and "TOPSECRET" not in repr(err.value)


def test_client_from_a_service_account_key_retries(tmp_path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": "k",
                "private_key": pem,
                "client_email": "bot@p.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    client = client_from(str(path))
    assert isinstance(client.http_client, RetryingHTTPClient)
    assert client.http_client.auth.service_account_email == "bot@p.iam.gserviceaccount.com"


# -- live ---------------------------------------------------------------------------------------
@pytest.mark.live
@pytest.mark.skipif(
    not os.environ.get("CLUSTERBOOK_LIVE_CREDENTIALS"),
    reason="set CLUSTERBOOK_LIVE_CREDENTIALS to a service-account JSON (and optionally "
    "CLUSTERBOOK_LIVE_FOLDER to a Shared Drive folder id)",
)
def test_live_create_read_delete(monkeypatch) -> None:
    monkeypatch.undo()  # this one talks to Google
    client = client_from(os.environ["CLUSTERBOOK_LIVE_CREDENTIALS"])
    sh = create_template(
        client, "clusterbook live test", folder_id=os.environ.get("CLUSTERBOOK_LIVE_FOLDER") or None
    )
    try:
        book = read_rawbook(client, sh.url)
        assert "_meta" in book.sheets and book.sheets["_meta"].cells
    finally:
        client.del_spreadsheet(sh.id)


def _top(layout, fid: str) -> str:
    """The first cell of a field."""
    ref = layout.fields[fid]
    return a1.cell(ref.first_row, ref.first_col)
