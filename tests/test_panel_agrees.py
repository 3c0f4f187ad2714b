"""The applicant's screen and the officer's verdict are the same: for many random workbooks at the
edges of every rule, LibreOffice recalculates the live 資格檢核 panel, and each row's ✔/✘ (加分/—)
must equal whether `check` raised that row's rule."""

from __future__ import annotations

import random

import openpyxl
import pytest

from clusterbook.samples import random_proposal
from clusterbook.workbook.fill import filled_bytes
from tests.conftest import libreoffice_recalc
from tests.helpers import check_file

pytestmark = pytest.mark.libreoffice

YES = ["有", "是", "Y", "v", "✔", " 有", "Ｙ", "有\u3000"]
NO = ["無", "否", "N", "x", "", None]
AGREE = ["同意", "是", "同意 "]
DISAGREE = ["不同意", None, "否"]
CASES = 28


def edge_proposal(seed: int):
    """A random proposal pushed to the edge of several rules at once."""
    rng = random.Random(seed)
    size = rng.choice([9, 10, 11, 14, 15, 16, 20])
    data = random_proposal(seed, members=size)
    f, members = data.fields, data.tables["members"]
    n = len(members)
    category = rng.choice(["A類", "B類", "B", " b類", "A"])
    f["proposal.category"] = category
    b = category.strip().upper().startswith("B")
    # coached last year around 20% (A類), original members around 50% (B類)
    coached = set(rng.sample(range(n), rng.choice([0, n // 5, n // 5 + 1, n // 5 + 2])))
    kept = rng.choice([n // 2, n // 2 + 1, n - 2, 3])
    prior = rng.choice([kept, 2 * kept - 1, 2 * kept, 2 * kept + 1, 0])
    f["proposal.prior_members"] = prior if rng.random() < 0.9 else None
    f["proposal.prior_cluster"] = "111年度 測試群聚" if rng.random() < 0.8 else None
    small_businesses = rng.choice([0, n // 2 - 1, n // 2, n // 2 + 1])
    for i, m in enumerate(members):
        m["members.coached_last_year"] = rng.choice(YES) if i in coached else rng.choice(NO)
        m["members.coached_3y"] = rng.choice(YES) if rng.random() < 0.03 else rng.choice(NO)
        m["members.original_member"] = rng.choice(YES) if i < kept else rng.choice(NO)
        m["members.other_program"] = rng.choice(YES) if rng.random() < 0.02 else "無"
        if i < small_businesses:
            m["members.registration"] = "小規模商業(免辦登記)"
        if rng.random() < 0.05:
            m["members.registration"] = rng.choice(["其他", None])
        if rng.random() < 0.05:
            m.update({"members.capital": 300_000_000, "members.employees": 250})
        m["members.consent_collect"] = (
            rng.choice(DISAGREE) if rng.random() < 0.04 else rng.choice(AGREE)
        )
        if rng.random() < 0.1:
            m["members.owner_identity"] = rng.choice(["原住民、青年返鄉", "新住民", "其他"])
        if rng.random() < 0.08:
            m["members.owner_gender"] = "女"
        if rng.random() < 0.05 and i:
            twin = members[rng.randrange(i)]
            m["members.owner_name"] = twin["members.owner_name"]
            m["members.owner_mobile"] = rng.choice(
                [twin["members.owner_mobile"], None, "0911000000"]
            )
    plain = rng.random() < 0.4  # no owner of a diverse background
    for m in members:
        if plain:
            m.update({"members.owner_gender": "男", "members.owner_identity": "其他"})
    if rng.random() < 0.2:  # no leader, or two
        members[0]["members.role"] = "群聚成員企業"
        members[1]["members.role"] = rng.choice(["群聚成員企業", "群聚領導企業", "領導企業"])
    if rng.random() < 0.3:  # the unit is, or is not, a member; the leader or not
        f["unit.ubn"] = members[rng.randrange(n)]["members.ubn"]
    f["proposal.route"] = rng.choice(["領導企業提案", "輔導單位提案", "領導企業 提案"])
    f["unit.it_consulting"] = rng.choice(["有", "無", "否", None])
    f["unit.invoice"] = rng.choice(["有", "有", "是", "無", None])
    f["unit.registration"] = rng.choice(["公司登記", "商業登記", "法人", "其他"])
    f["unit.consent_collect"] = rng.choice(AGREE + DISAGREE[:1])
    f["work.digital_workshops"] = rng.choice([0, 1, 2, 3, 4])
    kpis = data.tables["kpis"]
    kpis[0].update({"kpis.midterm": 2, "kpis.final": 1, "kpis.total": rng.choice([3, 4, 5])})
    kpis[1].update({"kpis.midterm": 1, "kpis.final": 1, "kpis.total": rng.choice([2, 3])})
    kpis[2].update({"kpis.midterm": 0, "kpis.final": 1, "kpis.total": rng.choice([0, 1, 1])})
    for k in kpis[3:]:
        k["kpis.channel"] = rng.choice(["有", "Y", "無", None]) if b or rng.random() < 0.2 else None
    if rng.random() < 0.2:
        price = rng.choice([90_000, 95_238, 95_239, 100_000])
        data.tables["budget"] = [
            {
                "budget.category": "群聚推廣費用",
                "budget.item": "行銷投廣",
                "budget.unit_price": price,
                "budget.quantity": 10,
            }
        ]
    return data


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    src = tmp_path_factory.mktemp("edges")
    paths = []
    for seed in range(CASES):
        path = src / f"edge-{seed:02d}.xlsx"
        path.write_bytes(filled_bytes(edge_proposal(seed)))
        paths.append(path)
    out = libreoffice_recalc(paths, src / "out")
    return list(zip(paths, out, strict=True))


def test_every_panel_row_agrees_with_check(recalculated, program, layout):
    seen: dict[str, set[bool]] = {}
    for original, copy in recalculated:
        wb = openpyxl.load_workbook(copy, data_only=True)
        raised = {f.rule for f in check_file(original).findings}
        for row in program.panel.rows:
            ref = layout.fields[f"panel.{row.key}.ok"]
            mark = wb[ref.sheet].cell(ref.first_row, ref.first_col).value
            assert mark in ("✔", "✘", "—", "加分"), (original.name, row.key, mark)
            crossed = mark in ("✘", "加分")
            assert crossed == (row.rule in raised), (original.name, row.key, mark)
            seen.setdefault(row.key, set()).add(crossed)
    # the random edges reach both verdicts of every row
    assert {key: marks for key, marks in seen.items() if marks != {True, False}} == {}
