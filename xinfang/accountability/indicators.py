"""THE definition of every assessment indicator (R5.1) — one place, used by the assessment pages, the API, the xlsx
and DOCX exports, the annual report and (later) the dashboard.

Each indicator is computed from the records of a year for a unit and its subtree (a 支队 answers for its 大队):

    rate   numerator / denominator; `value` is None when the denominator is 0 — "not applicable", never 0 % or 100 %
    count  numerator only (0 is a real value)

and drills down to the records behind each figure: `drill(unit, period, part)` returns the UNSCOPED records behind
the numerator or the denominator — cases, incidents, meetings, leaders' reception periods or screening-report
obligations (see ExternalIndicator); pages show them through each model's `visible_to(user)`
(selectors.indicator_drill).
Figures are facts about the unit, computed from every record; a case hidden from the reader (Art 30) is counted
but not listed to him.

"Due in the year" means the limit falls in the year; a limit still running today (limit ≥ as_of, nothing done)
is not yet due and is left out. The unit of a case is its handling unit (`Case.unit`, after any 转送/交办).

    timely_ack       及时受理率   cases whose 15-day 受理告知 limit (ack_due, Art 23) fell in the year and
                                  passed or was met; numerator: decided (受理/不予受理/导出: decided_on) by ack_due
    on_time          按期办结率   accepted cases (incl. 复查/复核) whose 办结 limit (due, with extensions) fell in
                                  the year and passed or was met; numerator: opinion issued (出具, Art 34) by due
    participation    参评率       cases whose opinion was delivered (送达) in the year; numerator: evaluated
    satisfaction     满意率       of those, the evaluated; numerator: 满意 or 基本满意
    repeat_rate      重复信访率   cases (初信初访 kind) received in the year; numerator: a repeat (original_case set)
    review_change    复查/复核改变率  复查/复核 opinions issued in the year about the unit's handling (the parent
                                  case's unit); numerator: the opinion's stated disposition of the opinion
                                  reviewed (Opinion.disposition) is 变更 or 撤销 — not 维持
    meeting_quota    党委会研究部署完成率   from the leadership app, when installed
    reception_quota  领导接访完成率         from the leadership app, when installed
    screening_timeliness  排查报告及时率    from the screening app, when installed
    incidents_at_corps    到总队上访事件数
    incidents_in_beijing  进京上访事件数
    incidents_noncompliant  应到场领导未到场的事件数 (到总队: 分管领导; 进京: 主官 — not recorded)
    overdue_cases    逾期件数      cases whose 受理告知 or 办结 limit fell in the year and was missed (late, or
                                  still nothing done after it)

Computing: the record indicators over the same table and unit path share ONE grouped query (figures_of: the OR of
their cohorts, each figure a filtered count), rolled up by path prefix into the assessed units. On PostgreSQL the
case indicators' per-unit counts — the same query, restricted to the units — are kept in the tally (tally.py) while
none of the unit's records changed (database triggers), and their sums while no unit under them changed; the
figures are exactly those of the definitions (tests/test_tally.py compares them after random changes).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from xinfang.cases.models import Case, Disposition, Kind, Rating
from xinfang.incidents.models import REQUIRED_ROLE, Incident, IncidentKind, compliant_condition
from xinfang.orgs.models import Unit

RATE = "rate"
COUNT = "count"
NUMERATOR = "numerator"
DENOMINATOR = "denominator"
PARTS = (NUMERATOR, DENOMINATOR)
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    """A calendar year, evaluated as of a day (today: limits after it are not yet due)."""

    year: int
    as_of: datetime.date

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    @property
    def span(self) -> tuple[datetime.date, datetime.date]:
        return (self.start, self.end)

    @classmethod
    def of(cls, year: int, today: datetime.date | None = None) -> Period:
        return cls(year=int(year), as_of=today or timezone.localdate())


@dataclass(frozen=True)
class Figure:
    """One indicator for one unit. `value`: the rate (0–1, four places) or the count; None = not applicable."""

    numerator: int | None
    denominator: int | None
    value: Decimal | None
    available: bool = True
    note: str = ""

    @property
    def applicable(self) -> bool:
        return self.value is not None

    @property
    def percent(self) -> str:
        """ "87.5%" for a rate, "不适用" when not applicable."""
        if self.value is None:
            return "不适用" if self.available else "未接入"
        return f"{(self.value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": float(self.value) if self.value is not None else None,
            "applicable": self.applicable,
            "available": self.available,
            "note": self.note,
        }


def rate(numerator: int, denominator: int) -> Figure:
    if not denominator:
        return Figure(numerator, denominator, None, note="分母为0，不适用")
    value = (Decimal(numerator) / Decimal(denominator)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    return Figure(numerator, denominator, value)


def count(n: int) -> Figure:
    return Figure(n, None, Decimal(n))


UNAVAILABLE = Figure(None, None, None, available=False, note="相关功能尚未启用，本项不适用")


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    kind: str  # RATE | COUNT
    higher_is_better: bool
    source: str  # "cases" | "incidents" | "leadership" | "screening"
    formula: str  # the definition, in Chinese, as shown next to the figure
    numerator_label: str
    denominator_label: str = ""

    @property
    def drillable(self) -> bool:
        return self.source in ("cases", "incidents")

    @property
    def drill_model(self) -> str:
        return "case" if self.source == "cases" else ("incident" if self.source == "incidents" else "")

    def figures(self, units: list[Unit], period: Period) -> dict[int, Figure]:
        raise NotImplementedError

    def figure(self, unit: Unit, period: Period) -> Figure:
        return self.figures([unit], period)[unit.pk]

    def drill(self, unit: Unit, period: Period, part: str) -> QuerySet[Any] | None:
        return None


def _rollup(rows: Iterable[tuple[str | None, int, int]], units: list[Unit]) -> dict[int, tuple[int, int]]:
    """Per-handling-unit (path, denominator, numerator) rows summed into each assessed unit's subtree.

    A path "/1/4/9/" lies in the subtree of exactly the units whose path is one of its prefixes "/1/", "/1/4/",
    "/1/4/9/" (paths are materialized id paths ending in "/"): each row is added to those of its prefixes that are
    assessed — a dictionary look-up per level instead of a scan of every assessed unit."""
    totals = {u.pk: [0, 0] for u in units}
    by_path: dict[str, list[int]] = {}
    odd = [u for u in units if not (u.path.startswith("/") and u.path.endswith("/"))]
    for u in units:
        if u not in odd:
            by_path.setdefault(u.path, []).append(u.pk)
    for path, den, num in rows:
        if not path:
            continue
        for u in odd:  # not a materialized path (never in practice): the plain prefix test
            if path.startswith(u.path):
                totals[u.pk][0] += den
                totals[u.pk][1] += num
        end = path.find("/", 1)
        while end != -1:
            for pk in by_path.get(path[: end + 1], ()):
                totals[pk][0] += den
                totals[pk][1] += num
            end = path.find("/", end + 1)
    return {pk: (d, n) for pk, (d, n) in totals.items()}


def _roots(units: list[Unit]) -> list[str]:
    """The outermost of the units' paths (the others lie in their subtrees)."""
    roots: list[str] = []
    for p in sorted({u.path for u in units}):  # a path sorts right after its ancestors' paths
        if not roots or not p.startswith(roots[-1]):
            roots.append(p)
    return roots


MANY_ROOTS = 20


def _under(path: str, units: list[Unit]) -> Q:
    """Rows whose `path` lies in the subtree of any of the units (one condition per outermost unit) — or, past
    MANY_ROOTS of them, in the subtree of their deepest common ancestor: a superset, for a query whose rows are
    then kept by unit (_rollup), without thousands of ORs to build and plan."""
    roots = _roots(units)
    if len(roots) > MANY_ROOTS:
        common: list[str] = []
        for level in zip(*(r.strip("/").split("/") for r in roots), strict=False):
            if len(set(level)) > 1:
                break
            common.append(level[0])
        return Q(**{f"{path}__startswith": "/" + "".join(f"{part}/" for part in common)})
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{path}__startswith": root})
    return condition


def _multivalued(qs: QuerySet[Any]) -> bool:
    """Whether the query joins a to-many relation (a row could then be counted twice without DISTINCT)."""
    for join in qs.query.alias_map.values():
        f = getattr(join, "join_field", None)
        if f is not None and (getattr(f, "many_to_many", False) or getattr(f, "one_to_many", False)):
            return True
    return False


def _counted(condition: Q | None, distinct: bool) -> Count:
    return Count("pk", filter=condition, distinct=distinct) if condition else Count("pk", distinct=distinct)


@dataclass(frozen=True)
class RecordIndicator(Indicator):
    """An indicator over rows of one model: `cohort` (the denominator set of a period), `hit` (the numerator
    condition), `path` (the lookup to the responsible unit's path). One grouped query for any number of units —
    and for any number of indicators over the same model and path (`figures_of`): one scan of the table."""

    cohort: Callable[[Period], Q] = field(default=lambda p: Q())
    hit: Callable[[Period], Q] = field(default=lambda p: Q())
    path: str = "unit__path"

    @property
    def model(self) -> type[Any]:
        return Case if self.source == "cases" else Incident

    def base(self, period: Period) -> QuerySet[Any]:
        return self.model.objects.filter(self.cohort(period)).order_by()

    def figures(self, units: list[Unit], period: Period) -> dict[int, Figure]:
        return figures_of([self], units, period)[self.code]

    def drill(self, unit: Unit, period: Period, part: str) -> QuerySet[Any]:
        qs = self.base(period).filter(**{f"{self.path}__startswith": unit.path})
        if part == NUMERATOR and self.kind == RATE:
            qs = qs.filter(self.hit(period))
        return qs.distinct()


def _batch_query(batch: list[RecordIndicator], period: Period, key: str, where: Q) -> tuple[QuerySet[Any], list[str]]:
    """The rows in any indicator's cohort (the OR of the cohorts) matching `where`, grouped by `key`, each
    indicator's denominator ("d<n>") and numerator ("n<n>") a filtered count (`cohort`, `cohort & hit`) — exactly
    the single-indicator definition. Rows are counted once each (DISTINCT only if a to-many relation is joined;
    the relations used — opinion, evaluation, unit, parent case — are to-one)."""
    first = batch[0]
    assert all(i.model is first.model and i.path == first.path for i in batch), "one model and path per batch"
    cohorts = [i.cohort(period) for i in batch]
    union = Q()  # an empty cohort (every row) makes the union every row
    if all(cohorts):
        for c in cohorts:
            union |= c
    grouped = first.model.objects.filter(union).filter(where).order_by().values(key)

    def annotated(distinct: bool) -> QuerySet[Any]:
        counts: dict[str, Count] = {}
        for n, (i, c) in enumerate(zip(batch, cohorts, strict=True)):
            counts[f"d{n}"] = _counted(c if len(batch) > 1 else None, distinct)
            if i.kind == RATE:
                counts[f"n{n}"] = _counted((c & i.hit(period)) if len(batch) > 1 else i.hit(period), distinct)
        return grouped.annotate(**counts)

    qs = annotated(False)
    if _multivalued(qs):
        qs = annotated(True)
    return qs, list(qs.query.annotations)


def _counts(batch: list[RecordIndicator], names: list[str], row: tuple[Any, ...]) -> dict[str, list[int]]:
    """{code: [denominator, numerator]} of one grouped row (after its key)."""
    values = dict(zip(names, row[1:], strict=True))
    return {i.code: [values[f"d{n}"], values.get(f"n{n}", 0)] for n, i in enumerate(batch)}


def figures_of(batch: list[RecordIndicator], units: list[Unit], period: Period) -> dict[str, dict[int, Figure]]:
    """The figures of several record indicators over the same model and unit path, in ONE grouped query
    (_batch_query) by the responsible unit's path, rolled up into each unit's subtree — or, for cases on
    PostgreSQL, from the tally (tally.py): the same query per responsible unit, cached while none of its records
    changed."""
    from xinfang.accountability import tally

    first = batch[0]
    if tally.enabled(first.source):
        return _tallied(batch, units, period)
    # Only rows under one of the units can count (_rollup); saying so lets the database use the path index.
    qs, names = _batch_query(batch, period, first.path, _under(first.path, units))
    rows = [(row[0], _counts(batch, names, row)) for row in qs.values_list(first.path, *names)]
    return _figures(batch, rows, units)


def _figures(
    batch: list[RecordIndicator], rows: Iterable[tuple[str, dict[str, list[int]]]], units: list[Unit]
) -> dict[str, dict[int, Figure]]:
    """Per-unit-path counts rolled up into each unit's subtree, as figures."""
    rows = list(rows)
    result: dict[str, dict[int, Figure]] = {}
    for i in batch:
        totals = _rollup(((path, *counts.get(i.code, (0, 0))) for path, counts in rows), units)
        if i.kind == RATE:
            result[i.code] = {pk: rate(num, den) for pk, (den, num) in totals.items()}
        else:
            result[i.code] = {pk: count(den) for pk, (den, _n) in totals.items()}
    return result


def _tallied(batch: list[RecordIndicator], units: list[Unit], period: Period) -> dict[str, dict[int, Figure]]:
    """figures_of from the tally (tally.py): the counts of each unit under the assessed units, kept per unit while
    none of its records changed, summed per assessed unit — the sums kept too, while no unit under them changed."""
    import hashlib

    from xinfang.accountability import tally

    first = batch[0]
    # the tally stores every indicator of the batch's model and path, whichever are asked for now
    full = [i for i in INDICATORS if isinstance(i, RecordIndicator) and (i.model, i.path) == (first.model, first.path)]
    key = first.path.removesuffix("__path")  # the responsible unit's id: "unit", "parent_case__unit"
    name = f"{first.source}:{first.path}"
    roots = _roots(units)

    def under(lookup: str) -> Q:
        return _under(lookup, units)

    def compute(ids: list[int] | None) -> dict[int, dict[str, list[int]]]:
        where = _under(first.path, units) if ids is None else Q(**{f"{key}__in": ids})
        qs, names = _batch_query(full, period, key, where)
        return {row[0]: _counts(full, names, row) for row in qs.values_list(key, *names) if row[0] is not None}

    def build(snap: Any) -> dict[str, dict[str, list[int]]]:
        """{code: {unit id: [denominator, numerator]}} summed per assessed unit."""
        rows = tally.unit_counts(name, snap, under, period, compute)
        sums: dict[str, dict[str, list[int]]] = {}
        for i in full:
            totals = _rollup(((path, *counts.get(i.code, (0, 0))) for path, counts in rows), units)
            sums[i.code] = {str(pk): [den, num] for pk, (den, num) in totals.items()}
        return sums

    ids = ",".join(str(pk) for pk in sorted({u.pk for u in units}))
    digest = hashlib.md5(ids.encode(), usedforsecurity=False).hexdigest()
    sums = tally.rolled_up(f"sum:{name}:{digest}", ids, min(u.pk for u in units), roots, under, period, build)
    result: dict[str, dict[int, Figure]] = {}
    for i in batch:
        by_unit = sums[i.code]
        if i.kind == RATE:
            result[i.code] = {u.pk: rate(by_unit[str(u.pk)][1], by_unit[str(u.pk)][0]) for u in units}
        else:
            result[i.code] = {u.pk: count(by_unit[str(u.pk)][0]) for u in units}
    return result


@dataclass(frozen=True)
class ExternalIndicator(Indicator):
    """An indicator computed by another app (leadership, screening) when it is installed; see integration.py.
    `records(unit, period, part)` gives the records behind a figure (unscoped; None when the app is absent), of the
    kind `model`: "meeting" (党委会记录), "reception_period" (a leader's reception period with its reception days and
    receptions) or "screening_report" (a report obligation with its report, if filed)."""

    provider: Callable[[list[Unit], Period], dict[int, tuple[int, int]] | None] = field(default=lambda u, p: None)
    records: Callable[[Unit, Period, str], Any] = field(default=lambda u, p, part: None)
    model: str = ""

    @property
    def drillable(self) -> bool:
        return bool(self.model)

    @property
    def drill_model(self) -> str:
        return self.model

    def figures(self, units: list[Unit], period: Period) -> dict[int, Figure]:
        result = self.provider(units, period)
        if result is None:
            return {u.pk: UNAVAILABLE for u in units}
        return {u.pk: rate(*result.get(u.pk, (0, 0))) for u in units}

    def drill(self, unit: Unit, period: Period, part: str) -> Any:
        return self.records(unit, period, part)


# ---------------------------------------------------------------------------------------------------
# The definitions


def _ack_cohort(p: Period) -> Q:
    return Q(kind=Kind.INITIAL, ack_due__range=p.span) & (Q(decided_on__isnull=False) | Q(ack_due__lt=p.as_of))


def _ack_hit(p: Period) -> Q:
    return Q(decided_on__isnull=False, decided_on__lte=F("ack_due"))


def _due_cohort(p: Period) -> Q:
    return Q(due__range=p.span) & (Q(opinion__issued_on__isnull=False) | Q(due__lt=p.as_of))


def _due_hit(p: Period) -> Q:
    return Q(opinion__issued_on__isnull=False, opinion__issued_on__lte=F("due"))


def _delivered(p: Period) -> Q:
    return Q(opinion__delivered_on__range=p.span)


def _ack_missed(p: Period) -> Q:
    return Q(kind=Kind.INITIAL, ack_due__range=p.span) & (
        Q(decided_on__isnull=True, ack_due__lt=p.as_of) | Q(decided_on__gt=F("ack_due"))
    )


def _due_missed(p: Period) -> Q:
    return Q(due__range=p.span) & (
        Q(opinion__issued_on__isnull=True, due__lt=p.as_of) | Q(opinion__issued_on__gt=F("due"))
    )


def _incidents(kind: str) -> Callable[[Period], Q]:
    return lambda p: Q(kind=kind, occurred_on__range=p.span)


def _noncompliant(p: Period) -> Q:
    return Q(kind__in=list(REQUIRED_ROLE), occurred_on__range=p.span) & ~compliant_condition()


def _external(name: str) -> Callable[[list[Unit], Period], dict[int, tuple[int, int]] | None]:
    def provider(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
        from xinfang.accountability import integration

        return getattr(integration, name)(units, period)

    return provider


def _external_records(name: str) -> Callable[[Unit, Period, str], Any]:
    def records(unit: Unit, period: Period, part: str) -> Any:
        from xinfang.accountability import integration

        if name == "meeting_records":
            return integration.meeting_records(unit, period)
        return getattr(integration, name)(unit, period, part)

    return records


INDICATORS: tuple[Indicator, ...] = (
    RecordIndicator(
        code="timely_ack",
        label="及时受理率",
        kind=RATE,
        higher_is_better=True,
        source="cases",
        formula="受理告知期限（收到后15日，条例第二十三条）在本年度届满的事项中，在期限内作出受理、不予受理或导出决定的比例",
        numerator_label="按期告知",
        denominator_label="告知期限届满",
        cohort=_ack_cohort,
        hit=_ack_hit,
    ),
    RecordIndicator(
        code="on_time",
        label="按期办结率",
        kind=RATE,
        higher_is_better=True,
        source="cases",
        formula="办结期限（含批准延期，条例第三十四至三十六条）在本年度届满的受理事项中，在期限内出具处理意见的比例",
        numerator_label="按期办结",
        denominator_label="办结期限届满",
        cohort=_due_cohort,
        hit=_due_hit,
    ),
    RecordIndicator(
        code="participation",
        label="参评率",
        kind=RATE,
        higher_is_better=True,
        source="cases",
        formula="本年度送达处理意见的事项中，信访人作出满意度评价的比例",
        numerator_label="已评价",
        denominator_label="已送达",
        cohort=_delivered,
        hit=lambda p: Q(evaluation__isnull=False),
    ),
    RecordIndicator(
        code="satisfaction",
        label="满意率",
        kind=RATE,
        higher_is_better=True,
        source="cases",
        formula="本年度送达并已评价的事项中，评价为满意或基本满意的比例",
        numerator_label="满意+基本满意",
        denominator_label="已评价",
        cohort=lambda p: _delivered(p) & Q(evaluation__isnull=False),
        hit=lambda p: Q(evaluation__rating__in=[Rating.SATISFIED, Rating.BASICALLY]),
    ),
    RecordIndicator(
        code="repeat_rate",
        label="重复信访率",
        kind=RATE,
        higher_is_better=False,
        source="cases",
        formula="本年度收到的信访事项（不含复查、复核）中，属于重复信访（关联原事项）的比例",
        numerator_label="重复信访",
        denominator_label="收到事项",
        cohort=lambda p: Q(kind=Kind.INITIAL, received_on__range=p.span),
        hit=lambda p: Q(original_case__isnull=False),
    ),
    RecordIndicator(
        code="review_change",
        label="复查复核改变率",
        kind=RATE,
        higher_is_better=False,
        source="cases",
        formula="本年度对本单位处理意见出具的复查、复核意见中，决定变更或撤销原处理意见（而非维持）的比例",
        numerator_label="变更或撤销原意见",
        denominator_label="复查复核意见",
        cohort=lambda p: Q(kind__in=[Kind.REVIEW, Kind.REREVIEW], opinion__issued_on__range=p.span),
        hit=lambda p: Q(opinion__disposition__in=[Disposition.CHANGE, Disposition.REVOKE]),
        path="parent_case__unit__path",
    ),
    ExternalIndicator(
        code="meeting_quota",
        label="党委会研究部署完成率",
        kind=RATE,
        higher_is_better=True,
        source="leadership",
        formula="党委会研究部署信访工作次数占年度要求（支队不少于2次、大队不少于4次）的比例，超过要求按100%计",
        numerator_label="完成次数",
        denominator_label="要求次数",
        provider=_external("meeting_quota"),
        records=_external_records("meeting_records"),
        model="meeting",
    ),
    ExternalIndicator(
        code="reception_quota",
        label="领导接访完成率",
        kind=RATE,
        higher_is_better=True,
        source="leadership",
        formula="支队主官每季度至少接访一天：已完成的季度数占应完成季度数的比例",
        numerator_label="已完成",
        denominator_label="应完成",
        provider=_external("reception_quota"),
        records=_external_records("reception_records"),
        model="reception_period",
    ),
    ExternalIndicator(
        code="screening_timeliness",
        label="排查报告及时率",
        kind=RATE,
        higher_is_better=True,
        source="screening",
        formula="应报的定期排查报告（大队每周、支队每月）中按时报送的比例",
        numerator_label="按时报送",
        denominator_label="应报送",
        provider=_external("screening_timeliness"),
        records=_external_records("screening_records"),
        model="screening_report",
    ),
    RecordIndicator(
        code="incidents_at_corps",
        label="到总队上访事件",
        kind=COUNT,
        higher_is_better=False,
        source="incidents",
        formula="本年度发生的到总队上访事件数（事项未在本单位解决，是本单位的责任）",
        numerator_label="事件数",
        cohort=_incidents(IncidentKind.AT_CORPS),
    ),
    RecordIndicator(
        code="incidents_in_beijing",
        label="进京上访事件",
        kind=COUNT,
        higher_is_better=False,
        source="incidents",
        formula="本年度发生的进京上访事件数",
        numerator_label="事件数",
        cohort=_incidents(IncidentKind.IN_BEIJING),
    ),
    RecordIndicator(
        code="incidents_noncompliant",
        label="领导未按规定到场事件",
        kind=COUNT,
        higher_is_better=False,
        source="incidents",
        formula="本年度到总队上访（分管领导应到场）、进京上访（主官应赴京）事件中，未登记应到人员的事件数",
        numerator_label="事件数",
        cohort=_noncompliant,
    ),
    RecordIndicator(
        code="overdue_cases",
        label="逾期件数",
        kind=COUNT,
        higher_is_better=False,
        source="cases",
        formula="受理告知期限或办结期限在本年度届满、逾期办理或至今未办理的事项数",
        numerator_label="逾期事项",
        cohort=lambda p: _ack_missed(p) | _due_missed(p),
    ),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
assert len(BY_CODE) == len(INDICATORS), "indicator codes are unique"
RATES = tuple(i.code for i in INDICATORS if i.kind == RATE)
COUNTS = tuple(i.code for i in INDICATORS if i.kind == COUNT)


def indicator(code: str) -> Indicator:
    return BY_CODE[code]


def compute(units: list[Unit], period: Period, codes: Iterable[str] | None = None) -> dict[int, dict[str, Figure]]:
    """Every indicator (or those named) for every unit: {unit id: {code: Figure}}. One query for the record
    indicators of each (model, unit path) — cases by handling unit, cases by the parent case's unit, incidents —
    and the external providers' own queries."""
    wanted = [i for i in INDICATORS if codes is None or i.code in codes]
    by_code: dict[str, dict[int, Figure]] = {}
    batches: dict[tuple[Any, str], list[RecordIndicator]] = {}
    for i in wanted:
        if isinstance(i, RecordIndicator):
            batches.setdefault((i.model, i.path), []).append(i)
        else:
            by_code[i.code] = i.figures(units, period)
    for batch in batches.values():
        by_code.update(figures_of(batch, units, period))
    return {u.pk: {i.code: by_code[i.code][u.pk] for i in wanted} for u in units}


# Selectors by name (the dashboard's entry points): the figure and its drill-down, one definition each.


def figure(code: str, unit: Unit, year: int, today: datetime.date | None = None) -> Figure:
    return BY_CODE[code].figure(unit, Period.of(year, today))


def drill(code: str, unit: Unit, year: int, part: str = NUMERATOR, today: datetime.date | None = None) -> Any:
    """The unscoped records behind a figure (cases; incidents for the incident counts; meetings, reception periods or
    report obligations for the leadership and screening figures). Show them only through each model's
    `visible_to(user)` (see selectors.indicator_drill)."""
    return BY_CODE[code].drill(unit, Period.of(year, today), part)
