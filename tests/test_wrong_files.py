"""The wrong files staff receive are named for what they are, with the right advice: by their
bytes, whatever their name; a typo or a folder is not the applicant's fault; a Google Sheets
address without credentials gets the credentials hint."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from clusterbook.importers import check_source
from clusterbook.workbook.xlsx import template_bytes
from tests.cli_run import assert_staff_readable, run
from tests.hostile import ole_file

SAVE_AS = "另存"


def _zip(entries: dict[str, bytes], first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        if first:
            zf.writestr(zipfile.ZipInfo(first), entries.pop(first))  # stored, as ODF requires
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"
DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODS = _zip(
    {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
    first="mimetype",
)
ZIP = _zip({"提案/縱谷.xlsx": template_bytes("dc112")[:2000], "說明.txt": "請審閱".encode()})
HTML = "<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body><table><tr><td>群聚</td></tr></table></body></html>".encode()
CSV_UTF8 = "群聚名稱,統一編號,負責人\n府城巷弄生活圈,90453812,王小明\n".encode()
CSV_BIG5 = "群聚名稱,統一編號\n府城巷弄生活圈,90453812\n".encode("big5")
TEXT = "這份提案的內容請見附件。\r\n謝謝！\r\n".encode("utf-16")

KINDS = {
    # name: (bytes, words the message must hold)
    "pdf": (PDF, ("PDF",)),
    "docx": (DOCX, ("Word", ".docx")),
    "ods": (ODS, ("OpenDocument", ".ods", SAVE_AS)),
    "xls": (ole_file(("Workbook", "\x05SummaryInformation")), ("97-2003", ".xls", SAVE_AS)),
    "doc": (ole_file(("WordDocument", "1Table")), ("Word", ".doc")),
    "zip": (ZIP, ("ZIP", "解壓縮")),
    "png": (PNG, ("圖片", "PNG")),
    "jpeg": (JPEG, ("圖片", "JPEG")),
    "gif": (GIF, ("圖片", "GIF")),
    "html": (HTML, ("網頁", "HTML")),
    "csv": (CSV_UTF8, ("CSV",)),
    "csv-big5": (CSV_BIG5, ("CSV",)),
    "text-utf16": (TEXT, ("純文字",)),
}


@pytest.mark.parametrize("renamed", [False, True], ids=["own-name", "renamed-xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_wrong_file_is_named_by_its_bytes(tmp_path, kind, renamed):
    data, words = KINDS[kind]
    path = tmp_path / (f"提案.{kind}.xlsx" if renamed else f"提案.{kind.split('-')[0]}")
    path.write_bytes(data)
    [finding] = check_source(path).findings
    assert finding.rule == "FILE-UNREADABLE" and finding.fatal
    assert all(w in finding.message for w in words), finding.message
    assert "無法辨識" not in finding.message


def test_every_wrong_file_reads_well_at_80_columns(capsys, monkeypatch, tmp_path):
    paths = []
    for kind, (data, _) in KINDS.items():
        paths.append(Path("收件匣") / f"{kind}.xlsx")
        (tmp_path / paths[-1]).parent.mkdir(exist_ok=True)
        (tmp_path / paths[-1]).write_bytes(data)
    result = run(capsys, monkeypatch, ["check", "--no-register", *paths], 80, cwd=tmp_path)
    assert result.code == 2
    assert_staff_readable(result, 80)
    assert f"合計：{len(paths)} 個檔案，符合 0、不符合 0、無法讀取 {len(paths)}" in result.out


READERS = {
    # command: (its arguments before the file, whether it reads CSV itself)
    "check": (["check", "--no-register"], False),
    "import": (["import", "--register", "r.sqlite"], False),
    "document": (["document", "-o", "d.docx"], False),
    "review import": (["review", "import", "--register", "r.sqlite"], False),
    "history import": (["history", "import", "--register", "r.sqlite"], True),
}


@pytest.mark.parametrize("command", READERS)
def test_every_command_that_reads_files_names_the_wrong_ones(
    capsys, monkeypatch, tmp_path, template_file, command
):
    """The same wrong files given to each command: named, with advice for what that command
    reads (a scoring sheet or a roster is not made from the proposal template)."""
    from clusterbook.register import import_sources

    import_sources([str(template_file)], tmp_path / "r.sqlite", jobs=1)
    args, reads_csv = READERS[command]
    for kind, (data, words) in KINDS.items():
        if reads_csv and kind.startswith(("csv", "text")):
            continue
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(data)
        result = run(capsys, monkeypatch, [*args, path.name], 80, cwd=tmp_path)
        assert result.code == 2, (kind, result)
        assert_staff_readable(result, 80)
        said = "".join(result.text.split())
        assert all(w in said for w in words), (kind, result.text)
        if command in ("review import", "history import"):
            assert "提案範本" not in said, (kind, result.text)
    assert not (tmp_path / "d.docx").exists()


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_a_typo_or_a_folder_gets_no_applicant_advice(tmp_path, where):
    path = tmp_path / "提案.xlsx"
    if where == "folder":
        path.mkdir()
    [finding] = check_source(path).findings
    assert SAVE_AS not in finding.message and "重新送出" not in finding.message
    assert ("找不到檔案" if where == "missing" else "資料夾") in finding.message


def test_a_google_address_without_credentials_gets_the_credentials_hint(
    capsys, monkeypatch, tmp_path
):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    url = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd/edit"
    checked = run(capsys, monkeypatch, ["check", url, "--format", "json", "--no-register"])
    [finding] = json.loads(checked.out)
    created = run(capsys, monkeypatch, ["gsheets", "create", "--title", "群聚提案"])
    hint = "請用 --credentials 指定，或設定環境變數 GOOGLE_APPLICATION_CREDENTIALS"
    assert finding["rule"] == "SHEET-UNREADABLE" and hint in finding["message"]
    assert "找不到檔案" not in finding["message"]
    assert "".join(hint.split()) in "".join(created.err.split())
    assert checked.code == created.code == 2


@pytest.mark.parametrize(
    "address, words",
    [
        ("https://docs.google.com/spreadsheets/d/abc/edit", ("網址不完整",)),
        ("https://example.com/proposal.xlsx", ("不是 Google 試算表", "下載")),
    ],
)
def test_other_addresses_are_named_before_any_credentials(address, words):
    from clusterbook.sources import check_google

    [finding] = check_google(address, credentials="/nonexistent.json").findings
    assert all(w in finding.message for w in words) and "--credentials" not in finding.message


@pytest.mark.libreoffice
def test_files_libreoffice_writes_are_named(tmp_path, template_file):
    """The real thing: the template saved by LibreOffice as .ods, .xls, .pdf and .csv."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")
    expected = {"ods": "OpenDocument", "xls": "97-2003", "pdf": "PDF", "csv": "CSV"}
    for ext in expected:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                "--headless",
                "--convert-to",
                ext,
                "--outdir",
                str(tmp_path),
                str(template_file),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    for ext, word in expected.items():
        made = tmp_path / f"{Path(template_file).stem}.{ext}"
        renamed = made.with_suffix(".xlsx")
        shutil.copy(made, renamed)
        for path in (made, renamed):
            [finding] = check_source(path).findings
            assert word in finding.message, (path, finding.message)
