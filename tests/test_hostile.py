"""Hostile inputs (tests/hostile.py) thrown at ``clusterbook check`` and ``clusterbook import``.

Every case runs as a user would run it: ``python -m clusterbook`` in a subprocess, with a time
limit and a 2 GiB address-space limit. For every case: the documented exit code, zh-TW findings
that name the problem, no traceback, and a register left unchanged by unusable inputs (and by a
second import of a readable one). Annotated copies, the master.xlsx export and the reader's
failure modes are checked on the cases they concern.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from clusterbook.importers import check_rawbook
from clusterbook.importers.xlsx import Limits, UnreadableError, read_xlsx_bytes
from tests import hostile
from tests.hostile import CASES, Case

GIB = 2**30
TIMEOUT = 300
"""Wall-clock seconds before a run is killed (a safety net, not a measure)."""
REASONABLE = 30
"""CPU seconds a run may use (most use about one); CPU time, unlike wall-clock time, does not
grow when the machine is busy with other work."""
PARALLEL = 3
FATAL = ("FILE-UNREADABLE", "TEMPLATE-UNKNOWN")
CJK = re.compile(r"[\u4e00-\u9fff]")
TRACEBACK = ("Traceback", "未預期的錯誤")
BY_NAME = {c.name: c for c in CASES}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * GIB, 2 * GIB))


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    """CPU time (user + system) of the process."""

    def clean(self) -> None:
        """No traceback, no 'unexpected error', within the CPU budget."""
        for marker in TRACEBACK:
            assert marker not in self.stdout and marker not in self.stderr, self
        assert self.seconds < REASONABLE, f"{self.args} took {self.seconds:.1f} s"


def run_many(commands: list[list[str]], cwd: Path) -> list[Run]:
    """Run ``clusterbook`` commands as subprocesses, a few at a time, each under the limits.

    Processes are started and polled from this thread only (``preexec_fn`` is not thread-safe);
    their output goes to files, read when they end.
    """
    logs = Path(tempfile.mkdtemp(dir=cwd, prefix="runs-"))
    results: dict[int, Run] = {}
    pending = list(enumerate(commands))
    running: dict[int, tuple[subprocess.Popen, float]] = {}
    while pending or running:
        while pending and len(running) < PARALLEL:
            i, args = pending.pop(0)
            out, err = (
                os.open(logs / f"{i}.{s}", os.O_WRONLY | os.O_CREAT) for s in ("out", "err")
            )
            proc = subprocess.Popen(
                [sys.executable, "-m", "clusterbook", *args],
                stdout=out,
                stderr=err,
                cwd=cwd,
                preexec_fn=_limit_memory,
            )
            os.close(out)
            os.close(err)
            running[i] = (proc, time.monotonic())
        for i, (proc, start) in list(running.items()):
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            code = None if pid == 0 else os.waitstatus_to_exitcode(status)
            if code is None and time.monotonic() - start > TIMEOUT:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                code = os.waitstatus_to_exitcode(status)
            if code is not None:
                proc.returncode = code  # reaped here: Popen must not wait for it again
                seconds = usage.ru_utime + usage.ru_stime
                stdout, stderr = ((logs / f"{i}.{s}").read_text("utf-8") for s in ("out", "err"))
                results[i] = Run(commands[i], code, stdout, stderr, seconds)
                del running[i]
        time.sleep(0.02)
    return [results[i] for i in range(len(commands))]


def snapshot(db: Path) -> dict[str, list[str]]:
    """Every row of every table (and the schema), comparable before and after a run."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
        out["sqlite_master"] = sorted(map(repr, conn.execute("SELECT * FROM sqlite_master")))
        return out
    finally:
        conn.close()


def sources_in(db: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {s for (s,) in conn.execute("SELECT source FROM submissions")}
    finally:
        conn.close()


@dataclass
class Outcome:
    """One case: its file, the check run, and the register before and after each import."""

    path: Path
    annotated: Path
    db: Path
    before: dict
    check: Run | None = None
    first: Run | None = None
    after_first: dict | None = None
    second: Run | None = None
    after_second: dict | None = None

    @property
    def findings(self) -> list[dict]:
        return [f for f in json.loads(self.check.stdout) if f["file"] == str(self.path)]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Every case checked (with --annotate) and imported, a few processes at a time.

    Unusable files (exit 2) are checked in one run and imported in another, into one register:
    they must all leave it unchanged. Each readable file is checked alone and imported alone,
    twice, into its own register. Every register is seeded with another, clean proposal, so
    that no table is empty.
    """
    root = tmp_path_factory.mktemp("hostile")
    paths = hostile.write_corpus(root / "corpus")
    seed, seed_db = root / "seed.xlsx", root / "seed.sqlite"
    seed.write_bytes(hostile.filled_bytes(hostile.clean_data("hualien-valley")))
    (seeded,) = run_many([["import", str(seed), "--register", str(seed_db)]], root)
    assert seeded.returncode == 0, seeded

    def register(folder: Path) -> Path:
        folder.mkdir()
        return Path(shutil.copy(seed_db, folder / "register.sqlite"))

    unusable = [c for c in CASES if c.exit == 2]
    readable = [c for c in CASES if c.exit != 2]
    shared = register(root / "unusable")
    out = {
        c.name: Outcome(paths[c.name], root / "unusable" / "copies", shared, snapshot(shared))
        for c in unusable
    }
    files = [str(paths[c.name]) for c in unusable]
    commands = [
        ["check", *files, "--format", "json", "--annotate", str(root / "unusable" / "copies")],
        ["import", *files, "--register", str(shared)],
    ]
    for c in readable:
        db = register(root / c.name)
        o = out[c.name] = Outcome(paths[c.name], root / c.name / "copies", db, snapshot(db))
        commands.append(["check", str(o.path), "--format", "json", "--annotate", str(o.annotated)])
        commands.append(["import", str(o.path), "--register", str(db)])
    runs = iter(run_many(commands, root))
    check, first = next(runs), next(runs)
    after = snapshot(shared)
    for c in unusable:
        out[c.name].check, out[c.name].first, out[c.name].after_first = check, first, after
    for c in readable:
        o = out[c.name]
        o.check, o.first = next(runs), next(runs)
        o.after_first = snapshot(o.db)
    again = run_many(
        [["import", str(out[c.name].path), "--register", str(out[c.name].db)] for c in readable],
        root,
    )
    for c, second in zip(readable, again, strict=True):
        out[c.name].second, out[c.name].after_second = second, snapshot(out[c.name].db)
    return out


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 30
    assert {c.exit for c in CASES} == {0, 1, 2}
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_check(outcomes, case: Case):
    o = outcomes[case.name]
    o.check.clean()
    assert o.check.returncode == case.exit, o.check
    findings = o.findings
    for f in findings:
        assert CJK.search(f["message"]), f
    rules = [f["rule"] for f in findings]
    assert set(case.rules) <= set(rules), rules
    if case.words:
        named = [f["message"] for f in findings if f["rule"] == case.rules[0]]
        assert any(all(w in m for w in case.words) for m in named), named
    if case.exit == 2:
        assert len(findings) == 1 and rules[0] in FATAL, findings
        assert not o.annotated.exists() or not any(o.annotated.iterdir())
        return
    assert not set(rules) & set(FATAL), rules
    assert any(f["severity"] == "error" for f in findings) == (case.exit == 1), findings
    _plain_xlsx(o.annotated / f"{o.path.stem}.檢核.xlsx")


def _plain_xlsx(path: Path) -> None:
    """An annotated copy: a plain .xlsx, nothing active in it."""
    assert path.exists(), path
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
        rels = b"".join(z.read(n) for n in names if n.endswith(".rels")).lower()
    assert "xl/workbook.xml" in names
    assert not [n for n in names if "vbaproject" in n.lower() or "externallink" in n.lower()]
    assert "macroEnabled" not in types and "template" not in types
    assert b"javascript" not in rels and b"externallink" not in rels


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_import(outcomes, case: Case):
    o = outcomes[case.name]
    o.first.clean()
    assert o.first.returncode == case.exit, o.first
    if case.exit == 2:
        unwrapped = re.sub(r"\n +", "", o.first.stdout)  # lines wrap at the terminal's width
        assert f"無法讀取：{o.path}（" in unwrapped
        assert o.after_first == o.before, "an unusable file changed the register"
        assert str(o.path) not in sources_in(o.db)
        return
    assert str(o.path) in sources_in(o.db), "a readable proposal is registered"
    assert o.after_first != o.before
    assert o.second is not None
    o.second.clean()
    assert o.second.returncode == case.exit, o.second
    assert "未變更" in o.second.stdout
    assert o.after_second == o.after_first, "importing the same file again changed the register"


def test_an_unusable_file_does_not_stop_the_others(outcomes, tmp_path):
    names = ("empty", "clean_workbook", "zip_bomb_declared", "wrong_types", "xxe_workbook")
    paths = [str(outcomes[n].path) for n in names]
    (run,) = run_many([["check", *paths, "--format", "json", "--jobs", "2"]], tmp_path)
    run.clean()
    assert run.returncode == 2
    findings = json.loads(run.stdout)
    by_file = {}
    for f in findings:
        by_file.setdefault(f["file"], set()).add(f["rule"])
    assert set(by_file) == set(paths)
    assert by_file[str(outcomes["empty"].path)] == {"FILE-UNREADABLE"}
    assert "FIELD-TYPE" in by_file[str(outcomes["wrong_types"].path)]


def test_a_macro_workbook_is_copied_without_its_macros(outcomes):
    o = outcomes["xlsm_macro"]
    copy = o.annotated / "xlsm_macro.檢核.xlsx"
    assert [p.name for p in o.annotated.iterdir()] == [copy.name]
    _plain_xlsx(copy)
    wb = openpyxl.load_workbook(copy)
    assert wb.vba_archive is None
    assert "檢核結果" in wb.sheetnames


def test_formula_like_text_stays_text_everywhere(outcomes, tmp_path):
    o = outcomes["formula_like_text"]
    assert {"=1+1", "@SUM(A1:A9)"} <= {f["value"] for f in o.findings}  # values in the JSON
    typed = {*hostile.RISKY, hostile.HYPERLINK}
    copy = openpyxl.load_workbook(o.annotated / "formula_like_text.檢核.xlsx")
    cells = _cells_with(copy, typed)
    assert {c.value for c in cells} == typed
    for c in cells:
        assert c.data_type == "s", (c.parent.title, c.coordinate, c.value)
    master = tmp_path / "master.xlsx"
    (run,) = run_many([["export", "-o", str(master), "--register", str(o.db)]], tmp_path)
    run.clean()
    assert run.returncode == 0, run
    cells = _cells_with(openpyxl.load_workbook(master), typed)
    assert {c.value for c in cells} >= typed - {"\tcmd"}  # stored trimmed: "cmd"
    for c in cells:
        assert c.data_type == "s" and c.quotePrefix, (c.parent.title, c.coordinate, c.value)


def _cells_with(wb, values: set[str]) -> list:
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value in values]


def test_formulas_typed_into_input_cells_are_copied_as_text(outcomes):
    o = outcomes["formula_in_input_cell"]
    wb = openpyxl.load_workbook(o.annotated / "formula_in_input_cell.檢核.xlsx")
    ws = wb["群聚成員"]
    products, improve = (
        hostile.field_cell("members.products"),
        hostile.field_cell("members.improve"),
    )
    assert ws[products].data_type == "s" and ws[products].value == "=cmd|' /C calc'!A0"
    assert ws[improve].data_type == "s" and ws[improve].value.startswith("=WEBSERVICE(")
    assert ws[hostile.field_cell("members.tier")].data_type == "f"  # the template's own stay


def test_copies_of_broken_or_huge_workbooks_list_the_findings_alone(outcomes):
    for name in ("million_empty_rows", "regex_bomb_unclosed_tags"):
        copy = outcomes[name].annotated / f"{name}.檢核.xlsx"
        wb = openpyxl.load_workbook(copy)
        assert wb.sheetnames == ["檢核結果"], name
        notes = [c.value for c in wb["檢核結果"]["E"] if c.value and "只列出檢核結果" in c.value]
        assert notes, name


def test_control_characters_are_shown_not_written(outcomes):
    o = outcomes["control_chars_and_emoji"]
    wb = openpyxl.load_workbook(o.annotated / "control_chars_and_emoji.檢核.xlsx")
    messages = [c.value for c in wb["檢核結果"]["E"] if c.value]
    assert any("\\x01" in m and "早餐" in m for m in messages), messages
    assert any("🍵" in m for m in messages)


def test_merged_cells_get_their_comment_on_the_first_cell(outcomes):
    o = outcomes["merged_cells_in_table"]
    wb = openpyxl.load_workbook(o.annotated / "merged_cells_in_table.檢核.xlsx")
    text = wb["群聚成員"]["B7"].comment.text  # C7, inside B7:C8, is shown there too
    assert "TABLE-MERGED" in text and "C7" in text


def test_export_with_control_characters_in_findings(outcomes, tmp_path):
    o = outcomes["control_chars_and_emoji"]
    (run,) = run_many(
        [["export", "-o", str(tmp_path / "m.xlsx"), "--register", str(o.db)]], tmp_path
    )
    run.clean()
    assert run.returncode == 0


def test_table_output_shows_markup_like_text_as_text(outcomes, tmp_path):
    (run,) = run_many([["check", str(outcomes["console_markup"].path)]], tmp_path)
    run.clean()
    assert run.returncode == 1 and "[/x]" in run.stdout


def test_a_file_name_that_is_not_utf8_is_imported(outcomes, tmp_path):
    name = tmp_path / os.fsdecode(b"\xff\xfe.xlsx")
    shutil.copy(outcomes["clean_workbook"].path, name)
    (run,) = run_many([["import", str(name), "--register", str(tmp_path / "r.sqlite")]], tmp_path)
    run.clean()
    assert run.returncode == 0


# --- the reader alone, in this process ------------------------------------------------------


def test_random_damage_gives_a_finding_never_a_crash():
    """Bytes flipped anywhere (mostly in the zip directory): unreadable or read, nothing else."""
    good = hostile.base("fuzz")
    directory = good.rfind(b"PK\x01\x02") - 2000
    rng = random.Random(20240611)
    outcomes = {"unreadable": 0, "read": 0}
    for _ in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            at = (
                rng.randrange(directory, len(data))
                if rng.random() < 0.7
                else rng.randrange(len(data))
            )
            data[at] = rng.randrange(256)
        try:
            book = read_xlsx_bytes(bytes(data), "fuzz.xlsx")
            for title in book.titles:
                book.sheet(title)
        except UnreadableError as exc:
            assert CJK.search(str(exc))
            outcomes["unreadable"] += 1
        else:
            check_rawbook(book)
            outcomes["read"] += 1
    assert outcomes["unreadable"] and outcomes["read"]


def test_total_uncompressed_size_and_entry_count_are_bounded():
    data = hostile.base("limits")
    with pytest.raises(UnreadableError, match="解壓縮後超過"):
        read_xlsx_bytes(data, "x.xlsx", Limits(total_bytes=2**19))
    with pytest.raises(UnreadableError, match="項目超過"):
        read_xlsx_bytes(data, "x.xlsx", Limits(max_parts=10))
    with pytest.raises(UnreadableError, match="儲存格超過"):
        read_xlsx_bytes(data, "x.xlsx", Limits(max_cells=1_000))


def test_cells_below_the_row_limit_are_not_read():
    xml_rows = '<row r="5001"><c r="B5001" t="inlineStr"><is><t>遠</t></is></c></row>'
    data = hostile.edit_part(
        hostile.base("rows"),
        hostile.part_of("群聚成員"),
        lambda x: x.replace("</sheetData>", xml_rows + "</sheetData>"),
    )
    sheet = read_xlsx_bytes(data, "x.xlsx").sheet("群聚成員")
    assert sheet is not None and (5001, 2) not in sheet.cells
    assert read_xlsx_bytes(data, "x.xlsx", Limits(max_row=6000)).sheet("群聚成員").cells[
        (5001, 2)
    ] == ("遠", None)


def test_escaped_surrogates_are_joined_or_replaced():
    xml = '<c r="R6" t="inlineStr"><is><t>茶_xD83C__xDF75_飲_xD800_</t></is></c>'
    data = hostile.edit_sheets(hostile.base("esc"), {"群聚成員": {"R6": xml}})
    sheet = read_xlsx_bytes(data, "x.xlsx").sheet("群聚成員")
    assert sheet.value(6, 18) == "茶🍵飲\ufffd"
    assert sheet.value(6, 18).encode("utf-8")
