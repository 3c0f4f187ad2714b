"""The review spec: ``review.yaml`` beside the program, with the weights of ``program.yaml``.

Weights are kept as whole percentages and totals as whole hundredths of a point, so that sums,
means and ties are exact (the workbook rounds its weighted total to 2 decimals, which is exact
for whole scores and weights in whole percent).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from clusterbook.choices import ChoiceTable
from clusterbook.workbook.programs import DEFAULT_PROGRAM, SpecError
from clusterbook.workbook.spec import Program, load_program

REVIEW_FILE = "review.yaml"
TIE_BREAKS = frozenset({"first_places", "mean_total", "top_criterion", "lot"})
OWN_RANKS = frozenset({"min", "average"})


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    prompt: str
    weights: dict[str, int]
    """By class (A類, B類): the weight in whole percent."""
    notes: dict[str, str]

    def message(self, category: str) -> str:
        """The input message of the criterion's cells for a class."""
        note = self.notes.get(category, "")
        return f"{self.prompt}{note}"


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    tie_breaks: tuple[str, ...]


@dataclass(frozen=True)
class ReviewSpec:
    program: Program
    raw: dict[str, Any]
    criteria: tuple[Criterion, ...]
    methods: dict[str, Method]
    conflict: ChoiceTable
    recused: str
    spec_hash: str

    # -- plain values of review.yaml ---------------------------------------------------------
    @property
    def template_id(self) -> str:
        return self.raw["template_id"]

    @property
    def version(self) -> str:
        return str(self.raw["version"])

    @property
    def score_min(self) -> int:
        return int(self.raw["score"]["min"])

    @property
    def score_max(self) -> int:
        return int(self.raw["score"]["max"])

    @property
    def own_rank(self) -> str:
        return self.raw["own_rank"]

    @property
    def divergence(self) -> float:
        return float(self.raw["divergence"])

    @property
    def default_method(self) -> str:
        return self.raw["default_method"]

    @property
    def bonus_items(self) -> dict[str, str]:
        return dict(self.raw["bonus"]["items"])

    @property
    def bonus_points(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.raw["bonus"]["points"].items()}

    @property
    def bonus_cap(self) -> int:
        return int(self.raw["bonus"]["cap"])

    @property
    def labels(self) -> dict[str, str]:
        """Results labels (review.yaml ``results``)."""
        return self.raw["results"]

    @property
    def year_roc(self) -> int:
        return int(self.program.params["year_roc"])

    @property
    def classes(self) -> tuple[str, ...]:
        return self.program.lists["categories"].values

    def text(self, template: str, **kw: Any) -> str:
        """A review.yaml text with the program year, score range, own-rank rule and given
        values filled in."""
        values = {
            "year_roc": self.year_roc,
            "min": self.score_min,
            "max": self.score_max,
            "own_rank": self.own_rank_label(),
        }
        return template.format(**{**values, **kw})

    def weights(self, category: str) -> dict[str, int]:
        """Criterion id → weight in whole percent, for a class."""
        return {c.id: c.weights[category] for c in self.criteria}

    def top_criterion(self, category: str) -> Criterion:
        """The criterion with the largest weight (配分最高之評分項目); the first on a tie."""
        return max(self.criteria, key=lambda c: c.weights[category])

    def own_rank_label(self) -> str:
        return self.raw["own_rank_labels"][self.own_rank]

    def bonus_label(self) -> str:
        """The 總分法 bonus as configured: 多元族群 1 分、… 合計至多 3 分."""
        parts = [f"{label} {self.bonus_points[k]} 分" for k, label in self.bonus_items.items()]
        return "、".join(parts) + f"，合計至多 {self.bonus_cap} 分"

    def method_text(self, method: str, category: str) -> str:
        """A method's description and its tie-breaks, in zh-TW."""
        m = self.methods[method]
        top = self.top_criterion(category).label
        steps = [self.raw["tie_breaks"][t].format(criterion=top) for t in m.tie_breaks]
        head = m.description.format(own_rank=self.own_rank_label(), bonus=self.bonus_label())
        return f"{method}：{head}同分時依序：" + "；".join(steps) + "。"

    def tie_break_label(self, key: str, category: str) -> str:
        return self.raw["tie_breaks"][key].format(criterion=self.top_criterion(category).label)


def _percent(value: Any, where: str) -> int:
    pct = round(float(value) * 100, 6)
    if not pct.is_integer():
        raise SpecError(f"{where}：權重須為整數百分比，收到 {value!r}")
    return int(pct)


@functools.cache
def load_review(program: str = DEFAULT_PROGRAM) -> ReviewSpec:
    """Load and cross-check ``review.yaml`` of a program (by id or folder)."""
    import yaml

    prog = load_program(program)
    path = prog.path / REVIEW_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"找不到評分規格 {path}：{exc}") from None
    raw = yaml.safe_load(data.decode("utf-8"))
    classes = prog.lists["categories"].values
    scoring = {s["item"]: s for s in prog.params["scoring"]}
    criteria = []
    for c in raw["criteria"]:
        if c["item"] not in scoring:
            raise SpecError(
                f"{REVIEW_FILE} 評分項目 {c['id']}：program.yaml scoring 沒有 {c['item']}"
            )
        row = scoring[c["item"]]
        weights = {k: _percent(row[k], f"scoring {c['item']} {k}") for k in classes}
        criteria.append(
            Criterion(
                c["id"], c["label"], " ".join(c["prompt"].split()), weights, c.get("notes") or {}
            )
        )
    for k in classes:
        total = sum(c.weights[k] for c in criteria)
        if total != 100:
            raise SpecError(f"{REVIEW_FILE}：{k} 的權重合計為 {total}%，應為 100%")
    methods = {
        name: Method(name, m["description"], tuple(m["tie_breaks"]))
        for name, m in raw["methods"].items()
    }
    for m in methods.values():
        unknown = set(m.tie_breaks) - TIE_BREAKS
        if unknown:
            raise SpecError(f"{REVIEW_FILE} {m.name}：未知的同分處理 {sorted(unknown)}")
    if raw["default_method"] not in methods:
        raise SpecError(f"{REVIEW_FILE}：default_method {raw['default_method']} 不在 methods 中")
    if raw["own_rank"] not in OWN_RANKS:
        raise SpecError(f"{REVIEW_FILE}：own_rank 只能是 min 或 average")
    missing = set(raw["bonus"]["items"]) ^ set(raw["bonus"]["points"])
    if missing:
        raise SpecError(f"{REVIEW_FILE}：加分項目與分數不對應：{sorted(missing)}")
    conflict = raw["conflict"]
    if conflict["recused"] not in conflict["choices"]:
        raise SpecError(f"{REVIEW_FILE}：conflict.recused 須為 choices 之一")
    table = ChoiceTable.build(conflict["choices"], conflict.get("aliases") or {})
    weights = {c.id: c.weights for c in criteria}
    digest = hashlib.sha256(
        data + b"\0" + json.dumps(weights, sort_keys=True, ensure_ascii=False).encode()
    )
    digest.update(json.dumps(prog.params["bonus_ratio"]).encode())
    return ReviewSpec(
        program=prog,
        raw=raw,
        criteria=tuple(criteria),
        methods=methods,
        conflict=table,
        recused=conflict["recused"],
        spec_hash=digest.hexdigest(),
    )
