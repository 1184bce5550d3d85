"""The screening pages (issue 5): the status board, reports with their roll-up, special periods and rosters, the
conflict ledger, early warnings, inspections and bulletins, training, and the cadence settings.

Thin views: parse input with a form, fetch through the selectors' access helpers (404 out of scope, 403 without the
permission), call one service or selector, render. Every list has an xlsx export through the same selector."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.forms import add_domain_error
from xinfang.core.scope import has_perm
from xinfang.core.view_helpers import page_of, private_download, refusal_shown_on
from xinfang.core.views import perm_required
from xinfang.documents.models import CONTENT_TYPES, GeneratedDocument
from xinfang.documents.services import document_download
from xinfang.orgs.models import Level, Unit
from xinfang.screening import exports, forms, periods, selectors, services
from xinfang.screening.models import (
    DECLARE_PERM,
    INSPECT_PERM,
    REPORT_PERM,
    REPORTING_LEVELS,
    SETTINGS_PERM,
    TRAIN_PERM,
    VIEW_PERM,
    WARN_PERM,
    CadenceKey,
    ConflictStatus,
    ReportState,
)

# Where a service's refusal is shown on these forms (add_domain_error's field_map).
_REPORT_ERROR_FIELDS = {"items": "__all__", "period_start": "__all__", "period": "__all__"}
_CONFLICT_ERROR_FIELDS = {"cases": "case_numbers"}


def _list_page(request: HttpRequest, template: str, form: Any, items: Any, **extra: Any) -> HttpResponse:
    """A filtered list: its form, one page of `items`, the query string its export link repeats."""
    context = {"form": form, "page_obj": page_of(request, items), "export_query": request.GET.urlencode()}
    return render(request, template, {**context, **extra})


def _export(request: HttpRequest, name: str, filters: dict[str, Any]) -> HttpResponse:
    export = exports.export(actor=request.user, name=name, filters=filters, request=request)
    response = private_download(export.file, filename=export.filename, content_type=exports.XLSX)
    return cast(HttpResponse, response)  # a streaming response; perm_required's views are typed HttpResponse


def _form_errors(form: Any) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


def _flash_action(
    request: HttpRequest,
    form: Any,
    service: Callable[..., Any],
    *,
    done: str | Callable[[Any], str],
    invalid: str,
    **objects: Any,
) -> None:
    """A button on a detail page (the caller redirects back to it): when `form` is valid, one service call with the
    form's data and `objects`; its success (`done`, or `done(result)`), its refusal or `invalid` is flashed."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        result = service(actor=request.user, request=request, **objects, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done(result) if callable(done) else done)


def _unit_for(request: HttpRequest, perm: str, levels: tuple[str, ...] | None = None) -> Unit:
    """The unit a form is for: ?unit= (404 out of scope, 403 without `perm` there), else the user's own unit when
    allowed, else the first unit of his scope where he holds `perm`."""
    raw = request.POST.get("unit") or request.GET.get("unit")
    if raw:
        unit = selectors.access_reporting_unit(request.user, raw, perm)
        if levels is not None and unit.level not in levels:
            raise Http404("该单位不适用此功能")
        return unit
    allowed = selectors.scope_units(request.user, levels=levels, perm=perm)
    own = getattr(request.user, "unit", None)
    if own is not None and allowed.filter(pk=own.pk).exists():
        return own
    first = allowed.first()
    if first is None:
        raise PermissionDenied("您在任何单位都没有此项权限")
    return first


def _units_for(request: HttpRequest, perm: str, levels: tuple[str, ...] | None = None) -> list[Unit]:
    return list(selectors.scope_units(request.user, levels=levels, perm=perm))


def _simple_form(request: HttpRequest, form: Any, title: str, back: str) -> HttpResponse:
    return render(request, "screening/simple_form.html", {"form": form, "title": title, "back": back})


def _can(request: HttpRequest, perm: str) -> bool:
    return has_perm(request.user, perm, None)


def _today() -> datetime.date:
    return services._today()  # the app's one clock (tests set it)


# ---------------------------------------------------------------------------------------------------
# Board


@perm_required(VIEW_PERM)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    form = forms.BoardForm(request.GET or None)
    day = form.day()
    obligations = selectors.status_board(request.user, day)
    for o in obligations:
        o.color = selectors.STATE_COLORS[o.state]  # type: ignore[attr-defined]
    regular = [o for o in obligations if o.period != periods.DAY]
    daily = [o for o in obligations if o.period == periods.DAY]
    rosters = selectors.roster_status(request.user, day)
    return render(
        request,
        "screening/board.html",
        {
            "form": form,
            "day": day,
            "regular": regular,
            "daily": daily,
            "counts": selectors.state_counts(regular),
            "daily_counts": selectors.state_counts(daily),
            "states": ReportState,
            "rosters": rosters,
            "roster_gaps": sum(1 for r in rosters if not r.complete),
            "uninspected": selectors.detachments_without_inspection(request.user, day),
            "quarter": periods.period_label(periods.QUARTER, periods.bounds(periods.QUARTER, day)[0]),
            "awaiting": selectors.warnings_awaiting(request.user),
            "conflicts": selectors.conflict_counts(request.user),
            "active_periods": list(selectors.special_period_list(request.user, active_on=day)),
            "open_items": selectors.open_rectification_items(request.user).count(),
            "can_report": _can(request, REPORT_PERM),
            "export_query": request.GET.urlencode(),
        },
    )


@perm_required(VIEW_PERM)
@require_GET
def board_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "status", {"on": forms.BoardForm(request.GET or None).day()})


# ---------------------------------------------------------------------------------------------------
# Reports


@perm_required(VIEW_PERM)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    form = forms.ReportFilterForm(request.GET or None, user=request.user)
    reports = selectors.report_list(request.user, **form.filters())
    return _list_page(request, "screening/report_list.html", form, reports, can_report=_can(request, REPORT_PERM))


@perm_required(VIEW_PERM)
@require_GET
def report_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "reports", forms.ReportFilterForm(request.GET or None, user=request.user).filters())


def _default_target(request: HttpRequest) -> dict[str, Any]:
    unit = _unit_for(request, REPORT_PERM, REPORTING_LEVELS)
    rule = selectors.rule_for(unit, selectors.cadence_rules())
    assert rule is not None
    start, _ = periods.asked_period(rule, _today())
    return {"unit": unit.pk, "period": rule.period, "period_start": start.isoformat()}


@perm_required(REPORT_PERM)
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else (request.GET or _default_target(request))
    target = forms.ReportTargetForm(source, user=request.user)
    context: dict[str, Any] = {"target": target, "form": None}
    if target.is_valid():
        unit: Unit = target.cleaned_data["unit"]
        kind: str = target.cleaned_data["period"]
        start: datetime.date = target.cleaned_data["period_start"]
        end = periods.bounds(kind, start)[1]
        rules = selectors.cadence_rules()
        rule = rules["special"] if kind == periods.DAY else selectors.rule_for(unit, rules)
        form = forms.ReportForm(request.POST if request.method == "POST" else None, user=request.user, unit=unit)
        if request.method == "POST" and form.is_valid():
            with refusal_shown_on(form, partial(add_domain_error, field_map=_REPORT_ERROR_FIELDS)):
                report = services.report_file(
                    actor=request.user,
                    unit=unit,
                    period=kind,
                    period_start=start,
                    is_zero=form.cleaned_data["is_zero"],
                    conflicts=list(form.cleaned_data["conflicts"]),
                    summary=form.cleaned_data["summary"],
                    request=request,
                )
                word = "零报告" if report.is_zero else "排查报告"
                messages.success(request, f"{unit.name}{periods.period_label(kind, start)}{word}已报送。")
                return redirect("screening:report-detail", pk=report.pk)
        existing = selectors.report_list(request.user).filter(unit=unit, period=kind, period_start=start).first()
        rollup = None
        if unit.level != Level.BRIGADE:
            rollup = selectors.rollup(unit, kind, start, end, _today()).to_dict()
        context.update(
            {
                "form": form,
                "unit": unit,
                "kind": kind,
                "start": start,
                "end": end,
                "label": periods.period_label(kind, start),
                "due_on": periods.due_on(rule, start, end) if rule else None,
                "existing": existing,
                "rollup": rollup,
            }
        )
    return render(request, "screening/report_new.html", context)


@perm_required(VIEW_PERM)
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.access_report(request.user, pk)
    live = None
    if report.unit.level != Level.BRIGADE:
        live = selectors.report_rollup(report).to_dict()
    return render(
        request,
        "screening/report_detail.html",
        {
            "report": report,
            "label": periods.period_label(report.period, report.period_start),
            "items": selectors.report_items(report),
            "snapshot": report.rollup or None,
            "live": live,
        },
    )


# ---------------------------------------------------------------------------------------------------
# Conflict ledger


@perm_required(VIEW_PERM)
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    form = forms.ConflictFilterForm(request.GET or None, user=request.user)
    return _list_page(
        request,
        "screening/conflict_list.html",
        form,
        selectors.conflict_list(request.user, **form.filters()),
        counts=selectors.conflict_counts(request.user),
        can_report=_can(request, REPORT_PERM),
    )


@perm_required(VIEW_PERM)
@require_GET
def conflict_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "conflicts", forms.ConflictFilterForm(request.GET or None, user=request.user).filters())


@perm_required(REPORT_PERM)
@require_http_methods(["GET", "POST"])
def conflict_new(request: HttpRequest) -> HttpResponse:
    unit = _unit_for(request, REPORT_PERM)
    form = forms.ConflictForm(request.POST or None, user=request.user, unit=unit)
    if request.method == "POST" and form.is_valid():
        cases, people = form.links()
        with refusal_shown_on(form, partial(add_domain_error, field_map=_CONFLICT_ERROR_FIELDS)):
            conflict = services.conflict_create(
                actor=request.user,
                unit=unit,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                topic=form.cleaned_data["topic"],
                risk_level=form.cleaned_data["risk_level"],
                collective_risk=form.cleaned_data["collective_risk"],
                headcount=form.cleaned_data["headcount"],
                leader=form.cleaned_data["leader"],
                measures=form.cleaned_data["measures"],
                found_on=form.cleaned_data["found_on"],
                cases=cases,
                petitioners=people,
                request=request,
            )
            messages.success(request, "矛盾纠纷已建档立账。")
            return redirect("screening:conflict-detail", pk=conflict.pk)
    return render(
        request,
        "screening/conflict_form.html",
        {"form": form, "unit": unit, "units": _units_for(request, REPORT_PERM), "conflict": None},
    )


@perm_required(VIEW_PERM)
@require_GET
def conflict_detail(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.conflict_detail(request.user, pk)
    can_edit = has_perm(request.user, REPORT_PERM, detail.conflict.unit) and not detail.conflict.is_resolved
    return render(
        request,
        "screening/conflict_detail.html",
        {
            "d": detail,
            "c": detail.conflict,
            "can_edit": can_edit,
            "progress_form": forms.ProgressForm(conflict=detail.conflict) if can_edit else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def conflict_edit(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = selectors.access_conflict(request.user, pk, REPORT_PERM)
    case_ids = list(conflict.cases.values_list("pk", flat=True))
    visible_cases = list(Case.objects.visible_to(request.user).filter(pk__in=case_ids).order_by("pk"))
    initial = {
        "title": conflict.title,
        "description": conflict.description,
        "topic": conflict.topic_id,
        "risk_level": conflict.risk_level,
        "collective_risk": conflict.collective_risk,
        "headcount": conflict.headcount,
        "leader": conflict.leader_id,
        "measures": conflict.measures,
        "case_numbers": ", ".join(c.number for c in visible_cases),
        "petitioners": list(conflict.petitioners.values_list("pk", flat=True)),
        "version": conflict.version,
    }
    form = forms.ConflictEditForm(
        request.POST or None, initial=initial, user=request.user, conflict=conflict, case_ids=case_ids
    )
    if request.method == "POST" and form.is_valid():
        cases, people = form.links()
        hidden = [cid for cid in case_ids if cid not in {c.pk for c in visible_cases}]
        hidden_people = list(conflict.petitioners.filter(case_id__in=hidden).values_list("pk", flat=True))
        with refusal_shown_on(form, partial(add_domain_error, field_map=_CONFLICT_ERROR_FIELDS)):
            services.conflict_update(
                actor=request.user,
                conflict=conflict,
                version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                topic=form.cleaned_data["topic"],
                risk_level=form.cleaned_data["risk_level"],
                collective_risk=form.cleaned_data["collective_risk"],
                headcount=form.cleaned_data["headcount"],
                leader=form.cleaned_data["leader"],
                measures=form.cleaned_data["measures"],
                # links the editor cannot see are kept as they are
                cases=[c.pk for c in cases] + hidden,
                petitioners=[p.pk for p in people] + hidden_people,
                request=request,
            )
            messages.success(request, "台账已修改。")
            return redirect("screening:conflict-detail", pk=conflict.pk)
    return render(
        request,
        "screening/conflict_form.html",
        {"form": form, "unit": conflict.unit, "units": [], "conflict": conflict},
    )


@login_required
@require_POST
def conflict_progress(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = selectors.access_conflict(request.user, pk, REPORT_PERM)
    form = forms.ProgressForm(request.POST, conflict=conflict)
    _flash_action(
        request,
        form,
        services.conflict_progress_add,
        conflict=conflict,
        done=lambda _: (
            "已记录化解进展，该矛盾纠纷已化解。"
            if form.cleaned_data["status"] == ConflictStatus.RESOLVED
            else "已记录化解进展。"
        ),
        invalid="进展内容有误：" + _form_errors(form),
    )
    return redirect("screening:conflict-detail", pk=conflict.pk)


# ---------------------------------------------------------------------------------------------------
# Special periods and duty rosters


@perm_required(VIEW_PERM)
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    year = request.GET.get("year", "")
    suggest_year = int(year) if year.isdigit() and 2000 <= int(year) <= 2999 else today.year
    declare_units = _units_for(request, DECLARE_PERM, (Level.CORPS, Level.DETACHMENT))
    suggestions = [s for s in selectors.holiday_suggestions(suggest_year) if s.end_on >= today]
    declared = set(
        selectors.special_period_list(request.user)
        .filter(cancelled_at__isnull=True)
        .exclude(holiday_key="")
        .values_list("unit_id", "holiday_key")
    )
    return render(
        request,
        "screening/period_list.html",
        {
            "page_obj": page_of(request, selectors.special_period_list(request.user)),
            "today": today,
            "suggestions": suggestions,
            "suggest_year": suggest_year,
            "declare_units": declare_units,
            "declared": declared,
            "known_year": bool(selectors.holiday_suggestions(suggest_year)),
        },
    )


@perm_required(VIEW_PERM)
@require_GET
def period_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "periods", {})


@perm_required(DECLARE_PERM)
@require_http_methods(["GET", "POST"])
def period_new(request: HttpRequest) -> HttpResponse:
    form = forms.SpecialPeriodForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            period = services.special_period_declare(actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, f"已宣布特殊时期：{period.name}。范围内各单位每日报告并落实24小时值班。")
            return redirect("screening:period-detail", pk=period.pk)
    return _simple_form(request, form, "宣布特殊时期", "screening:period-list")


@perm_required(DECLARE_PERM)
@require_POST
def period_holiday(request: HttpRequest) -> HttpResponse:
    form = forms.HolidayForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择宣布单位。")
        return redirect("screening:period-list")
    try:
        period = services.special_period_declare_holiday(
            actor=request.user, unit=form.cleaned_data["unit"], key=form.cleaned_data["key"], request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("screening:period-list")
    messages.success(
        request, f"已宣布特殊时期：{period.name}（{period.start_on:%Y-%m-%d}至{period.end_on:%Y-%m-%d}）。"
    )
    return redirect("screening:period-detail", pk=period.pk)


@perm_required(VIEW_PERM)
@require_GET
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.access_special_period(request.user, pk)
    form = forms.BoardForm(request.GET or None)
    day = form.day()
    if not period.start_on <= day <= period.end_on:
        day = min(max(_today(), period.start_on), period.end_on)
    units = selectors.covered_units(request.user, period)
    obligations = {
        o.unit.pk: o
        for o in selectors.obligations_between(units, day, day, _today(), include_daily=True)
        if o.period == periods.DAY
    }
    shifts = list(selectors.duty_shift_list(request.user, special_period=period, day=day))
    rows = []
    for unit in units:
        mine = [s for s in shifts if s.unit_id == unit.pk]
        o = obligations.get(unit.pk)
        rows.append(
            {
                "unit": unit,
                "obligation": o,
                "color": selectors.STATE_COLORS[o.state] if o else "secondary",
                "shifts": mine,
                "gaps": selectors.roster_gaps(mine, day),
                "can_roster": has_perm(request.user, REPORT_PERM, unit) and period.cancelled_at is None,
            }
        )
    days = []
    d = period.start_on
    while d <= period.end_on:
        days.append(d)
        d += periods.ONE_DAY
    return render(
        request,
        "screening/period_detail.html",
        {
            "period": period,
            "day": day,
            "days": days,
            "rows": rows,
            "scope": list(period.scope_units.order_by("path")),
            "can_end": has_perm(request.user, DECLARE_PERM, period.unit) and period.cancelled_at is None,
            "end_form": forms.EndPeriodForm(initial={"on": _today()}),
            "today": _today(),
        },
    )


@login_required
@require_POST
def period_end(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.access_special_period(request.user, pk, DECLARE_PERM)
    _flash_action(
        request,
        forms.EndPeriodForm(request.POST),
        services.special_period_end,
        period=period,
        done=lambda ended: "特殊时期已撤销。" if ended.cancelled_at else "特殊时期已提前结束。",
        invalid="请填写最后一日和原因。",
    )
    return redirect("screening:period-detail", pk=period.pk)


@perm_required(VIEW_PERM)
@require_GET
def shift_list(request: HttpRequest) -> HttpResponse:
    form = forms.BoardForm(request.GET or None)
    day = form.day() if request.GET.get("date") else None
    shifts = selectors.duty_shift_list(request.user, day=day)
    return _list_page(request, "screening/shift_list.html", form, shifts)


@perm_required(VIEW_PERM)
@require_GET
def shift_export(request: HttpRequest) -> HttpResponse:
    form = forms.BoardForm(request.GET or None)
    return _export(request, "shifts", {"day": form.day() if request.GET.get("date") else None})


@perm_required(REPORT_PERM)
@require_http_methods(["GET", "POST"])
def shift_new(request: HttpRequest) -> HttpResponse:
    period = selectors.access_special_period(request.user, request.GET.get("period") or request.POST.get("period"))
    unit = _unit_for(request, REPORT_PERM)
    raw_day = request.GET.get("date") or ""
    try:
        day = datetime.date.fromisoformat(raw_day) if raw_day else max(period.start_on, _today())
    except ValueError:
        day = period.start_on
    tz = timezone.get_current_timezone()
    initial = {
        "starts_at": datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=tz),
        "ends_at": datetime.datetime.combine(day + periods.ONE_DAY, datetime.time(8, 0), tzinfo=tz),
    }
    form = forms.ShiftForm(request.POST or None, initial=initial, unit=unit, day=day)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            services.duty_shift_add(
                actor=request.user, special_period=period, unit=unit, request=request, **form.cleaned_data
            )
            messages.success(request, "值班已安排。")
            return redirect(f"{reverse('screening:period-detail', args=[period.pk])}?date={day.isoformat()}")
    return render(request, "screening/shift_form.html", {"form": form, "period": period, "unit": unit, "day": day})


# ---------------------------------------------------------------------------------------------------
# Early warning


@perm_required(VIEW_PERM)
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    form = forms.WarningFilterForm(request.GET or None, user=request.user)
    return _list_page(
        request,
        "screening/warning_list.html",
        form,
        selectors.warning_list(request.user, **form.filters()),
        awaiting=selectors.warnings_awaiting(request.user),
        can_raise=_can(request, WARN_PERM),
    )


@perm_required(VIEW_PERM)
@require_GET
def warning_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "warnings", forms.WarningFilterForm(request.GET or None, user=request.user).filters())


@perm_required(WARN_PERM)
@require_http_methods(["GET", "POST"])
def warning_new(request: HttpRequest) -> HttpResponse:
    form = forms.WarningForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            warning = services.warning_raise(actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, "预警信息已报告上一级。")
            return redirect("screening:warning-detail", pk=warning.pk)
    return _simple_form(request, form, "报告预警信息", "screening:warning-list")


@perm_required(VIEW_PERM)
@require_GET
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warning = selectors.access_warning(request.user, pk)
    hops = selectors.warning_hops(warning)
    open_hop = next((h for h in hops if h.hop.acknowledged_at is None), None)
    can_ack = open_hop is not None and selectors.ack_unit_for(request.user, open_hop.hop.to_unit) is not None
    can_act = has_perm(request.user, WARN_PERM, warning.unit)
    return render(
        request,
        "screening/warning_detail.html",
        {
            "w": warning,
            "hops": hops,
            "open_hop": open_hop,
            "can_ack": can_ack,
            "can_control": can_act and warning.reported_at and not warning.controlled_at,
            "can_resolve": can_act and warning.controlled_at and not warning.resolved_at,
            "ack_form": forms.AcknowledgeForm(),
            "step_form": forms.WarningStepForm(),
            "ack_hours": selectors.warning_ack_hours(),
        },
    )


WARNING_STEPS: dict[str, tuple[Callable[..., Any], str]] = {
    "control": (services.warning_control, "已记录控制措施（早控制）。"),
    "resolve": (services.warning_resolve, "已记录解决情况（早解决）。"),
}


@login_required
@require_POST
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    warning = selectors.access_warning(request.user, pk)
    form = forms.AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        hop = services.warning_acknowledge(actor=request.user, warning=warning, note=note, request=request)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        ack_unit = hop.ack_unit
        assert ack_unit is not None
        messages.success(request, f"已签收（{ack_unit.name}），并报告上一级。" if ack_unit.parent_id else "已签收。")
    return redirect("screening:warning-detail", pk=warning.pk)


@login_required
@require_POST
def warning_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in WARNING_STEPS:
        raise Http404("未知的操作")
    warning = selectors.access_warning(request.user, pk, WARN_PERM)
    service, done = WARNING_STEPS[step]
    form = forms.WarningStepForm(request.POST)
    _flash_action(request, form, service, warning=warning, done=done, invalid="请填写情况说明。")
    return redirect("screening:warning-detail", pk=warning.pk)


# ---------------------------------------------------------------------------------------------------
# Inspections and bulletins


@perm_required(VIEW_PERM)
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    return render(
        request,
        "screening/inspection_list.html",
        {
            "page_obj": page_of(request, selectors.inspection_list(request.user)),
            "uninspected": selectors.detachments_without_inspection(request.user, today),
            "quarter": periods.period_label(periods.QUARTER, periods.bounds(periods.QUARTER, today)[0]),
            "open_items": list(selectors.open_rectification_items(request.user)[:50]),
            "today": today,
            "can_inspect": _can(request, INSPECT_PERM),
        },
    )


@perm_required(VIEW_PERM)
@require_GET
def inspection_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "inspections", {})


@perm_required(INSPECT_PERM)
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    levels = (Level.CORPS, Level.DETACHMENT)
    unit = _unit_for(request, INSPECT_PERM, levels)
    form = forms.InspectionForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            inspection = services.inspection_create(actor=request.user, unit=unit, request=request, **form.cleaned_data)
            messages.success(request, "督查情况已记录，请在下方添加整改事项。")
            return redirect("screening:inspection-detail", pk=inspection.pk)
    return render(
        request,
        "screening/inspection_form.html",
        {"form": form, "unit": unit, "units": _units_for(request, INSPECT_PERM, levels)},
    )


@perm_required(VIEW_PERM)
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.access_inspection(request.user, pk)
    can_manage = has_perm(request.user, INSPECT_PERM, inspection.unit)
    return render(
        request,
        "screening/inspection_detail.html",
        {
            "i": inspection,
            "items": list(
                inspection.items.select_related("owner_unit", "owner", "closed_by").order_by("deadline", "id")
            ),
            "visited": list(inspection.units_visited.order_by("path")),
            "can_manage": can_manage,
            "item_form": forms.RectificationForm(unit=inspection.unit) if can_manage else None,
            "close_form": forms.CloseItemForm(),
            "today": _today(),
        },
    )


@login_required
@require_POST
def rectification_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.access_inspection(request.user, pk, INSPECT_PERM)
    form = forms.RectificationForm(request.POST, unit=inspection.unit)
    _flash_action(
        request,
        form,
        services.rectification_add,
        inspection=inspection,
        done="整改事项已添加。",
        invalid="整改事项填写有误：" + _form_errors(form),
    )
    return redirect("screening:inspection-detail", pk=inspection.pk)


@login_required
@require_POST
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.access_rectification_item(request.user, pk, INSPECT_PERM)
    form = forms.CloseItemForm(request.POST)
    _flash_action(
        request,
        form,
        services.rectification_close,
        item=item,
        done="整改事项已完成。",
        invalid="请填写整改完成日期和整改情况。",
    )
    return redirect("screening:inspection-detail", pk=item.inspection_id)


@perm_required(VIEW_PERM)
@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "screening/bulletin_list.html",
        {"page_obj": page_of(request, selectors.bulletin_list(request.user)), "can_issue": _can(request, INSPECT_PERM)},
    )


@perm_required(VIEW_PERM)
@require_GET
def bulletin_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "bulletins", {})


@perm_required(INSPECT_PERM)
@require_http_methods(["GET", "POST"])
def bulletin_new(request: HttpRequest) -> HttpResponse:
    form = forms.BulletinForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            bulletin = services.bulletin_issue(actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, "通报已生成。")
            return redirect("screening:bulletin-detail", pk=bulletin.pk)
    return _simple_form(request, form, "生成通报", "screening:bulletin-list")


def _bulletin_document(bulletin: Any) -> GeneratedDocument | None:
    return (
        GeneratedDocument._base_manager.filter(  # the bulletin's visibility was checked by access_bulletin
            content_type__app_label="screening", content_type__model="bulletin", object_id=bulletin.pk
        )
        .order_by("-version")
        .first()
    )


@perm_required(VIEW_PERM)
@require_GET
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.access_bulletin(request.user, pk)
    return render(
        request,
        "screening/bulletin_detail.html",
        {"b": bulletin, "f": bulletin.stats, "document": _bulletin_document(bulletin)},
    )


@perm_required(VIEW_PERM)
@require_GET
def bulletin_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The bulletin's document, for every unit the bulletin is addressed to (its whole area), checked against its
    sha256 and audited by the documents engine."""
    bulletin = selectors.access_bulletin(request.user, pk)
    document = _bulletin_document(bulletin)
    if document is None or fmt not in CONTENT_TYPES:
        raise Http404("通报文件不存在")
    try:
        data = document_download(actor=request.user, document=document, fmt=fmt, request=request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = private_download(
        io.BytesIO(data), filename=document.download_filename(fmt), content_type=CONTENT_TYPES[fmt]
    )
    return cast(HttpResponse, response)


# ---------------------------------------------------------------------------------------------------
# Training


@perm_required(VIEW_PERM)
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    form = forms.TrainingFilterForm(request.GET or None)
    trainings = selectors.training_list(request.user, **form.filters())
    return _list_page(request, "screening/training_list.html", form, trainings, can_train=_can(request, TRAIN_PERM))


@perm_required(VIEW_PERM)
@require_GET
def training_export(request: HttpRequest) -> HttpResponse:
    return _export(request, "trainings", forms.TrainingFilterForm(request.GET or None).filters())


@perm_required(TRAIN_PERM)
@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    levels = (Level.CORPS, Level.DETACHMENT)
    unit = _unit_for(request, TRAIN_PERM, levels)
    form = forms.TrainingForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            training = services.training_create(actor=request.user, unit=unit, request=request, **form.cleaned_data)
            messages.success(request, "培训已记录。")
            return redirect("screening:training-detail", pk=training.pk)
    return render(
        request,
        "screening/training_form.html",
        {"form": form, "unit": unit, "units": _units_for(request, TRAIN_PERM, levels)},
    )


@perm_required(VIEW_PERM)
@require_GET
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    training = selectors.access_training(request.user, pk)
    can_edit = has_perm(request.user, TRAIN_PERM, training.unit)
    form = None
    if can_edit:
        form = forms.TraineesForm(initial={"trainees": list(training.trainees.all())}, unit=training.unit)
    return render(
        request,
        "screening/training_detail.html",
        {
            "t": training,
            "trainees": list(training.trainees.select_related("unit").order_by("unit__path", "username")),
            "form": form,
        },
    )


@login_required
@require_POST
def training_trainees(request: HttpRequest, pk: int) -> HttpResponse:
    training = selectors.access_training(request.user, pk, TRAIN_PERM)
    form = forms.TraineesForm(request.POST, unit=training.unit)
    _flash_action(
        request,
        form,
        services.training_set_trainees,
        training=training,
        done="参训人员已更新。",
        invalid="参训人员选择有误。",
    )
    return redirect("screening:training-detail", pk=training.pk)


@perm_required(VIEW_PERM)
@require_GET
def training_status(request: HttpRequest) -> HttpResponse:
    form = forms.TrainingStatusForm(request.GET or None)
    year, untrained_only = form.values()
    rows = selectors.training_status(request.user, year)
    shown = [r for r in rows if not r.trained] if untrained_only else rows
    return render(
        request,
        "screening/training_status.html",
        {
            "form": form,
            "year": year,
            "rows": shown,
            "total": len(rows),
            "trained": sum(1 for r in rows if r.trained),
            "untrained": selectors.untrained_by_unit(rows),
            "export_query": request.GET.urlencode(),
        },
    )


@perm_required(VIEW_PERM)
@require_GET
def training_status_export(request: HttpRequest) -> HttpResponse:
    year, untrained_only = forms.TrainingStatusForm(request.GET or None).values()
    return _export(request, "training_status", {"year": year, "untrained_only": untrained_only})


# ---------------------------------------------------------------------------------------------------
# Settings (core.settings.manage)


@perm_required(SETTINGS_PERM)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    rules = selectors.cadence_rules()
    data = request.POST if request.method == "POST" else None
    cadence_forms = [
        forms.CadenceForm(
            data,
            key=key,
            initial={
                "period": rules[key].period,
                "anchor": rules[key].anchor,
                "offset_days": rules[key].offset_days,
                "shift_to_workday": rules[key].shift_to_workday,
            },
        )
        for key in CadenceKey.values
    ]
    settings_form = forms.SettingsForm(data, initial={"warning_ack_hours": selectors.warning_ack_hours()})
    if request.method == "POST":
        if all(f.is_valid() for f in cadence_forms) and settings_form.is_valid():
            try:
                for f in cadence_forms:
                    current = rules[f.key]
                    new = (
                        f.cleaned_data["period"],
                        f.cleaned_data["anchor"],
                        f.cleaned_data["offset_days"],
                        f.cleaned_data["shift_to_workday"],
                    )
                    if new != (current.period, current.anchor, current.offset_days, current.shift_to_workday):
                        services.cadence_set(
                            actor=request.user,
                            key=f.key,
                            period=new[0],
                            anchor=new[1],
                            offset_days=new[2],
                            shift_to_workday=new[3],
                            request=request,
                        )
                if settings_form.cleaned_data["warning_ack_hours"] != selectors.warning_ack_hours():
                    services.settings_set(
                        actor=request.user,
                        warning_ack_hours=settings_form.cleaned_data["warning_ack_hours"],
                        request=request,
                    )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "排查预警参数已保存。")
                return redirect("screening:settings")
    examples = []
    today = _today()
    for key, label in (("brigade", "大队"), ("detachment", "支队"), ("corps", "总队")):
        rule = rules[key]
        start, end = periods.asked_period(rule, today)
        examples.append((label, periods.period_label(rule.period, start), periods.due_on(rule, start, end)))
    return render(
        request,
        "screening/settings.html",
        {"cadence_forms": cadence_forms, "settings_form": settings_form, "examples": examples},
    )
