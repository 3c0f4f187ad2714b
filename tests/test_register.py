"""The master register: revisions, idempotence, atomic imports, cross-cluster rules, exports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import openpyxl
import pytest

from clusterbook.register import check, import_sources, load, pivot
from clusterbook.register.export import export, personal_columns
from tests.helpers import clean_data, write_xlsx


def snapshot(db):
    conn = sqlite3.connect(db)
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}
    finally:
        conn.close()


@pytest.fixture
def files(tmp_path):
    return {
        key: write_xlsx(tmp_path, clean_data(key), f"{key}.xlsx")
        for key in ("hualien-valley", "tainan-alley", "changhua-tea")
    }


def test_import_then_reimport_changes_nothing(tmp_path, files):
    db = tmp_path / "r.sqlite"
    first = import_sources(map(str, files.values()), db)
    assert [r.status for r in first.results] == ["imported"] * 3 and first.exit_code == 0
    before = snapshot(db)
    again = import_sources(map(str, files.values()), db)
    assert [r.status for r in again.results] == ["unchanged"] * 3
    assert snapshot(db) == before


def test_a_changed_file_becomes_a_new_revision(tmp_path, files):
    db = tmp_path / "r.sqlite"
    import_sources([str(files["tainan-alley"])], db)
    data = clean_data("tainan-alley")
    data.tables["budget"][0]["budget.unit_price"] = 6_000
    (tmp_path / "v2").mkdir()
    changed = write_xlsx(tmp_path / "v2", data, "tainan-alley.xlsx")
    result = import_sources([str(changed)], db).results[0]
    assert (result.status, result.revision) == ("revision", 2)
    frames = load(db)
    assert len(frames["proposals"]) == 1 and frames["proposals"]["revision"].tolist() == [2]
    assert frames["budget"]["unit_price"].iloc[0] == 6000
    conn = sqlite3.connect(db)
    revisions = conn.execute(
        "SELECT revision, sha256 FROM submissions ORDER BY revision"
    ).fetchall()
    old_budget = conn.execute(
        "SELECT unit_price FROM budget WHERE submission_id = (SELECT id FROM submissions WHERE revision = 1) AND pos = 0"
    ).fetchone()
    conn.close()
    assert [r[0] for r in revisions] == [1, 2] and revisions[0][1] != revisions[1][1]
    assert old_budget == (5000,), "earlier revisions stay queryable"


def test_a_failure_mid_import_leaves_no_trace(tmp_path, files, monkeypatch):
    db = tmp_path / "r.sqlite"
    import_sources([str(files["hualien-valley"])], db)
    before = snapshot(db)

    def boom(conn, sid):
        raise RuntimeError("disk full")

    monkeypatch.setattr("clusterbook.register.crosscheck.cross_check", boom)
    with pytest.raises(RuntimeError):
        import_sources([str(files["tainan-alley"])], db)
    assert snapshot(db) == before


def test_proposals_with_errors_are_registered_with_their_findings(tmp_path):
    data = clean_data()
    data.tables["budget"][0]["budget.unit_price"] = 200_000
    path = write_xlsx(tmp_path, data)
    db = tmp_path / "r.sqlite"
    summary = import_sources([str(path)], db)
    assert summary.exit_code == 1
    frames = load(db)
    assert frames["proposals"]["status"].tolist() == ["不符合"]
    assert "BUDGET-CAP" in set(frames["findings"]["rule"])


def test_shared_owner_and_company_across_clusters(tmp_path):
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner = a.tables["members"][3]
    b.tables["members"][2].update(
        {
            "members.owner_name": owner["members.owner_name"],
            "members.owner_mobile": owner["members.owner_mobile"],
        }
    )
    b.tables["members"][4]["members.ubn"] = a.tables["members"][5]["members.ubn"]
    db = tmp_path / "r.sqlite"
    summary = import_sources(
        [str(write_xlsx(tmp_path, a, "a.xlsx")), str(write_xlsx(tmp_path, b, "b.xlsx"))], db
    )
    assert summary.exit_code == 1
    frames = load(db)
    found = frames["findings"][frames["findings"]["rule"].str.startswith("REG-")]
    rules = sorted(zip(found["rule"], found["cluster_name"], found["cell"], strict=True))
    assert rules == [
        ("REG-DUP-COMPANY", "府城巷弄生活圈", "D10"),
        ("REG-DUP-COMPANY", "縱谷慢遊數位群聚", "D11"),
        ("REG-DUP-OWNER", "府城巷弄生活圈", "T8"),
        ("REG-DUP-OWNER", "縱谷慢遊數位群聚", "T9"),
    ]
    message = found[found["cell"] == "T8"]["message"].iloc[0]
    assert "縱谷慢遊數位群聚" in message and "府城巷弄生活圈" in message and "第 9 列" in message
    assert not frames["proposals"]["eligible"].any()
    rechecked = [f.rule for f in check(db) if f.rule.startswith("REG-")]
    assert sorted(rechecked) == sorted(found["rule"])


def test_same_name_different_phone_is_not_the_same_owner(tmp_path):
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    b.tables["members"][2]["members.owner_name"] = a.tables["members"][3]["members.owner_name"]
    db = tmp_path / "r.sqlite"
    import_sources(
        [str(write_xlsx(tmp_path, a, "a.xlsx")), str(write_xlsx(tmp_path, b, "b.xlsx"))], db
    )
    assert not load(db)["findings"]["rule"].str.startswith("REG-").any()


def test_a_coaching_unit_may_be_a_member_of_another_cluster(tmp_path):
    """貳、四(二): the unit of a 輔導單位提案 may not be a member of the cluster it proposes;
    the guide says nothing of other clusters."""
    a, b = clean_data("tainan-alley"), clean_data("hualien-valley")  # tainan: 輔導單位提案
    b.tables["members"][6]["members.ubn"] = a.fields["unit.ubn"]
    db = tmp_path / "r.sqlite"
    import_sources(
        [str(write_xlsx(tmp_path, b, "b.xlsx")), str(write_xlsx(tmp_path, a, "a.xlsx"))], db
    )
    frames = load(db)
    assert not frames["findings"]["rule"].str.startswith("REG-").any()
    assert frames["proposals"]["eligible"].all()


def test_a_newer_revision_clears_a_resolved_conflict(tmp_path):
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    b.tables["members"][4]["members.ubn"] = a.tables["members"][5]["members.ubn"]
    db = tmp_path / "r.sqlite"
    import_sources(
        [str(write_xlsx(tmp_path, a, "a.xlsx")), str(write_xlsx(tmp_path, b, "b.xlsx"))], db
    )
    assert load(db)["findings"]["rule"].str.startswith("REG-DUP-COMPANY").sum() == 2
    fixed = clean_data("tainan-alley")
    import_sources([str(write_xlsx(tmp_path, fixed, "b2.xlsx"))], db)
    frames = load(db)
    assert not frames["findings"]["rule"].str.startswith("REG-").any()
    assert frames["proposals"]["eligible"].all()


def test_pivot_answers_a_managers_question(tmp_path, files):
    db = tmp_path / "r.sqlite"
    import_sources(map(str, files.values()), db)
    frames = load(db)
    by_type = pivot(frames, "proposals", "cluster_type", "category")
    assert by_type.set_index("cluster_type").loc["觀光休閒合作", "A類"] == 1
    budget = pivot(frames, "budget", "category", "cluster_type", "amount", "sum").set_index(
        "category"
    )
    expected = sum(
        line["budget.unit_price"] * line["budget.quantity"]
        for line in clean_data("hualien-valley").tables["budget"]
        if line["budget.category"] == "創新數位應用工具導入相關費用"
    )
    assert budget.loc["創新數位應用工具導入相關費用", "觀光休閒合作"] == expected
    tiers = pivot(frames, "members", "tier", None, None, "count")
    assert tiers["count"].sum() == sum(len(clean_data(k).tables["members"]) for k in files)
    with pytest.raises(KeyError, match="nope"):
        pivot(frames, "members", "nope")


def test_export_tables_summary_and_charts(tmp_path, files):
    db = tmp_path / "r.sqlite"
    data = clean_data("changhua-tea")
    data.tables["members"][0]["members.products"] = '=HYPERLINK("http://example.com")'
    data.tables["members"][1]["members.products"] = "@SUM(1)"
    others = [str(files["hualien-valley"]), str(files["tainan-alley"])]
    import_sources([str(write_xlsx(tmp_path, data, "x.xlsx")), *others], db)
    out = export(load(db), tmp_path / "master.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "摘要"
    for title in ("提案", "成員", "經費", "績效指標", "自我評估", "檢核結果"):
        assert len(wb[title].tables) == 1, title
    members = wb["成員"]
    header = [c.value for c in members[1]]
    assert {"營業所在縣市", "營業所在鄉鎮", "數位發展分群", "中小企業", "小規模企業"} <= set(header)
    risky = [
        c
        for row in members.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and c.value[:1] in "=@"
    ]
    assert len(risky) == 2 and all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert len(wb["摘要"]._charts) >= 3
    proposals = {c.value for c in wb["提案"][1]}
    assert {
        "資格檢核結果",
        "符合資格",
        "加分：分群3~4區",
        "經費總計(含稅)",
        "中小企業占比",
    } <= proposals
    mapping = {(r[2], r[4]): r[3] for r in wb["欄位對照"].iter_rows(min_row=2, values_only=True)}
    assert mapping[("members", "county")] == "營業所在縣市"
    assert mapping[("proposals", "budget_total")] == "經費總計(含稅)"


def test_redacted_export_keeps_no_personal_data(tmp_path, files):
    db = tmp_path / "r.sqlite"
    import_sources(map(str, files.values()), db)
    frames = load(db)
    secrets = set()
    for table, columns in personal_columns().items():
        frame = frames.get(table)
        if frame is None:
            continue
        for col in columns & set(frame.columns):
            secrets |= {v for v in frame[col].dropna() if isinstance(v, str) and len(v) > 1}
    assert len(secrets) > 50
    out = export(frames, tmp_path / "redacted.xlsx", redacted=True)
    text = "\n".join(
        str(c.value)
        for ws in openpyxl.load_workbook(out).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value
    )
    leaked = [s for s in secrets if s in text]
    assert leaked == []
    assert "@example.com" in text  # masked addresses keep their domain only


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "clusterbook", *args], capture_output=True, text=True, timeout=300
    )


def test_import_and_pivot_commands(tmp_path, files):
    db = tmp_path / "r.sqlite"
    first = run("import", *map(str, files.values()), "--register", str(db))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "新匯入 3" in first.stdout
    second = run("import", *map(str, files.values()), "--register", str(db), "--jobs", "2")
    assert second.returncode == 0 and "未變更 3" in second.stdout
    result = run(
        "pivot",
        "--register",
        str(db),
        "--table",
        "proposals",
        "--rows",
        "category",
        "--format",
        "json",
    )
    assert json.loads(result.stdout) == [
        {"category": "A類", "count": 2},
        {"category": "B類", "count": 1},
    ]
    bad = run("pivot", "--register", str(db), "--table", "nope", "--rows", "x")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    missing = run("export", "--register", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "clusterbook import" in missing.stderr


def test_import_takes_a_register_another_import_is_creating(tmp_path, files):
    """Between making the file and writing its first table, a new register is an empty SQLite
    file; an import started in that moment uses it. A database of something else stays refused."""
    source = str(files["hualien-valley"])
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    no_tables = tmp_path / "no-tables.sqlite"
    sqlite3.connect(no_tables).close()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    before = other.read_bytes()
    for db in (empty, no_tables):
        result = run("import", source, "--register", str(db))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "新匯入 1" in result.stdout and len(snapshot(db)["submissions"]) == 1
    refused = run("import", source, "--register", str(other))
    assert refused.returncode == 2 and "不是總表資料庫" in refused.stderr.replace("\n", "")
    assert other.read_bytes() == before


def test_demo_runs_end_to_end(tmp_path):
    result = run("demo", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stdout + result.stderr
    folder = tmp_path / "demo"
    assert (folder / "master.xlsx").exists() and (folder / "proposal-template.xlsx").exists()
    assert len(list((folder / "proposals").glob("*.xlsx"))) == 4
    assert len(list((folder / "annotated").glob("*.xlsx"))) == 4
    frames = load(folder / "clusterbook.sqlite")
    p = frames["proposals"]
    assert set(p["category"]) == {"A類", "B類"}
    assert set(p["cluster_type"]) == {"觀光休閒合作", "地方生活需求", "商模數位創新"}
    assert (~p["eligible"]).sum() >= 1 and p["eligible"].sum() >= 2
    assert "REG-DUP-OWNER" in set(frames["findings"]["rule"])
    assert "澎湖海味群聚" in result.stdout and "BUDGET-CAP" in result.stdout
