"""The holiday-calendar pages: the effective calendar of a year, and its admin-entered overrides.

Viewing: anyone holding core.calendar.manage or cases.case.view. Changing: a calendar manager
(系统管理员 at the 总队, see legal_calendar.can_manage_calendar); everyone else gets 403.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from xinfang.core import legal_calendar as lc
from xinfang.core.calendar_forms import (
    CalendarDayForm,
    CalendarImportForm,
    CalendarYearForm,
    add_domain_error,
)
from xinfang.core.errors import DomainError
from xinfang.core.models import CalendarDay
from xinfang.core.scope import has_any_perm

VIEW_PERMS = (lc.MANAGE_PERM, "cases.case.view")
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def _require_view(request: HttpRequest) -> None:
    if not any(has_any_perm(request.user, perm) for perm in VIEW_PERMS):
        raise PermissionDenied("您无权查看节假日安排")


def _require_manage(request: HttpRequest) -> None:
    if not lc.can_manage_calendar(request.user):
        raise PermissionDenied("您无权维护节假日安排")


@dataclass
class HolidayRun:
    first: date
    last: date
    name: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _holiday_runs(days: list[lc.DayInfo]) -> list[HolidayRun]:
    """Consecutive holidays (weekday rest days and named rest days) as one run each."""
    runs: list[HolidayRun] = []
    names: list[str] = []
    for info in days:
        if not info.is_holiday:
            continue
        if runs and (info.day - runs[-1].last).days == 1:
            runs[-1].last = info.day
        else:
            runs.append(HolidayRun(info.day, info.day, ""))
            names = []
        if info.name and info.name not in names:
            names.append(info.name)
            runs[-1].name = "、".join(names)
    return runs


def _months(year: int, days: list[lc.DayInfo]) -> list[dict[str, Any]]:
    by_day = {info.day: info for info in days}
    grid = pycalendar.Calendar(firstweekday=0)
    return [
        {
            "number": month,
            "weeks": [
                [by_day[d] if d.month == month else None for d in week] for week in grid.monthdatescalendar(year, month)
            ],
        }
        for month in range(1, 13)
    ]


def _page(
    request: HttpRequest,
    year: int,
    *,
    day_form: CalendarDayForm | None = None,
    import_form: CalendarImportForm | None = None,
) -> HttpResponse:
    days = lc.year_calendar(year)
    can_manage = lc.can_manage_calendar(request.user)
    context = {
        "year": year,
        "prev_year": year - 1,
        "next_year": year + 1,
        "known": lc.year_is_known(year),
        "builtin": lc.builtin_covers(year),
        "warning": lc.calendar_warning(date(year, 1, 1)),
        "counting": lc.counting_mode(),
        "weekdays": WEEKDAYS,
        "months": _months(year, days),
        "holiday_runs": _holiday_runs(days),
        "workdays": [info for info in days if info.is_adjusted_workday],
        "rest_count": sum(1 for info in days if info.is_rest),
        "overrides": list(CalendarDay.objects.filter(day__year=year).order_by("day")),
        "can_manage": can_manage,
        "day_form": day_form or CalendarDayForm(initial={"day": date(year, 1, 1)}),
        "import_form": import_form or CalendarImportForm(initial={"year": year}),
    }
    return render(request, "core/calendar/page.html", context)


def _back(year: int) -> HttpResponse:
    return redirect(f"{reverse('calendar')}?year={year}")


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    year = CalendarYearForm(request.GET).selected_year()
    return _page(request, year)


@login_required
@require_POST
def calendar_day_set(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day: date = form.cleaned_data["day"]
        try:
            lc.calendar_day_set(
                actor=request.user, day=day, is_workday=form.is_workday, name=form.cleaned_data["name"], request=request
            )
        except DomainError as e:
            add_domain_error(form, e)
        else:
            kind = "上班" if form.is_workday else "休息"
            messages.success(request, f"已将{day.year}年{day.month}月{day.day}日设为{kind}日。")
            return _back(day.year)
    year = CalendarYearForm(request.GET).selected_year()
    if form.is_bound and form.cleaned_data.get("day"):
        year = form.cleaned_data["day"].year
    return _page(request, year, day_form=form)


@login_required
@require_POST
def calendar_day_delete(request: HttpRequest, day: str) -> HttpResponse:
    _require_manage(request)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404("日期格式不正确") from None
    try:
        lc.calendar_day_delete(actor=request.user, day=when, request=request)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已删除{when.year}年{when.month}月{when.day}日的录入安排。")
    return _back(when.year)


@login_required
@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = CalendarImportForm(request.POST)
    if form.is_valid():
        year = int(form.cleaned_data["year"])
        try:
            rows = lc.calendar_import_year(
                actor=request.user,
                year=year,
                holidays=form.cleaned_data["holidays"],
                workdays=form.cleaned_data["workdays"],
                request=request,
            )
        except DomainError as e:
            add_domain_error(form, e)
        else:
            rest = sum(1 for r in rows if not r.is_workday)
            messages.success(request, f"已导入{year}年节假日安排：休息日{rest}天，调休上班日{len(rows) - rest}天。")
            return _back(year)
    year = form.cleaned_data.get("year") or CalendarYearForm(request.GET).selected_year()
    return _page(request, int(year), import_form=form)
