"""The register's rules across clusters, on checked proposals registered in a fresh SQLite file
(no workbook files: fast enough to run under mutation testing).

同一負責人僅能以1家企業參與 (限參與1個群聚): the same owner name with the same mobile phone or the
same firm 統一編號; 同一企業 (統一編號) in two clusters."""

from __future__ import annotations

import pytest

from clusterbook.importers import check_rawbook
from clusterbook.register.crosscheck import recheck_all
from clusterbook.register.store import connect, import_report
from clusterbook.workbook import a1
from tests.helpers import TODAY, check_data, clean_data, rawbook


def owner(a_row: dict, b_row: dict, name: bool, mobile: bool, ubn: bool) -> None:
    """Make member ``b_row`` share with ``a_row`` its owner's name, mobile and/or 統一編號."""
    if name:
        b_row["members.owner_name"] = a_row["members.owner_name"]
    if mobile:
        b_row["members.owner_mobile"] = a_row["members.owner_mobile"]
    if ubn:
        b_row["members.ubn"] = a_row["members.ubn"]


def registered(tmp_path, *datas):
    conn = connect(tmp_path / "r.sqlite")
    ids = []
    for data in datas:
        result = import_report(conn, check_data(data))
        ids.append(result.submission_id)
    return conn, ids


def cross(conn) -> list[tuple]:
    return sorted(
        conn.execute(
            "SELECT submission_id, rule, sheet, cell, other_submission_id FROM findings"
            " WHERE rule LIKE 'REG-%'"
        )
    )


@pytest.mark.parametrize(
    ("name", "mobile", "ubn", "expected"),
    [
        # the second cluster's 3rd member shares the first's 4th member's … → rules on both
        (True, True, False, {"REG-DUP-OWNER"}),  # same name and mobile
        (True, False, True, {"REG-DUP-OWNER", "REG-DUP-COMPANY"}),  # same name and firm
        (True, False, False, set()),  # a namesake: another person
        (False, True, False, set()),  # a shared phone is not the same owner
        (False, False, True, {"REG-DUP-COMPANY"}),  # the same firm, another owner
        (True, True, True, {"REG-DUP-OWNER", "REG-DUP-COMPANY"}),
    ],
)
def test_the_same_owner_or_firm_in_two_clusters(tmp_path, layout, name, mobile, ubn, expected):
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner(a.tables["members"][3], b.tables["members"][2], name, mobile, ubn)
    conn, (sa, sb) = registered(tmp_path, a, b)
    found = cross(conn)
    where = {
        "REG-DUP-OWNER": "members.owner_name",
        "REG-DUP-COMPANY": "members.ubn",
    }
    want = []
    for rule in expected:
        ref = layout.fields[where[rule]]
        for sid, row, other in ((sa, 3, sb), (sb, 2, sa)):
            r, c = ref.cell_at(row)
            want.append((sid, rule, ref.sheet, a1.cell(r, c), other))
    assert found == sorted(want)


def test_the_message_names_the_other_cluster_and_its_row(tmp_path, layout):
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner(a.tables["members"][3], b.tables["members"][2], True, True, False)
    conn, (_sa, sb) = registered(tmp_path, a, b)
    message = conn.execute(
        "SELECT message FROM findings WHERE rule = 'REG-DUP-OWNER' AND submission_id = ?", (sb,)
    ).fetchone()[0]
    row = layout.fields["members.owner_name"].cell_at(3)[0]  # the first cluster's 4th member
    assert f"群聚「縱谷慢遊數位群聚」第 {row} 列" in message
    assert a.tables["members"][3]["members.owner_name"] in message
    assert "府城巷弄生活圈" in message


def test_a_cluster_alone_or_with_a_stranger_has_no_cross_findings(tmp_path):
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    conn, _ = registered(tmp_path, a, b)
    assert cross(conn) == []


def test_rechecking_recomputes_the_same_findings_once(tmp_path):
    a, b, c = clean_data("hualien-valley"), clean_data("tainan-alley"), clean_data("changhua-tea")
    owner(a.tables["members"][3], b.tables["members"][2], True, True, False)
    c.tables["members"][5]["members.ubn"] = a.tables["members"][5]["members.ubn"]
    conn, _ = registered(tmp_path, a, b, c)
    before = cross(conn)
    assert len(before) == 4
    found = [f for _, f, _ in recheck_all(conn) if not f.rule.startswith("HIST-")]
    assert len(found) == 4  # the history rules (no records here: one info each) aside
    assert cross(conn) == before


def test_a_recheck_that_fails_leaves_the_findings_as_they_were(tmp_path, monkeypatch):
    """A failure half-way (here: a history rule) rolls the whole recheck back and is raised as
    it is: no cluster loses its REG- findings."""
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner(a.tables["members"][3], b.tables["members"][2], True, True, False)
    conn, _ = registered(tmp_path, a, b)
    before = cross(conn)
    assert len(before) == 2

    def broken(conn, sid):
        raise RuntimeError("history rule failed")

    monkeypatch.setattr("clusterbook.history.rules.history_check", broken)
    with pytest.raises(RuntimeError, match="history rule failed"):
        recheck_all(conn)
    assert not conn.in_transaction
    assert cross(conn) == before


def test_both_sides_store_the_value_the_field_and_a_message_naming_the_other(tmp_path):
    """縱谷慢遊 (first) and 府城巷弄 (second) share an owner (方家文: 光復單車出租, 4th member,
    row 9; 南洗衣店, 3rd, row 8) and a firm (38732141: 富里小農果乾坊, 2nd, row 7; entered again
    as 北理髮廳's number, 6th, row 11). Each finding is stored on both sides, worded by hand from
    rules.yaml."""
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner(a.tables["members"][3], b.tables["members"][2], True, True, False)
    b.tables["members"][5]["members.ubn"] = a.tables["members"][1]["members.ubn"]
    conn, (sa, sb) = registered(tmp_path, a, b)
    rows = conn.execute(
        "SELECT submission_id, rule, cell, value, field, other_submission_id, message"
        " FROM findings WHERE rule LIKE 'REG-%' ORDER BY submission_id, rule"
    ).fetchall()
    company, owner_rule = "REG-DUP-COMPANY", "REG-DUP-OWNER"
    assert rows == [
        (sa, company, "D7", "38732141", "members.ubn", sb,
         "「群聚成員」工作表 D7：統一編號 38732141（富里小農果乾坊）同時列於群聚「府城巷弄生活圈」"
         "第 11 列；同一企業限參與1個群聚。"),
        (sa, owner_rule, "T9", "方家文", "members.owner_name", sb,
         "「群聚成員」工作表 T9：負責人「方家文」（縱谷慢遊數位群聚）也是群聚「府城巷弄生活圈」"
         "第 8 列 南洗衣店 的負責人；同一負責人限參與1個群聚。"),
        (sb, company, "D11", "38732141", "members.ubn", sa,
         "「群聚成員」工作表 D11：統一編號 38732141（北理髮廳）同時列於群聚「縱谷慢遊數位群聚」"
         "第 7 列；同一企業限參與1個群聚。"),
        (sb, owner_rule, "T8", "方家文", "members.owner_name", sa,
         "「群聚成員」工作表 T8：負責人「方家文」（府城巷弄生活圈）也是群聚「縱谷慢遊數位群聚」"
         "第 9 列 光復單車出租 的負責人；同一負責人限參與1個群聚。"),
    ]  # fmt: skip


def test_a_member_or_cluster_without_a_name_is_called_unnamed(tmp_path):
    """府城巷弄's sixth member has 縱谷慢遊's second member's 統一編號 but no 企業名稱, and
    縱谷慢遊 has no 群聚名稱: each side says 「未填名稱」 where the name would be."""
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    b.tables["members"][5].update(
        {"members.ubn": a.tables["members"][1]["members.ubn"], "members.name": None}
    )
    a.fields["proposal.cluster_name"] = None
    conn, (sa, sb) = registered(tmp_path, a, b)
    said = dict(
        conn.execute("SELECT submission_id, message FROM findings WHERE rule = 'REG-DUP-COMPANY'")
    )
    assert "統一編號 38732141（富里小農果乾坊）同時列於群聚「府城巷弄生活圈」第 11 列" in said[sa]
    assert "統一編號 38732141（未填名稱）同時列於群聚「未填名稱」第 7 列" in said[sb]


def test_an_owner_in_a_cluster_without_a_name_is_in_the_unnamed_cluster(tmp_path):
    """縱谷慢遊 has no 群聚名稱; its second member's owner also owns 府城巷弄's sixth member,
    which has no 企業名稱."""
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner(a.tables["members"][1], b.tables["members"][5], True, True, False)
    a.fields["proposal.cluster_name"] = None
    b.tables["members"][5]["members.name"] = None
    conn, (sa, sb) = registered(tmp_path, a, b)
    said = dict(
        conn.execute("SELECT submission_id, message FROM findings WHERE rule = 'REG-DUP-OWNER'")
    )
    name = a.tables["members"][1]["members.owner_name"]
    assert (
        f"負責人「{name}」（未填名稱）也是群聚「府城巷弄生活圈」第 11 列 未填名稱 的負責人"
        in (said[sa])
    )
    firm = a.tables["members"][1]["members.name"]
    assert (
        f"負責人「{name}」（府城巷弄生活圈）也是群聚「未填名稱」第 7 列 {firm} 的負責人"
        in (said[sb])
    )


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        (("dc112", "dc113"), set()),  # 112年 and 113年: each year's clusters on their own
        (("dc113", "dc113"), {"REG-DUP-OWNER", "REG-DUP-COMPANY"}),
    ],
)
def test_clusters_of_another_program_year_are_not_compared(tmp_path, two_years, years, expected):
    """The same firm and owner (name, mobile, 統一編號) in clusters of two program years breaks
    no rule: 限參與1個群聚 holds within one year."""
    a, b = clean_data("hualien-valley"), clean_data("tainan-alley")
    owner(a.tables["members"][3], b.tables["members"][2], True, True, True)
    conn = connect(tmp_path / "r.sqlite")
    for data, program in zip((a, b), years, strict=True):
        import_report(conn, check_rawbook(rawbook(data, program=program), today=TODAY))
    assert {rule for _, rule, *_ in cross(conn)} == expected
