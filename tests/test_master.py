"""master.xlsx and `clusterbook pivot` in the managers' language: zh-TW labels, typed cells,
a live 摘要 sheet (recalculated by LibreOffice), charts that print whole, pivots by label."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clusterbook.importers import check_rawbook
from clusterbook.register import load, pivot
from clusterbook.register.columns import RegisterSpec, register_spec
from clusterbook.register.export import export
from clusterbook.register.store import connect, import_report
from clusterbook.register.summary import criterion
from clusterbook.samples import random_proposal, sample_proposals
from clusterbook.workbook.spec import load_program
from tests.conftest import libreoffice_recalc
from tests.helpers import TODAY, rawbook

SOURCES = "/srv/提案/收件"  # an absolute folder that --redact must not leak


def build_register(path: Path, proposals) -> Path:
    """A register of checked proposals (in memory, without writing workbooks)."""
    conn = connect(path)
    try:
        for key, data in proposals:
            raw = dataclasses.replace(rawbook(data), source=f"{SOURCES}/{key}.xlsx")
            import_report(conn, check_rawbook(raw, today=TODAY))
    finally:
        conn.close()
    return path


def generated(n: int):
    """n generated proposals of 10–20 members; some over the budget cap, some with a township
    that is not in 附件三 (no tier: a blank key)."""
    rng = random.Random(112)
    for i in range(n):
        data = random_proposal(700 + i, members=rng.randint(10, 20))
        if i % 7 == 3:
            data.tables["budget"][0]["budget.unit_price"] = 200_000
        if i % 11 == 5:
            data.tables["members"][1]["members.township"] = "不存在區"
        yield f"g{i:03d}", data


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    db = build_register(tmp_path_factory.mktemp("reg") / "r.sqlite", sample_proposals())
    return load(db)


@pytest.fixture(scope="module")
def master(tmp_path_factory, frames):
    return export(frames, tmp_path_factory.mktemp("master") / "master.xlsx")


# ------------------------------------------------------------------------------ labels
def test_every_column_has_a_unique_zh_tw_label(frames):
    spec = register_spec()
    for table in (t for t in spec.tables if t in frames):  # reviews: tests/test_review.py
        columns = spec.columns(table, frames[table].columns)
        labels = [c.label.casefold() for c in columns]
        assert len(labels) == len(set(labels)), table
        for c in columns:
            assert re.search(r"[\u4e00-\u9fff]", c.label), f"{table}.{c.id}: {c.label}"
            assert not set("[]#'") & set(c.label)
    members = {c.id: c for c in spec.columns("members", frames["members"].columns)}
    assert members["owner_name"].label == "企業負責人／姓名"
    assert members["contact_name"].label == "企業聯絡人(主要參與者)／姓名"
    assert members["owner_identity"].label == "企業負責人／屬性"
    assert (members["county"].label, members["capital"].kind) == ("營業所在縣市", "money")
    assert (members["approved_on"].kind, members["is_sme"].kind) == ("date", "yesno")


def test_labels_come_from_the_spec_as_it_changes(tmp_path):
    """A column the form gains is labelled and typed from its field, with no code change."""
    folder = tmp_path / "dc-new"
    shutil.copytree(load_program().path, folder)
    form = (folder / "form.yaml").read_text(encoding="utf-8")
    anchor = "            - {id: members.role,"
    extra = (
        "            - {id: members.reg_type, group: 群聚企業基本資料, label: 登記類型, type: enum, list: roles}\n"
        "            - {id: members.staff_female, group: 企業負責人, label: 員工人數, type: integer}\n"
    )
    (folder / "form.yaml").write_text(form.replace(anchor, extra + anchor, 1), encoding="utf-8")
    spec = RegisterSpec(load_program(str(folder)))
    columns = {
        c.id: c for c in spec.columns("members", ["name", "employees", "reg_type", "staff_female"])
    }
    assert columns["reg_type"].label == "登記類型"
    assert columns["reg_type"].choices == ("群聚領導企業", "群聚成員企業")
    assert columns["employees"].label == "群聚企業基本資料／員工人數"  # two 員工人數: qualified
    assert columns["staff_female"].label == "企業負責人／員工人數"
    assert columns["staff_female"].kind == "count"


def test_criteria_match_cells_exactly():
    assert criterion("A類") == '"A類"'
    assert criterion("a*b?c~") == '"a~*b~?c~~"'
    assert criterion("<5") == '"=<5"'
    assert criterion('引"號') == '"引""號"'
    assert criterion(None) == '""'
    assert criterion(3) == "3"


# ------------------------------------------------------------------------------ workbook
def test_export_reads_back_labelled_and_typed(master, frames):
    wb = openpyxl.load_workbook(master)
    spec = register_spec()
    for table, info in spec.tables.items():
        if not info.export:
            assert info.sheet not in wb.sheetnames
            continue
        ws = wb[info.sheet]
        (name,) = ws.tables
        assert name == info.name and name.isascii()
        labels = [c.label for c in spec.columns(table, frames[table].columns)]
        assert [c.value for c in ws[1]] == labels
        assert ws.freeze_panes == "B2" and ws.print_title_rows == "$1:$1"
        assert ws.tables[name].autoFilter is not None
        assert (
            ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        )

    def column(sheet, label):
        ws = wb[sheet]
        j = [c.value for c in ws[1]].index(label)
        return [row[j] for row in ws.iter_rows(min_row=2)]

    budget = column("提案", "經費總計(含稅)")
    assert [c.value for c in budget] == frames["proposals"]["budget_total"].tolist()
    assert {c.number_format for c in budget} == {"#,##0"}
    share = column("提案", "中小企業占比")
    assert {c.number_format for c in share} == {"0.0%"}
    dates = column("提案", "提案日期")
    assert all(
        isinstance(c.value, dt.datetime) and c.number_format == "[$-404]e/mm/dd" for c in dates
    )
    assert dates[0].value.date().isoformat() == frames["proposals"]["date"].iloc[0]
    assert {c.value for c in column("成員", "中小企業")} <= {"是", "否"}
    assert {c.value for c in column("成員", "前一年曾受數位群聚輔導")} <= {"有", "無"}
    assert {c.value for c in column("提案", "資格檢核結果")} == {"符合", "不符合"}
    assert {c.value for c in column("檢核結果", "嚴重度")} == {"錯誤", "警告", "資訊"}
    imported = column("提案", "匯入時間")[0]
    assert isinstance(imported.value, dt.datetime) and imported.number_format.startswith(
        "[$-404]e/mm/dd"
    )
    tiers = column("成員", "數位發展分群")
    assert {c.value for c in tiers} <= {1, 2, 3, 4, None} and tiers[0].number_format == "0"
    mapping = wb["欄位對照"]
    rows = list(mapping.iter_rows(min_row=2, values_only=True))
    assert ("成員", "Members", "members", "營業所在縣市", "county") in {r[:5] for r in rows}
    ws = wb["成員"]
    assert all(
        4 <= ws.column_dimensions[c[0].column_letter].width <= 48 for c in ws.iter_cols(max_row=1)
    )


def test_redacted_export_masks_owners_and_source_paths_but_no_placeholders(frames, tmp_path):
    out = export(frames, tmp_path / "redacted.xlsx", redacted=True)
    wb = openpyxl.load_workbook(out)
    members = wb["成員"]
    heads = [c.value for c in members[1]]
    for label in (
        "企業負責人／性別",
        "企業負責人／年齡",
        "企業負責人／屬性",
        "企業聯絡人(主要參與者)／性別",
    ):
        values = {r[heads.index(label)] for r in members.iter_rows(min_row=2, values_only=True)}
        assert values <= {"（遮蔽）", None}, label
    kept = {r[heads.index("營業所在縣市")] for r in members.iter_rows(min_row=2, values_only=True)}
    assert kept == set(frames["members"]["county"])
    proposals = wb["提案"]
    heads = [c.value for c in proposals[1]]
    consultants = [
        r[heads.index("群聚顧問(姓名/職稱)")]
        for r in proposals.iter_rows(min_row=2, values_only=True)
    ]
    assert "無" in consultants and "無○" not in consultants
    sources = [r[heads.index("來源檔案")] for r in proposals.iter_rows(min_row=2, values_only=True)]
    assert sorted(sources) == sorted(f"{k}.xlsx" for k, _ in sample_proposals())
    text = "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    assert SOURCES not in text


# ------------------------------------------------------------------------------ pivot
def test_pivot_by_label_equals_pivot_by_id(frames):
    by_id = pivot(frames, "members", "county", "tier", totals=True)
    by_label = pivot(frames, "成員", "縣市", "分群", totals=True)
    pd.testing.assert_frame_equal(by_id, by_label)
    assert by_label.set_index("county").loc["合計", "合計"] == len(frames["members"])
    money = pivot(frames, "經費", "預算運用類別", "群聚型態", "金額", "sum", totals=True)
    same = pivot(frames, "budget", "category", "cluster_type", "amount", "sum", totals=True)
    pd.testing.assert_frame_equal(money, same)
    assert money.set_index("category").loc["合計", "合計"] == frames["budget"]["amount"].sum()
    assert list(money["category"][:-1]) == [
        v
        for v in load_program().lists["budget_categories"].values
        if v in set(frames["budget"]["category"])
    ]


def test_pivot_covers_every_table_by_sheet_name(frames):
    spec = register_spec()
    for table, info in (
        (t, i) for t, i in spec.tables.items() if t in frames
    ):  # reviews: test_review
        result = pivot(frames, info.sheet, "群聚名稱")
        assert result["count"].sum() == len(frames[table]), table


def test_pivot_explains_what_it_cannot_do(frames):
    with pytest.raises(KeyError, match="您是不是要找：營業所在縣市（county）"):
        pivot(frames, "成員", "縣是")
    with pytest.raises(KeyError, match="企業負責人／姓名"):
        pivot(frames, "成員", "姓名")
    with pytest.raises(KeyError, match="您是不是要找：成員"):
        pivot(frames, "成原", "縣市")
    with pytest.raises(ValueError, match="不是數值欄位"):
        pivot(frames, "成員", "縣市", values="企業名稱", aggfunc="sum")
    shares = pivot(frames, "成員", "型態", values="中小企業", aggfunc="mean").set_index(
        "cluster_type"
    )
    expected = frames["members"].groupby("cluster_type")["is_sme"].mean()
    assert shares["is_sme"].to_dict() == pytest.approx(expected.to_dict())


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "clusterbook", *args],
        capture_output=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "80"},
    )


def test_pivot_command_speaks_labels(frames, tmp_path):
    db = build_register(tmp_path / "r.sqlite", sample_proposals())
    table = run(
        "pivot",
        "-r",
        str(db),
        "--table",
        "經費",
        "--rows",
        "預算運用類別",
        "--columns",
        "型態",
        "--values",
        "金額",
        "--aggfunc",
        "sum",
    )
    out = table.stdout.decode()
    assert table.returncode == 0, table.stderr.decode()
    assert "合計" in out and "預算運用類別" in out
    total = f"{int(frames['budget']['amount'].sum()):,}"
    line = next(x for x in out.splitlines() if "合計" in x and total in x)
    assert line.rstrip().endswith(f"{total} │")  # right-aligned, thousands separators
    csv = run(
        "pivot", "-r", str(db), "-t", "成員", "--rows", "縣市", "--columns", "分群", "-f", "csv"
    )
    assert csv.stdout.startswith("\ufeff".encode())
    text = csv.stdout.decode("utf-8-sig").splitlines()
    assert text[0].startswith("營業所在縣市,") and text[-1].startswith("合計,")
    as_json = run(
        "pivot",
        "-r",
        str(db),
        "-t",
        "members",
        "--rows",
        "county",
        "--columns",
        "tier",
        "-f",
        "json",
    )
    records = json.loads(as_json.stdout)
    assert "county" in records[0] and all(r["county"] != "合計" for r in records)
    bare = run("pivot", "-r", str(db), "-t", "成員", "--rows", "縣市", "--no-totals")
    assert "合計" not in bare.stdout.decode()
    typo = run("pivot", "-r", str(db), "-t", "成員", "--rows", "縣是")
    assert typo.returncode == 2 and "營業所在縣市" in typo.stderr.decode()
    text_sum = run(
        "pivot",
        "-r",
        str(db),
        "-t",
        "成員",
        "--rows",
        "縣市",
        "--values",
        "產業類別",
        "--aggfunc",
        "sum",
    )
    assert text_sum.returncode == 2 and "不是數值欄位" in text_sum.stderr.decode()
    assert "Traceback" not in typo.stderr.decode() + text_sum.stderr.decode()


# ------------------------------------------------------------------------------ live summary
def expected_summary(frames) -> list[dict[tuple[str, str], float]]:
    """The 摘要 sheet's figures worked out with pandas from the register, block by block."""
    blank = "（空白）"
    total = "合計"
    p = frames["proposals"].assign(
        category=lambda d: d["category"].fillna(blank),
        cluster_type=lambda d: d["cluster_type"].fillna(blank),
    )
    m = frames["members"].assign(
        county=lambda d: d["county"].fillna(blank),
        tier=lambda d: d["tier"].map(lambda t: blank if pd.isna(t) else f"分群{int(t)}"),
    )
    b = frames["budget"].assign(amount=lambda d: d["amount"].fillna(0))

    def cross(frame, rows, cols, values=None):
        frame = frame.assign(_v=1 if values is None else frame[values])
        out = {(r, c): v for (r, c), v in frame.groupby([rows, cols])["_v"].sum().items()}
        out |= {(r, total): v for r, v in frame.groupby(rows)["_v"].sum().items()}
        out |= {(total, c): v for c, v in frame.groupby(cols)["_v"].sum().items()}
        out[(total, total)] = frame["_v"].sum()
        return out

    by_type = p.groupby("cluster_type")
    shares = {
        "群聚數": (by_type.size(), len(p)),
        "成員家數": (by_type["members_count"].sum(), p["members_count"].sum()),
        "中小企業占比": (by_type["sme_share"].mean(), p["sme_share"].mean()),
        "小規模企業占比": (by_type["small_share"].mean(), p["small_share"].mean()),
        "多元族群負責人占比": (by_type["diverse_share"].mean(), p["diverse_share"].mean()),
        "分群3~4區占比": (by_type["tier_share"].mean(), p["tier_share"].mean()),
    }
    flags = p.assign(ok=p["status"] == "符合", bad=p["status"] == "不符合").groupby("cluster_type")
    counts = {
        "群聚數": (by_type.size(), len(p)),
        "符合": (flags["ok"].sum(), (p["status"] == "符合").sum()),
        "不符合": (flags["bad"].sum(), (p["status"] == "不符合").sum()),
        "加分：多元族群": (by_type["bonus_diverse"].sum(), p["bonus_diverse"].sum()),
        "加分：分群3~4區": (by_type["bonus_tier"].sum(), p["bonus_tier"].sum()),
        "加分：小規模企業": (by_type["bonus_small"].sum(), p["bonus_small"].sum()),
    }

    def measures(table):
        out = {}
        for head, (per, whole) in table.items():
            out |= {(k, head): v for k, v in per.items()}
            out[(total, head)] = whole
        return out

    return [
        cross(p, "category", "cluster_type"),
        cross(m, "county", "tier"),
        cross(b, "category", "cluster_type", "amount"),
        measures(shares),
        measures(counts),
    ]


def summary_cells(ws, titles: list[str]) -> list[dict[tuple[str, str], object]]:
    """The figures of each block of a recalculated 摘要 sheet, by (row key, column heading)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    out = []
    for title in titles:
        i = next(i for i, r in enumerate(rows) if r[0] == title)
        heads = rows[i + 1]
        cells = {}
        for r in rows[i + 2 :]:
            for j, head in enumerate(heads[1:], start=1):
                if head is not None:
                    cells[(r[0], head)] = r[j]
            if r[0] == "合計":
                break
        out.append(cells)
    return out


def assert_figures(got: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        assert key in got, f"{where}: no cell {key}"
        assert got[key] == pytest.approx(float(value), abs=1e-9), f"{where} {key}"
    for key, value in got.items():
        if key not in expected:
            assert value in (0, "—"), f"{where} {key}: {value!r} where the register has nothing"


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """The demo's own master.xlsx and one of 100 generated proposals, recalculated by
    LibreOffice (formulas only: openpyxl writes no cached values)."""
    from clusterbook.demo import run_demo

    work = tmp_path_factory.mktemp("lo")
    demo = run_demo(work / "demo")
    big = build_register(work / "big.sqlite", generated(100))
    big_frames = load(big)
    big_master = export(big_frames, work / "master-100.xlsx")
    odd = odd_frames(load(demo.register))
    odd_master = export(odd, work / "master-odd.xlsx")
    books = libreoffice_recalc([demo.master, big_master, odd_master], work / "recalc")
    return [
        ("demo", load(demo.register), demo.master, books[0]),
        ("100", big_frames, big_master, books[1]),
        ("odd", odd, odd_master, books[2]),
    ]


def odd_frames(frames):
    """Keys a formula could trip on: text that looks like a formula, wildcards, a key longer
    than a formula's text constant, blanks at the very top of a Table; no budget at all."""
    frames = {k: v.copy() for k, v in frames.items()}
    members = frames["members"]
    for row, county in enumerate(["=1+1", "a*b?~", "長" * 300, None]):
        members.loc[row, "county"] = county
    frames["proposals"].loc[0, "category"] = None
    frames["budget"] = frames["budget"].iloc[0:0]
    return frames


@pytest.mark.libreoffice
def test_summary_formulas_give_the_register_figures(recalculated):
    titles = [b.get("title") for b in register_spec().summary["blocks"]]
    for name, frames, source, recalc in recalculated:
        formulas = openpyxl.load_workbook(source)["摘要"]
        figures = [c for row in formulas.iter_rows() for c in row if c.data_type == "f"]
        assert len(figures) > 50 and all(re.search(r"[A-Z]+\(", c.value) for c in figures)
        sheet = openpyxl.load_workbook(recalc, data_only=True)["摘要"]
        for title, got, expected in zip(
            titles, summary_cells(sheet, titles), expected_summary(frames), strict=True
        ):
            assert_figures(got, expected, f"{name} {title}")


@pytest.mark.libreoffice
def test_the_summary_follows_an_edited_table(recalculated, tmp_path):
    """A manager deletes a budget row and changes a member's county: the summary follows."""
    _, frames, source, _ = recalculated[0]
    wb = openpyxl.load_workbook(source)
    budget = wb["經費"]
    heads = [c.value for c in budget[1]]
    gone = budget.cell(row=2, column=heads.index("金額(新臺幣元)") + 1).value
    category = budget.cell(row=2, column=heads.index("預算運用類別") + 1).value
    cluster_type = budget.cell(row=2, column=heads.index("群聚型態") + 1).value
    budget.delete_rows(2)
    table = budget.tables["Budget"]
    end = int(re.search(r"\d+$", table.ref).group()) - 1
    table.ref = re.sub(r"\d+$", str(end), table.ref)
    table.autoFilter.ref = table.ref
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    (out,) = libreoffice_recalc([edited], tmp_path / "recalc")
    sheet = openpyxl.load_workbook(out, data_only=True)["摘要"]
    titles = [b.get("title") for b in register_spec().summary["blocks"]]
    money = summary_cells(sheet, titles)[2]
    before = frames["budget"]
    expected = before[(before["category"] == category) & (before["cluster_type"] == cluster_type)][
        "amount"
    ].sum()
    assert money[(category, cluster_type)] == expected - gone
    assert money[("合計", "合計")] == before["amount"].sum() - gone


@pytest.mark.libreoffice
def test_summary_prints_each_block_whole_with_headings_over_figures(recalculated, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    _, _, source, _ = recalculated[1]
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / "master-100.pdf"
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    spec = register_spec()
    for block in spec.summary["blocks"]:
        title = block["title"].replace(" ", "")
        found = [i for i, page in enumerate(pages) if title in re.sub(r"\s", "", page)]
        assert len(found) == 1, f"{title} on pages {found}"
        text = re.sub(r"\s", "", pages[found[0]])
        assert text.count(title) == 2, f"{title}: the chart's title is not on the table's page"
    county = spec.summary["blocks"][1]["title"].replace(" ", "")
    page = next(i for i, text in enumerate(pages) if county in re.sub(r"\s", "", text))
    words = _words(pdf, page=page + 1)
    heads = next(line for line in words if line[0][0] == "營業所在縣市")
    first = words[words.index(heads) + 1]
    assert len(first) == len(heads)
    for (text, x0, x1), (_, _, left), (_, _, right) in zip(
        heads[1:], first[:-1], first[1:], strict=True
    ):
        centre = (x0 + x1) / 2
        assert left < centre < right + 2, f"heading {text} is not over its figures"


def _words(pdf: Path, page: int) -> list[list[tuple[str, float, float]]]:
    """The words of a PDF page as lines (top to bottom) of (text, xMin, xMax), left to right."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    words = sorted(
        ((float(y0) + float(y1)) / 2, text, float(x0), float(x1))
        for x0, y0, x1, y1, text in re.findall(pattern, xml)
    )
    lines: list[list] = []
    last = None
    for y, text, x0, x1 in words:
        if last is None or y - last > 5:
            lines.append([])
        lines[-1].append((text, x0, x1))
        last = y
    return [sorted(line, key=lambda w: w[1]) for line in lines]
