"""遴選: scoring workbooks made from the register, filled as reviewers would, read back, checked,
stored and ranked; expected rankings worked out by hand (in the comments), not by the code.

The committee register holds the demo's proposals: A類 has four 符合 proposals (案號 by cluster
name: A01 大溪木藝數位群聚, A02 府城巷弄生活圈, A03 恆春半島慢遊群聚, A04 鹿港老街生活圈, each
with 2 bonus points in the register), B類 one; 縱谷 and 澎湖 are 不符合 (not listed). A類
weights: 輔導面向 60%, 執行力 10%, 市場 15%, 經費 5%, 成果 10%; a row given one number
below has that score for every criterion (its weighted total is that number).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

from clusterbook import review
from clusterbook.importers import check_rawbook
from clusterbook.importers.fieldmap import read_field_map
from clusterbook.importers.xlsx import read_xlsx
from clusterbook.register import load
from clusterbook.register.store import connect, import_report
from clusterbook.review.layout import review_layout
from clusterbook.review.rank import reviewer_marks, weighted_total
from clusterbook.review.read import read_review, register_state
from clusterbook.review.samples import extra_proposals
from clusterbook.review.slate import slates
from clusterbook.samples import sample_proposals
from clusterbook.workbook.xlsx import render, workbook_bytes
from tests.conftest import libreoffice_recalc
from tests.helpers import TODAY, clean_data, rawbook

COMMITTEE = ("委員甲", "委員乙", "委員丙")
SPEC = review.load_review()
IDS = [c.id for c in SPEC.criteria]

# 甲 gives A01 (100, 75, 75, 75, 75): 100 × 60% + 75 × 40% = 90, with a higher 輔導面向.
SCENARIO_1 = {
    "委員甲": {"A01": (100, 75, 75, 75, 75), "A02": 85, "A03": 80, "A04": 70},
    "委員乙": {"A01": 75, "A02": 80, "A03": 88, "A04": 70},
    "委員丙": {"A01": 82, "A02": 82, "A03": 90, "A04": 50},
}
# 甲 recuses himself from A01; 乙 leaves 市場可行性 of A03 blank; 乙's A01 (90, 80 …) is 86.
SCENARIO_2 = {
    "委員甲": {"A01": "迴避", "A02": 80, "A03": 80, "A04": 70},
    "委員乙": {
        "A01": (90, 80, 80, 80, 80),
        "A02": 84,
        "A03": {"facets": 80, "execution": 80, "budget_plan": 80, "outcomes": 80},
        "A04": 72,
    },
    "委員丙": {"A01": 84, "A02": 76, "A03": 80, "A04": 90},
}


# -- registers and workbooks -------------------------------------------------------------------
def _import(path: Path, datas) -> None:
    conn = connect(path)
    try:
        for _, data in datas:
            raw = rawbook(data)  # in memory: its digest is the content's, as a file's would be
            raw.digest = hashlib.sha256(repr((data.fields, data.tables)).encode()).hexdigest()
            import_report(conn, check_rawbook(raw, today=TODAY))
    finally:
        conn.close()


def _copy(src: Path, dst: Path) -> Path:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    """The demo's four sample proposals (two 符合: one per class)."""
    path = tmp_path_factory.mktemp("register") / "base.sqlite"
    _import(path, sample_proposals())
    return path


@pytest.fixture(scope="module")
def committee_db(base_db) -> Path:
    """The samples and the demo's three more A類 proposals."""
    path = _copy(base_db, base_db.parent / "committee.sqlite")
    _import(path, extra_proposals())
    return path


@pytest.fixture
def db(tmp_path, committee_db) -> Path:
    return _copy(committee_db, tmp_path / "clusterbook.sqlite")


def sheets(db: Path, folder: Path, category: str = "A類", names=COMMITTEE) -> dict[str, Path]:
    plans, _ = review.sheet_layouts(db, names, category=category)
    return dict(zip([p.reviewer for p in plans], review.write_sheets(plans, folder), strict=True))


def fill(path: Path, marks: dict, out: Path | None = None) -> Path:
    """Type marks into a scoring workbook as a reviewer would, by 案號: a number (every
    criterion), five numbers, 迴避, or {criterion id or "conflict" or "comment": value}."""
    refs = read_field_map(read_xlsx(path)).refs
    wb = openpyxl.load_workbook(path)
    case = refs["review.case"]
    ws = wb[case.sheet]
    for r in range(case.first_row, case.last_row + 1):
        mark = marks.get(ws.cell(r, case.first_col).value)
        if mark is None:
            continue
        if mark == "迴避":
            mark = {"conflict": "迴避"}
        elif isinstance(mark, int):
            mark = dict.fromkeys(IDS, mark)
        elif isinstance(mark, tuple):
            mark = dict(zip(IDS, mark, strict=True))
        for key, value in mark.items():
            fid = key if key in ("conflict", "comment") else f"score.{key}"
            ws.cell(r, refs[f"review.{fid}"].first_col).value = value
    out = out or path
    wb.save(out)
    return out


def scored(db: Path, folder: Path, scenario: dict) -> list[Path]:
    paths = sheets(db, folder)
    return [fill(paths[name], marks) for name, marks in scenario.items()]


def order(result) -> list[tuple]:
    return [
        (s.place, s.case.case, s.mean_rank, s.first_places, s.mean_total, s.tie)
        for s in result.standings
    ]


F = Fraction


# -- the workbook ------------------------------------------------------------------------------
def test_sheet_lists_the_classs_eligible_proposals_with_register_data(db, tmp_path) -> None:
    path = sheets(db, tmp_path)["委員甲"]
    assert path.name == "評分表-A類-委員甲.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["評分說明", "評分表", "_lists", "_meta"]
    assert wb["_lists"].sheet_state == wb["_meta"].sheet_state == "hidden"
    ws = wb["評分表"]
    heads = [ws.cell(5, c).value for c in range(1, 17)]
    assert heads[:8] == [
        "案號",
        "群聚名稱",
        "提案單位",
        "群聚型態",
        "經費總計(含稅)",
        "加分項目",
        "提案摘要",
        "利益迴避",
    ]
    assert heads[8:13] == [
        "輔導面向",
        "提案單位執行力",
        "市場可行性",
        "經費規劃與運用",
        "輔導成果與預期效益",
    ]
    assert heads[13:] == ["加權總分", "本人排序", "評語"]
    assert ws.cell(6, 1).value == "權重"
    assert [ws.cell(6, c).value for c in range(9, 14)] == [0.6, 0.1, 0.15, 0.05, 0.1]
    rows = [[ws.cell(r, c).value for c in range(1, 7)] for r in range(7, 11)]
    assert [r[:2] for r in rows] == [
        ["A01", "大溪木藝數位群聚"],
        ["A02", "府城巷弄生活圈"],
        ["A03", "恆春半島慢遊群聚"],
        ["A04", "鹿港老街生活圈"],
    ]
    府城 = rows[1]
    assert 府城[2:] == ["臺南數位整合行銷有限公司", "地方生活需求", 564900, "多元族群、小規模企業"]
    assert ws.cell(8, 5).number_format == "#,##0"
    summary = ws.cell(8, 7).value
    assert summary.startswith("成員 11 家｜服務優化力(S)｜") and "http" not in summary
    assert ws.cell(11, 1).value is None  # 縱谷 and 澎湖 are 不符合
    assert ws.protection.sheet
    inputs = {c for c in range(1, 17) if not ws.cell(7, c).protection.locked}
    assert inputs == {8, 9, 10, 11, 12, 13, 16}  # 迴避, five scores, 評語
    assert ws.cell(7, 14).value.startswith("=IF(ISNUMBER(MATCH(")
    assert ws.cell(7, 15).value == '=IF(ISNUMBER(N7),RANK(N7,$N$7:$N$10,0),"")'
    validations = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    facets = validations["I7:I10"]
    assert (facets.type, facets.formula1, facets.formula2) == ("whole", "0", "100")
    assert facets.promptTitle == "輔導面向（60%）" and "組織凝聚力" in facets.prompt
    assert validations["H7:H10"].formula1 == "L_conflict"
    b_execution = openpyxl.load_workbook(sheets(db, tmp_path / "b", "B類")["委員甲"])
    prompt = {str(v.sqref): v for v in b_execution["評分表"].data_validations.dataValidation}
    assert "※B類含前一年配合度及執行狀況" in prompt["J7"].prompt
    meta = dict(
        (r[0], r[1]) for r in wb["_meta"].iter_rows(values_only=True) if r[0] and r[1] is not None
    )
    assert meta["template_id"] == "clusterbook-review" and meta["category"] == "A類"
    assert meta["reviewer"] == "委員甲" and meta["year"] == "112" and meta["cases"] == "4"
    assert meta["case:A02"].startswith("112|") and meta["case:A02"].endswith("|府城巷弄生活圈")
    assert meta["revision:A02"] == "1"
    assert meta["spec_hash"] == SPEC.spec_hash and len(meta["register"]) == 64


def test_sheets_are_deterministic_and_the_proposal_spec_hash_is_untouched(db, tmp_path) -> None:
    one = sheets(db, tmp_path / "one")
    two = sheets(db, tmp_path / "two")
    assert all(one[n].read_bytes() == two[n].read_bytes() for n in COMMITTEE)
    assert one["委員甲"].read_bytes() != one["委員乙"].read_bytes()
    from clusterbook.workbook.programs import SPEC_FILES

    assert "review.yaml" not in SPEC_FILES


def test_a_class_without_eligible_proposals_gets_no_sheet(base_db, tmp_path) -> None:
    db = _copy(base_db, tmp_path / "db.sqlite")
    with sqlite3.connect(db) as conn:  # the B類 sample fails a rule: 不符合
        sid = conn.execute(
            "SELECT id FROM submissions WHERE cluster_name = '八卦山茶香商模群聚'"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO findings (submission_id, rule, severity, message) VALUES (?, 'X', 'error', 'x')",
            (sid,),
        )
    conn.close()
    plans, empty = review.sheet_layouts(db, ["委員甲"])
    assert empty == ["B類"] and [p.slate.category for p in plans] == ["A類"]
    with pytest.raises(ValueError, match="委員重複"):
        review.sheet_layouts(db, ["委員甲", " 委員甲 "])


# -- ranking, by hand --------------------------------------------------------------------------
def test_rank_order_with_a_tie_broken_by_first_places_and_a_divergent_reviewer(
    db, tmp_path
) -> None:
    """Own ranks (RANK: equal totals share a rank): 甲 A01 90 (1), A02 85 (2), A03 80 (3),
    A04 70 (4); 乙 A03 88 (1), A02 80 (2), A01 75 (3), A04 70 (4); 丙 A03 90 (1), A01 82 (2),
    A02 82 (2), A04 50 (4). Mean ranks: A03 (3+1+1)/3 = 5/3; A01 (1+3+2)/3 = 2 and A02
    (2+2+2)/3 = 2 tie, A01 has one first place, A02 none; A04 4. 丙's 50 on A04 is 20 from
    the median 70 (> 15)."""
    summary = review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_1)), db)
    assert summary.exit_code == 0 and summary.count("imported") == 3
    _spec, results, findings = review.class_results(db, method="序位法", category="A類")
    (a,) = results
    assert a.reviewers == list(COMMITTEE) and findings == []
    assert order(a) == [
        (1, "A03", F(5, 3), 2, F(86), False),
        (2, "A01", F(2), 1, F(247, 3), False),
        (3, "A02", F(2), 0, F(247, 3), False),
        (4, "A04", F(4), 0, F(190, 3), False),
    ]
    a03, a01, a02, a04 = a.standings
    assert (a01.median, a01.spread, a01.rank_sum) == (F(82), F(15), F(6))
    assert [e.total for e in a01.entries.values()] == [9000, 7500, 8200]
    assert [e.rank for e in a02.entries.values()] == [2, 2, 2]
    assert a01.tie_note == a02.tie_note == "平均序位同為 2.00，依第一名次數較多者優先"
    assert (a04.divergent, a04.median, a04.spread) == (["委員丙"], F(70), F(20))
    assert a03.divergent == a01.divergent == a02.divergent == []


def test_total_method_adds_the_bonus_and_breaks_a_tie_by_the_heaviest_criterion(
    db, tmp_path
) -> None:
    """總分法: mean weighted total + 2 bonus points each: A03 86 + 2 = 88; A01 and A02 both
    247/3 + 2 = 84.33; 輔導面向 means A01 (100+75+82)/3 = 85.67 > A02 (85+80+82)/3 = 82.33;
    A04 190/3 + 2 = 65.33."""
    review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_1)), db)
    _, (a,), _ = review.class_results(db, method="總分法", category="A類")
    assert [(s.place, s.case.case, s.method_score, s.tie) for s in a.standings] == [
        (1, "A03", F(88), False),
        (2, "A01", F(253, 3), False),
        (3, "A02", F(253, 3), False),
        (4, "A04", F(196, 3), False),
    ]
    assert a.standings[1].top_mean == F(257, 3) and a.standings[2].top_mean == F(247, 3)
    assert (
        a.standings[1].tie_note
        == "總分法得分同為 84.33，依配分最高之評分項目（輔導面向）平均分數較高者優先"
    )


def test_recusal_and_a_missing_score_leave_a_proposal_to_the_others(db, tmp_path) -> None:
    """甲 recuses himself from A01: A02 80 (1), A03 80 (1), A04 70 (3). 乙's A03 lacks a score
    (not counted): A01 86 (1), A02 84 (2), A04 72 (3). 丙: A04 90 (1), A01 84 (2), A03 80 (3),
    A02 76 (4). Mean ranks over those who scored: A01 (1+2)/2 = 1.5; A03 (1+3)/2 = 2;
    A02 (1+2+4)/3 = 7/3 and A04 (3+3+1)/3 = 7/3 both with one first place; mean totals
    A02 80 > A04 (70+72+90)/3 = 77.33. 丙's 90 on A04 is 18 from the median 72."""
    summary = review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_2)), db)
    assert summary.exit_code == 1
    missing = [f for r in summary.reports for f in r.findings]
    assert [(f.rule, f.sheet, f.cell) for f in missing] == [
        ("REVIEW-SCORE-MISSING", "評分表", "K9")
    ]
    assert "案號 A03「恆春半島慢遊群聚」的「市場可行性」未評分" in missing[0].message
    _, (a,), findings = review.class_results(db, method="序位法", category="A類")
    assert order(a) == [
        (1, "A01", F(3, 2), 1, F(85), False),
        (2, "A03", F(2), 1, F(80), False),
        (3, "A02", F(7, 3), 1, F(80), False),
        (4, "A04", F(7, 3), 1, F(232, 3), False),
    ]
    a01, a03, a02, a04 = a.standings
    assert a01.entries["委員甲"].state == "recused" and a01.scorers == 2
    assert a03.entries["委員乙"].state == "incomplete" and a03.scorers == 2
    assert a02.tie_note == "平均序位同為 2.33，依第一名次數較多者優先、平均加權總分較高者優先"
    assert a04.divergent == ["委員丙"] and a04.median == F(72)
    assert [f[2] for f in findings] == ["REVIEW-SCORE-MISSING"]


def test_a_tie_nothing_breaks_is_flagged_for_a_draw(db, tmp_path) -> None:
    """總分法 of scenario 2: A01 85 + 2 = 87; A02 80 + 2 and A03 80 + 2 are both 82 and their
    輔導面向 means are both 80: one place (2), both 須抽籤; A04 232/3 + 2 = 79.33 is 4th."""
    review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_2)), db)
    _, (a,), _ = review.class_results(db, method="總分法", category="A類")
    assert [(s.place, s.case.case, s.method_score, s.tie) for s in a.standings] == [
        (1, "A01", F(87), False),
        (2, "A02", F(82), True),
        (2, "A03", F(82), True),
        (4, "A04", F(238, 3), False),
    ]
    assert a.standings[1].tie_note.endswith("；與 A03 仍相同，須抽籤")


def test_bonus_points_come_from_the_register_and_are_capped(db, tmp_path) -> None:
    review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_1)), db)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE proposals SET bonus_tier = 1, bonus_small = 1 WHERE cluster_name = '鹿港老街生活圈'"
        )
        conn.execute(
            "UPDATE proposals SET bonus_diverse = 0, bonus_small = 0 WHERE cluster_name = '恆春半島慢遊群聚'"
        )
    conn.close()
    _, (a,), _ = review.class_results(db, method="總分法", category="A類")
    by_case = {s.case.case: s for s in a.standings}
    assert by_case["A04"].bonus == 3 and by_case["A04"].method_score == F(190, 3) + 3
    assert by_case["A03"].bonus == 1 and by_case["A03"].method_score == F(87)


def test_funding_line_follows_the_order(db, tmp_path) -> None:
    """序位法 order A03 522,900; A01 449,400 (972,300); A02 564,900 (1,537,200); A04."""
    review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_1)), db)
    _, (a,), _ = review.class_results(db, budget={"A類": 1_000_000}, category="A類")
    assert [(s.case.case, s.cumulative, s.funded) for s in a.standings] == [
        ("A03", 522_900, True),
        ("A01", 972_300, True),
        ("A02", 1_537_200, False),
        ("A04", 2_018_100, False),
    ]


def test_pure_ranks_and_totals() -> None:
    # 83 × 60 + 77 × 10 + 91 × 15 + 60 × 5 + 88 × 10 = 4980 + 770 + 1365 + 300 + 880
    scores = dict(zip(IDS, (83, 77, 91, 60, 88), strict=True))
    assert weighted_total(scores, SPEC.weights("A類")) == 8295
    assert weighted_total({"facets": 1}, SPEC.weights("A類")) is None
    from clusterbook.review.rank import own_ranks

    totals = {"a": 9000, "b": 8500, "c": 8500, "d": 7000}
    assert own_ranks(totals, "min") == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert own_ranks(totals, "average") == {"a": 1, "b": F(5, 2), "c": F(5, 2), "d": 4}


# -- storage, revisions, pivot -----------------------------------------------------------------
def test_a_reviewer_imported_twice_makes_a_revision_and_the_newest_counts(db, tmp_path) -> None:
    paths = scored(db, tmp_path, SCENARIO_1)
    review.import_reviews(map(str, paths), db)
    again = review.import_reviews([str(paths[0])], db)
    assert again.results[0].status == "unchanged" and again.exit_code == 0
    changed = fill(paths[0], {"A04": 95}, tmp_path / "甲-第二版.xlsx")
    second = review.import_reviews([str(changed)], db)
    assert (second.results[0].status, second.results[0].revision) == ("revision", 2)
    (info,) = second.reports[0].findings
    assert (
        info.rule == "REVIEW-REVISION"
        and "委員甲（A類）" in info.message
        and "第 2 版" in info.message
    )
    frames = load(db)
    reviews = frames["reviews"]
    assert len(reviews) == 4 * 3  # the current revision's rows only
    mine = reviews[(reviews["reviewer"] == "委員甲") & (reviews["case"] == "A04")].iloc[0]
    assert mine["weighted_total"] == 95 and mine["own_rank"] == 1
    assert mine["cluster_name"] == "鹿港老街生活圈" and mine["proposal_category"] == "A類"
    assert mine["year"] == 112
    # 甲 now: A04 95 (1), A01 90 (2), A02 85 (3), A03 80 (4). Mean ranks: A03 (4+1+1)/3 = 2;
    # A01 (2+3+2)/3 = A02 (3+2+2)/3 = 7/3, no first place, both means 247/3: a draw; A04 3.
    _, (a,), _ = review.class_results(db, category="A類")
    assert [(s.place, s.case.case, s.mean_rank, s.tie) for s in a.standings] == [
        (1, "A03", F(2), False),
        (2, "A01", F(7, 3), True),
        (2, "A02", F(7, 3), True),
        (4, "A04", F(3), False),
    ]


def test_pivot_reads_the_reviews_in_zh_tw(db, tmp_path) -> None:
    review.import_reviews(map(str, scored(db, tmp_path, SCENARIO_2)), db)
    out = subprocess.run(
        [sys.executable, "-m", "clusterbook", "pivot", "--register", str(db), "--table", "評分",
         "--rows", "委員", "--columns", "利益迴避", "--format", "csv"],
        capture_output=True, text=True, encoding="utf-8-sig", check=True,
    )  # fmt: skip
    assert out.stdout.splitlines() == [
        "委員,是,否,合計",
        "委員丙,0,4,4",
        "委員乙,0,4,4",
        "委員甲,1,3,4",
        "合計,1,11,12",
    ]
    from clusterbook.register.pivot import make_pivot

    p = make_pivot(load(db), "reviews", "case", values="weighted_total", aggfunc="mean")
    assert p.frame.set_index("case")["weighted_total"]["A01"] == 85


# -- read-back findings, one per rule ----------------------------------------------------------
def _state(db: Path):
    return register_state(load(db), SPEC)


def _read(path: Path, db: Path, **kw):
    return review.read_source(str(path), _state(db), **kw)


def _rules(report) -> list[tuple[str, str]]:
    return [(f.rule, f.cell) for f in report.findings]


def test_scores_out_of_range_not_whole_or_on_a_recused_row(db, tmp_path) -> None:
    path = fill(
        sheets(db, tmp_path)["委員甲"],
        {
            "A01": {**dict.fromkeys(IDS, 80), "facets": 105},
            "A02": {**dict.fromkeys(IDS, 80), "execution": 85.5, "market": "八十"},
            "A03": {"conflict": "迴避", "outcomes": 70},
            "A04": {**dict.fromkeys(IDS, 70), "conflict": "不確定", "comment": "=1+1"},
        },
    )
    report = _read(path, db)
    assert _rules(report) == [
        ("REVIEW-SCORE-RANGE", "I7"),
        ("REVIEW-SCORE-RANGE", "J8"),
        ("REVIEW-SCORE-RANGE", "K8"),
        ("REVIEW-SCORE-RECUSED", "M9"),
        ("REVIEW-CONFLICT-VALUE", "H10"),
    ]
    messages = [f.message for f in report.findings]
    assert "「105」，超出 0–100 分；請改填 0–100 的整數" in messages[0]
    assert "「85.5」，不是整數" in messages[1] and "「八十」" in messages[2]
    assert "已選利益迴避，卻有「輔導成果與預期效益」分數「70」" in messages[3]
    assert "利益迴避填的是「不確定」" in messages[4] and report.exit_code == 1
    assert all(f.severity == "error" and f.file == str(path) for f in report.findings)
    assert not any(r.complete for r in report.sheet.rows)
    assert report.sheet.rows[3].comment == "=1+1"  # text, never a formula


def test_spellings_of_recusal_and_typed_numbers_are_read(db, tmp_path) -> None:
    path = fill(
        sheets(db, tmp_path)["委員甲"],
        {"A01": {"conflict": "是"}, "A02": dict.fromkeys(IDS, "８０"), "A03": 70, "A04": 60},
    )
    report = _read(path, db)
    assert report.findings == [] and report.sheet.rows[0].recused
    assert report.sheet.rows[1].scores == dict.fromkeys(IDS, 80) and report.sheet.rows[1].complete


def test_a_row_left_blank_is_one_finding_and_a_blank_sheet_is_refused(db, tmp_path) -> None:
    paths = sheets(db, tmp_path)
    report = _read(fill(paths["委員甲"], {"A01": 80, "A02": 80, "A03": 80}), db)
    assert _rules(report) == [("REVIEW-SCORE-MISSING", "I10")]
    assert "「各評分項目」未評分" in report.findings[0].message
    blank = _read(paths["委員乙"], db)
    assert _rules(blank) == [("REVIEW-EMPTY", "")] and blank.exit_code == 2
    summary = review.import_reviews([str(paths["委員乙"])], db)
    assert summary.results[0].status == "unreadable"  # never replaces earlier scores


def test_an_overwritten_formula_is_a_warning_and_never_used(db, tmp_path) -> None:
    path = fill(sheets(db, tmp_path)["委員甲"], {"A01": 80, "A02": 70, "A03": 60, "A04": 50})
    wb = openpyxl.load_workbook(path)
    wb["評分表"]["N7"] = 99
    wb["評分表"]["O8"] = "=1"
    wb.save(path)
    report = _read(path, db)
    assert _rules(report) == [("REVIEW-FORMULA", "N7"), ("REVIEW-FORMULA", "O8")]
    assert report.exit_code == 0
    marks = reviewer_marks(report.sheet.rows, SPEC.weights("A類"), "min")
    assert sorted(t for t, _ in marks.values()) == [5000, 6000, 7000, 8000]


def _edit_meta(path: Path, key: str, value: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["_meta"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
    ws.cell(row, 2).value = value
    wb.save(path)


def test_workbooks_of_another_year_class_register_or_kind_are_refused(
    db, base_db, tmp_path
) -> None:
    path = fill(sheets(db, tmp_path)["委員甲"], {"A01": 80, "A02": 80, "A03": 80, "A04": 80})
    assert _rules(_read(path, db, category="B類")) == [("REVIEW-OTHER-CLASS", "")]
    other = _copy(base_db, tmp_path / "other.sqlite")
    with sqlite3.connect(other) as conn:  # another register: none of the four proposals
        conn.execute("UPDATE submissions SET proposal_key = 'x' || proposal_key")
    conn.close()
    report = _read(path, other)
    assert _rules(report) == [("REVIEW-OTHER-REGISTER", "")] and report.exit_code == 2
    assert "評分表所列的 4 案" in report.findings[0].message
    old = tmp_path / "old.xlsx"
    shutil.copy(path, old)
    _edit_meta(old, "year", "111")
    stale = _read(old, db)
    assert _rules(stale) == [("REVIEW-OTHER-YEAR", "")]
    assert "此評分表為 111 年度，本次匯入的是 112 年度" in stale.findings[0].message
    proposal = tmp_path / "proposal.xlsx"
    from clusterbook.workbook.fill import filled_bytes

    proposal.write_bytes(filled_bytes(clean_data()))
    refused = _read(proposal, db)
    assert (
        _rules(refused) == [("REVIEW-TEMPLATE", "")] and "提案活頁簿" in refused.findings[0].message
    )
    text = tmp_path / "scores.xlsx"
    text.write_text("案號,分數\nA01,80\n", encoding="utf-8")
    assert _rules(_read(text, db)) == [("FILE-UNREADABLE", "")]
    gone = tmp_path / "renamed.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["評分表"].title = "我的評分"
    wb.save(gone)
    assert "「評分表」不存在" in _read(gone, db).findings[0].message


def test_register_changes_after_the_sheets_were_made(db, tmp_path) -> None:
    """After the sheets: 府城 gets a new revision, 大溪 becomes 不符合 (a new revision with an
    error), and a fifth A類 proposal arrives."""
    path = fill(sheets(db, tmp_path)["委員甲"], {"A01": 80, "A02": 80, "A03": 80, "A04": 80})
    tainan = clean_data("tainan-alley")
    tainan.fields["unit.intro"] = "提案單位長期深耕臺南市（第二版）。"
    daxi = dict(extra_proposals())["daxi-wood"]
    daxi.tables["members"] = daxi.tables["members"][:5]  # fewer than 10 members
    from clusterbook.samples import random_proposal

    fifth = random_proposal(2)  # A類, clean
    _import(db, [("tainan", tainan), ("daxi", daxi), ("fifth", fifth)])
    report = _read(path, db)
    rules = _rules(report)
    assert rules == [
        ("REVIEW-REGISTER-CHANGED", ""),
        ("REVIEW-PROPOSAL-UNLISTED", ""),
        ("REVIEW-UNKNOWN-PROPOSAL", "A7"),
    ]
    changed, unlisted, unknown = (f.message for f in report.findings)
    assert (
        "A01「大溪木藝數位群聚」已有第 2 版" in changed
        and "A02「府城巷弄生活圈」已有第 2 版" in changed
    )
    assert fifth.fields["proposal.cluster_name"] in unlisted and "另有 1 案A類" in unlisted
    assert "案號 A01「大溪木藝數位群聚」在總表中為「不符合」，此列評分不予採計" in unknown
    assert [r.complete for r in report.sheet.rows] == [False, True, True, True]


def test_another_review_spec_is_a_warning(db, tmp_path) -> None:
    path = fill(sheets(db, tmp_path)["委員甲"], {"A01": 80, "A02": 80, "A03": 80, "A04": 80})
    _edit_meta(path, "spec_hash", "0" * 64)
    report = _read(path, db)
    assert _rules(report) == [("REVIEW-SPEC-CHANGED", "")] and report.exit_code == 0


def test_every_review_rule_is_catalogued_and_tested(program) -> None:
    from clusterbook.review.read import RULES

    assert {r for r in program.rules if r.startswith("REVIEW-")} == set(RULES)
    text = Path(__file__).read_text(encoding="utf-8")
    assert [r for r in RULES if f'"{r}"' not in text] == []
    assert all(program.rules[r].message for r in RULES)


# -- the results workbook and the commands -----------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "clusterbook", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )


def test_commands_end_to_end(db, tmp_path) -> None:
    folder = tmp_path / "sheets"
    made = run("review", "sheets", "--register", str(db), "-R", "委員甲", "-R", "委員乙", "-R", "委員丙",
               "-o", str(folder))  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "已產生評分表 6 份（A類 4 案、B類 1 案；委員 3 位）" in made.stdout
    for name, marks in SCENARIO_2.items():
        fill(folder / f"評分表-A類-{name}.xlsx", marks)
    for name in COMMITTEE:
        fill(folder / f"評分表-B類-{name}.xlsx", {"B01": 80})
    imported = run(
        "review", "import", *map(str, sorted(folder.glob("*.xlsx"))), "--register", str(db)
    )
    assert imported.returncode == 1 and "REVIEW-SCORE-MISSING" in imported.stdout
    assert "合計：新匯入 6、新版本 0、未變更 0、無法讀取 0；錯誤 1" in imported.stdout
    out = tmp_path / "評選結果.xlsx"
    ranked = run("review", "results", "--register", str(db), "-o", str(out), "--budget-total", "A類=1000000",
                 "--budget-total", "B類=600000")  # fmt: skip
    assert ranked.returncode == 1 and "Traceback" not in ranked.stderr
    assert "評分表有 1 項錯誤" in ranked.stdout and "已寫出評選結果" in ranked.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["A類評選結果", "B類評選結果", "評分明細", "待討論事項", "評選說明"]
    ws = wb["A類評選結果"]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "名次")
    heads = [c.value for c in ws[top]]
    assert heads[:7] == [
        "名次",
        "案號",
        "群聚名稱",
        "提案單位",
        "群聚型態",
        "委員甲\n加權總分",
        "委員甲\n序位",
    ]
    col = {h: i + 1 for i, h in enumerate(heads)}
    rows = [
        [ws.cell(r, c).value for c in range(1, len(heads) + 1)] for r in range(top + 1, top + 5)
    ]
    assert [(r[0], r[1]) for r in rows] == [(1, "A01"), (2, "A03"), (3, "A02"), (4, "A04")]
    first = rows[0]
    assert first[col["委員甲\n加權總分"] - 1] == "迴避" and first[col["平均加權總分"] - 1] == 85
    assert first[col["累計經費"] - 1] == 449_400 and first[col["經費線"] - 1] == "入選"
    assert rows[2][col["經費線"] - 1] == "備取"
    assert rows[3][col["意見分歧委員"] - 1] == "委員丙"
    assert ws.cell(top + 1, col["平均加權總分"]).number_format == "0.00"
    assert ws.cell(top + 1, col["經費總計(含稅)"]).number_format == "#,##0"
    assert ws.cell(top + 2, 1).border.bottom.style == "thick"  # the line under A03 (972,300)
    assert ws.tables and ws.page_setup.orientation == "landscape" and ws.freeze_panes
    flags = [r for r in wb["待討論事項"].iter_rows(values_only=True) if r[0] in ("A類", "B類")]
    kinds = {(r[1], r[2], r[4]) for r in flags}
    assert ("意見分歧", "A04", "委員丙") in kinds and ("評分未完成", "A03", "委員乙") in kinds
    assert any(r[1] == "匯入檢核" and "未評分" in r[5] for r in flags)
    lot = run("review", "results", "--register", str(db), "-o", str(tmp_path / "t.xlsx"),
              "--method", "總分法", "--class", "A類")  # fmt: skip
    assert "須抽籤" in lot.stdout
    assert run("review", "results", "--register", str(db), "--method", "抽籤法").returncode == 2
    assert run("review", "results", "--register", str(db), "--budget-total", "很多").returncode == 2


def test_results_without_sheets_and_bad_usage_exit_2(base_db, tmp_path) -> None:
    db = _copy(base_db, tmp_path / "db.sqlite")
    none = run("review", "results", "--register", str(db), "-o", str(tmp_path / "x.xlsx"))
    assert (
        none.returncode == 2 and "review import" in none.stderr and "Traceback" not in none.stderr
    )
    missing = run("review", "sheets", "--register", str(tmp_path / "nope.sqlite"), "-R", "甲")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    bad = run("review", "sheets", "--register", str(db), "-R", "甲", "--class", "C類")
    assert bad.returncode == 2 and "--class 只接受 A類、B類，收到「C類」" in bad.stderr


def test_demo_committee(base_db, tmp_path, template_file) -> None:
    """The demo's 遴選 (extra proposals, three invented reviewers, fixed scores): 序位法 gives
    府城 first; 丙 diverges on 鹿港 (61.30 against a median of 79.70); 甲 recuses himself
    from 大溪."""
    from clusterbook.demo import run_review

    db = _copy(base_db, tmp_path / "clusterbook.sqlite")
    out = run_review(tmp_path / "review", db, "dc112")
    assert len(out.proposals) == 3 and len(out.sheets) == 6
    assert out.summary.exit_code == 0 and out.output.exists()
    a, b = out.results
    assert [s.case.cluster_name for s in a.standings] == [
        "府城巷弄生活圈",
        "鹿港老街生活圈",
        "恆春半島慢遊群聚",
        "大溪木藝數位群聚",
    ]
    lukang = a.standings[1]
    assert lukang.divergent == ["委員丙"] and lukang.median == F(7970, 100)
    assert a.standings[3].entries["委員甲"].state == "recused"
    assert [s.case.cluster_name for s in b.standings] == ["八卦山茶香商模群聚"]


# -- LibreOffice computes what Python computes -------------------------------------------------
@pytest.fixture(scope="module")
def recalculated(committee_db, tmp_path_factory):
    """Reviewers' workbooks (both scenarios, odd values, and the average-rank variant of the
    spec) recalculated by LibreOffice in one run."""
    work = tmp_path_factory.mktemp("lo")
    db = _copy(committee_db, work / "clusterbook.sqlite")
    cases = []
    for k, scenario in enumerate((SCENARIO_1, SCENARIO_2)):
        folder = work / f"s{k}"
        paths = sheets(db, folder)
        cases += [
            (SPEC, fill(paths[n], marks, work / f"s{k}-{n}.xlsx")) for n, marks in scenario.items()
        ]
    odd = {
        "A01": {**dict.fromkeys(IDS, 70), "facets": 105},
        "A02": {**dict.fromkeys(IDS, 91), "conflict": "Y"},
        "A03": {**dict.fromkeys(IDS, 66), "market": 66.5},
        "A04": (99, 1, 50, 0, 100),
    }
    cases.append((SPEC, fill(sheets(db, work / "odd")["委員甲"], odd, work / "odd.xlsx")))
    average = dataclasses.replace(SPEC, raw={**SPEC.raw, "own_rank": "average"})
    (slate,) = slates(load(db), SPEC, "A類")
    for k, scenario in enumerate((SCENARIO_1, SCENARIO_2)):
        for name, marks in scenario.items():
            path = work / f"avg{k}-{name}.xlsx"
            path.write_bytes(workbook_bytes(render(review_layout(average, slate, name))))
            cases.append((average, fill(path, marks)))
    assert len({p.name for _, p in cases}) == len(cases)  # LibreOffice writes by file name
    out = libreoffice_recalc([p for _, p in cases], work / "out")
    return db, [
        (spec, src, openpyxl.load_workbook(o, data_only=True))
        for (spec, src), o in zip(cases, out, strict=True)
    ]


@pytest.mark.libreoffice
def test_libreoffice_totals_and_own_ranks_equal_python(recalculated) -> None:
    db, books = recalculated
    state = _state(db)
    seen = {"blank": 0, "tie": 0, "half": 0}
    for spec, source, book in books:
        sheet = read_review(read_xlsx(source), state).sheet
        weights = spec.weights("A類")
        marks = reviewer_marks(sheet.rows, weights, spec.own_rank)
        ws = book["評分表"]
        for i, row in enumerate(sheet.rows):
            total, rank = ws.cell(7 + i, 14).value, ws.cell(7 + i, 15).value
            if row.key not in marks:
                assert total in (None, "") and rank in (None, ""), f"{source.name} row {i}"
                seen["blank"] += 1
                continue
            expected_total, expected_rank = marks[row.key]
            assert total == pytest.approx(expected_total / 100, abs=1e-9), f"{source.name} row {i}"
            assert rank == pytest.approx(float(expected_rank), abs=1e-9), f"{source.name} row {i}"
            seen["tie"] += sum(r == expected_rank for _, r in marks.values()) > 1
            seen["half"] += expected_rank.denominator == 2
    assert seen["blank"] >= 6 and seen["tie"] >= 4 and seen["half"] >= 2  # the cases were there


@pytest.mark.libreoffice
def test_libreoffice_shows_the_odd_values_as_python_reads_them(recalculated) -> None:
    """105 (out of range) and 66.5 (not whole) leave the total blank; Y reads as 迴避;
    (99, 1, 50, 0, 100): 59.4 + 0.1 + 7.5 + 0 + 10 = 77.00, ranked 1st of the one row left."""
    _, books = recalculated
    (ws,) = [b["評分表"] for _, src, b in books if src.name == "odd.xlsx"]
    assert [ws.cell(r, 14).value in (None, "") for r in range(7, 11)] == [True, True, True, False]
    assert ws.cell(10, 14).value == pytest.approx(77.0) and ws.cell(10, 15).value == 1


# -- Google Sheets (offline fake) --------------------------------------------------------------
@pytest.mark.usefixtures("no_network")
def test_a_sheet_built_in_google_sheets_reads_back_like_the_file(db, tmp_path) -> None:
    from clusterbook.gsheets import create_spreadsheet
    from clusterbook.workbook import a1
    from tests.fakes.google import fake_client

    client, fake = fake_client()
    plans, _ = review.sheet_layouts(db, ["委員乙"], category="A類")
    (plan,) = plans
    sh = create_spreadsheet(client, plan.title, plan.layout, share=["reviewer@example.com"])
    assert fake.sheet_titles(sh.id) == ["評分說明", "評分表", "_lists", "_meta"]
    assert {r["name"] for r in fake.named_ranges(sh.id)} == {"L_conflict", "R_RECUSED"}
    assert [p["emailAddress"] for p in fake.permissions(sh.id) if p.get("role") == "writer"] == [
        "reviewer@example.com"
    ]
    refs = plan.layout.fields
    marks = SCENARIO_2["委員乙"]
    for i, case in enumerate(("A01", "A02", "A03", "A04")):
        mark = marks[case]
        values = (
            dict(zip(IDS, mark, strict=True))
            if isinstance(mark, tuple)
            else (dict.fromkeys(IDS, mark) if isinstance(mark, int) else mark)
        )
        for cid, value in values.items():
            r, c = refs[f"review.score.{cid}"].cell_at(i)
            fake.set_values(sh.id, "評分表", a1.cell(r, c), [[value]])
    url = f"https://docs.google.com/spreadsheets/d/{sh.id}/edit"
    from_sheets = review.read_source(url, _state(db), client=client)
    from_file = _read(fill(sheets(db, tmp_path, names=["委員乙"])["委員乙"], marks), db)
    assert _rules(from_sheets) == _rules(from_file) == [("REVIEW-SCORE-MISSING", "K9")]
    assert from_sheets.sheet.digest == from_file.sheet.digest
    assert from_sheets.sheet.source == url.removesuffix("/edit")
    fake.assert_clean()


@pytest.mark.usefixtures("no_network")
def test_sheets_command_builds_in_google_sheets_and_shares_each_with_its_reviewer(
    db, monkeypatch
) -> None:
    import clusterbook.gsheets
    from clusterbook.cli import app
    from tests.fakes.google import fake_client

    client, fake = fake_client()
    monkeypatch.setattr(clusterbook.gsheets, "client_from", lambda *a, **kw: client)
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app,
        ["review", "sheets", "--register", str(db), "--gsheets", "--class", "B類",
         "-R", "委員甲=amy@example.com", "-R", "委員乙"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "112年度 遴選評分表 B類 委員甲：https://docs.google.com/spreadsheets/d/"
    )
    assert lines[0].endswith("（已共用給 amy@example.com）") and "共用" not in lines[1]
    keys = [line.split("/d/")[1].split("（")[0] for line in lines]
    writers = [
        [p.get("emailAddress") for p in fake.permissions(k) if p["role"] == "writer"] for k in keys
    ]
    assert writers == [["amy@example.com"], []]
    fake.assert_clean()
