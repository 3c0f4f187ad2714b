"""`clusterbook check`: formats, exit codes, annotated copies; run as a user would."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys

import openpyxl
import pytest

from tests.helpers import clean_data, write_xlsx


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "clusterbook", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    good = write_xlsx(folder, clean_data("tainan-alley"), "good.xlsx")
    bad_data = clean_data()
    bad_data.tables["members"][1].update({"members.county": "臺東縣", "members.township": "吉安鄉"})
    bad_data.tables["budget"][0]["budget.unit_price"] = "=1+1"
    bad_data.tables["budget"][1]["budget.unit_price"] = 900_000
    bad = write_xlsx(folder, bad_data, "bad.xlsx")
    junk = folder / "junk.xlsx"
    junk.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    return folder, good, bad, junk


def test_clean_file_exits_0(files):
    _, good, _, _ = files
    result = run("check", str(good))
    assert result.returncode == 0, result.stderr
    assert f"{good}  符合（" in result.stdout


def test_errors_exit_1_and_json_lists_every_finding(files):
    _, _, bad, _ = files
    result = run("check", str(bad), "--format", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)
    assert {"file", "sheet", "cell", "rule", "severity", "message", "value"} <= set(findings[0])
    got = {(f["rule"], f["sheet"], f["cell"]) for f in findings}
    assert ("TOWNSHIP-COUNTY", "群聚成員", "J7") in got
    assert ("BUDGET-CAP", "經費需求", "B51") in got
    assert ("FIELD-TYPE", "經費需求", "D8") in got


def test_unreadable_input_exits_2_and_others_are_still_checked(files):
    _, good, bad, junk = files
    result = run("check", str(junk), str(good), str(bad), "--format", "json", "--jobs", "2")
    assert result.returncode == 2
    findings = json.loads(result.stdout)
    by_file = {f["file"] for f in findings}
    assert {str(junk), str(bad)} <= by_file
    junk_findings = [f for f in findings if f["file"] == str(junk)]
    assert [f["rule"] for f in junk_findings] == ["FILE-UNREADABLE"]
    assert "CSV" in junk_findings[0]["message"]
    assert "Traceback" not in result.stderr


def test_jobs_give_identical_results_in_order(files):
    _, good, bad, junk = files
    args = ("check", str(bad), str(good), str(junk), str(bad), "--format", "json")
    one = run(*args, "--jobs", "1")
    two = run(*args, "--jobs", "2")
    assert one.stdout == two.stdout and one.returncode == two.returncode == 2


def test_csv_is_inert_in_a_spreadsheet(files):
    _, _, bad, _ = files
    result = run("check", str(bad), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    values = [r["value"] for r in rows if r["rule"] == "FIELD-TYPE" and r["cell"] == "D8"]
    assert values == ["'=1+1"]


def test_annotate_writes_a_marked_copy_and_leaves_the_original(files, tmp_path):
    _, _, bad, _ = files
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    result = run("check", str(bad), "--annotate", str(tmp_path / "out"))
    assert result.returncode == 1
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before
    copy = tmp_path / "out" / "bad.檢核.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "檢核結果"
    cell = wb["群聚成員"]["J7"]
    assert cell.comment is not None and "TOWNSHIP-COUNTY" in cell.comment.text
    assert cell.fill.start_color.rgb.endswith("FFC7CE")
    results = wb["檢核結果"]
    rows = list(results.iter_rows(min_row=2, values_only=True))
    assert any(r[1] == "TOWNSHIP-COUNTY" and r[3] == "J7" for r in rows)
    link = next(c for c in results["D"][1:] if c.value == "J7")
    assert link.hyperlink.location == "'群聚成員'!J7" or link.hyperlink.target == "#'群聚成員'!J7"
    typed = next(c for c in results["F"][1:] if c.value == "=1+1")
    assert typed.data_type == "s"


def test_usage_errors_exit_2(files):
    _, good, _, _ = files
    assert run("check", str(good), "--format", "xml").returncode == 2
    assert run("check").returncode == 2
    missing = run("check", "no-such-file.xlsx")
    assert missing.returncode == 2 and "FILE-UNREADABLE" in missing.stdout
