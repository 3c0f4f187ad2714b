"""Coaching history checked against the records: rosters of earlier years, barred units, and a
register holding several program years."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from clusterbook.history import history_summary, import_history
from clusterbook.importers import check_rawbook
from clusterbook.register import connect, load
from clusterbook.register.store import import_report
from clusterbook.samples import random_proposal
from clusterbook.ubn import ubn_check_digit_candidates
from clusterbook.workbook import a1
from clusterbook.workbook.layout import build_layout
from tests.helpers import TODAY, clean_data, rawbook

HEADER = ["年度", "群聚名稱", "提案類別", "企業名稱", "統一編號", "負責人", "角色"]


def ubns(n: int, start: int = 1_234_000) -> list[str]:
    out = []
    prefix = start
    while len(out) < n:
        out += ubn_check_digit_candidates(f"{prefix:07d}")[:1]
        prefix += 1
    return out


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def roster(
    year: int, cluster: str, members: list[dict], role_of_first="群聚領導企業"
) -> list[list]:
    return [
        [year, cluster, "A類", m["members.name"], m["members.ubn"], m["members.owner_name"],
         role_of_first if i == 0 else "群聚成員企業"]
        for i, m in enumerate(members)
    ]  # fmt: skip


def cell(fid: str, index: int | None = None) -> str:
    ref = build_layout("dc112").fields[fid]
    return a1.cell(*((ref.first_row, ref.first_col) if index is None else ref.cell_at(index)))


def register_with(tmp_path, data_list, rosters=(), banned=None) -> Path:
    """A fresh register: history first, then the proposals (checked in memory)."""
    db = tmp_path / "r.sqlite"
    if rosters:
        import_history([write_csv(tmp_path / "roster.csv", [HEADER, *rosters])], db)
    if banned:
        rows = [["統一編號", "單位名稱", "日期", "事由"], *banned]
        import_history([write_csv(tmp_path / "banned.csv", rows)], db, banned=True)
    conn = connect(db)
    try:
        for i, data in enumerate(data_list):
            raw = rawbook(data)
            raw.source = f"p{i}.xlsx"
            import_report(conn, check_rawbook(raw, today=TODAY))
    finally:
        conn.close()
    return db


def hist(db: Path, rule: str | None = None) -> list[tuple[str, str, str]]:
    f = load(db)["findings"]
    f = f[f["rule"].str.startswith("HIST-")]
    if rule:
        f = f[f["rule"] == rule]
    return sorted(zip(f["rule"], f["cluster_name"], f["cell"], strict=True))


# --- loading records ------------------------------------------------------------------------------


def test_rosters_load_by_label_and_twice_changes_nothing(tmp_path):
    data = clean_data()
    rows = roster(111, "花東群聚", data.tables["members"][:3])
    header = ["計畫年度", "群聚", "類別", "公司名稱", "統編", "負責人", "參與群聚角色"]
    path = write_csv(tmp_path / "r.csv", [header, *rows, rows[1]])
    db = tmp_path / "r.sqlite"
    first = import_history([path], db)[0]
    assert (first.added, first.present, first.years) == (3, 0, [111])
    assert [f.rule for f in first.findings] == ["HIST-ROW-DUPLICATE"]
    again = import_history([path], db)[0]
    assert (again.added, again.present) == (0, 3)
    assert history_summary(db) == ([(111, 1, 3)], 0)


def test_a_roster_in_excel_with_bad_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年度", "群聚名稱", "企業名稱", "統一編號"])
    good = ubns(2)
    ws.append(["民國110年", "甲群聚", "甲一", good[0]])
    ws.append([110, "甲群聚", "甲二", "12345678"])  # checksum wrong
    ws.append([None, "甲群聚", "甲三", good[1]])  # no year, none given
    path = tmp_path / "r.xlsx"
    wb.save(path)
    loaded = import_history([path], tmp_path / "r.sqlite")[0]
    assert loaded.added == 1
    reasons = [f.message for f in loaded.findings if f.rule == "HIST-ROW-INVALID"]
    assert len(reasons) == 2 and "第 3 列" in reasons[0] and "檢查碼" in reasons[0]
    assert "--year" in reasons[1]
    with_year = import_history([path], tmp_path / "r.sqlite", year=111)[0]
    assert with_year.added == 1  # the row without a year, now 111


def test_a_roster_missing_columns_is_refused_with_what_is_missing(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["群聚名稱", "企業名稱"], ["甲", "乙"]])
    loaded = import_history([path], tmp_path / "r.sqlite")[0]
    assert loaded.fatal and loaded.added == 0
    assert [f.rule for f in loaded.findings] == ["HIST-COLUMNS"]
    message = loaded.findings[0].message
    assert "「年度」" in message and "「統一編號」" in message and "群聚名稱、企業名稱" in message


def test_an_earlier_register_becomes_that_years_roster(tmp_path):
    (tmp_path / "old").mkdir()
    older = register_with(tmp_path / "old", [clean_data()])
    loaded = import_history([older], tmp_path / "r.sqlite")[0]
    assert loaded.added == len(clean_data().tables["members"]) and loaded.years == [112]


# --- the rules -------------------------------------------------------------------------------------


def test_without_history_each_proposal_says_what_could_not_be_checked(tmp_path):
    db = register_with(tmp_path, [clean_data(), clean_data("tainan-alley")])
    found = hist(db)
    assert [r for r, _, _ in found] == ["HIST-UNAVAILABLE", "HIST-UNAVAILABLE"]
    message = load(db)["findings"].query("rule == 'HIST-UNAVAILABLE'")["message"].iloc[0]
    assert "111年度輔導名單" in message and "停權名單" in message


def test_a_false_no_and_an_unfounded_yes(tmp_path):
    data = clean_data()  # members 0 and 1 declare 有
    members = data.tables["members"]
    db = register_with(tmp_path, [data], [*roster(111, "舊群聚", [members[0], members[5]])])
    coached = "members.coached_last_year"
    name = "縱谷慢遊數位群聚"
    assert hist(db, "HIST-DECLARED-COACHED") == [("HIST-DECLARED-COACHED", name, cell(coached, 5))]
    assert hist(db, "HIST-COACHED-NOT-FOUND") == [
        ("HIST-COACHED-NOT-FOUND", name, cell(coached, 1))
    ]


@pytest.mark.parametrize(("on_roster", "error"), [(2, False), (3, True)])
def test_a_class_share_from_the_roster(tmp_path, on_roster, error):
    data = clean_data("tainan-alley")  # 11 members: 2 is 18%, 3 is 27%
    members = data.tables["members"]
    for m in members:
        m["members.coached_last_year"] = "無"
        m["members.coached_3y"] = "無"
    db = register_with(tmp_path, [data], roster(111, "舊群聚", members[:on_roster]))
    assert bool(hist(db, "HIST-A-COACHED")) is error


def b_cluster(kept: int, prior: int, size: int = 15):
    """A B類 proposal keeping ``kept`` of last year's ``prior`` members, and that roster."""
    data = clean_data("changhua-tea")
    members = data.tables["members"][:size]
    data.tables["members"] = members
    data.fields["proposal.prior_members"] = prior
    for i, m in enumerate(members):
        flag = "有" if i < kept else "無"
        m.update({"members.original_member": flag, "members.coached_last_year": flag,
                  "members.coached_3y": flag})  # fmt: skip
    gone = [{"members.name": f"退出{i}", "members.ubn": u, "members.owner_name": "某"}
            for i, u in enumerate(ubns(prior - kept, 7_654_000))]  # fmt: skip
    return data, roster(111, "八卦山茶香群聚", members[:kept] + gone)


def test_a_b_cluster_keeping_7_of_10_is_found_and_eligible(tmp_path):
    data, rows = b_cluster(kept=7, prior=10)
    db = register_with(tmp_path, [data], rows)
    rules = [r for r, _, _ in hist(db)]
    assert "HIST-B-NOT-FOUND" not in rules and "HIST-REPLACEMENT" not in rules
    assert "HIST-PRIOR-COUNT" not in rules


@pytest.mark.parametrize(("kept", "replaced"), [(5, False), (4, True)])
def test_b_class_replacement_from_the_roster(tmp_path, kept, replaced):
    data, rows = b_cluster(kept=kept, prior=10)  # the leader led it: found even below half
    db = register_with(tmp_path, [data], rows)
    assert bool(hist(db, "HIST-REPLACEMENT")) is replaced


def test_declared_prior_count_differs_from_the_roster(tmp_path):
    data, rows = b_cluster(kept=7, prior=10)
    data.fields["proposal.prior_members"] = 9
    db = register_with(tmp_path, [data], rows)
    assert [r for r, _, _ in hist(db)].count("HIST-PRIOR-COUNT") == 1


def test_a_b_cluster_not_on_last_years_roster(tmp_path):
    data, _ = b_cluster(kept=7, prior=10)
    other = random_proposal(5).tables["members"][:10]
    db = register_with(tmp_path, [data], roster(111, "別的群聚", other))
    expected = [("HIST-B-NOT-FOUND", "八卦山茶香商模群聚", cell("proposal.category"))]
    assert hist(db, "HIST-B-NOT-FOUND") == expected


def test_new_members_coached_in_three_years_are_found(tmp_path):
    data, rows = b_cluster(kept=7, prior=10)
    newcomer = data.tables["members"][12]
    older = roster(109, "三年前群聚", [newcomer])
    ancient = roster(108, "四年前群聚", [data.tables["members"][13]])  # outside the window
    db = register_with(tmp_path, [data], [*rows, *older, *ancient])
    expected = [("HIST-NEW-RECENT", "八卦山茶香商模群聚", cell("members.name", 12))]
    assert hist(db, "HIST-NEW-RECENT") == expected


@pytest.mark.parametrize(
    ("banned_on", "barred"),
    [("110/03/02", True), ("110/03/01", False), ("112/03/01", True), ("112/03/02", False)],
)
def test_a_barred_unit_within_two_years(tmp_path, banned_on, barred):
    data = clean_data()  # 提案日期 112/03/01
    db = register_with(tmp_path, [data], banned=[[data.fields["unit.ubn"], "x", banned_on, "放棄"]])
    assert bool(hist(db, "HIST-BANNED")) is barred


# --- several program years --------------------------------------------------------------------------


def test_a_register_holds_several_program_years(tmp_path, two_years):
    db = tmp_path / "r.sqlite"
    conn = connect(db)
    try:
        for program, key in (("dc112", "hualien-valley"), ("dc113", "hualien-valley"),
                             ("dc113", "tainan-alley")):  # fmt: skip
            raw = rawbook(clean_data(key), program=program)
            import_report(conn, check_rawbook(raw, today=TODAY))
    finally:
        conn.close()
    latest = load(db)
    assert latest["proposals"]["year"].tolist() == [113, 113]
    assert set(latest["members"]["year"]) == {113}
    assert load(db, 112)["proposals"]["cluster_name"].tolist() == ["縱谷慢遊數位群聚"]
    both = load(db, "all")["proposals"]
    assert sorted(both["year"]) == [112, 113, 113]  # the same cluster in two years: two proposals
    with pytest.raises(ValueError, match="111"):
        load(db, 111)
    from clusterbook.register.pivot import make_pivot

    by_year = make_pivot(load(db, "all"), "提案", "年度", "型態", None, "count", totals=False)
    assert by_year.text_rows() == [["112", "1", "0"], ["113", "1", "1"]]  # 觀光休閒、地方生活
