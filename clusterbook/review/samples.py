"""The demo's 遴選: three more A類 clusters, an invented committee and its scores.

The clusters are built like the other samples (real townships, invented firms and people);
the committee (委員甲、乙、丙) is invented. Scores are fixed by cluster name, so the same
demo always ranks the same way: one reviewer recuses himself from one proposal, and one scores
a proposal far from the others (a divergence the results flag).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from clusterbook.samples import SCENARIOS, build
from clusterbook.workbook.fill import FormData
from clusterbook.workbook.spec import load_program

COMMITTEE = ("委員甲", "委員乙", "委員丙")

_EXTRAS = (
    ("lukang-street", "鹿港老街生活圈", "tainan-alley", "鹿港老街生活",
     (("彰化縣", "鹿港鎮"), ("彰化縣", "福興鄉"), ("彰化縣", "線西鄉"), ("彰化縣", "秀水鄉")), 112_011),
    ("hengchun-slow", "恆春半島慢遊群聚", "hualien-valley", "恆春半島慢遊",
     (("屏東縣", "恆春鎮"), ("屏東縣", "車城鄉"), ("屏東縣", "滿州鄉"), ("屏東縣", "牡丹鄉")), 112_012),
    ("daxi-wood", "大溪木藝數位群聚", "tainan-alley", "大溪木藝",
     (("桃園市", "大溪區"), ("桃園市", "龍潭區"), ("桃園市", "復興區"), ("桃園市", "大溪區")), 112_013),
)  # fmt: skip

RECUSED = "迴避"
# reviewer → cluster name → five scores (輔導面向, 執行力, 市場, 經費, 成果) or 迴避
SCORES: dict[str, dict[str, tuple[int, ...] | str]] = {
    "委員甲": {
        "府城巷弄生活圈": (86, 82, 80, 85, 84),
        "鹿港老街生活圈": (80, 78, 82, 80, 76),
        "恆春半島慢遊群聚": (78, 80, 75, 82, 78),
        "大溪木藝數位群聚": RECUSED,
        "八卦山茶香商模群聚": (84, 86, 80, 82, 85),
    },
    "委員乙": {
        "府城巷弄生活圈": (82, 80, 84, 80, 82),
        "鹿港老街生活圈": (85, 82, 86, 84, 80),
        "恆春半島慢遊群聚": (80, 78, 78, 80, 79),
        "大溪木藝數位群聚": (76, 75, 78, 80, 74),
        "八卦山茶香商模群聚": (80, 82, 78, 80, 81),
    },
    "委員丙": {
        "府城巷弄生活圈": (88, 86, 85, 86, 90),
        "鹿港老街生活圈": (60, 62, 64, 70, 60),
        "恆春半島慢遊群聚": (82, 80, 80, 78, 82),
        "大溪木藝數位群聚": (80, 82, 84, 78, 80),
        "八卦山茶香商模群聚": (86, 84, 85, 88, 86),
    },
}
COMMENTS = {("委員丙", "鹿港老街生活圈"): "試營運模式尚不具體，經費編列偏重推廣。"}


def extra_proposals(program: str = "dc112") -> list[tuple[str, FormData]]:
    """Three clean A類 proposals (no member coached last year) for the committee to rank."""
    prog = load_program(program)
    by_key = {s.key: s for s in SCENARIOS}
    out = []
    for key, name, base, theme, places, seed in _EXTRAS:
        scenario = replace(
            by_key[base], key=key, cluster_name=name, theme=theme, places=places, seed=seed
        )
        data = build(prog, scenario)
        for m in data.tables["members"]:
            m["members.coached_last_year"] = m["members.coached_3y"] = "無"
        out.append((key, data))
    return out


def fill_scores(path: Path, reviewer: str) -> None:
    """Type the committee member's scores into his or her scoring workbook (as a reviewer
    would in Excel), through the workbook's field map."""
    from openpyxl import load_workbook

    from clusterbook.importers.fieldmap import read_field_map
    from clusterbook.importers.xlsx import read_xlsx
    from clusterbook.review import load_review
    from clusterbook.workbook.xlsx import workbook_bytes

    refs = read_field_map(read_xlsx(path)).refs
    spec = load_review()
    wb = load_workbook(path)
    name_ref = refs["review.cluster_name"]
    ws = wb[name_ref.sheet]
    mine = SCORES[reviewer]
    for row in range(name_ref.first_row, name_ref.last_row + 1):
        cluster = ws.cell(row, name_ref.first_col).value
        scores = mine.get(cluster)
        if scores is None:
            continue
        if scores == RECUSED:
            ws.cell(row, refs["review.conflict"].first_col).value = RECUSED
            continue
        for c, value in zip(spec.criteria, scores, strict=True):
            ws.cell(row, refs[f"review.score.{c.id}"].first_col).value = value
        comment = COMMENTS.get((reviewer, cluster))
        if comment:
            ws.cell(row, refs["review.comment"].first_col).value = comment
    path.write_bytes(workbook_bytes(wb))
