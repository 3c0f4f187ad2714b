"""Realistic sample proposals: the demo's clusters and random valid ones for tests and benchmarks.

Every sample is built from the program spec (real townships with their tiers, the program's
lists and parameters) and a seeded random generator, so the same seed gives the same proposal.
People and firms are invented; e-mail addresses use the reserved example.com domain.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from clusterbook.ubn import ubn_check_digit_candidates
from clusterbook.workbook.fill import FormData
from clusterbook.workbook.spec import Program, load_program

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余趙盧梁顏柯翁魏孫戴范方宋鄧"
GIVEN = (
    "雅婷怡君志明家豪俊傑淑芬美玲建宏宗翰佳穎冠宇欣怡承恩柏翰詩涵信宏雅雯志豪惠如文彬秀英振華麗華"
)

TEXT_300 = (
    "{place}一帶的業者多為家族經營的小店，過去各自經營、各自行銷，面對遊客型態改變與線上消費普及，"
    "常見的痛點是客源不穩、資訊分散、缺乏共同品牌與數據。成員們在地方活動中逐漸形成合作默契，"
    "決定以「{theme}」為主題組成群聚，盤點彼此的產品、場域與人脈，由領導企業帶頭導入共同的數位工具，"
    "建立線上預約、會員經營與共同行銷的機制，讓消費者一次體驗整條路線的特色。我們期待透過顧問的陪伴，"
    "從共識會議、數位研習到跨群聚交流，逐步培養成員自主營運的能力，並以可量化的指標追蹤成效，"
    "讓群聚在計畫結束後仍能持續合作，帶動在地就業與商機，也讓下一代願意回鄉接棒。"
)


@dataclass(frozen=True)
class Scenario:
    """What makes one sample cluster: its class, type, route, places, theme and businesses."""

    key: str
    cluster_name: str
    category: str
    cluster_type: str
    route: str
    places: tuple[tuple[str, str], ...]
    theme: str
    businesses: tuple[tuple[str, str, str], ...]  # (name suffix, industry, product)
    members: int
    seed: int


SCENARIOS = (
    Scenario(
        key="hualien-valley",
        cluster_name="縱谷慢遊數位群聚",
        category="A類",
        cluster_type="觀光休閒合作",
        route="領導企業提案",
        places=(
            ("花蓮縣", "瑞穗鄉"),
            ("花蓮縣", "富里鄉"),
            ("花蓮縣", "鳳林鎮"),
            ("花蓮縣", "光復鄉"),
        ),
        theme="縱谷慢遊",
        businesses=(
            ("慢活民宿", "住宿及餐飲業", "山景民宿與早餐"),
            ("小農果乾坊", "農、林、漁、牧業", "文旦與果乾"),
            ("溫泉茶屋", "住宿及餐飲業", "溫泉茶點"),
            ("單車出租", "藝術、娛樂及休閒服務業", "縱谷單車遊程"),
            ("客家粄食", "住宿及餐飲業", "手作粄條"),
            ("有機米行", "批發及零售業", "有機米禮盒"),
            ("部落工藝", "製造業", "月桃編織"),
            ("鮮奶小舖", "批發及零售業", "鮮乳與奶酪"),
            ("咖啡莊園", "農、林、漁、牧業", "莊園咖啡豆"),
            ("導覽工作室", "支援服務業", "生態導覽"),
            ("蜜香紅茶", "製造業", "蜜香紅茶"),
            ("陶藝教室", "教育業", "陶藝體驗"),
        ),
        members=12,
        seed=112_001,
    ),
    Scenario(
        key="tainan-alley",
        cluster_name="府城巷弄生活圈",
        category="A類",
        cluster_type="地方生活需求",
        route="輔導單位提案",
        places=(("臺南市", "中西區"), ("臺南市", "北區"), ("臺南市", "南區"), ("臺南市", "安平區")),
        theme="府城巷弄生活",
        businesses=(
            ("早餐店", "住宿及餐飲業", "古早味早餐"),
            ("中藥行", "批發及零售業", "漢方茶包"),
            ("洗衣店", "其他服務業", "洗衣與修改"),
            ("五金行", "批發及零售業", "居家五金"),
            ("麵包坊", "製造業", "手作麵包"),
            ("理髮廳", "其他服務業", "理髮與修容"),
            ("花店", "批發及零售業", "盆栽與花束"),
            ("豆花店", "住宿及餐飲業", "傳統豆花"),
            ("書店", "批發及零售業", "在地出版品"),
            ("眼鏡行", "批發及零售業", "驗光配鏡"),
            ("腳踏車行", "其他服務業", "單車維修"),
        ),
        members=11,
        seed=112_002,
    ),
    Scenario(
        key="changhua-tea",
        cluster_name="八卦山茶香商模群聚",
        category="B類",
        cluster_type="商模數位創新",
        route="領導企業提案",
        places=(
            ("彰化縣", "芬園鄉"),
            ("彰化縣", "田中鎮"),
            ("彰化縣", "二水鄉"),
            ("南投縣", "名間鄉"),
        ),
        theme="八卦山茶香",
        businesses=(
            ("製茶廠", "製造業", "烏龍茶"),
            ("茶具行", "批發及零售業", "茶具"),
            ("鳳梨園", "農、林、漁、牧業", "鳳梨"),
            ("物流行", "運輸及倉儲業", "冷鏈配送"),
            ("包裝設計社", "專業、科學及技術服務業", "禮盒設計"),
            ("米粉工坊", "製造業", "米粉"),
            ("蜂場", "農、林、漁、牧業", "龍眼蜜"),
            ("醬油廠", "製造業", "黑豆醬油"),
            ("餅舖", "製造業", "茶香餅"),
            ("果園", "農、林、漁、牧業", "荔枝"),
            ("茶飲店", "住宿及餐飲業", "冷泡茶"),
            ("竹藝坊", "製造業", "竹編茶器"),
            ("休閒農場", "農、林、漁、牧業", "採果體驗"),
            ("香草園", "農、林、漁、牧業", "香草茶"),
            ("食品行", "批發及零售業", "伴手禮"),
            ("電商小舖", "批發及零售業", "網購代銷"),
        ),
        members=16,
        seed=112_003,
    ),
    Scenario(
        key="penghu-sea",
        cluster_name="澎湖海味群聚",
        category="A類",
        cluster_type="觀光休閒合作",
        route="輔導單位提案",
        places=(
            ("澎湖縣", "西嶼鄉"),
            ("澎湖縣", "望安鄉"),
            ("澎湖縣", "七美鄉"),
            ("澎湖縣", "白沙鄉"),
        ),
        theme="澎湖海味",
        businesses=(
            ("海產店", "住宿及餐飲業", "海鮮料理"),
            ("小管乾舖", "製造業", "小管乾"),
            ("潛水社", "藝術、娛樂及休閒服務業", "浮潛體驗"),
            ("民宿", "住宿及餐飲業", "海景民宿"),
            ("仙人掌冰店", "住宿及餐飲業", "仙人掌冰"),
            ("黑糖糕坊", "製造業", "黑糖糕"),
            ("船釣社", "藝術、娛樂及休閒服務業", "夜釣小管"),
            ("文石工坊", "製造業", "文石飾品"),
            ("機車出租", "支援服務業", "機車出租"),
        ),
        members=9,
        seed=112_004,
    ),
)


def sample_proposals(program: str = "dc112") -> list[tuple[str, FormData]]:
    """The demo set: three clean proposals (both classes, all three types) and one that breaks rules."""
    prog = load_program(program)
    out = [(s.key, build(prog, s)) for s in SCENARIOS[:3]]
    broken = build(prog, SCENARIOS[3])
    _break(broken)
    # one owner in two clusters (同一負責人限參與1個群聚): caught by the register
    owner = out[0][1].tables["members"][3]
    broken.tables["members"][1].update(
        {
            k: owner[k]
            for k in ("members.owner_name", "members.owner_mobile", "members.owner_gender")
        }
    )
    out.append((SCENARIOS[3].key, broken))
    return out


def random_proposal(seed: int, members: int | None = None, program: str = "dc112") -> FormData:
    """A random proposal that passes every error rule (for property tests and benchmarks)."""
    prog = load_program(program)
    rng = random.Random(seed)
    category = rng.choice(prog.lists["categories"].values)
    n = members or rng.randint(prog.param(f"members_min.{category}"), 40)
    n = max(n, prog.param(f"members_min.{category}"))
    county = rng.choice(prog.counties)
    towns = [t.township for t in prog.townships if t.county == county]
    base = SCENARIOS[rng.randrange(len(SCENARIOS) - 1)]
    scenario = replace(
        base,
        key=f"random-{seed}",
        cluster_name=f"{county}{rng.choice(['幸福', '山海', '老街', '好物', '慢食'])}{seed % 1000}群聚",
        category=category,
        cluster_type=rng.choice(prog.lists["cluster_types"].values),
        route=rng.choice(prog.lists["routes"].values),
        places=tuple((county, rng.choice(towns)) for _ in range(4)),
        members=n,
        seed=seed,
    )
    return build(prog, scenario)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def _ubn(rng: random.Random, used: set[str]) -> str:
    while True:
        candidates = ubn_check_digit_candidates(f"{rng.randrange(10**7):07d}")
        if candidates and candidates[0] not in used:
            used.add(candidates[0])
            return candidates[0]


def _mobile(rng: random.Random) -> str:
    return f"09{rng.randrange(10**8):08d}"


def build(prog: Program, s: Scenario) -> FormData:
    """A complete, rule-abiding proposal for a scenario."""
    rng = random.Random(s.seed)
    p = prog.params
    data = FormData()
    used: set[str] = set()
    minimum = p["members_min"][s.category]
    n = max(s.members, minimum) if s.key != "penghu-sea" else s.members
    leader_route = s.route == p["route_leader"]
    unit_ubn = _ubn(rng, used)
    f = data.fields
    f.update(
        {
            "proposal.cluster_name": s.cluster_name,
            "proposal.category": s.category,
            "proposal.cluster_type": s.cluster_type,
            "proposal.route": s.route,
            "proposal.date": "112/02/15" if s.category == "B類" else "112/03/01",
            "unit.name": s.businesses[0][0]
            if leader_route
            else f"{s.places[0][0][:2]}數位整合行銷有限公司",
            "unit.address": f"{s.places[0][0]}{s.places[0][1]}中山路{rng.randint(1, 300)}號",
            "unit.owner": _person(rng),
            "unit.main_business": "數位行銷與在地輔導" if not leader_route else s.businesses[0][2],
            "unit.website": "https://www.example.com/",
            "unit.registration": "公司登記",
            "unit.ubn": unit_ubn,
            "unit.employees": rng.randint(3, 30),
            "unit.capital": rng.choice([500_000, 1_000_000, 3_000_000]),
            "unit.revenue": rng.randint(2, 40) * 1_000_000,
            "unit.invoice": "有",
            "unit.it_consulting": "無" if leader_route else "有",
            "contact.pi_name": _person(rng),
            "contact.pi_title": "總經理",
            "contact.pi_phone": "03-8321234#12",
            "contact.pi_email": "pi@example.com",
            "contact.pi_mobile": _mobile(rng),
            "contact.name": _person(rng),
            "contact.title": "專案經理",
            "contact.phone": "03-8321234#15",
            "contact.email": "contact@example.com",
            "contact.mobile": _mobile(rng),
            "unit.consent_collect": "同意",
            "unit.consent_public": "同意",
            "unit.past_projects": "無",
            "unit.cluster_projects": "無",
            "unit.intro": f"提案單位長期深耕{s.places[0][0]}，熟悉在地產業，曾協助多家小店導入行動支付與社群經營。",
        }
    )
    # members
    stressed = p["stressed_facet"][s.cluster_type]
    rows = []
    b_class = s.category == "B類"
    # B類: the first members were this cluster's last year; a few of last year's left.
    prior = n - n // 3 if b_class else max(1, int(n * p["coached_last_year_ratio_max"]))
    if b_class:
        f["proposal.prior_cluster"] = f"111年度 {s.theme}群聚"
        f["proposal.prior_members"] = prior + max(1, prior // 5)
    for i in range(n):
        suffix, industry, product = s.businesses[i % len(s.businesses)]
        county, town = s.places[i % len(s.places)]
        name = f"{town[:-1]}{suffix}" + (
            f"{i // len(s.businesses) + 1}號店" if i >= len(s.businesses) else ""
        )
        ubn = unit_ubn if (leader_route and i == 0) else _ubn(rng, used)
        small = rng.random() < 0.7
        registration = "商業登記" if small else "公司登記"
        if i % 8 == 7 and not small:
            registration = "小規模商業(免辦登記)"
        identities = rng.choice(["青年返鄉", "二代接班", "原住民", "新住民", "其他"])
        if rng.random() < 0.2:
            identities = "原住民、青年返鄉"
        rows.append(
            {
                "members.name": name,
                "members.role": p["leader_role"] if i == 0 else "群聚成員企業",
                "members.ubn": ubn,
                "members.registration": registration,
                "members.phone": f"0{rng.randint(2, 8)}-{rng.randrange(10**7):07d}",
                "members.approved_on": f"{rng.randint(95, 110)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}",
                "members.founded_year": rng.randint(95, 110),
                "members.county": county,
                "members.township": town,
                "members.registered_address": f"{county}{town}民生路{i + 1}號",
                "members.business_address": f"{county}{town}民生路{i + 1}號",
                "members.employees": rng.randint(1, 4) if small else rng.randint(5, 30),
                "members.revenue": rng.randint(8, 200) * 100_000,
                "members.capital": rng.choice([100_000, 300_000, 500_000, 2_000_000]),
                "members.industry": industry,
                "members.products": product,
                "members.owner_name": _person(rng),
                "members.owner_gender": rng.choice(["男", "女"]),
                "members.owner_identity": identities,
                "members.owner_mobile": _mobile(rng),
                "members.owner_age": rng.choice(prog.lists["ages"].values[1:5]),
                "members.owner_email": f"owner{i + 1}@example.com",
                "members.contact_name": _person(rng),
                "members.contact_title": "店長",
                "members.contact_gender": rng.choice(["男", "女"]),
                "members.contact_mobile": _mobile(rng),
                "members.contact_age": rng.choice(prog.lists["ages"].values[2:5]),
                "members.contact_email": f"shop{i + 1}@example.com",
                "members.revenue_physical": 0.8,
                "members.revenue_online": 0.2,
                "members.orders_physical": rng.randint(100, 900),
                "members.orders_online": rng.randint(0, 200),
                "members.manager": "企業負責人",
                "members.effective_tool_benefit": "、".join(
                    rng.sample(prog.lists["benefits"].values[:6], 2)
                ),
                "members.desired_benefit": rng.choice(prog.lists["benefits"].values[:6]),
                "members.improve": "增加線上曝光與回購",
                "members.coached_last_year": "有" if i < prior else "無",
                "members.coached_3y": "有" if i < prior else "無",
                "members.original_member": ("有" if i < prior else "無") if b_class else None,
                "members.other_program": "無",
                "members.consent_collect": "同意",
                "members.consent_public": "同意",
            }
        )
    data.tables["members"] = rows
    data.tables["usage"] = [
        {
            "usage.fb": f"{rng.randint(100, 5000)}人",
            "usage.line": f"{rng.randint(0, 800)}人",
            "usage.pos_system": "無",
        }
        for _ in range(n)
    ]
    member_items = prog.checklists["member"]
    data.matrix["member_assessment"] = [
        ["有" if rng.random() < 0.35 else "無" for _ in member_items] for _ in range(n)
    ]
    data.matrix_notes["member_assessment"] = [
        [
            ("已使用" if v == "有" and it.get("hint") else None)
            for v, it in zip(col, member_items, strict=True)
        ]
        for col in data.matrix["member_assessment"]
    ]
    # cluster self-assessment: reach every recommended level after coaching
    recommended = set(p["recommended_levels"][s.category][s.cluster_type])
    ca = []
    for item in prog.checklists["cluster"]:
        initial = "有" if item["level"].endswith("1") and rng.random() < 0.5 else "無"
        target = "有" if item["level"] in recommended or initial == "有" else "無"
        scenarios = prog.lists[item["scenarios"]].values
        ca.append(
            {
                "cluster_assessment.initial": initial,
                "cluster_assessment.target": target,
                "cluster_assessment.target_note": "導入群聚共同使用" if target == "有" else None,
                "cluster_assessment.scenario": rng.choice(scenarios) if target == "有" else None,
            }
        )
    data.tables["cluster_assessment"] = ca
    f["cluster_assessment.products"] = "、".join(b[2] for b in s.businesses[:3])
    # summary and narrative
    tiers = {(t.county, t.township): t.tier for t in prog.townships}
    f.update(
        {
            "summary.consultant": "無" if leader_route else f"{_person(rng)}/顧問",
            "summary.consultant_org": "無" if leader_route else f["unit.main_business"],
            "summary.distribution": "、".join(
                f"{c}{t}(分群{tiers[(c, t)]})" for c, t in dict.fromkeys(s.places)
            ),
            "summary.status": f"群聚家數：共{n}家。成員分布於{s.places[0][0]}，以{s.businesses[0][2]}等特色產品為主。",
            "summary.theme": f"以{s.theme}為主軸，串聯成員推出數位體驗，共同經營會員與線上通路。",
            "summary.facet": prog.params["facets"][stressed]["label"],
            "summary.facet_plan": "導入線上預約與數位集章，串聯成員服務，提升顧客體驗與回訪率。",
            "summary.kpis": "1.群聚串聯遊程 2.會員數 3.衍生商機",
            "summary.plan": "群聚發展課題為客源不穩與資訊分散；預計執行共同品牌、線上預約與會員經營，期末推出群聚共同遊程。",
            "narrative.motivation": TEXT_300.format(
                place=s.places[0][0] + s.places[0][1], theme=s.theme
            ),
            "narrative.intro": TEXT_300.format(
                place=s.places[1][0] + s.places[1][1], theme=s.theme
            ),
            "narrative.strengths": "成員產品互補，住宿、餐飲與體驗可組成完整行程。",
            "narrative.problems": "客源不穩、各自行銷、缺乏數據。",
            "narrative.goal": "建立共同品牌與數位通路，提升營收。",
            "narrative.strategy": "共識會議凝聚方向，研習培養能力，顧問陪伴導入工具。",
            "narrative.method": "分三階段：盤點、導入、試營運。",
            "narrative.highlights": "期末推出群聚共同遊程與會員制度，衍生商機新臺幣50萬元。",
            "narrative.collaboration": "領導企業統籌，顧問輔導，成員分工執行。",
        }
    )
    data.tables["gaps"] = [
        {
            "gaps.problem": "各自行銷、曝光有限",
            "gaps.solution": "建立群聚共同社群與線上預約，追蹤預約數",
            "gaps.result": "群聚共同品牌被看見",
        },
    ]
    # KPIs: the three basic items, then custom ones including the stressed facet
    w = p["work_items"]
    kpis = [
        {"kpis.midterm": 2, "kpis.final": w["meetings"] - 2 + 1, "kpis.total": w["meetings"] + 1},
        {"kpis.midterm": 2, "kpis.final": w["workshops"] - 2, "kpis.total": w["workshops"]},
        {"kpis.midterm": 0, "kpis.final": w["visits"], "kpis.total": w["visits"]},
    ]
    for letter in dict.fromkeys([stressed, "O", "I"]):
        mid = rng.randint(1, 5) * 10
        kpis.append(
            {
                "kpis.kind": "自訂績效指標",
                "kpis.facet": p["facets"][letter]["label"],
                "kpis.name": {
                    "E": "群聚串聯遊程體驗人次",
                    "S": "線上預約服務人次",
                    "I": "群聚電商訂單數",
                    "O": "群聚數位推廣活動參與人次",
                }[letter],
                "kpis.unit": "人次",
                "kpis.midterm": mid,
                "kpis.final": mid * 2,
                "kpis.total": mid * 3,
                "kpis.evidence": "1.系統報表截圖\n2.活動照片",
                "kpis.benefit": "帶動周邊企業參與合作，擴散地方經濟效益。",
                "kpis.channel": "有" if b_class and letter == "I" else None,
            }
        )
    data.tables["kpis"] = kpis
    f["work.digital_workshops"] = w["digital_workshops"]
    data.tables["tools"] = [
        {
            "tools.category": "行銷推廣類",
            "tools.name": "LINE官方帳號",
            "tools.purpose": "會員經營與推播",
        },
        {"tools.category": "經營管理類", "tools.name": "雲端POS", "tools.purpose": "銷售數據整合"},
    ]
    data.tables["consultants"] = [
        {
            "consultants.name": f["contact.pi_name"],
            "consultants.employer": f["unit.name"],
            "consultants.gender": rng.choice(["男", "女"]),
            "consultants.title": "總經理",
            "consultants.seniority": rng.randint(5, 20),
            "consultants.role": "計畫主持人/顧問",
            "consultants.plan": "整體群聚的數位工具導入、群聚活動規劃與執行、協助群聚永續經營",
            "consultants.education": "大學(學士)",
            "consultants.expertise": "行銷流通、資訊科技",
            "consultants.expertise_note": "社群行銷、電商營運、活動企劃",
        }
    ]
    data.tables["partners"] = [
        {
            "partners.kind": "合作單位",
            "partners.name": _person(rng),
            "partners.employer": "在地設計工作室",
            "partners.title": "設計師",
            "partners.role": "設計師",
            "partners.duty": "產品拍攝",
        },
    ]
    data.tables["staff"] = [
        {
            "staff.name": f["contact.pi_name"],
            "staff.education": "國立東華大學企業管理學系學士",
            "staff.experience": "在地餐飲業負責人",
            "staff.years": 12,
            "staff.job": "計畫主持人",
        },
    ]
    budget = [
        ("創新數位應用工具導入相關費用", "數位平台營運", 5_000, 8, "月"),
        ("創新數位應用工具導入相關費用", "雲端POS", 5_000, 8, "月"),
        ("辦理群聚研習活動", "講師鐘點費", 2_000, 9, "小時"),
        ("辦理群聚研習活動", "印刷費", 10_000, 1, "式"),
        ("辦理會議活動", "會議印刷費", 10_000, 1, "式"),
        ("辦理群聚展售活動", "數位策展", 50_000, 1, "式"),
        ("辦理群聚展售活動", "實體展售", 100_000, 1, "場"),
        ("群聚推廣費用", "行銷投廣", 100_000, 1, "式"),
        ("群聚推廣費用", "影音拍攝", rng.randint(5, 20) * 10_000, 1, "式"),
    ]
    data.tables["budget"] = [
        {
            "budget.category": c,
            "budget.item": i,
            "budget.unit_price": pr,
            "budget.quantity": q,
            "budget.unit": u,
            "budget.note": f"{q}{u}*{pr:,}={pr * q:,}元",
        }
        for c, i, pr, q, u in budget
    ]
    return data


def _break(data: FormData) -> None:
    """Slips that real applicants make: the demo's rule-breaking proposal."""
    members = data.tables["members"]
    members[2]["members.county"] = "臺東縣"  # 西嶼鄉 is in 澎湖縣
    members[3]["members.ubn"] = members[3]["members.ubn"][:7] + str(
        (int(members[3]["members.ubn"][7]) + 1) % 10
    )
    members[4]["members.employees"] = "12萬"  # typed as a sum of money
    members[5]["members.coached_last_year"] = "是"
    members[6]["members.coached_last_year"] = "Y"
    data.tables["kpis"][0]["kpis.total"] = 3  # 2 + 2 ≠ 3, and below 4 meetings
    data.tables["budget"].append(
        {
            "budget.category": "群聚推廣費用",
            "budget.item": "電視廣告",
            "budget.unit_price": 300_000,
            "budget.quantity": 2,
            "budget.unit": "檔",
        }
    )
    data.fields["proposal.date"] = (
        dt.date(2023, 3, 9).strftime("%Y年%m月%d日").replace("2023年", "民國112年")
    )


def sample_history(program: str = "dc112") -> dict[str, list[list[object]]]:
    """The demo's invented records, as tables (header row first): last year's roster, in which
    the B類 sample's cluster (its original members and two firms that left) and a few members
    of the A類 samples appear, and a list of barred units."""
    prog = load_program(program)
    last = prog.params["year_roc"] - 1
    rng = random.Random(last)
    used: set[str] = set()
    rows: list[list[object]] = [
        ["年度", "群聚名稱", "提案類別", "企業名稱", "統一編號", "負責人", "角色"]
    ]
    by_key = {s.key: build(prog, s) for s in SCENARIOS}
    tea = next(s for s in SCENARIOS if s.category == "B類")
    tea_members = by_key[tea.key].tables["members"]
    prior = by_key[tea.key].fields["proposal.prior_members"]
    originals = [m for m in tea_members if m["members.original_member"] == "有"]
    for m in originals:
        rows.append([last, f"{tea.theme}群聚", "A類", m["members.name"], m["members.ubn"],
                     m["members.owner_name"], m["members.role"]])  # fmt: skip
    for i in range(prior - len(originals)):
        rows.append([last, f"{tea.theme}群聚", "A類", f"{tea.places[0][1]}退出茶行{i + 1}",
                     _ubn(rng, used), _person(rng), "群聚成員企業"])  # fmt: skip
    # the A類 samples' members coached last year, and one who declared 無 (the broken sample)
    coached = [
        m
        for s in SCENARIOS
        if s.category == "A類"
        for m in by_key[s.key].tables["members"]
        if m["members.coached_last_year"] == "有"
    ]
    coached.append(by_key["penghu-sea"].tables["members"][2])
    for m in coached:
        rows.append([last, "東部好物數位群聚", "A類", m["members.name"], m["members.ubn"],
                     m["members.owner_name"], "群聚成員企業"])  # fmt: skip
    banned = [
        ["統一編號", "單位名稱", "日期", "事由"],
        [
            _ubn(rng, used),
            "範例數位行銷有限公司",
            f"{last}/06/30",
            "主動放棄執行政府計畫（非不可抗力）",
        ],
    ]
    return {f"{last}年度輔導名單.csv": rows, "停權名單.csv": banned}
