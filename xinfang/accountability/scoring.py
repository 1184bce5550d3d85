"""Turning the indicators into a score and a rank — the scheme is data (AssessmentScheme.data), versioned per year.

    {
      "items":      [{"indicator": "timely_ack", "weight": 15}, ...],            rate indicators
      "deductions": [{"indicator": "overdue_cases", "points": 1, "cap": 10}, ...], count indicators
      "max_score":  100
    }

Score = rate points − deductions + manual adjustments, kept within [0, max_score]:

- rate points: each item scores weight × goodness, goodness = the rate (or 1 − rate for a rate where lower is better,
  e.g. 重复信访率). An item that is not applicable (denominator 0, or its app not installed) is left out and the
  applicable items are scaled up to the full weight — a unit is neither rewarded nor punished for having no such
  cases. If no item applies at all the unit has no score (and no rank).
- deductions: points × count, at most `cap` per indicator.
- rank: competition ranking ("1, 2, 2, 4") of the units of one level by score; units without a score are unranked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from xinfang.accountability.indicators import BY_CODE, COUNT, RATE, Figure
from xinfang.core.errors import DomainError

TWO_PLACES = Decimal("0.01")

DEFAULT_SCHEME: dict[str, Any] = {
    "items": [
        {"indicator": "timely_ack", "weight": 15},
        {"indicator": "on_time", "weight": 20},
        {"indicator": "participation", "weight": 10},
        {"indicator": "satisfaction", "weight": 20},
        {"indicator": "repeat_rate", "weight": 10},
        {"indicator": "review_change", "weight": 10},
        {"indicator": "meeting_quota", "weight": 5},
        {"indicator": "reception_quota", "weight": 5},
        {"indicator": "screening_timeliness", "weight": 5},
    ],
    "deductions": [
        {"indicator": "incidents_at_corps", "points": 2, "cap": 10},
        {"indicator": "incidents_in_beijing", "points": 5, "cap": 20},
        {"indicator": "incidents_noncompliant", "points": 3, "cap": 15},
        {"indicator": "overdue_cases", "points": 1, "cap": 10},
    ],
    "max_score": 100,
}


def _number(value: Any, label: str, field: str) -> Decimal:
    if isinstance(value, bool):
        raise DomainError(f"{label}应为数字。", code="invalid_scheme", field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(f"{label}应为数字。", code="invalid_scheme", field=field) from None
    if not number.is_finite() or number < 0:
        raise DomainError(f"{label}应为不小于0的数字。", code="invalid_scheme", field=field)
    if number > 1000:
        raise DomainError(f"{label}不能超过1000。", code="invalid_scheme", field=field)
    return number


def _plain(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def validate_scheme(data: Any) -> dict[str, Any]:
    """The scheme checked and normalized (JSON numbers); raises DomainError (code invalid_scheme) naming the problem."""
    if not isinstance(data, dict):
        raise DomainError("评分规则格式不正确。", code="invalid_scheme", field="data")
    unknown = set(data) - {"items", "deductions", "max_score"}
    if unknown:
        raise DomainError(f"评分规则含有未知项：{'、'.join(sorted(unknown))}。", code="invalid_scheme", field="data")
    items_in = data.get("items") or []
    deductions_in = data.get("deductions") or []
    if not isinstance(items_in, list) or not isinstance(deductions_in, list):
        raise DomainError("评分规则格式不正确。", code="invalid_scheme", field="data")
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    for i, raw in enumerate(items_in):
        code = _code(raw, RATE, f"items[{i}]", seen)
        weight = _number(raw.get("weight"), f"{BY_CODE[code].label}的权重", f"items[{i}].weight")
        items.append({"indicator": code, "weight": _plain(weight)})
    deductions: list[dict[str, Any]] = []
    for i, raw in enumerate(deductions_in):
        code = _code(raw, COUNT, f"deductions[{i}]", seen)
        label = BY_CODE[code].label
        points = _number(raw.get("points"), f"{label}的每件扣分", f"deductions[{i}].points")
        cap = _number(raw.get("cap"), f"{label}的扣分上限", f"deductions[{i}].cap")
        deductions.append({"indicator": code, "points": _plain(points), "cap": _plain(cap)})
    if not items or sum(Decimal(str(x["weight"])) for x in items) <= 0:
        raise DomainError("评分规则至少应有一项权重大于0的比率指标。", code="invalid_scheme", field="items")
    max_score = _number(data.get("max_score", 100), "满分", "max_score")
    if max_score <= 0:
        raise DomainError("满分应大于0。", code="invalid_scheme", field="max_score")
    return {"items": items, "deductions": deductions, "max_score": _plain(max_score)}


def _code(raw: Any, kind: str, where: str, seen: set[str]) -> str:
    if not isinstance(raw, dict):
        raise DomainError("评分规则格式不正确。", code="invalid_scheme", field=where)
    code = str(raw.get("indicator") or "")
    ind = BY_CODE.get(code)
    if ind is None:
        raise DomainError(f"未知的考核指标：{code or '（空）'}。", code="invalid_scheme", field=f"{where}.indicator")
    if ind.kind != kind:
        what = "计分项只能使用比率指标" if kind == RATE else "扣分项只能使用计数指标"
        raise DomainError(f"{what}（{ind.label}）。", code="invalid_scheme", field=f"{where}.indicator")
    if code in seen:
        raise DomainError(f"指标“{ind.label}”重复出现。", code="invalid_scheme", field=f"{where}.indicator")
    seen.add(code)
    return code


@dataclass
class ScorePart:
    code: str
    label: str
    role: str  # "item" | "deduction"
    figure: Figure
    weight: Decimal = Decimal(0)  # items
    points_each: Decimal = Decimal(0)  # deductions
    cap: Decimal = Decimal(0)  # deductions
    points: Decimal | None = None  # earned (items, before scaling) or deducted (deductions); None: not applicable


@dataclass
class ScoreResult:
    parts: list[ScorePart] = field(default_factory=list)
    rate_points: Decimal | None = None
    deductions: Decimal = Decimal(0)
    adjustment: Decimal = Decimal(0)
    total: Decimal | None = None
    applicable_weight: Decimal = Decimal(0)
    total_weight: Decimal = Decimal(0)
    max_score: Decimal = Decimal(100)

    @property
    def scaled(self) -> bool:
        return self.applicable_weight != self.total_weight

    def as_dict(self) -> dict[str, Any]:
        def num(x: Decimal | None) -> float | None:
            return float(x) if x is not None else None

        return {
            "rate_points": num(self.rate_points),
            "deductions": num(self.deductions),
            "adjustment": num(self.adjustment),
            "total": num(self.total),
        }


def score(figures: dict[str, Figure], scheme: dict[str, Any], adjustment: Decimal = Decimal(0)) -> ScoreResult:
    result = ScoreResult(adjustment=adjustment, max_score=Decimal(str(scheme.get("max_score", 100))))
    earned = Decimal(0)
    for item in scheme["items"]:
        code = item["indicator"]
        ind = BY_CODE[code]
        fig = figures[code]
        weight = Decimal(str(item["weight"]))
        part = ScorePart(code, ind.label, "item", fig, weight=weight)
        result.total_weight += weight
        if fig.value is not None:
            goodness = fig.value if ind.higher_is_better else Decimal(1) - fig.value
            part.points = (weight * goodness).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
            earned += weight * goodness
            result.applicable_weight += weight
        result.parts.append(part)
    for ded in scheme["deductions"]:
        code = ded["indicator"]
        fig = figures[code]
        points_each = Decimal(str(ded["points"]))
        cap = Decimal(str(ded["cap"]))
        part = ScorePart(code, BY_CODE[code].label, "deduction", fig, points_each=points_each, cap=cap)
        if fig.value is not None:
            part.points = min(points_each * fig.value, cap).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
            result.deductions += part.points
        result.parts.append(part)
    if result.applicable_weight > 0:
        scaled = earned * result.total_weight / result.applicable_weight
        result.rate_points = scaled.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        total = result.rate_points - result.deductions + adjustment
        result.total = min(max(total, Decimal(0)), result.max_score).quantize(TWO_PLACES)
    return result


def rank(scores: dict[int, Decimal | None]) -> dict[int, int | None]:
    """Competition ranking by score, highest first; None scores are unranked."""
    ordered = sorted((s, pk) for pk, s in scores.items() if s is not None)
    ordered.reverse()
    ranks: dict[int, int | None] = {pk: None for pk in scores}
    position = 0
    previous: Decimal | None = None
    current = 0
    for s, pk in ordered:
        position += 1
        if previous is None or s != previous:
            current = position
            previous = s
        ranks[pk] = current
    return ranks
