"""Every limit of ``program.yaml`` at limit − 1, limit and limit + 1, as readable tables.

Each table row is (what the applicant typed, the verdict the guide gives), worked out by hand
from the guide — never by the code under test. ``tests/test_limits.py`` checks the verdicts
with ``check``; ``tests/test_limits_libreoffice.py`` checks the same rows on the workbook's live
資格檢核 panel after LibreOffice recalculates it. A row's ``panel`` says which panel row shows
the rule (None: the panel does not show it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clusterbook.workbook.fill import FormData
from tests.helpers import clean_data

TIER1 = ("彰化縣", "彰化市")  # 附件三: 彰化縣 分群1
TIER3 = ("彰化縣", "芬園鄉")  # 分群3
TIER4 = ("彰化縣", "大城鄉")  # 分群4
EXEMPT = "小規模商業(免辦登記)"  # eligible, but not a 中小企業


def uniform(category: str = "A類", n: int = 10) -> FormData:
    """A clean proposal of ``n`` (≤ 16) alike members: SMEs of 10 employees in a 分群1 town,
    men owners, never coached, all consenting; B類 keeps all of last year's ``n`` members."""
    data = clean_data("changhua-tea")
    b = category == "B類"
    data.fields["proposal.category"] = category
    if b:
        data.fields["proposal.prior_members"] = n
    else:
        data.fields.pop("proposal.prior_members", None)
        data.fields.pop("proposal.prior_cluster", None)
    rows = data.tables["members"][:n]
    data.tables["members"] = rows
    for m in rows:
        m.update(
            {
                "members.registration": "公司登記",
                "members.capital": 1_000_000,
                "members.employees": 10,
                "members.county": TIER1[0],
                "members.township": TIER1[1],
                "members.coached_last_year": "有" if b else "無",
                "members.coached_3y": "有" if b else "無",
                "members.original_member": "有" if b else None,
                "members.other_program": "無",
                "members.owner_gender": "男",
                "members.owner_identity": "其他",
                "members.consent_collect": "同意",
                "members.consent_public": "同意",
            }
        )
    return data


def members(data: FormData) -> list[dict]:
    return data.tables["members"]


def first(data: FormData, k: int, **values) -> FormData:
    """Give the first ``k`` members these values (keys without the ``members.`` prefix)."""
    for m in members(data)[:k]:
        m.update({f"members.{key}": v for key, v in values.items()})
    return data


def kpi(data: FormData, row: int, total: int) -> FormData:
    """Set a basic work item's 全程目標 (期中 + 期末 add up to it)."""
    data.tables["kpis"][row].update(
        {"kpis.midterm": total // 2, "kpis.final": total - total // 2, "kpis.total": total}
    )
    return data


def budget(data: FormData, subtotal: int) -> FormData:
    """One budget line of ``subtotal`` 元 (未稅)."""
    data.tables["budget"] = [
        {
            "budget.category": "群聚推廣費用",
            "budget.item": "行銷投廣",
            "budget.unit_price": subtotal,
            "budget.quantity": 1,
        }
    ]
    return data


@dataclass(frozen=True)
class Case:
    """One row of a boundary table: ``edit`` changes the uniform proposal of ``base`` (class,
    members; ANY: the verdict does not depend on them, A類 of 10 is used alone);
    ``flagged`` is whether the guide's rule is then broken; ``current`` what the panel's 目前
    column shows. ``parts`` are what the edit changes or depends on: cases with disjoint parts
    (and the same base) can share one workbook, since LibreOffice runs are slow."""

    id: str
    rule: str
    panel: str | None
    base: tuple[str, int] | None
    parts: frozenset[str]
    edit: Callable[[FormData], object]
    flagged: bool
    current: float | int | None = None

    def build(self) -> FormData:
        data = uniform(*(self.base or ("A類", 10)))
        self.edit(data)
        return data


ANY = None


def parts(*names: str) -> frozenset[str]:
    return frozenset(names)


def _nothing(data: FormData) -> None:
    return None


def _members_min() -> list[Case]:
    table = [
        # class, members, fewer than the minimum (A類 10, B類 15)?
        ("A類", 9, True),
        ("A類", 10, False),
        ("A類", 11, False),
        ("B類", 14, True),
        ("B類", 15, False),
        ("B類", 16, False),
    ]
    return [
        Case(
            f"members-{c[0]}-{n}",
            "ELIG-MEMBERS-MIN",
            "members",
            (c, n),
            parts("count"),
            _nothing,
            f,
            n,
        )
        for c, n, f in table
    ]


def _leaders() -> list[Case]:
    table = [
        # 群聚領導企業 among 10 members (the first k), not exactly 1?
        (0, True),
        (1, False),
        (2, True),
    ]
    return [
        Case(
            f"leaders-{k}",
            "ELIG-LEADER",
            "leader",
            ("A類", 10),
            parts("role", "unit"),  # the unit of a 領導企業提案 is the leader: ELIG-ROUTE
            lambda data, k=k: [
                m.update({"members.role": "群聚領導企業" if i < k else "群聚成員企業"})
                for i, m in enumerate(members(data))
            ],
            f,
            k,
        )
        for k, f in table
    ]


def _sme_share() -> list[Case]:
    table = [
        # members, of them 中小企業 (the others 小規模商業), share, below 50%?
        (9, 4, 4 / 9, True),  # 44%
        (9, 5, 5 / 9, False),  # 56%
        (10, 4, 0.4, True),
        (10, 5, 0.5, False),  # exactly 50% is enough (不低於)
        (10, 6, 0.6, False),
        (11, 5, 5 / 11, True),  # 45%
        (11, 6, 6 / 11, False),  # 55%
    ]
    return [
        Case(
            f"sme-{k}of{n}",
            "ELIG-SME-RATIO",
            "sme",
            ("A類", n),
            parts("registration"),
            lambda data, n=n, k=k: first(data, n - k, registration=EXEMPT),
            f,
            share,
        )
        for n, k, share, f in table
    ]


def _coached() -> list[Case]:
    table = [
        # A類 members, of them coached last year, share, more than 20%?
        (10, 1, 0.1, False),
        (10, 2, 0.2, False),  # 20% inclusive
        (10, 3, 0.3, True),
        (15, 3, 0.2, False),
        (15, 4, 4 / 15, True),  # 27%
        (11, 2, 2 / 11, False),  # 18%
        (11, 3, 3 / 11, True),  # 27%
    ]
    return [
        Case(
            f"coached-{k}of{n}",
            "ELIG-COACHED-LAST-YEAR",
            "coached",
            ("A類", n),
            parts("coached"),
            lambda data, k=k: first(data, k, coached_last_year="有", coached_3y="有"),
            f,
            share,
        )
        for n, k, share, f in table
    ]


def _replaced(data: FormData, prior: int, kept: int) -> None:
    data.fields["proposal.prior_members"] = prior
    for m in members(data)[kept:]:
        m.update(
            {
                "members.original_member": "無",
                "members.coached_last_year": "無",
                "members.coached_3y": "無",
            }
        )


def _replacement() -> list[Case]:
    table = [
        # B類 members, last year's members, still members, replaced share, more than 50%?
        (15, 10, 6, 0.4, False),
        (16, 10, 5, 0.5, False),  # 5 of 10 replaced: 50% inclusive
        (14, 10, 4, 0.6, True),  # 6 of 10 replaced
        (15, 11, 6, 5 / 11, False),  # 45%
        (16, 11, 5, 6 / 11, True),  # 55%
        (14, 12, 6, 0.5, False),
        (15, 0, 5, 0.0, True),  # last year's count missing: nothing to compute the share from
    ]
    return [
        Case(
            f"replacement-{kept}of{prior}",
            "ELIG-REPLACEMENT",
            "replacement",
            ("B類", n),
            parts("original"),
            lambda data, prior=prior, kept=kept: _replaced(data, prior, kept),
            f,
            share,
        )
        for n, prior, kept, share, f in table
    ]


def _budget() -> list[Case]:
    table = [
        # 小計 (未稅), 營業稅 = round-half-up(小計 × 5%), 總計 (含稅), over 1,000,000?
        (952_380, 47_619, 999_999, False),  # tax 47,619.00
        (952_381, 47_619, 1_000_000, False),  # tax 47,619.05: exactly the cap is allowed
        (952_382, 47_619, 1_000_001, True),  # tax 47,619.10
        (952_390, 47_620, 1_000_010, True),  # tax 47,619.50 rounds up
        (1_000_000, 50_000, 1_050_000, True),  # 1,000,000 before tax is over the cap
    ]
    return [
        Case(
            f"budget-{sub}",
            "BUDGET-CAP",
            "budget",
            ANY,
            parts("budget"),
            lambda data, sub=sub: budget(data, sub),
            f,
            total,
        )
        for sub, _tax, total, f in table
    ]


def _work_items() -> list[Case]:
    table = [
        # rule, panel row, KPI row, 全程目標, fewer than the minimum?
        ("WORK-MEETINGS", "meetings", 0, 3, True),
        ("WORK-MEETINGS", "meetings", 0, 4, False),  # at least 4
        ("WORK-MEETINGS", "meetings", 0, 5, False),
        ("WORK-WORKSHOPS", "workshops", 1, 2, True),
        ("WORK-WORKSHOPS", "workshops", 1, 3, False),  # at least 3
        ("WORK-WORKSHOPS", "workshops", 1, 4, False),
        ("WORK-VISITS", "visits", 2, 0, True),
        ("WORK-VISITS", "visits", 2, 1, False),  # at least 1
        ("WORK-VISITS", "visits", 2, 2, False),
    ]
    cases = [
        Case(
            f"{panel}-{total}",
            rule,
            panel,
            ANY,
            parts(panel),
            lambda data, row=row, t=total: kpi(data, row, t),
            f,
            total,
        )
        for rule, panel, row, total, f in table
    ]
    digital = [
        # 研習, of them 數位方式, wrong (none, or more than the 研習)?
        (3, 0, True),
        (3, 1, False),  # at least 1
        (3, 2, False),
        (3, 3, False),  # all of them
        (3, 4, True),  # more than the 研習
        (4, 4, False),
        (4, 5, True),
    ]
    for workshops, d, f in digital:

        def edit(data, w=workshops, d=d):
            kpi(data, 1, w)
            data.fields["work.digital_workshops"] = d

        cases.append(
            Case(
                f"digital-{d}of{workshops}",
                "WORK-DIGITAL-WORKSHOP",
                "digital_workshops",
                ANY,
                parts("workshops"),
                edit,
                f,
                d,
            )
        )
    return cases


def _bonus() -> list[Case]:
    """陸、加分項目: 「超過50%」 — exactly half is not more than half."""
    table = [
        # members, of them qualifying, share, more than 50%?
        (10, 5, 0.5, False),
        (10, 6, 0.6, True),
        (11, 5, 5 / 11, False),
        (11, 6, 6 / 11, True),
        (12, 6, 0.5, False),
        (12, 7, 7 / 12, True),
    ]
    kinds = [
        # rule, name, what makes a member qualify, with how many members
        ("BONUS-DIVERSE", "woman", "owner", {"owner_gender": "女"}, (10, 11, 12)),
        ("BONUS-DIVERSE", "indigenous", "owner", {"owner_identity": "原住民、青年返鄉"}, (11,)),
        ("BONUS-DIVERSE", "immigrant", "owner", {"owner_identity": "新住民"}, (12,)),
        ("BONUS-TIER", "tier3", "place", {"county": TIER3[0], "township": TIER3[1]}, (10, 11, 12)),
        ("BONUS-TIER", "tier4", "place", {"county": TIER4[0], "township": TIER4[1]}, (12,)),
        ("BONUS-SMALL", "small", "size", {"employees": 4}, (12,)),  # and _small_firm
    ]
    cases = []
    for rule, tag, part, values, sizes in kinds:
        panel = rule.split("-")[1].lower()
        for n, k, share, f in (row for row in table if row[0] in sizes):
            cases.append(
                Case(
                    f"{panel}-{tag}-{k}of{n}",
                    rule,
                    panel,
                    ("A類", n),
                    parts(part, "registration") if part == "size" else parts(part),
                    lambda data, k=k, values=values: first(data, k, **values),
                    f,
                    share,
                )
            )
    return cases


def _small_firm() -> list[Case]:
    """小規模企業: fewer than 5 regular employees (a 12-month average may have a decimal).
    Half the members (rounded down) have 4 employees; the next one decides whether more than
    half are small."""
    table = [
        # members, the deciding member's employees, is it small (so more than half: a bonus)?
        (10, 4.9, True),  # 6 of 10
        (10, 5, False),  # 5 of 10
        (11, 4, True),  # 6 of 11
        (11, 5.1, False),  # 5 of 11
        (12, 0, True),  # 7 of 12
        (12, 5, False),  # 6 of 12
    ]
    return [
        Case(
            f"small-{n}-{e}",
            "BONUS-SMALL",
            "small",
            ("A類", n),
            parts("size", "registration"),
            lambda data, n=n, e=e: first(first(data, n // 2 + 1, employees=e), n // 2, employees=4),
            f,
            (n // 2 + f) / n,
        )
        for n, e, f in table
    ]


def _sme_test() -> list[Case]:
    """中小企業認定標準 art. 2: capital ≤ NT$100,000,000 or fewer than 200 regular employees.
    The member is the fifth; a member that is neither is ELIG-MEMBER-TYPE."""
    table = [
        # 實收資本額, 經常僱用員工數, not an SME (so not eligible)?
        (100_000_000, 250, False),
        (100_000_001, 250, True),
        (99_999_999, 250, False),
        (300_000_000, 199, False),
        (300_000_000, 199.9, False),
        (300_000_000, 200, True),
        (300_000_000, 201, True),
        (None, 199, False),
        (100_000_001, None, True),
        (None, None, True),
    ]
    return [
        Case(
            f"sme-test-{c}-{e}",
            "ELIG-MEMBER-TYPE",
            "member_type",
            ANY,
            parts("size", "registration"),
            lambda data, c=c, e=e: members(data)[4].update(
                {"members.capital": c, "members.employees": e}
            ),
            f,
            1 if f else 0,
        )
        for c, e, f in table
    ]


def _unit_sme() -> list[Case]:
    """領導企業提案: the proposing unit itself meets the SME standard."""
    table = [
        # unit's 實收資本額, 經常僱用員工數, not an SME (ELIG-ROUTE)?
        (100_000_000, 250, False),
        (100_000_001, 250, True),
        (300_000_000, 199, False),
        (300_000_000, 200, True),
        (None, 199, False),
        (100_000_001, None, True),
    ]

    return [
        Case(
            f"unit-sme-{c}-{e}",
            "ELIG-ROUTE",
            "route",
            ANY,
            parts("unit"),
            lambda data, c=c, e=e: data.fields.update({"unit.capital": c, "unit.employees": e}),
            f,
        )
        for c, e, f in table
    ]


def _deadline() -> list[Case]:
    """肆: A類 by 112/03/07 17:00, B類 by 112/02/22 17:00: a date on the deadline day is on time."""
    table = [
        # class, 提案日期, late?
        ("A類", "112/03/06", False),
        ("A類", "112/03/07", False),
        ("A類", "112/03/08", True),
        ("B類", "112/02/21", False),
        ("B類", "112/02/22", False),
        ("B類", "112/02/23", True),
        ("B類", "112/03/07", True),  # A類's deadline is too late for B類
    ]

    return [
        Case(
            f"deadline-{c[0]}-{day.replace('/', '-')}",
            "DATE-DEADLINE",
            None,
            (c, 16),
            parts("date"),
            lambda data, d=day: data.fields.update({"proposal.date": d}),
            f,
        )
        for c, day, f in table
    ]


def _text() -> list[Case]:
    """The form's length guides: 群聚名稱 ≤ 40 字, 群聚主軸 50 字, 緣起 about 300 (150–450)."""
    table = [
        # field, characters, outside the guide?
        ("proposal.cluster_name", 40, False),
        ("proposal.cluster_name", 41, True),
        ("summary.theme", 50, False),
        ("summary.theme", 51, True),
        ("narrative.motivation", 149, True),
        ("narrative.motivation", 150, False),
        ("narrative.motivation", 450, False),
        ("narrative.motivation", 451, True),
    ]

    return [
        Case(
            f"text-{fid}-{k}",
            "TEXT-LENGTH",
            None,
            ANY,
            parts(fid),
            lambda data, fid=fid, k=k: data.fields.update({fid: ("群聚數位" * 200)[:k]}),
            f,
            k,
        )
        for fid, k, f in table
    ]


CASES: list[Case] = [
    *_members_min(),
    *_leaders(),
    *_sme_share(),
    *_coached(),
    *_replacement(),
    *_budget(),
    *_work_items(),
    *_bonus(),
    *_small_firm(),
    *_sme_test(),
    *_unit_sme(),
    *_deadline(),
    *_text(),
]

# What the finding of a broken limit says (fragments of its message, by hand) and where it is.
SAYS = {
    "members-A-9": ("A類群聚至少需 10 家，目前 9 家",),
    "leaders-0": ("群聚領導企業應恰好 1 家，目前 0 家",),
    "leaders-2": ("群聚領導企業應恰好 1 家，目前 2 家",),
    "members-B-14": ("B類群聚至少需 15 家，目前 14 家",),
    "sme-4of9": ("符合中小企業認定標準者 4 家，占 44%，低於 50%",),
    "sme-4of10": ("符合中小企業認定標準者 4 家，占 40%，低於 50%",),
    "sme-5of11": ("符合中小企業認定標準者 5 家，占 45%，低於 50%",),
    "coached-3of10": ("前一年曾受數位群聚輔導者 3 家，占 30%，A類不得超過 20%(含)",),
    "coached-4of15": ("前一年曾受數位群聚輔導者 4 家，占 27%",),
    "coached-3of11": ("前一年曾受數位群聚輔導者 3 家，占 27%",),
    "replacement-4of10": (
        "前一年本群聚成員 10 家，本年度仍參加者 4 家，更換 6 家，更換比例 60% 超過 50%",
    ),
    "replacement-5of11": (
        "前一年本群聚成員 11 家，本年度仍參加者 5 家，更換 6 家，更換比例 55% 超過 50%",
    ),
    "replacement-5of0": ("請於「前一年本群聚成員家數」填寫前一年本群聚的成員家數",),
    "budget-952382": ("新臺幣 1,000,001 元，上限為新臺幣 1,000,000 元，超出 1 元",),
    "budget-952390": ("新臺幣 1,000,010 元，上限為新臺幣 1,000,000 元，超出 10 元",),
    "budget-1000000": ("新臺幣 1,050,000 元，上限為新臺幣 1,000,000 元，超出 50,000 元",),
    "meetings-3": ("群聚討論會議全程目標 3 次，至少需 4 次",),
    "workshops-2": ("提升數位能力研習全程目標 2 場，至少需 3 場",),
    "visits-0": ("跨群聚交流參訪全程目標 0 場，至少需 1 場",),
    "digital-0of3": ("採數位方式進行之研習為 0 場，至少需 1 場",),
    "digital-4of3": ("採數位方式進行之研習為 4 場，多於研習全程目標 3 場",),
    "digital-5of4": ("採數位方式進行之研習為 5 場，多於研習全程目標 4 場",),
    "diverse-woman-6of10": ("負責人為原民、婦女、新住民者 6 家，占 60%，超過 50%",),
    "diverse-woman-6of11": ("負責人為原民、婦女、新住民者 6 家，占 55%，超過 50%",),
    "diverse-woman-7of12": ("負責人為原民、婦女、新住民者 7 家，占 58%，超過 50%",),
    "diverse-indigenous-6of11": ("負責人為原民、婦女、新住民者 6 家，占 55%",),
    "diverse-immigrant-7of12": ("負責人為原民、婦女、新住民者 7 家，占 58%",),
    "tier-tier3-6of10": ("位於分群3~4區者 6 家，占 60%，超過 50%",),
    "tier-tier4-7of12": ("位於分群3~4區者 7 家，占 58%",),
    "small-small-7of12": ("小規模企業 7 家，占 58%，超過 50%",),
    "small-10-4.9": ("小規模企業 6 家，占 60%，超過 50%",),
    "small-11-4": ("小規模企業 6 家，占 55%",),
    "sme-test-100000001-250": ("為公司登記，但實收資本額超過1億元且經常僱用員工數達200人以上",),
    "sme-test-None-None": ("為公司登記，但實收資本額超過1億元且經常僱用員工數達200人以上",),
    "unit-sme-100000001-250": ("領導企業提案的提案單位須符合中小企業認定標準",),
    "deadline-A-112-03-08": ("提案日期 112/03/08 晚於A類申請截止日 112/03/07",),
    "deadline-B-112-02-23": ("提案日期 112/02/23 晚於B類申請截止日 112/02/22",),
    "text-proposal.cluster_name-41": ("目前 41 字，建議 40 字以內",),
    "text-summary.theme-51": ("目前 51 字，建議 50 字以內",),
    "text-narrative.motivation-149": ("目前 149 字，建議約 300 字（150–450 字）",),
    "text-narrative.motivation-451": ("目前 451 字，建議約 300 字（150–450 字）",),
}
# The other rules a case breaks, by construction (every other case breaks only its own rule).
ALSO = {
    "leaders-0": {"ELIG-ROUTE"},  # the unit (the first member) is no longer the leader
    "sme-4of9": {"ELIG-MEMBERS-MIN"},  # A類 of 9 members
    "sme-5of9": {"ELIG-MEMBERS-MIN"},
    "replacement-4of10": {"ELIG-MEMBERS-MIN"},  # B類 of 14 members
    "replacement-6of12": {"ELIG-MEMBERS-MIN"},
    "sme-test-None-199": {"FIELD-REQUIRED"},  # 實收資本額 left blank
    "sme-test-100000001-None": {"FIELD-REQUIRED"},  # 員工數 left blank
    "sme-test-None-None": {"FIELD-REQUIRED"},
    "unit-sme-None-199": {"FIELD-REQUIRED"},
    "unit-sme-100000001-None": {"FIELD-REQUIRED"},
}

# The value the finding shows (its 值 column in the report and the register), by hand.
SHOWS = {
    "members-A-9": 9,
    "leaders-0": 0,
    "leaders-2": 2,
    "members-B-14": 14,
    "sme-4of9": "44%",
    "sme-4of10": "40%",
    "coached-3of10": "30%",
    "coached-4of15": "27%",
    "replacement-4of10": "60%",
    "replacement-5of11": "55%",
    "replacement-5of0": 0,
    "budget-952382": "1,000,001",
    "budget-1000000": "1,050,000",
    "meetings-3": 3,
    "workshops-2": 2,
    "visits-0": 0,
    "digital-0of3": 0,
    "digital-4of3": 4,
    "diverse-woman-6of10": "60%",
    "diverse-woman-6of11": "55%",
    "tier-tier3-6of10": "60%",
    "small-10-4.9": "60%",
    "sme-test-100000001-250": "公司登記",
    "unit-sme-300000000-200": 300_000_000,
    "deadline-B-112-02-23": "112/02/23",
}
WHERE = {
    # case: (field, table row) of the finding
    "members-A-9": ("members.name", 9),
    "members-B-14": ("members.name", 14),
    "leaders-0": ("members.role", 0),  # no leader: the role column's first row
    "leaders-2": ("members.role", 1),  # the second leader
    "sme-4of10": ("panel.sme.current", None),
    "coached-3of10": ("panel.coached.current", None),
    "replacement-4of10": ("panel.replacement.current", None),
    "replacement-5of0": ("proposal.prior_members", None),
    "budget-952382": ("budget.total", None),
    "meetings-3": ("kpis.total", 0),
    "workshops-2": ("kpis.total", 1),
    "visits-0": ("kpis.total", 2),
    "digital-4of3": ("work.digital_workshops", None),
    "diverse-woman-6of10": ("panel.diverse.current", None),
    "tier-tier3-6of10": ("panel.tier.current", None),
    "small-10-4.9": ("panel.small.current", None),
    "sme-test-100000001-250": ("members.registration", 4),
    "unit-sme-300000000-200": ("unit.capital", None),
    "deadline-B-112-02-23": ("proposal.date", None),
    "text-summary.theme-51": ("summary.theme", None),
}
