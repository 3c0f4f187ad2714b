"""Every word the command line prints is zh-TW and whole: help pages and wrong invocations,
at 80 and 200 columns (option names, ids, file names and product names excepted)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
import typer.main

from clusterbook.cli import app
from clusterbook.cli.wrap import cells, definitions, wrap
from tests.cli_run import assert_staff_readable, foreign_words, run
from tests.helpers import clean_data, write_xlsx


def _paths(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    yield prefix, group
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _paths(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


COMMANDS = sorted(_paths(), key=lambda pc: pc[0])


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "(root)")
def test_help_is_zh_tw_and_whole(capsys, monkeypatch, path, columns):
    command = dict(COMMANDS)[path]
    for flag in ("-h", "--help"):
        result = run(capsys, monkeypatch, [*path, flag], columns)
        assert result.code == 0, result
        assert_staff_readable(result, columns)
        assert result.out.startswith(f"用法：clusterbook {' '.join(path)}".rstrip())
        assert "選項：" in result.out and "顯示此說明後結束。" in result.out
    for param in command.params:  # every option and its help are there, none cut
        for name in (*param.opts, *param.secondary_opts):
            if name.startswith("-"):
                assert name in result.out, (name, result.out)
        help_text = "".join((param.help or "").split())
        assert help_text in "".join(result.out.split()), (param.name, result.out)
    for sub in getattr(command, "commands", {}):
        assert f"  {sub}  " in result.out


def test_defaults_are_shown_as_users_read_them(capsys, monkeypatch):
    page = run(capsys, monkeypatch, ["check", "-h"], 200).out
    assert "預設：CPU 核心數" in page
    assert "[default" not in page and "<int>" not in page and "<bool>" not in page


def test_version(capsys, monkeypatch):
    result = run(capsys, monkeypatch, ["--version"])
    assert result.code == 0 and result.out.startswith("clusterbook ")


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """Files and folders the wrong invocations point at."""
    root = tmp_path_factory.mktemp("wrong")
    (root / "folder").mkdir()
    (root / "notes.txt").write_text("備忘", encoding="utf-8")
    write_xlsx(root, clean_data(), "filled.xlsx")
    (root / "notdb.sqlite").write_bytes(b"not a database at all, just text" * 100)
    sqlite3.connect(root / "empty.sqlite").close()
    with closing(sqlite3.connect(root / "other.sqlite")) as other:  # a database of something else
        other.execute("CREATE TABLE notes (text TEXT)")
    (root / "busy").mkdir()
    (root / "busy" / "mine.txt").write_text("x", encoding="utf-8")
    (root / "foreign.docx").write_bytes(b"PK\x03\x04 someone else's document")
    from clusterbook.register import import_sources

    import_sources([str(root / "filled.xlsx")], root / "reg.sqlite", jobs=1)
    (root / "scored").mkdir()  # a reviewer's scored sheet, where review sheets would write
    (root / "scored" / "評分表-A類-甲.xlsx").write_bytes((root / "filled.xlsx").read_bytes())
    return root


URL = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd/edit"
WRONG = [
    [],
    ["chek"],
    ["check"],
    ["check", "{root}/filled.xlsx", "--formt", "json"],
    ["check", "{root}/filled.xlsx", "--format"],
    ["check", "{root}/filled.xlsx", "--format", "xml"],
    ["check", "{root}/filled.xlsx", "--jobs", "many"],
    ["check", "{root}/filled.xlsx", "-j", "0"],
    ["check", "{root}/filled.xlsx", "--severity", "fatal"],
    ["check", "{root}/filled.xlsx", "--annotate", "{root}/notes.txt"],
    ["check", "{root}/filled.xlsx", "--register", "{root}/missing.sqlite"],
    ["check", "{root}/filled.xlsx", "--register", "{root}/notdb.sqlite"],
    ["check", "{root}/filled.xlsx", "--register", "{root}/folder"],
    ["check", "{root}/filled.xlsx", "--register", "{root}/empty.sqlite", "--no-register"],
    ["check", "{root}/filled.xlsx", "--no-register=1"],
    ["import", "{root}/filled.xlsx", "--register", "{root}/nowhere/x.sqlite"],
    ["import", "{root}/filled.xlsx", "--register", "{root}/folder"],
    ["import", "{root}/filled.xlsx", "--register", "{root}/notdb.sqlite"],
    ["import"],
    ["export", "--register", "{root}/missing.sqlite"],
    ["export", "--register", "{root}/notdb.sqlite", "-o", "{root}/m.xlsx"],
    ["export", "--register", "{root}/empty.sqlite", "-o", "{root}/out.csv"],
    ["export", "--register", "{root}/empty.sqlite", "-o", "{root}/m.xlsx"],
    ["template", "-o", "{root}/x.txt"],
    ["template", "-o", "{root}/folder"],
    ["template", "-o", "{root}/nowhere/x.xlsx"],
    ["template", "-o", "{root}/filled.xlsx"],
    ["template", "--force=yes"],
    ["template", "extra"],
    ["fields", "--program", "nope"],
    ["fields", "--format", "xml"],
    ["rules", "-p"],
    ["pivot"],
    ["pivot", "--table", "成員"],
    ["pivot", "--table", "成員", "--rows", "縣市", "--register", "{root}/missing.sqlite"],
    ["pivot", "--table", "成員", "--rows", "縣市", "--register", "{root}/notdb.sqlite"],
    ["pivot", "--table", "成員", "--rows", "縣市", "--format", "xml"],
    ["gsheets"],
    ["gsheets", "create"],
    ["gsheets", "annotate"],
    ["gsheets", "annotate", URL, "--oauth=maybe"],
    ["register"],
    ["register", "check", "--register", "{root}/missing.sqlite"],
    ["register", "nope"],
    ["demo", "{root}/busy"],
    ["demo", "{root}/notes.txt"],
    ["demo", "{root}/new-demo", "--program", "nope"],
    ["--nope"],
    ["export", "--register", "{root}/reg.sqlite", "-o", "{root}/m.xlsx", "--year", "abc"],
    ["export", "--register", "{root}/reg.sqlite", "-o", "{root}/nowhere/m.xlsx"],
    ["pivot", "-t", "成員", "--rows", "縣市", "-r", "{root}/reg.sqlite", "--year", "abc"],
    ["pivot", "-t", "不存在", "--rows", "縣市", "-r", "{root}/reg.sqlite"],
    ["pivot", "-t", "成員", "--rows", "縣市", "-r", "{root}/reg.sqlite", "--aggfunc", "sum"],
    ["gsheets", "annotate", "{root}/filled.xlsx"],
    ["gsheets", "annotate", "https://example.com/proposal.xlsx"],
    ["gsheets", "annotate", URL, "--register", "{root}/missing.sqlite"],
    ["gsheets", "create", "--title", "群聚", "--credentials", "{root}/notes.txt"],
    ["gsheets", "create", "--title", "群聚", "--program", "nope"],
    ["document"],
    ["document", "{root}/filled.xlsx", "--formt", "pdf"],
    ["document", "{root}/filled.xlsx", "-o", "{root}/x.txt"],
    ["document", "{root}/filled.xlsx", "-o", "{root}/foreign.docx"],
    ["document", "{root}/filled.xlsx", "-o", "{root}/filled.xlsx"],
    ["document", "{root}/filled.xlsx", "-o", "{root}/folder"],
    ["document", "{root}/filled.xlsx", "-o", "{root}/nowhere/d.docx"],
    ["document", "{root}/filled.xlsx", "-o", "{root}/d.docx", "--members-dir", "{root}/notes.txt"],
    ["history"],
    ["history", "nope"],
    ["history", "import"],
    ["history", "import", "{root}/notes.txt", "--year", "abc"],
    ["history", "import", "{root}/notes.txt", "--register", "{root}/nowhere/h.sqlite"],
    ["history", "import", "{root}/notes.txt", "--register", "{root}/folder"],
    ["history", "import", "{root}/notes.txt", "--register", "{root}/notdb.sqlite"],
    ["history", "import", "{root}/notes.txt", "--register", "{root}/other.sqlite"],
    ["history", "list", "--register", "{root}/missing.sqlite"],
    ["history", "list", "--register", "{root}/notdb.sqlite"],
    ["review"],
    ["review", "nope"],
    ["review", "sheets"],
    ["review", "sheets", "-R", "甲", "--register", "{root}/missing.sqlite"],
    ["review", "sheets", "-R", "甲", "--register", "{root}/reg.sqlite", "--class", "C類"],
    ["review", "sheets", "-R", "甲", "--register", "{root}/reg.sqlite", "--year", "abc"],
    ["review", "sheets", "-R", "甲", "--register", "{root}/reg.sqlite", "-o", "{root}/notes.txt"],
    ["review", "sheets", "-R", "甲", "--register", "{root}/reg.sqlite", "-o", "{root}/scored"],
    ["review", "import"],
    ["review", "import", "{root}/filled.xlsx", "--register", "{root}/notdb.sqlite"],
    ["review", "import", "{root}/filled.xlsx", "--register", "{root}/reg.sqlite", "--class", "C類"],
    ["review", "results", "--register", "{root}/missing.sqlite"],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/r.xlsx", "--method", "抽籤法"],
    [
        "review",
        "results",
        "-r",
        "{root}/reg.sqlite",
        "-o",
        "{root}/r.xlsx",
        "--budget-total",
        "很多",
    ],
    [
        "review",
        "results",
        "-r",
        "{root}/reg.sqlite",
        "-o",
        "{root}/r.xlsx",
        "--budget-total",
        "C類=1",
    ],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/r.xlsx", "--class", "C類"],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/r.xlsx", "--year", "abc"],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/x.txt"],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/filled.xlsx"],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/folder"],
    ["review", "results", "-r", "{root}/reg.sqlite", "-o", "{root}/nowhere/r.xlsx"],
]


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("args", WRONG, ids=lambda a: " ".join(a) or "(nothing)")
def test_wrong_invocations_say_what_to_do_in_zh_tw(capsys, monkeypatch, places, args, columns):
    def stamps():  # the register is read (SQLite's -wal and -shm files), never changed
        return {
            p: p.stat().st_mtime_ns
            for p in places.rglob("*")
            if p.is_file() and not p.name.startswith("reg.sqlite")
        }

    before = stamps()
    result = run(capsys, monkeypatch, [a.replace("{root}", str(places)) for a in args], columns)
    assert result.code == 2, result
    assert_staff_readable(result, columns)
    assert "錯誤：" in result.err or result.out.startswith("用法：")
    assert stamps() == before, "a refused command changed a file"
    assert not (places / "nowhere").exists() and not (places / "new-demo").exists()


def test_framework_errors_name_the_option_and_the_fix(capsys, monkeypatch, places):
    typo = run(capsys, monkeypatch, ["check", "x.xlsx", "--formt", "json"])
    assert "沒有 --formt 這個選項" in typo.err and "--format" in typo.err
    assert "用法：clusterbook check" in typo.err and "clusterbook check -h" in typo.err
    jobs = run(capsys, monkeypatch, ["check", "x.xlsx", "--jobs", "many"])
    assert "--jobs 的值「many」不正確：須為整數" in jobs.err
    missing = run(capsys, monkeypatch, ["check"])
    assert "缺少檔案或網址" in missing.err
    wrong_db = run(
        capsys,
        monkeypatch,
        ["pivot", "-t", "成員", "--rows", "縣市", "-r", places / "notdb.sqlite"],
    )
    assert "不是總表資料庫" in wrong_db.err
    nowhere = run(
        capsys, monkeypatch, ["import", "x.xlsx", "--register", places / "no" / "r.sqlite"]
    )
    assert "不存在" in nowhere.err and not (places / "no").exists()


def test_severity_takes_the_words_users_see(capsys, monkeypatch, tmp_path, template_file):
    for word in ("錯誤", "error", "警告", "warning", "資訊", "info"):
        result = run(
            capsys, monkeypatch, ["check", template_file, "--severity", word, "--no-register"]
        )
        assert result.code in (0, 1), result


def test_the_scanner_finds_english():
    assert foreign_words("Error: Missing argument 'sources'.") == [
        "Error",
        "Missing",
        "argument",
        "sources",
    ]
    assert (
        foreign_words("錯誤：沒有 --formt 這個選項；FILE-UNREADABLE a/b.xlsx proposal.category")
        == []
    )


# -- wrapping ---------------------------------------------------------------------------------
def test_cjk_wraps_at_any_character_and_latin_words_stay_whole():
    text = (
        "請以 Excel 開啟後另存為 Excel 活頁簿 (.xlsx) 再送出，GOOGLE_APPLICATION_CREDENTIALS 也行。"
    )
    for room in (10, 17, 24, 31, 60):
        lines = wrap(text, room)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(cells(line) <= room or " " not in line for line in lines), lines
        for word in ("Excel", "(.xlsx)", "GOOGLE_APPLICATION_CREDENTIALS"):
            if cells(word) <= room:
                assert any(word in line for line in lines), (word, lines)


def test_closing_punctuation_never_starts_a_line_opening_never_ends_one():
    text = (
        "「群聚企業基本資料／員工人數」填的是「12萬」，不可使用「萬」「億」等單位；請改填數字（0 以上）。"
        * 3
    )
    for room in range(8, 40):
        for line in wrap(text, room):
            assert line[:1] not in "，。、；：）」", (room, line)
            assert line[-1:] not in "（「", (room, line)


def test_definitions_align_and_wrap_without_cutting():
    rows = [
        ("-f, --format 格式", "table、json 或 csv。"),
        ("--a-very-long-option-name 資料夾", "說明" * 40),
    ]
    for total in (40, 80, 120):
        lines = definitions(rows, total)
        assert all(cells(line) <= total for line in lines)
        assert "".join("".join(lines).split()).count("說明") == 40
