"""Reads of the accountability app. Pages, the API and the exports call these same functions.

scheme_for_year(year)                  the scheme in force (latest version of the year; else the built-in default)
assessment(user, year, level)          every visible unit of a level: figures, score, rank (rank among all peers)
indicator_drill(user, year, unit, code, part)   the records behind one figure, as the user may see them
review_cases(user, ...)                复查/复核 cases with their check state
check_list / lookback_list / action_list / recommendation_list / report_list
access_*                               404 out of scope, 403 without the permission
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.accountability.models import (
    CHECK_PERM,
    GUIDE_PERM,
    SETTINGS_PERM,
    VIEW_PERM,
    AccountabilityAction,
    AnnualReport,
    AssessmentScheme,
    Lookback,
    Recommendation,
    Rectification,
    ReviewCheck,
    ReviewCheckItem,
    ScoreAdjustment,
)
from xinfang.accountability.scoring import DEFAULT_SCHEME, ScoreResult, rank, score
from xinfang.cases.models import Case, Kind
from xinfang.core.scope import access_object, has_perm
from xinfang.incidents.models import Incident
from xinfang.orgs.models import Level, Unit

LEVELS: dict[str, str] = {Level.DETACHMENT: "支队", Level.BRIGADE: "大队"}


# ---------------------------------------------------------------------------------------------------
# Schemes


def scheme_for_year(year: int) -> AssessmentScheme | None:
    return AssessmentScheme.objects.filter(year=year).order_by("-version").first()


def scheme_data(scheme: AssessmentScheme | None) -> dict[str, Any]:
    return scheme.data if scheme is not None else DEFAULT_SCHEME


def can_view_schemes(user: Any) -> bool:
    return has_perm(user, VIEW_PERM, None) or has_perm(user, SETTINGS_PERM, None)


def scheme_list(*, year: int | None = None) -> QuerySet[AssessmentScheme]:
    qs = AssessmentScheme.objects.select_related("created_by")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-version")


def access_scheme(user: Any, pk: Any) -> AssessmentScheme:
    """Schemes are corps-wide settings, not scoped data: anyone who may view assessments or edit settings reads them."""
    from django.core.exceptions import PermissionDenied

    if not can_view_schemes(user):
        raise PermissionDenied("您无权查看考核方案")
    try:
        return AssessmentScheme.objects.select_related("created_by").get(pk=pk)
    except (AssessmentScheme.DoesNotExist, ValueError, TypeError):
        raise Http404("考核方案不存在") from None


# ---------------------------------------------------------------------------------------------------
# The assessment


@dataclass
class AssessmentRow:
    unit: Unit
    figures: dict[str, ind.Figure]
    result: ScoreResult
    rank: int | None
    adjustment: Decimal = Decimal(0)

    @property
    def score(self) -> Decimal | None:
        return self.result.total


@dataclass
class Assessment:
    year: int
    level: str
    period: ind.Period
    scheme: AssessmentScheme | None
    scheme_data: dict[str, Any]
    rows: list[AssessmentRow] = field(default_factory=list)
    peers: int = 0

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, "")

    @property
    def indicators(self) -> tuple[ind.Indicator, ...]:
        return ind.INDICATORS


def peers_of(level: str) -> list[Unit]:
    return list(Unit.objects.filter(level=level, is_active=True).order_by("path"))


def _adjustments(year: int, units: list[Unit]) -> dict[int, Decimal]:
    """The year's manual adjustments summed per unit, for the units given. The year's adjustments are few: they are
    read by year and level rather than with an IN list of thousands of unit ids (~40 ms for the 大队 at the 局)."""
    wanted = {u.pk for u in units}
    rows = (
        ScoreAdjustment.objects.filter(year=year, unit__level__in={u.level for u in units})
        .order_by()
        .values_list("unit_id")
        .annotate(total=Sum("points"))
    )
    return {pk: total or Decimal(0) for pk, total in rows if pk in wanted}


def assessment(
    user: Any,
    year: int,
    *,
    level: str = Level.DETACHMENT,
    scheme: AssessmentScheme | None = None,
    today: datetime.date | None = None,
    only: Unit | None = None,
) -> Assessment:
    """The year's assessment of every unit of `level` the user may see (accountability.view), ranked among all the
    units of that level. Queries are constant in the number of units: the units, one per indicator, the
    adjustments, the scheme, the visible units."""
    if level not in LEVELS:
        raise Http404("考核层级无效")
    period = ind.Period.of(year, today)
    scheme = scheme if scheme is not None else scheme_for_year(period.year)
    data = scheme_data(scheme)
    peers = peers_of(level)
    figures = ind.compute(peers, period)
    adjustments = _adjustments(period.year, peers)
    results = {u.pk: score(figures[u.pk], data, adjustments.get(u.pk, Decimal(0))) for u in peers}
    ranks = rank({pk: r.total for pk, r in results.items()})
    visible = set(Unit.objects.visible_to(user, VIEW_PERM).filter(level=level).values_list("pk", flat=True))
    rows = [
        AssessmentRow(u, figures[u.pk], results[u.pk], ranks[u.pk], adjustments.get(u.pk, Decimal(0)))
        for u in peers
        if u.pk in visible and (only is None or u.pk == only.pk)
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit.path))
    return Assessment(period.year, level, period, scheme, data, rows, len(peers))


def access_assessed_unit(user: Any, pk: Any) -> Unit:
    """A 支队 or 大队 the user may see in the assessment (404 otherwise)."""
    unit = access_object(Unit.objects.all(), user, pk, VIEW_PERM, view_perm=VIEW_PERM)
    if unit.level not in LEVELS:
        raise Http404("该单位不参加考核")
    return unit


def unit_assessment(user: Any, year: int, unit: Unit, today: datetime.date | None = None) -> AssessmentRow:
    result = assessment(user, year, level=unit.level, today=today, only=unit)
    if not result.rows:
        raise Http404("该单位不参加考核")
    return result.rows[0]


def adjustment_list(user: Any, year: int, unit: Unit) -> QuerySet[ScoreAdjustment]:
    return (
        ScoreAdjustment.objects.visible_to(user)
        .filter(year=year, unit=unit)
        .select_related("created_by")
        .order_by("created_at", "id")
    )


@dataclass
class Drill:
    indicator: ind.Indicator
    unit: Unit
    year: int
    part: str
    figure: ind.Figure
    model: str  # "case" | "incident" | "meeting" | "reception_period" | "screening_report"
    records: Any  # what the user may see, in order (a queryset, or a list of rows for periods and obligations)
    total: int  # behind the figure, seen or not
    hidden: int  # counted in the figure but not visible to the user (scope, Art 30)
    note: str = ""  # how the listed records make the figure, where it is not one record per unit counted


@dataclass
class PeriodRow:
    """A reception period of one leader (领导接访完成率) or a report obligation (排查报告及时率) behind a figure, with
    the records (reception days and receptions, or the report) the user may see; the row itself is a fact about the
    assessed unit's duty and is always listed."""

    source: Any  # integration.ReceptionPeriod | screening.selectors.Obligation
    days: list[Any] = field(default_factory=list)
    receptions: list[Any] = field(default_factory=list)
    report: Any = None
    unseen: int = 0  # records of the row the user may not see


def _drill_meetings(
    user: Any, indicator: ind.Indicator, unit: Unit, period: ind.Period, part: str, behind: Any
) -> Drill:
    from xinfang.leadership.models import Meeting

    ids = list(behind.values_list("pk", flat=True))
    figure = indicator.figure(unit, period)
    records = Meeting.objects.visible_to(user).filter(pk__in=ids).select_related("unit").order_by("held_on", "pk")
    seen = records.count()
    required = figure.denominator or 0
    if part == ind.DENOMINATOR:
        note = (
            f"分母为本年度要求召开的次数（{required}次：支队每年不少于2次、大队每年不少于4次，年内设立的单位按设立后"
            "剩余时间折算，尚未到期的部分不计）；下列为本年度已召开的党委会。"
        )
    else:
        note = f"本年度召开党委会研究部署信访工作{len(ids)}次" + (
            f"，超过要求次数的按{required}次计入分子。" if len(ids) > required else "。"
        )
    return Drill(indicator, unit, period.year, part, figure, "meeting", records, len(ids), len(ids) - seen, note)


def _drill_receptions(
    user: Any, indicator: ind.Indicator, unit: Unit, period: ind.Period, part: str, behind: list[Any]
) -> Drill:
    from xinfang.accountability import integration
    from xinfang.leadership.models import Reception, ReceptionDay

    figure = indicator.figure(unit, period)
    rows = [PeriodRow(r) for r in behind]
    found = integration.reception_period_records(behind)
    hidden = 0
    if found is not None:
        all_days, all_receptions = found
        day_rows = list(all_days.values_list("pk", "leader_id", "planned_on"))
        reception_rows = list(all_receptions.values_list("pk", "leader_id", "received_on"))
        seen_days = {d.pk: d for d in ReceptionDay.objects.visible_to(user).filter(pk__in=[r[0] for r in day_rows])}
        seen_receptions = {
            r.pk: r for r in Reception.objects.visible_to(user).filter(pk__in=[r[0] for r in reception_rows])
        }
        for row in rows:
            span, leader = row.source.cell.span, row.source.post.user_id
            for pk, who, day in day_rows:
                if who == leader and span.start <= day <= span.end:
                    if pk in seen_days:
                        row.days.append(seen_days[pk])
                    else:
                        row.unseen += 1
            for pk, who, day in reception_rows:
                if who == leader and span.start <= day <= span.end:
                    if pk in seen_receptions:
                        row.receptions.append(seen_receptions[pk])
                    else:
                        row.unseen += 1
            hidden += row.unseen
    rows.sort(key=lambda r: (r.source.cell.span.start, r.source.post.role, r.source.post.user.name))
    note = "支队主官每季度、其他班子成员按规定周期至少接访一天（以已接访的接访日或接访记录为准）；" + (
        "下列为已完成的周期。"
        if part == ind.NUMERATOR
        else "下列为已到期的周期（已完成或期满未完成），未到期的周期不计。"
    )
    return Drill(indicator, unit, period.year, part, figure, "reception_period", rows, len(rows), hidden, note)


def _drill_screening(
    user: Any, indicator: ind.Indicator, unit: Unit, period: ind.Period, part: str, behind: list[Any]
) -> Drill:
    from xinfang.screening.models import ScreeningReport

    figure = indicator.figure(unit, period)
    filed = [o.counted_report.pk for o in behind if o.counted_report is not None]
    seen = {r.pk: r for r in ScreeningReport.objects.visible_to(user).filter(pk__in=filed)}
    rows = []
    for o in behind:
        report = o.counted_report
        row = PeriodRow(o, report=seen.get(report.pk) if report is not None else None)
        row.unseen = int(report is not None and report.pk not in seen)
        rows.append(row)
    note = "下列为本年度起始的报告周期中" + (
        "按时报送的排查报告。" if part == ind.NUMERATOR else "应报送（已到报送期限）的排查报告：按时、逾期或未报送。"
    )
    hidden = sum(r.unseen for r in rows)
    return Drill(indicator, unit, period.year, part, figure, "screening_report", rows, len(rows), hidden, note)


def indicator_drill(
    user: Any, year: int, unit: Unit, code: str, part: str, today: datetime.date | None = None
) -> Drill:
    """The records behind one figure, through each model's `visible_to(user)`: cases (Case.objects.visible_to, so
    an Art 30 case stays hidden), incidents, meetings, a leader's reception periods with their reception days and
    receptions, or screening-report obligations with their reports."""
    indicator = ind.BY_CODE.get(code)
    if indicator is None or not indicator.drillable or part not in ind.PARTS:
        raise Http404("该指标没有明细")
    if indicator.kind == ind.COUNT and part == ind.DENOMINATOR:
        raise Http404("该指标没有分母")
    period = ind.Period.of(year, today)
    behind: Any = indicator.drill(unit, period, part)
    if behind is None:
        raise Http404("该指标尚未接入，没有明细")
    if indicator.drill_model == "meeting":
        return _drill_meetings(user, indicator, unit, period, part, behind)
    if indicator.drill_model == "reception_period":
        return _drill_receptions(user, indicator, unit, period, part, behind)
    if indicator.drill_model == "screening_report":
        return _drill_screening(user, indicator, unit, period, part, behind)
    ids = list(behind.values_list("pk", flat=True))
    figure = indicator.figure(unit, period)
    if indicator.drill_model == "case":
        records: QuerySet[Any] = (
            Case.objects.visible_to(user)
            .filter(pk__in=ids)
            .select_related("unit")
            .annotate(
                opinion_issued_on=F("opinion__issued_on"),
                opinion_delivered_on=F("opinion__delivered_on"),
                opinion_result=F("opinion__result"),
                opinion_disposition=F("opinion__disposition"),
                rating=F("evaluation__rating"),
            )
            .order_by("received_on", "pk")
        )
    else:
        records = (
            Incident.objects.visible_to(user)
            .filter(pk__in=ids)
            .with_compliance()
            .select_related("unit")
            .order_by("occurred_on", "pk")
        )
    seen = records.count()
    return Drill(indicator, unit, period.year, part, figure, indicator.drill_model, records, len(ids), len(ids) - seen)


# ---------------------------------------------------------------------------------------------------
# Review checks and lookbacks


def review_cases(user: Any, *, pending: bool | None = None) -> QuerySet[Case]:
    """复查/复核 cases the user may see, each annotated `checked` (a check exists). Queries: one."""
    checks = ReviewCheck.objects.filter(case=OuterRef("pk"))
    qs = (
        Case.objects.visible_to(user)
        .filter(kind__in=[Kind.REVIEW, Kind.REREVIEW])
        .annotate(checked=Exists(checks))
        .select_related("unit", "parent_case", "parent_case__unit")
    )
    if pending is True:
        qs = qs.filter(checked=False)
    elif pending is False:
        qs = qs.filter(checked=True)
    return qs.order_by("-received_on", "-pk")


def can_check(user: Any, case: Case) -> bool:
    return has_perm(user, CHECK_PERM, case.unit) or has_perm(user, GUIDE_PERM, case.unit)


def access_review_case(user: Any, pk: Any) -> Case:
    """A 复查/复核 case the user may check: 404 if not visible (or not a review), 403 without the check permission."""
    from django.core.exceptions import PermissionDenied

    case = (
        Case.objects.visible_to(user)
        .filter(kind__in=[Kind.REVIEW, Kind.REREVIEW])
        .select_related("unit", "parent_case", "parent_case__unit")
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if case is None:
        raise Http404("复查/复核事项不存在或不在您的权限范围内")
    if not can_check(user, case):
        raise PermissionDenied("您无权核查该事项")
    return case


def check_list(user: Any) -> QuerySet[ReviewCheck]:
    return (
        ReviewCheck.objects.visible_to(user)
        .select_related("case", "subject_unit", "checked_by", "lookback")
        .order_by("-checked_on", "-id")
    )


def access_check(user: Any, pk: Any) -> ReviewCheck:
    items = ReviewCheckItem.objects.order_by("id")
    return access_object(
        ReviewCheck.objects.select_related("case", "case__unit", "subject_unit", "checked_by").prefetch_related(
            Prefetch("items", queryset=items)
        ),
        user,
        pk,
        VIEW_PERM,
    )


def lookback_list(user: Any, *, status: str | None = None) -> QuerySet[Lookback]:
    qs = Lookback.objects.visible_to(user).select_related("case", "unit", "review_check")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def access_lookback(user: Any, pk: Any) -> Lookback:
    return access_object(
        Lookback.objects.select_related(
            "case", "case__unit", "unit", "review_check", "review_check__case", "proposed_by", "decided_by"
        ).prefetch_related("responsible_persons"),
        user,
        pk,
        VIEW_PERM,
    )


# ---------------------------------------------------------------------------------------------------
# Accountability actions


def action_list(
    user: Any,
    *,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    today: datetime.date | None = None,
) -> QuerySet[AccountabilityAction]:
    """Actions against units in scope, newest first, reports prefetched (overdue computed from dates).
    Queries: the actions (one) + their rectification reports (one)."""
    today = today or timezone.localdate()
    qs = AccountabilityAction.objects.visible_to(user).select_related("target_unit", "target_person", "issuing_unit")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue is True:
        qs = qs.overdue(today)
    elif overdue is False:
        qs = qs.exclude(pk__in=AccountabilityAction.objects.overdue(today).values("pk"))
    reports = Rectification.objects.order_by("reported_on", "id")
    return qs.prefetch_related(Prefetch("rectifications", queryset=reports)).order_by("-issued_on", "-id")


def access_action(user: Any, pk: Any, perm: str = VIEW_PERM) -> AccountabilityAction:
    return access_object(
        AccountabilityAction.objects.select_related(
            "target_unit", "target_person", "issuing_unit", "issued_by", "closed_by"
        ).prefetch_related(Prefetch("rectifications", queryset=Rectification.objects.select_related("reported_by"))),
        user,
        pk,
        perm,
    )


def action_linked(user: Any, action: AccountabilityAction) -> dict[str, Any]:
    """The records the action is based on, as far as the user may see them."""
    case_ids = list(action.cases.values_list("pk", flat=True))
    incident_ids = list(action.incidents.values_list("pk", flat=True))
    lookback_ids = list(action.lookbacks.values_list("pk", flat=True))
    cases = list(Case.objects.visible_to(user).filter(pk__in=case_ids).select_related("unit").order_by("pk"))
    incidents = list(Incident.objects.visible_to(user).filter(pk__in=incident_ids).select_related("unit"))
    lookbacks = list(Lookback.objects.visible_to(user).filter(pk__in=lookback_ids).select_related("case"))
    hidden = len(case_ids) + len(incident_ids) + len(lookback_ids) - len(cases) - len(incidents) - len(lookbacks)
    return {"cases": cases, "incidents": incidents, "lookbacks": lookbacks, "hidden": hidden}


def action_counts(user: Any, today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    qs = AccountabilityAction.objects.visible_to(user)
    return {
        "open": qs.exclude(status="closed").count(),
        "overdue": qs.overdue(today).count(),
    }


# ---------------------------------------------------------------------------------------------------
# Recommendations and annual reports


def recommendation_list(user: Any, *, year: int | None = None) -> QuerySet[Recommendation]:
    qs = Recommendation.objects.visible_to(user).select_related("unit")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-made_on", "-id")


def access_recommendation(user: Any, pk: Any, perm: str = VIEW_PERM) -> Recommendation:
    return access_object(Recommendation.objects.select_related("unit"), user, pk, perm)


def report_list(user: Any) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.visible_to(user).select_related("unit", "generated_by").order_by("-year", "-version")


def access_report(user: Any, pk: Any) -> AnnualReport:
    return access_object(AnnualReport.objects.select_related("unit"), user, pk, VIEW_PERM)


def units_for(user: Any, perm: str, *, levels: tuple[str, ...] | None = None) -> QuerySet[Unit]:
    qs = Unit.objects.visible_to(user, perm).filter(is_active=True)
    if levels:
        qs = qs.filter(level__in=levels)
    return qs.order_by("path")


def years_with_records() -> list[int]:
    """Years offered in the year picker: this year back to the first year with a case (at most 10)."""
    this_year = timezone.localdate().year
    first = Case.objects.order_by("received_on").values_list("received_on", flat=True).first()
    start = max(first.year if first else this_year, this_year - 9)
    return list(range(this_year, start - 1, -1))


def adjustment_totals(year: int) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for row in ScoreAdjustment.objects.filter(year=year).values("unit_id").annotate(t=Sum("points")).order_by():
        totals[row["unit_id"]] = row["t"]
    return dict(totals)


def open_items(user: Any) -> dict[str, int]:
    """Counts for the overview: unchecked reviews, open lookbacks, open and overdue actions."""
    return {
        "unchecked": review_cases(user, pending=True).count(),
        "lookbacks": lookback_list(user).exclude(status="decided").count(),
        **action_counts(user),
    }
