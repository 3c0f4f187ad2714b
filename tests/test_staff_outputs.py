"""What staff get and hand out: one verdict everywhere, annotated copies that can go back to
applicants (no other proposal's data, no stale marks), outputs that never overwrite someone's
work, revisions that say when they repeat an older one, and a findings table to read at 80
columns."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from clusterbook.annotate import annotate_xlsx
from clusterbook.cli.wrap import cells
from clusterbook.findings import Finding, ordered
from clusterbook.importers import check_source, read_proposal
from clusterbook.register.columns import local_time, register_spec
from clusterbook.workbook.spec import load_program
from clusterbook.workbook.xlsx import STYLES
from tests.cli_run import assert_staff_readable, run
from tests.helpers import clean_data, write_xlsx

SAMPLES = ("changhua-tea", "hualien-valley", "penghu-sea", "tainan-alley")


def cli(*args, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "clusterbook", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo folder and what ``clusterbook demo`` printed."""
    root = tmp_path_factory.mktemp("staff")
    result = cli("demo", "demo", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "demo", result.stdout


def _names(folder: Path) -> dict[str, str]:
    """proposals/<file> → cluster name."""
    return {
        f"proposals/{key}.xlsx": read_proposal(folder / "proposals" / f"{key}.xlsx").fields[
            "proposal.cluster_name"
        ]
        for key in SAMPLES
    }


# -- one verdict ----------------------------------------------------------------------------------
def test_the_verdict_is_the_same_in_demo_import_check_and_export(demo):
    folder, printed = demo
    names = _names(folder)
    by_demo = dict(
        (name, verdict)
        for verdict, name in re.findall(r"^   (符合|不符合) (.+?)（", printed, re.MULTILINE)
    )
    imported = cli("import", *names, cwd=folder)
    by_import = {
        names[src]: verdict
        for src, verdict in re.findall(
            r"^未變更 第 1 版：(\S+)（(符合|不符合)；", imported.stdout, re.M
        )
    }
    checked = cli("check", *names, cwd=folder)  # the folder's register is used
    by_check = {
        names[src]: verdict
        for src, verdict in re.findall(r"^(\S+)  (符合|不符合)（", checked.stdout, re.M)
    }
    assert cli("export", "-o", "again.xlsx", cwd=folder).returncode == 0
    sheet = openpyxl.load_workbook(folder / "again.xlsx", read_only=True)["提案"]
    rows = list(sheet.iter_rows(values_only=True))
    name_col, status_col = rows[0].index("群聚名稱"), rows[0].index("資格檢核結果")
    mine = set(names.values())  # the register also holds the demo's 遴選 proposals
    by_export = {row[name_col]: row[status_col] for row in rows[1:] if row[name_col] in mine}
    assert by_demo == by_import == by_check == by_export, (by_demo, by_import, by_check, by_export)
    assert len(by_demo) == 4
    assert by_demo["縱谷慢遊數位群聚"] == "不符合"  # clean by itself, but shares an owner
    assert by_demo["府城巷弄生活圈"] == "符合"
    alone = cli("check", "proposals/hualien-valley.xlsx", "--no-register", cwd=folder)
    assert "proposals/hualien-valley.xlsx  符合（" in alone.stdout  # the file by itself


def test_import_and_check_print_a_total(demo):
    folder, _ = demo
    for command in ("import", "check"):
        result = cli(command, *(f"proposals/{k}.xlsx" for k in SAMPLES), cwd=folder)
        total = result.stdout.strip().splitlines()[-1]
        assert total.startswith("合計：4 個檔案，符合 2、不符合 2、無法讀取 0；錯誤 "), (
            result.stdout
        )


# -- annotated copies go back to applicants ---------------------------------------------------------
def _strings(proposal) -> set[str]:
    out = {v for v in proposal.fields.values() if isinstance(v, str)}
    for frame in proposal.tables.values():
        if frame is not None:
            out |= {v for v in frame.astype(object).to_numpy().ravel() if isinstance(v, str)}
    return {s.strip() for s in out if len(s.strip()) >= 2}


def _text(path: Path) -> str:
    """Every part's text, character references resolved (openpyxl writes CJK as &#…;)."""
    with zipfile.ZipFile(path) as zf:
        return html.unescape("".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()))


def _others(folder: Path, mine: str, other: str) -> set[str]:
    """What the other proposal holds (names, firms, phones, e-mails …) that mine and the rule
    catalog's messages (which name the guide's own terms, such as 新住民) do not."""
    own = _text(folder / "proposals" / f"{mine}.xlsx")
    own += " ".join(r.message for r in load_program().rules.values())
    theirs = _strings(read_proposal(folder / "proposals" / f"{other}.xlsx"))
    return {s for s in theirs if s not in own}


def test_annotated_copies_hold_no_other_proposals_data(demo, tmp_path):
    folder, _ = demo
    check = cli(
        "check", "proposals/hualien-valley.xlsx", "--annotate", tmp_path / "out", cwd=folder
    )
    assert check.returncode == 1, check.stderr
    copies = {
        "demo": folder / "annotated" / "hualien-valley.檢核.xlsx",
        "check": tmp_path / "out" / "hualien-valley.檢核.xlsx",
    }
    secrets = _others(folder, "hualien-valley", "penghu-sea")
    assert {"澎湖海味群聚", "望安小管乾舖"} <= secrets
    assert any(re.fullmatch(r"09\d{2}-?\d{3}-?\d{3}", s) for s in secrets)  # their phones
    for how, path in copies.items():
        text = _text(path)
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, (how, leaked)
        wb = openpyxl.load_workbook(path)
        marked = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
        notes = " ".join(c.comment.text for c in marked)
        assert "與另一提案重複（請洽承辦人）" in notes, how
        listed = [r[4] for r in wb["檢核結果"].iter_rows(min_row=2, values_only=True)]
        assert any("與另一提案重複（請洽承辦人）" in m for m in listed)
    staff = json.loads(
        cli("check", "proposals/hualien-valley.xlsx", "-f", "json", cwd=folder).stdout
    )
    assert any("澎湖海味群聚" in f["message"] for f in staff)  # staff keep the detail


@pytest.mark.usefixtures("no_network")
def test_google_sheets_annotations_hold_no_other_proposals_data():
    from clusterbook.gsheets import annotate, create_template
    from tests.fakes.google import fake_client

    client, fake = fake_client()
    sheet = create_template(client, "縱谷慢遊數位群聚 提案")
    staff = Finding(
        "REG-DUP-OWNER",
        "error",
        "「群聚成員」工作表 T9：負責人「方家文」（縱谷慢遊數位群聚）也是群聚「澎湖海味群聚」"
        "第 7 列 望安小管乾舖 的負責人；同一負責人限參與1個群聚。",
        "群聚成員",
        "T9",
        "方家文",
    )
    annotate(client, sheet.id, [staff])
    written = json.dumps([c.body for c in fake.calls()], ensure_ascii=False)
    for secret in ("澎湖海味群聚", "望安小管乾舖", "第 7 列"):
        assert secret not in written
    assert "與另一提案重複（請洽承辦人）" in fake.cell(sheet.id, "群聚成員", "T9")["note"]
    fake.assert_clean()


def _fills(wb) -> dict[tuple[str, str], str | None]:
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                rgb = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
                out[(ws.title, c.coordinate)] = rgb[-6:] if isinstance(rgb, str) else None
    return out


def _marks(path: Path, looks: dict) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """Every comment, and every cell whose colour is not the template's (``looks``), on the
    applicant's sheets."""
    wb = openpyxl.load_workbook(path)
    fills = _fills(wb)
    out = {}
    for ws in wb.worksheets:
        if ws.title == "檢核結果":
            continue
        for row in ws.iter_rows():
            for c in row:
                key = (ws.title, c.coordinate)
                if c.comment is not None or fills[key] != looks.get(key):
                    out[key] = (c.comment and c.comment.text, fills[key])
    return out


def _annotate(source: Path, out: Path) -> Path:
    return annotate_xlsx(source, check_source(source).findings, out)


def test_annotating_again_leaves_no_stale_mark(demo, tmp_path, template_file):
    folder, _ = demo
    looks = _fills(openpyxl.load_workbook(template_file))
    first = _annotate(folder / "proposals" / "penghu-sea.xlsx", tmp_path / "first.xlsx")
    again = _annotate(first, tmp_path / "again.xlsx")
    assert _marks(again, looks) == _marks(first, looks)  # idempotent
    wb = openpyxl.load_workbook(first)  # the applicant fixes two cells in the copy
    members = wb["群聚成員"]
    assert members["N10"].comment is not None and members["D9"].comment is not None
    members["N10"] = 12
    members["D9"] = "70292413"
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    after = _annotate(fixed, tmp_path / "after.xlsx")
    marks = _marks(after, looks)
    assert ("群聚成員", "N10") not in marks and ("群聚成員", "D9") not in marks
    report = check_source(fixed)
    anchors = {(f.sheet, f.cell) for f in report.findings if f.cell and f.sheet != "_meta"}
    assert set(marks) <= anchors and all(note for note, _ in marks.values())
    input_fill = STYLES["input"][1].fgColor.rgb[-6:]
    n10 = openpyxl.load_workbook(after)["群聚成員"]["N10"]
    assert n10.comment is None and n10.fill.fgColor.rgb[-6:] == input_fill


# -- outputs never overwrite someone's work ------------------------------------------------------
def test_template_refuses_a_filled_proposal_and_fixes_or_refuses_extensions(
    capsys, monkeypatch, tmp_path
):
    filled = write_xlsx(tmp_path, clean_data(), "keep.xlsx")
    before = filled.read_bytes()
    refused = run(capsys, monkeypatch, ["template", "-o", filled])
    assert refused.code == 2 and "--force" in refused.err and filled.read_bytes() == before
    assert_staff_readable(refused, 80)
    assert run(capsys, monkeypatch, ["template", "-o", tmp_path / "new"]).code == 0
    assert (tmp_path / "new.xlsx").is_file()
    again = run(capsys, monkeypatch, ["template", "-o", tmp_path / "new.xlsx"])
    assert again.code == 0  # an unfilled template may be replaced
    wrong = run(capsys, monkeypatch, ["template", "-o", tmp_path / "x.txt"])
    assert wrong.code == 2 and "x.xlsx" in wrong.err and not (tmp_path / "x.txt").exists()
    forced = run(capsys, monkeypatch, ["template", "-o", filled, "--force"])
    assert forced.code == 0 and filled.read_bytes() != before


@pytest.mark.parametrize("command", [["export"], ["review", "results"]], ids=" ".join)
def test_export_and_results_replace_only_their_own_workbook(
    demo, capsys, monkeypatch, tmp_path, command
):
    folder, _ = demo
    register = folder / "clusterbook.sqlite"
    theirs = write_xlsx(tmp_path, clean_data(), "master.xlsx")
    before = theirs.read_bytes()
    refused = run(capsys, monkeypatch, [*command, "-r", register, "-o", theirs])
    assert refused.code == 2 and theirs.read_bytes() == before
    assert "--force" in refused.err
    csv = run(capsys, monkeypatch, [*command, "-r", register, "-o", tmp_path / "out.csv"])
    assert csv.code == 2 and "out.xlsx" in csv.err and not (tmp_path / "out.csv").exists()
    ours = tmp_path / "mine.xlsx"
    assert run(capsys, monkeypatch, [*command, "-r", register, "-o", ours]).code == 0
    assert run(capsys, monkeypatch, [*command, "-r", register, "-o", ours]).code == 0
    other = "master.xlsx" if command == ["review", "results"] else "評選結果.xlsx"
    assert run(capsys, monkeypatch, [*command, "-r", register, "-o", folder / other]).code == 2


def test_annotated_copies_never_replace_inputs_or_foreign_files(
    demo, capsys, monkeypatch, tmp_path
):
    folder, _ = demo
    source = tmp_path / "in" / "hualien-valley.檢核.xlsx"
    source.parent.mkdir()
    source.write_bytes((folder / "annotated" / "hualien-valley.檢核.xlsx").read_bytes())
    onto_input = run(capsys, monkeypatch, ["check", source, "--annotate", source.parent])
    assert onto_input.code == 2 and "會覆蓋要檢核的檔案" in onto_input.err
    foreign = tmp_path / "out" / "penghu-sea.檢核.xlsx"
    foreign.parent.mkdir()
    foreign.write_bytes(b"someone's notes")
    penghu = folder / "proposals" / "penghu-sea.xlsx"
    refused = run(capsys, monkeypatch, ["check", penghu, "--annotate", foreign.parent])
    assert refused.code == 2 and foreign.read_bytes() == b"someone's notes"
    other = tmp_path / "other" / "penghu-sea.xlsx"
    other.parent.mkdir()
    other.write_bytes(penghu.read_bytes())
    both = run(capsys, monkeypatch, ["check", penghu, other, "--annotate", tmp_path / "two"])
    assert both.code == 1
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "penghu-sea-2.檢核.xlsx",
        "penghu-sea.檢核.xlsx",
    ]
    again = run(capsys, monkeypatch, ["check", penghu, "--annotate", tmp_path / "two"])
    assert again.code == 1  # our own earlier copy is replaced


# -- revisions ------------------------------------------------------------------------------------
def test_an_older_file_imported_again_says_which_revision_it_repeats(capsys, monkeypatch, tmp_path):
    original = write_xlsx(tmp_path, clean_data("tainan-alley"), "tainan.xlsx")
    first = original.read_bytes()
    args = ["import", "tainan.xlsx", "-r", "r.sqlite"]
    assert run(capsys, monkeypatch, args, cwd=tmp_path).code == 0
    wb = openpyxl.load_workbook(original)
    wb["經費需求"]["E8"] = 7
    wb.save(original)
    changed = run(capsys, monkeypatch, args)
    assert "新版本 第 2 版" in changed.out and "相同" not in changed.out
    original.write_bytes(first)
    back = run(capsys, monkeypatch, args)
    assert back.code == 0
    assert "新版本 第 3 版" in back.out
    assert "內容與第 1 版相同，已設為目前版本" in back.out
    stamp = re.search(r"第 1 版匯入於 (\d{3}/\d\d/\d\d \d\d:\d\d)", back.out)
    assert stamp, back.out
    assert_staff_readable(back, 80)


def test_times_are_shown_in_taipei():
    assert register_spec().tz.key == "Asia/Taipei"
    assert local_time("2023-03-08T06:05:00+00:00") == "112/03/08 14:05"
    assert local_time("2023-03-08T20:30:00+00:00") == "112/03/09 04:30"


# -- the findings table ---------------------------------------------------------------------------
def test_findings_order_by_severity_sheet_order_then_row_and_column():
    f = [
        Finding("I", "info", "", "群聚成員", "B9"),
        Finding("E1", "error", "", "經費需求", "B10"),
        Finding("E2", "error", "", "群聚成員", "B10"),
        Finding("E3", "error", "", "群聚成員", "B9"),
        Finding("E4", "error", "", "群聚成員", "AA9"),
        Finding("E5", "error", "", "群聚成員", "C9"),
        Finding("W", "warning", "", "資格檢核", "C9"),
        Finding("F", "error", "整份檔案"),
    ]
    got = [x.rule for x in ordered(f, ["資格檢核", "提案單位", "群聚成員", "經費需求"])]
    assert got == ["F", "E3", "E5", "E4", "E2", "E1", "W", "I"]


@pytest.mark.parametrize("columns", [80, 200])
def test_the_findings_table_reads_well(demo, columns):
    folder, _ = demo
    result = cli("check", "proposals/penghu-sea.xlsx", "--no-register", cwd=folder, columns=columns)
    lines = result.stdout.splitlines()
    assert all(cells(line) <= columns for line in lines), result.stdout
    assert not [ln for ln in lines if ln.strip()[:1] in "，。、；：）」"], result.stdout
    assert lines[-1].startswith("合計：1 個檔案，符合 0、不符合 1、無法讀取 0；錯誤 8")
    heads = re.findall(
        r"^  (錯誤|警告|資訊)\s+([A-Z0-9-]+)\s+(\S+)!([A-Z]+)(\d+)", result.stdout, re.M
    )
    assert len(heads) >= 10
    sheets = [
        ws for ws in openpyxl.load_workbook(folder / "proposals" / "penghu-sea.xlsx").sheetnames
    ]
    rank = {"錯誤": 0, "警告": 1, "資訊": 2}
    keys = [(rank[s], sheets.index(sh), int(row), len(col), col) for s, _, sh, col, row in heads]
    assert keys == sorted(keys)
    if columns == 80:  # two lines a finding: the message gets the width
        assert re.search(r"^  錯誤 FIELD-TYPE  群聚成員!N10\n      「", result.stdout, re.M)
    else:
        assert re.search(r"^  錯誤  FIELD-TYPE\s+群聚成員!N10\s+「", result.stdout, re.M)
