"""Derived figures worked out by hand: tax, totals, category shares, tiers, member flags, KPI
sums, self-assessment scores. ``tests/test_derived.py`` compares them with the checker's
recomputation, ``tests/test_limits_libreoffice.py`` with the workbook's own formulas."""

from __future__ import annotations

from tests.limits import TIER4, budget, uniform

CATEGORIES = (
    "創新數位應用工具導入相關費用",
    "辦理群聚研習活動",
    "辦理會議活動",
    "辦理群聚展售活動",
    "群聚推廣費用",
    "其他",
)

TAX = [
    # 小計 (未稅), 營業稅 = ROUND(小計 × 5%, 0) halves up, 總計 (含稅)
    (0, 0, 0),
    (9, 0, 9),  # 0.45
    (10, 1, 11),  # 0.5: half up, not to even
    (29, 1, 30),  # 1.45
    (30, 2, 32),  # 1.5
    (50, 3, 53),  # 2.5: half up, not to even
    (548_000, 27_400, 575_400),
    (952_370, 47_619, 999_989),  # 47,618.5
]

BUDGET_LINES = [
    # category, 單價, 數量, 金額 (單價 × 數量; blank when both are blank)
    (CATEGORIES[0], 5_000, 8, 40_000),
    (CATEGORIES[1], 12_000, 3, 36_000),
    (CATEGORIES[2], 2_500, 4, 10_000),
    (CATEGORIES[4], 7_000, 2, 14_000),
    (CATEGORIES[0], 3_000, 0, 0),
    (CATEGORIES[5], 800, None, 0),  # no 數量: 0
    (CATEGORIES[5], None, None, None),  # an empty line
]
BUDGET_SUBTOTAL, BUDGET_TAX, BUDGET_TOTAL = 100_000, 5_000, 105_000
BUDGET_BY_CATEGORY = [40_000, 36_000, 10_000, 0, 14_000, 0]
BUDGET_SHARES = [40 / 105, 36 / 105, 10 / 105, 0, 14 / 105, 0]
TAX_SHARE = 5 / 105


def budget_lines(data):
    data.tables["budget"] = [
        {
            "budget.category": cat,
            "budget.item": f"項目{i + 1}",
            "budget.unit_price": price,
            "budget.quantity": qty,
        }
        for i, (cat, price, qty, _) in enumerate(BUDGET_LINES)
    ]


def taxed(data, subtotal: int):
    if subtotal:
        budget(data, subtotal)
    else:
        data.tables["budget"] = []


TIERS = [
    # 縣市, 鄉鎮市區, 附件三 數位發展分群 (None: not a town of that county)
    ("臺北市", "大安區", 1),
    ("臺中市", "大安區", 3),  # the same name in another county
    ("臺南市", "中西區", 1),
    ("臺南市", "南區", 2),
    ("花蓮縣", "花蓮市", 2),
    ("花蓮縣", "光復鄉", 3),
    ("花蓮縣", "瑞穗鄉", 4),
    ("南投縣", "名間鄉", 3),
    ("臺東縣", "池上鄉", 4),
    ("澎湖縣", "馬公市", 2),
    ("高雄市", "鳥松區", 1),  # the guide misspells it 烏松區
    ("臺東縣", "吉安鄉", None),  # 吉安鄉 is in 花蓮縣
]


def tiers(data):
    for m, (county, town, _) in zip(data.tables["members"], TIERS, strict=True):
        m.update({"members.county": county, "members.township": town})


FLAGS = [
    # 登記類型, 資本額, 員工數, 負責人性別, 身分 → 中小企業, 符合資格, 小規模企業, 多元族群
    ("公司登記", 1_000_000, 4, "男", "其他", True, True, True, False),
    ("商業登記", 1_000_000, 5, "女", "其他", True, True, False, True),
    ("公司登記", 300_000_000, 4, "男", "原住民", True, True, True, True),
    ("公司登記", 300_000_000, 250, "男", "青年返鄉", False, False, False, False),
    ("公司登記", 100_000_000, 250, "男", "新住民、青年返鄉", True, True, False, True),
    ("小規模商業(免辦登記)", 50_000, 1, "男", "新住民", False, True, False, True),
    ("其他", 1_000_000, 3, "女", "其他", False, False, False, True),
    ("商業登記", None, 4.5, "男", "二代接班", True, True, True, False),
    ("商業登記", None, None, "男", "其他", False, False, False, False),
]


def flags(data):
    for m, row in zip(data.tables["members"], FLAGS, strict=True):
        reg, cap, emp, gender, identity = row[:5]
        m.update(
            {
                "members.registration": reg,
                "members.capital": cap,
                "members.employees": emp,
                "members.owner_gender": gender,
                "members.owner_identity": identity,
            }
        )


OWNERS = [
    # 負責人, 行動電話 → 負責人重複 (同一人: 同名, and the same mobile or one left blank)
    ("王大明", "0911111111", True),
    ("王大明", "0911111111", True),
    ("李小華", "0922222222", False),
    ("李小華", "0933333333", False),  # a namesake with another phone
    ("陳美玲", "0944444444", True),
    ("陳美玲", None, True),  # no phone to tell them apart
    ("林志豪", "0955555555", False),
    ("張家豪", "0955555555", False),  # a shared phone, two names
    ("吳淑芬", None, False),
    ("黃建宏", None, False),
]


def owners(data):
    for m, (name, mobile, _) in zip(data.tables["members"], OWNERS, strict=True):
        m.update({"members.owner_name": name, "members.owner_mobile": mobile})


KPI_SPLITS = [
    # 期中, 期末, 全程 → 期中+期末=全程 (None: an empty row shows nothing)
    (2, 3, 5, True),
    (2, 1, 4, False),
    (None, 3, 3, True),
    (0, 0, 0, True),
    (None, None, 5, False),
    (4, None, None, False),
]


def kpi_splits(data):
    rows = data.tables["kpis"]
    for row, (mid, fin, tot, _) in zip(rows[3:], KPI_SPLITS, strict=False):
        row.update({"kpis.midterm": mid, "kpis.final": fin, "kpis.total": tot})
    for mid, fin, tot, _ in KPI_SPLITS[len(rows) - 3 :]:
        rows.append(
            {
                "kpis.kind": "自訂績效指標",
                "kpis.facet": "資訊加值力(I)",
                "kpis.name": "自訂指標",
                "kpis.unit": "次",
                "kpis.midterm": mid,
                "kpis.final": fin,
                "kpis.total": tot,
                "kpis.evidence": "報表",
                "kpis.benefit": "效益",
            }
        )


# 群聚自我評估: rows 0–15 are 組織凝聚力 (O), 16–24 環境擴散力 (E), 25–37 服務優化力 (S),
# 38–66 資訊加值力 (I) (附件二's checklist). 有 (or 是, Y) scores 1, anything else 0.
CLUSTER_INITIAL = {0: "有", 1: "是", 16: "Y", 40: "有"}
CLUSTER_TARGET = {0: "有", 1: "有", 2: "有", 16: "有", 25: "有", 38: "有", 66: "有"}
CLUSTER_SUBTOTALS = {"initial": [2, 1, 0, 1], "target": [3, 1, 1, 2]}
# 附件二 stages: row 0–2 are O1, 16 E1, 25 S1, 38 I1, 66 I3 (其他)
CLUSTER_PLANNED = {"O1": 3, "E1": 1, "S1": 1, "I1": 1, "I3": 1}
# 成員自我評估 of the first member: items 0–11 O, 12–20 E, 21–33 S, 34–62 I.
MEMBER_YES = {0: "有", 5: "有", 11: "是", 12: "有", 62: "有"}
MEMBER_SCORES = [3, 1, 0, 1]


def assessments(data):
    ca = data.tables["cluster_assessment"]
    for i, row in enumerate(ca):
        row["cluster_assessment.initial"] = CLUSTER_INITIAL.get(i, "無")
        row["cluster_assessment.target"] = CLUSTER_TARGET.get(i, "無")
    column = data.matrix["member_assessment"][0]
    for i in range(len(column)):
        column[i] = MEMBER_YES.get(i, "無")


UNNAMED_LOADED = {  # a row without 企業名稱 that would count in every figure it could
    "members.name": None,
    "members.owner_name": "未列名者甲",  # 負責人重複 is by owner, as the workbook counts it
    "members.role": "群聚領導企業",
    "members.coached_last_year": "有",
    "members.coached_3y": "有",
    "members.original_member": "有",
    "members.other_program": "有",
    "members.consent_public": "不同意",
    "members.employees": 3,  # a small SME
    "members.owner_gender": "女",  # a diverse owner
    "members.county": TIER4[0],
    "members.township": TIER4[1],
}
UNNAMED_NEW = {  # and one of a new firm coached within three years (not last year)
    "members.name": None,
    "members.owner_name": "未列名者乙",
    "members.coached_last_year": "無",
    "members.coached_3y": "有",
    "members.original_member": "無",
    "members.registration": "小規模商業(免辦登記)",  # eligible, were it a member
}


def unnamed_rows(data):
    """Two rows below the members, filled in but without 企業名稱: they are no members."""
    template = dict(data.tables["members"][0])
    data.tables["members"] += [{**template, **UNNAMED_LOADED}, {**template, **UNNAMED_NEW}]


def unnamed_panel(category: str) -> dict[str, float]:
    """The panel of 15 uniform members, whatever rows without a name follow: all coached last
    year in B類, none in A類; no 分群3/4 town; B類 keeps all 15 of last year's members (0%
    replaced); all SMEs of 10 employees, none small; men owners; everyone consents."""
    b = category == "B類"
    figures = dict(members=15, leader=1, coached=1.0 if b else 0.0, coached_3y=0, tier=0.0)
    figures |= dict(other_program=0, replacement=0.0, sme=1.0, small=0.0, diverse=0.0)
    figures |= dict(consent=0, member_type=0, dup_owner=0)
    return {f"panel.{key}.current": value for key, value in figures.items()}


# Each figure's edit of the uniform proposal: (name, base (class, members), parts, edit); see
# ``tests.limits.Case`` for the base (None: any) and parts.
EDITS = [
    *[
        (f"tax-{sub}", None, frozenset({"budget"}), lambda d, sub=sub: taxed(d, sub))
        for sub, _, _ in TAX
    ],
    ("budget-lines", None, frozenset({"budget"}), budget_lines),
    ("tiers", ("A類", len(TIERS)), frozenset({"place"}), tiers),
    ("flags", ("A類", len(FLAGS)), frozenset({"size", "registration", "owner"}), flags),
    ("owners", ("A類", len(OWNERS)), frozenset({"owner_name"}), owners),
    ("kpi-splits", None, frozenset({"kpis_custom"}), kpi_splits),
    ("assessments", None, frozenset({"assessment"}), assessments),
    (  # every part that changes a member-derived figure: no other edit shares its workbook
        "unnamed",
        ("B類", 15),
        frozenset({"count", "coached", "original", "owner", "owner_name", "place"})
        | frozenset({"registration", "size", "unit"}),
        unnamed_rows,
    ),
]


def build(edit, base=("A類", 10)):
    data = uniform(*base)
    edit(data)
    return data
