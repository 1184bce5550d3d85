"""Reads of the screening app. Every list starts from one scoped queryset (`Model.objects.visible_to(user)`) and
declares its joins, so the page, the API and the xlsx export of a list are the same function.

    cadence_rules() / warning_ack_hours()        the rules as data (one query each)
    access_<entity>(user, pk, perm)              404 out of scope, 403 in scope without perm
    status_board(user, on)                       per reporting unit in scope: the period asked for on `on`, its due
                                                 date and state (submitted / late / missing / not_due) — constant
                                                 number of queries whatever the number of units
    obligations_between(units, start, end, as_of) the same states for every period starting in a span
    rollup(unit, period, start, end, as_of)      the lower units' reports of a period (逐级汇总上报)
    report_list, conflict_list, special_period_list, duty_shift_list, warning_list, inspection_list,
    bulletin_list, training_list                 the scoped lists (pages, API, exports)
    warnings_awaiting(user, now)                 warnings waiting for the user's acknowledgement (escalation
                                                 computed from timestamps; correct without any job)
    detachments_without_inspection(user, on)     R3.5
    training_status(user, year)                  R2.13: each petition officer's trainings in the year
    holiday_suggestions(year)                    special periods suggested from the Chinese holiday calendar
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import chinese_calendar
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xinfang.cases.models import Case, Petitioner
from xinfang.core.legal_calendar import builtin_covers
from xinfang.core.scope import access_object, has_perm, user_grants
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role
from xinfang.screening import periods
from xinfang.screening.models import (
    REPORTING_LEVELS,
    VIEW_PERM,
    WARN_PERM,
    Bulletin,
    Cadence,
    Conflict,
    ConflictProgress,
    ConflictStatus,
    DutyShift,
    EarlyWarning,
    Inspection,
    RectificationItem,
    ReportState,
    RiskLevel,
    ScreeningItem,
    ScreeningReport,
    ScreeningSettings,
    SpecialPeriod,
    Training,
    WarningHop,
    WarningStage,
)

# ---------------------------------------------------------------------------------------------------
# Rules


def cadence_rules() -> dict[str, periods.Rule]:
    """The effective rules: built-in defaults overridden by the Cadence rows (one query)."""
    rules = dict(periods.DEFAULT_RULES)
    for row in Cadence.objects.all():
        rules[row.key] = periods.Rule(row.key, row.period, row.anchor, row.offset_days, row.shift_to_workday)
    return rules


def warning_ack_hours() -> int:
    row = ScreeningSettings.objects.filter(pk=1).first()
    return row.warning_ack_hours if row else periods.DEFAULT_ACK_HOURS


def rule_for(unit: Unit, rules: dict[str, periods.Rule]) -> periods.Rule | None:
    key = periods.rule_key_for_level(unit.level)
    return rules.get(key) if key else None


# ---------------------------------------------------------------------------------------------------
# Access


def access_report(user: Any, pk: Any, perm: str = VIEW_PERM) -> ScreeningReport:
    return access_object(ScreeningReport.objects.select_related("unit", "submitted_by"), user, pk, perm, VIEW_PERM)


def access_conflict(user: Any, pk: Any, perm: str = VIEW_PERM) -> Conflict:
    return access_object(
        Conflict.objects.select_related("unit", "topic", "leader", "created_by"), user, pk, perm, VIEW_PERM
    )


def _access_from_above(qs: QuerySet[Any], user: Any, pk: Any, perm: str, what: str) -> Any:
    """For records visible beyond their unit's subtree (special periods and bulletins addressed to a whole area,
    inspections of the units visited, trainings of the trainees' units): 404 if not visible, 403 if `perm`
    (other than viewing) is not held at the record's own unit."""
    try:
        obj = qs.visible_to(user).get(pk=pk)  # type: ignore[attr-defined]
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"{what}不存在或不在您的权限范围内") from None
    if perm != VIEW_PERM and not has_perm(user, perm, obj.unit):
        raise PermissionDenied("您无权进行此操作")
    return obj


def access_special_period(user: Any, pk: Any, perm: str = VIEW_PERM) -> SpecialPeriod:
    return _access_from_above(SpecialPeriod.objects.select_related("unit", "declared_by"), user, pk, perm, "特殊时期")


def access_duty_shift(user: Any, pk: Any, perm: str = VIEW_PERM) -> DutyShift:
    return access_object(
        DutyShift.objects.select_related("unit", "officer", "special_period"), user, pk, perm, VIEW_PERM
    )


def access_warning(user: Any, pk: Any, perm: str = VIEW_PERM) -> EarlyWarning:
    return access_object(EarlyWarning.objects.select_related("unit", "raised_by"), user, pk, perm, VIEW_PERM)


def access_inspection(user: Any, pk: Any, perm: str = VIEW_PERM) -> Inspection:
    return _access_from_above(Inspection.objects.select_related("unit", "created_by"), user, pk, perm, "督查记录")


def access_rectification_item(user: Any, pk: Any, perm: str = VIEW_PERM) -> RectificationItem:
    """An item of a visible inspection (else 404); 403 without `perm` at the inspecting unit."""
    try:
        item = (
            RectificationItem.objects.select_related("inspection", "inspection__unit", "owner_unit", "owner")
            .filter(inspection__in=Inspection.objects.visible_to(user).values("pk"))
            .get(pk=pk)
        )
    except (RectificationItem.DoesNotExist, ValueError, TypeError):
        raise Http404("整改事项不存在或不在您的权限范围内") from None
    if perm != VIEW_PERM and not has_perm(user, perm, item.inspection.unit):
        raise PermissionDenied("您无权进行此操作")
    return item


def access_bulletin(user: Any, pk: Any, perm: str = VIEW_PERM) -> Bulletin:
    return _access_from_above(Bulletin.objects.select_related("unit", "created_by"), user, pk, perm, "通报")


def access_training(user: Any, pk: Any, perm: str = VIEW_PERM) -> Training:
    return _access_from_above(Training.objects.select_related("unit", "created_by"), user, pk, perm, "培训")


def access_reporting_unit(user: Any, pk: Any, perm: str) -> Unit:
    """A unit in the user's screening scope (404 otherwise) where he holds `perm` (403 otherwise)."""
    return access_object(Unit.objects.all(), user, pk, perm, VIEW_PERM)


def scope_units(user: Any, *, levels: Iterable[str] | None = None, perm: str = VIEW_PERM) -> QuerySet[Unit]:
    """Active units in the user's scope for `perm`, in tree order (form choices, filters)."""
    qs = Unit.objects.visible_to(user, perm).filter(is_active=True)
    if levels is not None:
        qs = qs.filter(level__in=list(levels))
    return qs.order_by("path")


# ---------------------------------------------------------------------------------------------------
# Obligations: who owes which report, and its state


@dataclass
class Obligation:
    unit: Unit
    period: str
    period_start: datetime.date
    period_end: datetime.date
    due_on: datetime.date
    as_of: datetime.date
    report: ScreeningReport | None = None
    special_periods: list[SpecialPeriod] = field(default_factory=list)

    @property
    def counted_report(self) -> ScreeningReport | None:
        """The report if it had been filed by `as_of` (a board for a past day shows that day's situation)."""
        r = self.report
        return r if r is not None and r.submitted_on <= self.as_of else None

    @property
    def state(self) -> str:
        r = self.counted_report
        if r is not None:
            return ReportState.LATE if r.is_late else ReportState.SUBMITTED
        return ReportState.MISSING if self.as_of > self.due_on else ReportState.NOT_DUE

    @property
    def state_label(self) -> str:
        return ReportState(self.state).label

    @property
    def is_zero(self) -> bool | None:
        r = self.counted_report
        return None if r is None else r.is_zero

    @property
    def label(self) -> str:
        return periods.period_label(self.period, self.period_start)

    @property
    def key(self) -> tuple[int, str, datetime.date]:
        return (self.unit.pk, self.period, self.period_start)


STATE_COLORS: dict[str, str] = {
    ReportState.SUBMITTED: "success",
    ReportState.LATE: "warning",
    ReportState.MISSING: "danger",
    ReportState.NOT_DUE: "secondary",
}


def _scope_paths_of(period: SpecialPeriod) -> list[str]:
    return [u.path for u in period.scope_units.all()]


def special_periods_prefetched(qs: QuerySet[SpecialPeriod]) -> list[SpecialPeriod]:
    """Periods with their declaring unit and scope units (two queries)."""
    return list(
        qs.select_related("unit").prefetch_related(Prefetch("scope_units", queryset=Unit.objects.only("id", "path")))
    )


def covering(unit: Unit, candidates: Iterable[SpecialPeriod]) -> list[SpecialPeriod]:
    """The periods among `candidates` (scope units prefetched) that cover `unit`."""
    return [p for p in candidates if p.covers_path(unit.path, _scope_paths_of(p))]


def _reports_by_key(qs: QuerySet[ScreeningReport]) -> dict[tuple[int, str, datetime.date], ScreeningReport]:
    return {(r.unit_id, r.period, r.period_start): r for r in qs}


@dataclass(frozen=True)
class UnitFacts:
    """What counting obligations reads of a unit (`light` reads: no model instance for each of thousands)."""

    pk: int
    path: str
    level: str
    created_at: datetime.datetime
    name: str = ""
    code: str = ""


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What an obligation's state needs of its report (`light` reads: no model instance per report)."""

    pk: int
    submitted_on: datetime.date
    is_late: bool
    is_zero: bool


def status_board(user: Any, on: datetime.date, *, light: bool = False) -> list[Obligation]:
    """For every active reporting unit in the user's screening scope: the regular report asked for on `on`
    and, while a special period covering the unit is active, the daily report of `on`. `light`: each report only
    as its ReportFacts and each unit as its UnitFacts (enough for the states; the dashboard counts them).

    Queries (constant, however many units): the user's posts, his visible units (+ his shares of units), the
    cadence rules, the special periods active on `on` and their scope units, the reports of the asked
    periods (+ shares of reports); the legal calendar's year when it is not cached yet. Each rule's asked period
    and due day are worked out once, not once per unit."""
    visible = Unit.objects.visible_to(user, VIEW_PERM).filter(is_active=True, level__in=list(REPORTING_LEVELS))
    visible = visible.order_by("path")
    units: list[Any] = (
        [UnitFacts(*row) for row in visible.values_list("pk", "path", "level", "created_at", "name", "code")]
        if light
        else list(visible)
    )
    rules = cadence_rules()
    active = special_periods_prefetched(SpecialPeriod.objects.active_on(on))
    special = rules["special"]
    asked: dict[periods.Rule, tuple[datetime.date, datetime.date, datetime.date]] = {}
    special_due: list[datetime.date] = []
    obligations: list[Obligation] = []
    for unit in units:
        rule = rule_for(unit, rules)
        if rule is None:
            continue
        if rule not in asked:
            start, end = periods.asked_period(rule, on)
            asked[rule] = (start, end, periods.due_on(rule, start, end))
        start, end, due = asked[rule]
        obligations.append(Obligation(unit, rule.period, start, end, due, on))
        covers = covering(unit, active)
        if covers:
            if not special_due:
                special_due.append(periods.due_on(special, on, on))
            obligations.append(Obligation(unit, periods.DAY, on, on, special_due[0], on, special_periods=covers))
    combos = {(o.period, o.period_start) for o in obligations}
    if combos:
        condition = Q(pk__in=[])
        for kind, start in sorted(combos):
            condition |= Q(period=kind, period_start=start)
        _attach_reports(obligations, ScreeningReport.objects.visible_to(user).filter(condition), light=light)
    return obligations


def _owed(
    rule: periods.Rule,
    start: datetime.date,
    end: datetime.date,
    cache: dict[periods.Rule, list[tuple[datetime.date, datetime.date, datetime.date]]],
) -> list[tuple[datetime.date, datetime.date, datetime.date]]:
    """The (period start, period end, due date) a rule owes within start..end — computed once per rule."""
    if rule not in cache:
        cache[rule] = [(s, e, periods.due_on(rule, s, e)) for s, e in periods.starts_within(rule.period, start, end)]
    return cache[rule]


def _attach_reports(obligations: list[Obligation], reports: Any, *, light: bool) -> None:
    """Each obligation gets its report among `reports` (or None): model instances, or with `light` only the facts
    the boards show (no instances built: the 局's board has ~10,000 obligations)."""
    found: dict[tuple[int, str, datetime.date], Any]
    if light:
        rows = reports.order_by().values_list(
            "unit_id", "period", "period_start", "pk", "submitted_on", "is_late", "is_zero"
        )
        found = {(u, p, s): ReportFacts(pk, d, late, zero) for u, p, s, pk, d, late, zero in rows}
    else:
        found = _reports_by_key(reports)
    for o in obligations:
        o.report = found.get(o.key)


def state_counts(obligations: Iterable[Obligation]) -> dict[str, int]:
    counts = {s: 0 for s in ReportState.values}
    for o in obligations:
        counts[o.state] += 1
    return counts


def obligations_between(
    units: Iterable[Unit],
    start: datetime.date,
    end: datetime.date,
    as_of: datetime.date,
    *,
    rules: dict[str, periods.Rule] | None = None,
    include_daily: bool = True,
    light: bool = False,
) -> list[Obligation]:
    """Every report owed by `units` for periods starting in [start, end] (daily ones from the special periods
    covering them), with their state as of `as_of`. Queries: the rules (unless given), the special periods
    overlapping the span with their scope units, the reports — constant. `light`: each obligation's report is
    only its ReportFacts (enough for the state; for counting many obligations). Each rule's periods and due days
    are worked out once, not once per unit."""
    units = list(units)
    if not units:
        return []
    rules = rules if rules is not None else cadence_rules()
    special = rules["special"]
    overlapping = special_periods_prefetched(SpecialPeriod.objects.overlapping(start, end)) if include_daily else []
    owed_by_rule: dict[periods.Rule, list[tuple[datetime.date, datetime.date, datetime.date]]] = {}
    special_due: dict[datetime.date, datetime.date] = {}
    obligations: list[Obligation] = []
    for unit in units:
        rule = rule_for(unit, rules)
        if rule is None:
            continue
        owed = _owed(rule, start, end, owed_by_rule)
        for s, e, due in owed:
            obligations.append(Obligation(unit, rule.period, s, e, due, as_of))
        days: dict[datetime.date, list[SpecialPeriod]] = {}
        for p in covering(unit, overlapping):
            day = max(p.start_on, start)
            while day <= min(p.end_on, end):
                days.setdefault(day, []).append(p)
                day += periods.ONE_DAY
        for day in sorted(days):
            if day not in special_due:
                special_due[day] = periods.due_on(special, day, day)
            obligations.append(
                Obligation(unit, periods.DAY, day, day, special_due[day], as_of, special_periods=days[day])
            )
    ids = [u.pk for u in units]
    reports = ScreeningReport.objects.filter(unit_id__in=ids, period_start__gte=start, period_start__lte=end)
    _attach_reports(obligations, reports, light=light)
    return obligations


@dataclass
class UnitTimeliness:
    unit: Unit
    expected: int = 0
    submitted: int = 0
    late: int = 0
    missing: int = 0
    not_due: int = 0
    zero: int = 0

    @property
    def on_time_rate(self) -> float | None:
        due = self.submitted + self.late + self.missing
        return None if due == 0 else self.submitted / due


def timeliness(obligations: Iterable[Obligation]) -> list[UnitTimeliness]:
    """Per unit: reports expected, on time, late, missing, not yet due, zero (R5.1 screening timeliness)."""
    rows: dict[int, UnitTimeliness] = {}
    for o in obligations:
        row = rows.setdefault(o.unit.pk, UnitTimeliness(o.unit))
        row.expected += 1
        state = o.state
        if state == ReportState.SUBMITTED:
            row.submitted += 1
        elif state == ReportState.LATE:
            row.late += 1
        elif state == ReportState.MISSING:
            row.missing += 1
        else:
            row.not_due += 1
        if o.is_zero:
            row.zero += 1
    return sorted(rows.values(), key=lambda r: r.unit.path)


def screening_timeliness(
    user: Any, start: datetime.date, end: datetime.date, as_of: datetime.date | None = None
) -> list[UnitTimeliness]:
    """Timeliness of every reporting unit in the user's scope for periods starting in [start, end]
    (for the assessment, R5.1)."""
    units = Unit.objects.visible_to(user, VIEW_PERM).filter(is_active=True, level__in=list(REPORTING_LEVELS))
    return timeliness(obligations_between(units.order_by("path"), start, end, as_of or timezone.localdate()))


def assessed_obligations(
    start: datetime.date,
    end: datetime.date,
    as_of: datetime.date,
    *,
    within: Unit | None = None,
    light: bool = False,
) -> list[Obligation]:
    """The reports the assessment's 排查报告及时率 (R5.1) counts: those owed by every active reporting unit (of
    `within`'s subtree, if given) for periods starting in [start, end], as of `as_of` — except for periods that
    ended before the reporting unit existed. UNSCOPED, like the figure (a fact about the unit); the drill-down
    links a report only through `ScreeningReport.objects.visible_to(user)`. Queries: constant. `light`: reports as
    ReportFacts (for the figure, which only counts states)."""
    units = Unit.objects.filter(is_active=True, level__in=list(REPORTING_LEVELS))
    if within is not None:
        units = units.filter(path__startswith=within.path)
    owed = obligations_between(units.order_by("path"), start, end, as_of, light=light)
    created = {u.pk: timezone.localdate(u.created_at) for u in {o.unit for o in owed}}
    return [o for o in owed if o.period_end >= created[o.unit.pk]]


@dataclass
class DueCounts:
    """Of a unit's assessed report obligations (assessed_obligations): filed on time, filed late, missing."""

    unit_id: int
    path: str
    submitted: int = 0
    late: int = 0
    missing: int = 0


def assessed_due_counts(start: datetime.date, end: datetime.date, as_of: datetime.date) -> list[DueCounts]:
    """Per active reporting unit with an assessed report obligation, the states of
    `assessed_obligations(start, end, as_of)` counted — without building the obligations (160,000 a year
    nationally). Exactly the same states: for a unit no special period covers in the span (and whose rule is not
    daily) the obligations are its rule's periods that ended on or after the day the unit was created — the same
    for every unit of the rule created in the same period; its reports filed by `as_of` for those periods are
    counted in one grouped query per such group (a report is unique per unit, period and start), split into on
    time / late and by whether the period's report was due before `as_of`:
        submitted, late   the counted reports on time / late
        missing           periods due before `as_of` − the counted reports of those periods
    Every other unit (covered by a special period: few) goes through assessed_obligations' own code. Queries:
    constant in the number of units and reports (at most one per rule and period of the span)."""
    units = [
        UnitFacts(*row)
        for row in Unit.objects.filter(is_active=True, level__in=list(REPORTING_LEVELS))
        .order_by("path")
        .values_list("pk", "path", "level", "created_at")
    ]
    rules = cadence_rules()
    overlapping = special_periods_prefetched(SpecialPeriod.objects.overlapping(start, end))
    owed_by_rule: dict[periods.Rule, list[tuple[datetime.date, datetime.date, datetime.date]]] = {}
    ends_by_rule: dict[periods.Rule, list[datetime.date]] = {}
    regular: dict[tuple[periods.Rule, int], list[UnitFacts]] = defaultdict(list)
    irregular: list[int] = []
    for unit in units:
        rule = rule_for(unit, rules)  # type: ignore[arg-type]  # reads the level only
        if rule is None:
            continue
        owed = _owed(rule, start, end, owed_by_rule)
        if rule not in ends_by_rule:
            ends_by_rule[rule] = [e for _s, e, _d in owed]
        if rule.period == periods.DAY or covering(unit, overlapping):  # type: ignore[arg-type]  # reads the path
            irregular.append(unit.pk)
            continue
        # the first period that ended on or after the unit's creation (periods are in order, ends ascending)
        first = bisect.bisect_left(ends_by_rule[rule], timezone.localdate(unit.created_at))
        if first < len(owed):
            regular[(rule, first)].append(unit)
    result: list[DueCounts] = []
    for (rule, first), members in regular.items():
        owed = owed_by_rule[rule][first:]
        past = [s for s, _e, due in owed if as_of > due]
        filed = (
            ScreeningReport.objects.filter(
                unit_id__in=[u.pk for u in members],
                period=rule.period,
                period_start__in=[s for s, _e, _d in owed],
                submitted_on__lte=as_of,
            )
            .order_by()
            .values("unit_id")
            .annotate(
                on_time=Count("pk", filter=Q(is_late=False)),
                late=Count("pk", filter=Q(is_late=True)),
                past=Count("pk", filter=Q(period_start__in=past)),
            )
        )
        by_unit = {r["unit_id"]: r for r in filed}
        for u in members:
            r = by_unit.get(u.pk, {"on_time": 0, "late": 0, "past": 0})
            result.append(DueCounts(u.pk, u.path, r["on_time"], r["late"], len(past) - r["past"]))
    if irregular:
        owed_rows = [
            o
            for o in obligations_between(
                Unit.objects.filter(pk__in=irregular).order_by("path"), start, end, as_of, rules=rules, light=True
            )
            if o.period_end >= timezone.localdate(o.unit.created_at)
        ]
        result.extend(DueCounts(r.unit.pk, r.unit.path, r.submitted, r.late, r.missing) for r in timeliness(owed_rows))
    return sorted(result, key=lambda r: r.path)


# ---------------------------------------------------------------------------------------------------
# Roll-up (逐级汇总上报)


@dataclass
class Rollup:
    unit: Unit
    period: str
    period_start: datetime.date
    period_end: datetime.date
    as_of: datetime.date
    obligations: list[Obligation]
    units: list[UnitTimeliness]
    items_total: int
    by_risk: dict[str, int]
    by_category: dict[str, int]
    new: int
    resolved: int
    unresolved: int
    collective: int

    @property
    def zero_units(self) -> list[Unit]:
        return [r.unit for r in self.units if r.zero]

    @property
    def missing(self) -> list[Obligation]:
        return [o for o in self.obligations if o.state == ReportState.MISSING]

    @property
    def late(self) -> list[Obligation]:
        return [o for o in self.obligations if o.state == ReportState.LATE]

    @property
    def has_lower_units(self) -> bool:
        return bool(self.units)

    def to_dict(self) -> dict[str, Any]:
        def ref(u: Unit) -> dict[str, Any]:
            return {"id": u.pk, "code": u.code, "name": u.name, "level": u.level}

        def ob(o: Obligation) -> dict[str, Any]:
            r = o.counted_report
            return {
                "unit": ref(o.unit),
                "period": o.period,
                "period_start": o.period_start.isoformat(),
                "period_end": o.period_end.isoformat(),
                "label": o.label,
                "due_on": o.due_on.isoformat(),
                "state": o.state,
                "zero": None if r is None else r.is_zero,
                "report": None if r is None else r.pk,
            }

        return {
            "unit": ref(self.unit),
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "label": periods.period_label(self.period, self.period_start),
            "as_of": self.as_of.isoformat(),
            "units": [
                {
                    "unit": ref(r.unit),
                    "expected": r.expected,
                    "submitted": r.submitted,
                    "late": r.late,
                    "missing": r.missing,
                    "not_due": r.not_due,
                    "zero": r.zero,
                }
                for r in self.units
            ],
            "zero_units": [ref(u) for u in self.zero_units],
            "missing": [ob(o) for o in self.missing],
            "late": [ob(o) for o in self.late],
            "reports": [ob(o) for o in self.obligations],
            "items": {
                "total": self.items_total,
                "by_risk": self.by_risk,
                "by_risk_labels": [[RiskLevel(k).label, v] for k, v in self.by_risk.items()],
                "by_category": self.by_category,
                "new": self.new,
                "resolved": self.resolved,
                "unresolved": self.unresolved,
                "collective": self.collective,
            },
        }


def rollup(unit: Unit, period: str, start: datetime.date, end: datetime.date, as_of: datetime.date) -> Rollup:
    """The reports of every reporting unit below `unit` for periods starting in [start, end], as of `as_of`:
    per unit how many were owed, on time, late, missing, not yet due, zero; which are missing or late; and the
    conflicts their items listed — distinct conflicts counted once, by risk level and category as last reported
    in the span, new ones (first reported in the span) and resolved ones (last reported as 已化解).

    Queries (constant): the lower units, the rules, the special periods, the reports, their items."""
    lower = (
        Unit.objects.filter(path__startswith=unit.path, is_active=True, level__in=list(REPORTING_LEVELS))
        .exclude(pk=unit.pk)
        .order_by("path")
    )
    obligations = obligations_between(lower, start, end, as_of)
    items = (
        ScreeningItem.objects.filter(
            report__unit__path__startswith=unit.path,
            report__period_start__gte=start,
            report__period_start__lte=end,
            report__submitted_on__lte=as_of,
        )
        .exclude(report__unit=unit)
        .select_related("topic", "report")
        .order_by("report__period_start", "report__submitted_at", "id")
    )
    latest: dict[int, ScreeningItem] = {}
    new: set[int] = set()
    for item in items:
        latest[item.conflict_id] = item
        if item.is_new:
            new.add(item.conflict_id)
    by_risk = {r: 0 for r in RiskLevel.values}
    by_category: dict[str, int] = {}
    resolved = collective = 0
    for item in latest.values():
        by_risk[item.risk_level] += 1
        by_category[item.topic.name] = by_category.get(item.topic.name, 0) + 1
        resolved += item.status == ConflictStatus.RESOLVED
        collective += item.collective_risk
    return Rollup(
        unit=unit,
        period=period,
        period_start=start,
        period_end=end,
        as_of=as_of,
        obligations=obligations,
        units=timeliness(obligations),
        items_total=len(latest),
        by_risk=by_risk,
        by_category=dict(sorted(by_category.items())),
        new=len(new),
        resolved=resolved,
        unresolved=len(latest) - resolved,
        collective=collective,
    )


def report_rollup(report: ScreeningReport, as_of: datetime.date | None = None) -> Rollup:
    return rollup(report.unit, report.period, report.period_start, report.period_end, as_of or timezone.localdate())


# ---------------------------------------------------------------------------------------------------
# Reports


def report_list(
    user: Any,
    *,
    unit: Unit | None = None,
    period: str = "",
    start_from: datetime.date | None = None,
    start_to: datetime.date | None = None,
    zero: bool | None = None,
    late: bool | None = None,
) -> QuerySet[ScreeningReport]:
    """Reports visible to the user, newest period first, with their item counts (one query)."""
    qs = ScreeningReport.objects.visible_to(user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if period:
        qs = qs.filter(period=period)
    if start_from:
        qs = qs.filter(period_start__gte=start_from)
    if start_to:
        qs = qs.filter(period_start__lte=start_to)
    if zero is not None:
        qs = qs.filter(is_zero=zero)
    if late is not None:
        qs = qs.filter(is_late=late)
    return (
        qs.select_related("unit", "submitted_by")
        .annotate(item_count=Count("items"))
        .order_by("-period_start", "unit__path", "period", "id")
    )


def report_items(report: ScreeningReport) -> list[ScreeningItem]:
    return list(report.items.select_related("conflict", "conflict__unit", "topic").order_by("id"))


# ---------------------------------------------------------------------------------------------------
# Conflict ledger


def conflict_list(
    user: Any,
    *,
    unit: Unit | None = None,
    status: str = "",
    risk_level: str = "",
    open_only: bool = False,
    collective: bool | None = None,
    q: str = "",
) -> QuerySet[Conflict]:
    qs = Conflict.objects.visible_to(user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.exclude(status=ConflictStatus.RESOLVED)
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if collective is not None:
        qs = qs.filter(collective_risk=collective)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(measures__icontains=q))
    return (
        qs.select_related("unit", "topic", "leader")
        .annotate(last_progress=Max("progress__on"))
        .order_by("-found_on", "-id")
    )


def conflict_counts(user: Any) -> dict[str, int]:
    """Open conflicts in scope by risk level, and resolved ones (board)."""
    rows = Conflict.objects.visible_to(user).order_by().values("status", "risk_level").annotate(n=Count("id"))
    counts = {f"open_{r}": 0 for r in RiskLevel.values}
    counts["open"] = counts["resolved"] = 0
    for row in rows:
        if row["status"] == ConflictStatus.RESOLVED:
            counts["resolved"] += row["n"]
        else:
            counts["open"] += row["n"]
            counts[f"open_{row['risk_level']}"] += row["n"]
    return counts


@dataclass
class ConflictDetail:
    conflict: Conflict
    progress: list[ConflictProgress]
    cases: list[Case]
    petitioners: list[Petitioner]
    hidden_links: int
    reports: list[ScreeningItem]
    warnings: list[EarlyWarning]


def conflict_detail(user: Any, pk: Any) -> ConflictDetail:
    """The entry with its progress; linked cases and their petitioners only where Case.objects.visible_to(user)
    allows (scope and Art 30) — the others are counted, not shown."""
    conflict = access_conflict(user, pk)
    visible = Case.objects.visible_to(user)
    linked_ids = list(conflict.cases.values_list("pk", flat=True))
    cases = list(visible.filter(pk__in=linked_ids).select_related("unit").order_by("received_on", "id"))
    seen = {c.pk for c in cases}
    petitioners = [p for p in conflict.petitioners.select_related("case").order_by("id") if p.case_id in seen]
    return ConflictDetail(
        conflict=conflict,
        progress=list(conflict.progress.select_related("recorded_by").order_by("on", "id")),
        cases=cases,
        petitioners=petitioners,
        hidden_links=len(linked_ids) - len(cases),
        reports=list(
            conflict.report_items.filter(report__in=ScreeningReport.objects.visible_to(user).values("pk"))
            .select_related("report", "report__unit")
            .order_by("report__period_start", "id")
        ),
        warnings=list(EarlyWarning.objects.visible_to(user).filter(conflict=conflict).order_by("-discovered_at")),
    )


def visible_petitioners(user: Any, case_ids: Iterable[int]) -> list[Petitioner]:
    """Petitioners of the given cases that the user may see (for linking to a conflict)."""
    visible = Case.objects.visible_to(user).filter(pk__in=list(case_ids)).values("pk")
    return list(Petitioner.objects.filter(case__in=visible).select_related("case").order_by("case_id", "order", "id"))


def leader_candidates(unit: Unit) -> QuerySet[User]:
    """Leaders who may own a conflict of `unit`: an active 主官/分管领导/班子成员/领导小组 post at it or above."""
    roles = [Role.CHIEF, Role.LEADER, Role.MEMBER, Role.GROUP]
    posts = Post.objects.active().filter(unit_id__in=[*unit.ancestor_ids(), unit.pk], role__in=roles)
    return User.objects.filter(is_active=True, pk__in=posts.values("user_id")).select_related("unit").order_by("pk")


# ---------------------------------------------------------------------------------------------------
# Special periods and duty rosters


def special_period_list(user: Any, *, active_on: datetime.date | None = None) -> QuerySet[SpecialPeriod]:
    qs = SpecialPeriod.objects.visible_to(user)
    if active_on is not None:
        qs = qs.active_on(active_on)
    return (
        qs.select_related("unit", "declared_by")
        .prefetch_related(Prefetch("scope_units", queryset=Unit.objects.only("id", "path", "name")))
        .order_by("-start_on", "-id")
    )


def covered_units(user: Any, period: SpecialPeriod) -> list[Unit]:
    """The reporting units the period covers that the user may see."""
    paths = [u.path for u in period.scope_units.all()]
    qs = Unit.objects.visible_to(user, VIEW_PERM).filter(
        is_active=True, level__in=list(REPORTING_LEVELS), path__startswith=period.unit.path
    )
    return [u for u in qs.order_by("path") if not paths or any(u.path.startswith(p) for p in paths)]


def duty_shift_list(
    user: Any,
    *,
    special_period: SpecialPeriod | None = None,
    unit: Unit | None = None,
    day: datetime.date | None = None,
) -> QuerySet[DutyShift]:
    qs = DutyShift.objects.visible_to(user)
    if special_period is not None:
        qs = qs.filter(special_period=special_period)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if day is not None:
        begin, finish = day_bounds(day)
        qs = qs.filter(starts_at__lt=finish, ends_at__gt=begin)
    return qs.select_related("unit", "officer", "special_period").order_by("starts_at", "unit__path", "id")


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[00:00, next 00:00) of `day` in local time."""
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return begin, begin + datetime.timedelta(days=1)


def roster_gaps(shifts: Iterable[DutyShift], day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The parts of `day` (00:00–24:00 local time) no shift covers; [] when the roster is complete."""
    begin, finish = day_bounds(day)
    intervals = sorted((max(s.starts_at, begin), min(s.ends_at, finish)) for s in shifts)
    gaps: list[tuple[datetime.datetime, datetime.datetime]] = []
    cursor = begin
    for s, e in intervals:
        if e <= cursor:
            continue
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < finish:
        gaps.append((cursor, finish))
    return gaps


@dataclass
class RosterDay:
    unit: Unit
    day: datetime.date
    shifts: list[DutyShift]
    gaps: list[tuple[datetime.datetime, datetime.datetime]]
    special_periods: list[SpecialPeriod]

    @property
    def complete(self) -> bool:
        return not self.gaps


def roster_status(user: Any, day: datetime.date) -> list[RosterDay]:
    """For every unit in scope covered by a special period active on `day`: its shifts of the day and the hours
    nobody is on duty. Queries: units, periods (+ scope units), shifts — constant."""
    active = special_periods_prefetched(SpecialPeriod.objects.active_on(day))
    if not active:
        return []
    units = list(
        Unit.objects.visible_to(user, VIEW_PERM)
        .filter(is_active=True, level__in=list(REPORTING_LEVELS))
        .order_by("path")
    )
    by_unit: dict[int, list[DutyShift]] = defaultdict(list)
    for s in duty_shift_list(user, day=day):
        by_unit[s.unit_id].append(s)
    rows = []
    for unit in units:
        covers = covering(unit, active)
        if covers:
            shifts = by_unit.get(unit.pk, [])
            rows.append(RosterDay(unit, day, shifts, roster_gaps(shifts, day), covers))
    return rows


@dataclass(frozen=True)
class HolidaySuggestion:
    key: str
    name: str
    start_on: datetime.date
    end_on: datetime.date


# chinese_calendar's English holiday names → the key used for one-click declaration.
_HOLIDAY_KEYS = {h.value: h.name for h in chinese_calendar.Holiday}


def holiday_suggestions(year: int) -> list[HolidaySuggestion]:
    """Special periods suggested from the statutory holidays of `year` (春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节,
    元旦 …): each run of consecutive holiday days with the same name, one day before it to its last day, so
    the roster is in place when people leave. Years chinese_calendar does not know give no suggestion."""
    if not builtin_covers(year):
        return []
    days: dict[str, list[datetime.date]] = defaultdict(list)
    for day in sorted(chinese_calendar.holidays):
        if day.year != year:
            continue
        _, english = chinese_calendar.get_holiday_detail(day)
        if english:
            days[english].append(day)
    out: list[HolidaySuggestion] = []
    for english, ds in days.items():
        runs: list[list[datetime.date]] = [[ds[0]]]
        for d in ds[1:]:
            if (d - runs[-1][-1]).days <= 3:  # a weekend or make-up day in between keeps one run
                runs[-1].append(d)
            else:
                runs.append([d])
        try:
            chinese = chinese_calendar.Holiday(english).chinese
        except ValueError:
            chinese = english
        code = _HOLIDAY_KEYS.get(english, english)
        for run in runs:
            # 元旦 can touch two years (e.g. 2025-12-31 … 2026-01-01): keyed by the year of its first day.
            out.append(
                HolidaySuggestion(
                    key=f"{run[0].year}-{code}-{run[0]:%m%d}",
                    name=f"{run[0].year}年{chinese}期间",
                    start_on=run[0] - periods.ONE_DAY,
                    end_on=run[-1],
                )
            )
    return sorted(out, key=lambda s: s.start_on)


def holiday_suggestion(key: str) -> HolidaySuggestion | None:
    try:
        year = int(key.split("-", 1)[0])
    except ValueError:
        return None
    return next((s for s in holiday_suggestions(year) if s.key == key), None)


# ---------------------------------------------------------------------------------------------------
# Early warning


@dataclass
class HopState:
    hop: WarningHop
    holder: Unit  # the unit expected to acknowledge now (to_unit, or the level it escalated to)
    escalations: list[tuple[Unit, datetime.datetime]]  # (unit, since when) — computed from timestamps
    next_escalation_at: datetime.datetime | None

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)


def hop_state(hop: WarningHop, now: datetime.datetime, ack_hours: int, units: dict[int, Unit]) -> HopState:
    """Escalation of one hop, from timestamps alone: unacknowledged `ack_hours` after it was sent, it escalates
    to the level above its receiver; another `ack_hours` later to the next, up to the top of the tree. An
    acknowledged hop has no escalation after its acknowledgement."""
    step = datetime.timedelta(hours=ack_hours)
    chain = [units[i] for i in reversed(hop.to_unit.ancestor_ids()) if i in units]  # parent first
    until = hop.acknowledged_at or now
    escalations: list[tuple[Unit, datetime.datetime]] = []
    for k, unit in enumerate(chain, start=1):
        at = hop.sent_at + step * k
        if at > until:
            break
        escalations.append((unit, at))
    holder = escalations[-1][0] if escalations else hop.to_unit
    next_at = None
    if hop.acknowledged_at is None and len(escalations) < len(chain):
        next_at = hop.sent_at + step * (len(escalations) + 1)
    return HopState(hop, holder, escalations, next_at)


def _ancestor_units(hops: Iterable[WarningHop]) -> dict[int, Unit]:
    ids = {i for h in hops for i in h.to_unit.ancestor_ids()}
    return {u.pk: u for u in Unit.objects.filter(pk__in=ids)} if ids else {}


def open_hop_states(hops: list[WarningHop], now: datetime.datetime, ack_hours: int | None = None) -> list[HopState]:
    hours = ack_hours if ack_hours is not None else warning_ack_hours()
    units = _ancestor_units(hops)
    return [hop_state(h, now, hours, units) for h in hops]


def warning_list(
    user: Any, *, stage: str = "", unit: Unit | None = None, open_only: bool = False, risk: str = ""
) -> QuerySet[EarlyWarning]:
    qs = EarlyWarning.objects.visible_to(user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if risk:
        qs = qs.filter(risk=risk)
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    stage_filters: dict[str, Q] = {
        WarningStage.DISCOVERED: Q(reported_at__isnull=True),
        WarningStage.REPORTED: Q(reported_at__isnull=False, controlled_at__isnull=True, resolved_at__isnull=True),
        WarningStage.CONTROLLED: Q(controlled_at__isnull=False, resolved_at__isnull=True),
        WarningStage.RESOLVED: Q(resolved_at__isnull=False),
    }
    if stage in stage_filters:
        qs = qs.filter(stage_filters[stage])
    open_hops = WarningHop.objects.filter(acknowledged_at__isnull=True).select_related("to_unit")
    return (
        qs.select_related("unit", "raised_by", "conflict")
        .prefetch_related(Prefetch("hops", queryset=open_hops, to_attr="open_hops"))
        .order_by("-discovered_at", "-id")
    )


def warnings_awaiting(user: Any, now: datetime.datetime | None = None) -> list[HopState]:
    """Open hops of visible warnings waiting at the user's level: he holds screening.warning.raise through a post
    at the receiving unit, or at a unit above it that the report has escalated to (computed from timestamps; no
    job needed). Levels above may take a report over at any time, but it enters their queue only then."""
    now = now or timezone.now()
    hops = list(
        WarningHop.objects.filter(
            acknowledged_at__isnull=True, warning__in=EarlyWarning.objects.visible_to(user).values("pk")
        )
        .select_related("warning", "warning__unit", "to_unit", "from_unit")
        .order_by("sent_at", "id")
    )
    states = open_hop_states(hops, now)
    mine = {g.unit_id for g in user_grants(user) if WARN_PERM in g.perms}
    return [s for s in states if s.hop.to_unit_id in mine or any(u.pk in mine for u, _ in s.escalations)]


def warning_hops(warning: EarlyWarning, now: datetime.datetime | None = None) -> list[HopState]:
    hops = list(warning.hops.select_related("from_unit", "to_unit", "acknowledged_by", "ack_unit", "sent_by"))
    return open_hop_states(hops, now or timezone.now())


def ack_unit_for(user: Any, unit: Unit) -> Unit | None:
    """The unit on whose behalf `user` acknowledges a report addressed to `unit`: his own post's unit that is
    `unit` or the nearest above it where he holds screening.warning.raise."""
    best: tuple[int, int] | None = None
    for g in user_grants(user):
        if WARN_PERM in g.perms and unit.path.startswith(g.unit_path):
            depth = g.unit_path.count("/")
            if best is None or depth > best[0]:
                best = (depth, g.unit_id)
    if best is None:
        return None
    return unit if best[1] == unit.pk else Unit.objects.get(pk=best[1])


# ---------------------------------------------------------------------------------------------------
# Inspections and bulletins


def inspection_list(
    user: Any, *, unit: Unit | None = None, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[Inspection]:
    qs = Inspection.objects.visible_to(user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if start:
        qs = qs.filter(on__gte=start)
    if end:
        qs = qs.filter(on__lte=end)
    return (
        qs.select_related("unit", "created_by")
        .prefetch_related(
            Prefetch("units_visited", queryset=Unit.objects.order_by("path")),
            Prefetch(
                "items",
                queryset=RectificationItem.objects.select_related("owner_unit", "owner").order_by("deadline", "id"),
            ),
        )
        .order_by("-on", "-id")
    )


def detachments_without_inspection(user: Any, on: datetime.date) -> list[Unit]:
    """Active detachments in scope with no inspection dated in the quarter of `on` (R3.5; two queries)."""
    start, end = periods.bounds(periods.QUARTER, on)
    done = Inspection.objects.filter(on__gte=start, on__lte=end).values("unit_id")
    return list(
        Unit.objects.visible_to(user, VIEW_PERM)
        .filter(is_active=True, level=Level.DETACHMENT)
        .exclude(pk__in=done)
        .order_by("path")
    )


def open_rectification_items(user: Any) -> QuerySet[RectificationItem]:
    return (
        RectificationItem.objects.filter(
            closed_on__isnull=True, inspection__in=Inspection.objects.visible_to(user).values("pk")
        )
        .select_related("inspection", "inspection__unit", "owner_unit", "owner")
        .order_by("deadline", "id")
    )


def bulletin_list(user: Any) -> QuerySet[Bulletin]:
    return Bulletin.objects.visible_to(user).select_related("unit", "created_by").order_by("-period_start", "-id")


def bulletin_figures(
    unit: Unit, period: str, start: datetime.date, end: datetime.date, as_of: datetime.date
) -> dict[str, Any]:
    """The figures a 通报 is written from: the reports of `unit` and every reporting unit below it for periods
    starting in the span (filed on time / late / missing, zero reports), the conflicts they listed (found, new,
    resolved, by risk level), the inspections of the span with their problems and open rectification items."""
    units = Unit.objects.filter(path__startswith=unit.path, is_active=True, level__in=list(REPORTING_LEVELS))
    obligations = obligations_between(units.order_by("path"), start, end, as_of)
    rows = timeliness(obligations)
    summary = rollup(unit, period, start, end, as_of)
    own = ScreeningItem.objects.filter(
        report__unit=unit, report__period_start__gte=start, report__period_start__lte=end
    ).values_list("conflict_id", flat=True)
    inspections = list(
        Inspection.objects.filter(unit__path__startswith=unit.path, on__gte=start, on__lte=end)
        .select_related("unit")
        .prefetch_related("units_visited", "items")
        .order_by("on", "id")
    )
    return {
        "unit": unit.name,
        "period": period,
        "period_label": periods.period_label(period, start),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "reports": {
            "expected": sum(r.expected for r in rows),
            "submitted": sum(r.submitted for r in rows),
            "late": sum(r.late for r in rows),
            "missing": sum(r.missing for r in rows),
            "not_due": sum(r.not_due for r in rows),
            "zero": sum(r.zero for r in rows),
        },
        "units": [
            {
                "name": r.unit.name,
                "expected": r.expected,
                "submitted": r.submitted,
                "late": r.late,
                "missing": r.missing,
                "zero": r.zero,
            }
            for r in rows
        ],
        "missing_units": sorted({o.unit.name for o in obligations if o.state == ReportState.MISSING}),
        "late_units": sorted({o.unit.name for o in obligations if o.state == ReportState.LATE}),
        "items": {
            "found": summary.items_total,
            "new": summary.new,
            "resolved": summary.resolved,
            "unresolved": summary.unresolved,
            "by_risk": {RiskLevel(k).label: v for k, v in summary.by_risk.items()},
            "own": len(set(own)),
        },
        "inspections": [
            {
                "unit": i.unit.name,
                "on": i.on.isoformat(),
                "visited": [u.name for u in i.units_visited.all()],
                "problems": i.problems,
                "items": len(i.items.all()),
                "open_items": sum(1 for it in i.items.all() if it.closed_on is None),
            }
            for i in inspections
        ],
    }


# ---------------------------------------------------------------------------------------------------
# Training


def training_list(user: Any, *, year: int | None = None, unit: Unit | None = None) -> QuerySet[Training]:
    qs = Training.objects.visible_to(user)
    if year:
        qs = qs.filter(on__year=year)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.select_related("unit").annotate(trainee_count=Count("trainees", distinct=True)).order_by("-on", "-id")


def officers_in_scope(user: Any, on: datetime.date | None = None) -> QuerySet[Post]:
    """Active 信访干部 posts at units in the user's screening scope (officers = users with such a post)."""
    visible = Unit.objects.visible_to(user, VIEW_PERM).values("pk")
    return (
        Post.objects.active(on)
        .filter(role=Role.OFFICER, unit__in=visible, unit__is_active=True, user__is_active=True)
        .select_related("user", "unit")
        .order_by("unit__path", "user__username")
    )


@dataclass
class OfficerTraining:
    user: User
    unit: Unit
    trainings: int
    hours: Decimal
    last_on: datetime.date | None

    @property
    def trained(self) -> bool:
        return self.trainings > 0


def training_status(user: Any, year: int, *, untrained_only: bool = False) -> list[OfficerTraining]:
    """Every petition officer in scope (an active 信访干部 post at year end, or today in the current year) with
    the trainings he attended in `year` — whoever held them. Three queries."""
    today = timezone.localdate()
    on = min(today, datetime.date(year, 12, 31))
    posts = list(officers_in_scope(user, on))
    user_ids = {p.user_id for p in posts}
    attended = {
        row["trainees"]: row
        for row in Training.objects.filter(on__year=year, trainees__in=user_ids)
        .values("trainees")
        .annotate(n=Count("id"), hours=Sum("hours"), last=Max("on"))
    }
    rows: list[OfficerTraining] = []
    seen: set[tuple[int, int]] = set()
    for p in posts:
        if (p.user_id, p.unit_id) in seen:
            continue
        seen.add((p.user_id, p.unit_id))
        a = attended.get(p.user_id)
        row = OfficerTraining(
            user=p.user,
            unit=p.unit,
            trainings=a["n"] if a else 0,
            hours=a["hours"] if a else Decimal("0"),
            last_on=a["last"] if a else None,
        )
        if untrained_only and row.trained:
            continue
        rows.append(row)
    return rows


def untrained_by_unit(rows: Iterable[OfficerTraining]) -> list[tuple[Unit, list[OfficerTraining]]]:
    grouped: dict[int, tuple[Unit, list[OfficerTraining]]] = {}
    for r in rows:
        if not r.trained:
            grouped.setdefault(r.unit.pk, (r.unit, []))[1].append(r)
    return sorted(grouped.values(), key=lambda g: g[0].path)


def trainee_candidates(unit: Unit) -> QuerySet[User]:
    """Active users with an active post in the organizing unit's subtree (信访干部 first)."""
    posts = Post.objects.active().filter(unit__path__startswith=unit.path, unit__is_active=True)
    return (
        User.objects.filter(is_active=True, pk__in=posts.values("user_id"))
        .select_related("unit")
        .order_by("unit__path", "username")
    )
