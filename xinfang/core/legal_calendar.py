"""Every legal time limit, computed in one module from one calendar (REQUIREMENTS R2.4, R2.7, R2.10).

The calendar
    A day is a rest day or a working day. In this order:
    1. an admin-entered override (`CalendarDay`: the State Council's yearly arrangement, or a correction);
    2. the `chinese_calendar` package for the years it knows (statutory holidays and 调休 make-up workdays);
    3. otherwise Saturdays and Sundays are rest days (fallback; pages warn, see `calendar_warning`).

Counting periods (settings.XINFANG_DEADLINE_COUNTING)
    "civil_code" (default) — 民法典 Art 201: the start day is not counted, so a period of N days ends on
    start + N; Art 203: when that last day is a statutory holiday or rest day, the period ends on the next
    working day.
    "calendar" — start + N, never shifted.
    The 5-working-day objection limit (《信访工作条例》 Art 23) counts working days whatever the setting.

The periods of 《信访工作条例》 (2022):
    Art 23  受理告知 within 15 days of receipt; objection to a forwarding within 5 working days;
    Art 34  conclusion within 60 days of acceptance, extendable by at most 30 days in total;
    Art 35  复查 requested within 30 days of the opinion's delivery, opinion within 30 days of receipt;
    Art 36  复核 likewise, hearing (听证) days not counted.

Overdue and due-soon states are computed from dates alone (`due_state`); nothing depends on a scheduled job.

Caching: a year's overrides are loaded in one query and kept per process. `calendar_changed()` forgets
them and bumps a version token in Django's cache (shared between processes when the cache backend is);
entries also expire after settings.XINFANG_CALENDAR_CACHE_SECONDS (default 300) as a bound on staleness
in other processes when the cache backend is per process. Change the calendar only through the services
below: they invalidate the cache and call the `on_calendar_change` callbacks (which recompute stored due
dates) in the same transaction.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.models import CalendarDay

ONE_DAY = timedelta(days=1)

# The periods of 《信访工作条例》, in days.
ACK_DAYS = 15  # Art 23: 受理告知 within 15 days of receipt
OBJECTION_WORKING_DAYS = 5  # Art 23: a receiving unit may object within 5 working days
CONCLUSION_DAYS = 60  # Art 34: conclude within 60 days of acceptance
MAX_EXTENSION_DAYS = 30  # Art 34: extensions total at most 30 days
REVIEW_REQUEST_DAYS = 30  # Art 35/36: 复查/复核 requested within 30 days of delivery
REVIEW_DAYS = 30  # Art 35/36: 复查/复核 opinion within 30 days of receipt

COUNTING_CIVIL_CODE = "civil_code"
COUNTING_CALENDAR = "calendar"
COUNTING_CHOICES = (COUNTING_CIVIL_CODE, COUNTING_CALENDAR)

MANAGE_PERM = "core.calendar.manage"

# No real arrangement has this many rest days in a row; more means the data is broken.
_MAX_REST_RUN = 60

_BUILTIN_YEARS: tuple[int, int] = (
    min(chinese_calendar.holidays).year,
    max(chinese_calendar.holidays).year,
)


# --------------------------------------------------------------------------------------------------
# Overrides cache


@dataclass(frozen=True)
class Override:
    is_workday: bool
    name: str


_VERSION_KEY = "xinfang:legal_calendar:version"
_lock = threading.Lock()
_years: dict[int, dict[date, Override]] = {}
_state: dict[str, Any] = {"token": None, "loaded_at": 0.0}


def _cache_seconds() -> float:
    return float(getattr(settings, "XINFANG_CALENDAR_CACHE_SECONDS", 300))


def _shared_token() -> str | None:
    token = cache.get(_VERSION_KEY)
    if token is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(_VERSION_KEY)
    return token


def _overrides(year: int) -> dict[date, Override]:
    """The DB overrides of one year: one query, then cached per process under the version token."""
    token = _shared_token()
    now = time.monotonic()
    with _lock:
        if token != _state["token"] or now - _state["loaded_at"] > _cache_seconds():
            _years.clear()
            _state["token"] = token
            _state["loaded_at"] = now
        cached = _years.get(year)
    if cached is not None:
        return cached
    loaded = {
        day: Override(is_workday=is_workday, name=name)
        for day, is_workday, name in CalendarDay.objects.filter(day__year=year).values_list("day", "is_workday", "name")
    }
    with _lock:
        if _state["token"] == token:
            _years[year] = loaded
    return loaded


def _forget_local() -> None:
    with _lock:
        _years.clear()
        _state["token"] = None
        _state["loaded_at"] = 0.0


def calendar_changed() -> None:
    """Forget the cached overrides here and tell other processes (new version token in the shared cache)."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _forget_local()


CalendarCallback = Callable[[set[int]], None]
_callbacks: list[CalendarCallback] = []


def on_calendar_change(callback: CalendarCallback) -> CalendarCallback:
    """Register `callback(years)`, called inside the transaction of every calendar change with the set of
    affected years (e.g. the cases app recomputes stored due dates falling in or counted across them).
    Registering the same callback twice keeps one. Usable as a decorator."""
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def _notify(years: set[int]) -> None:
    calendar_changed()
    for callback in list(_callbacks):
        callback(set(years))


# --------------------------------------------------------------------------------------------------
# The calendar


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def builtin_covers(year: int) -> bool:
    """Does the `chinese_calendar` package know this year's holidays and 调休 days?"""
    return _BUILTIN_YEARS[0] <= year <= _BUILTIN_YEARS[1]


def year_is_known(year: int) -> bool:
    """True if `chinese_calendar` covers the year or an admin entered at least one day of it."""
    return builtin_covers(year) or bool(_overrides(year))


def calendar_warning(d: date | None) -> str | None:
    """A Chinese warning for a (due) date in a year whose holiday arrangement is not known, else None."""
    if d is None:
        return None
    year = _as_date(d).year
    if year_is_known(year):
        return None
    return f"{year}年节假日安排尚未录入，期限按周末推算，请系统管理员录入国务院公布的节假日安排。"


def _builtin_name(d: date) -> str:
    _, english = chinese_calendar.get_holiday_detail(d)
    if not english:
        return ""
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return str(english)


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_rest: bool
    name: str
    source: str  # "override" | "builtin" | "weekend"

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def is_adjusted_workday(self) -> bool:
        """A Saturday or Sunday worked (调休上班)."""
        return self.is_weekend and not self.is_rest

    @property
    def is_holiday(self) -> bool:
        """A rest day other than an ordinary weekend: a weekday off, or any named rest day."""
        return self.is_rest and (not self.is_weekend or bool(self.name))


def day_info(d: date) -> DayInfo:
    """The effective calendar for one day, with where the answer came from."""
    d = _as_date(d)
    override = _overrides(d.year).get(d)
    if override is not None:
        return DayInfo(d, not override.is_workday, override.name, "override")
    if builtin_covers(d.year):
        rest = not chinese_calendar.is_workday(d)
        name = _builtin_name(d)
        if name and not rest:
            name = f"{name}调休"
        return DayInfo(d, rest, name, "builtin")
    return DayInfo(d, d.weekday() >= 5, "", "weekend")


def is_rest_day(d: date) -> bool:
    """A statutory holiday or rest day (weekend not worked): override, else chinese_calendar, else weekend."""
    return day_info(d).is_rest


def is_workday(d: date) -> bool:
    return not is_rest_day(d)


def year_calendar(year: int) -> list[DayInfo]:
    """Every day of `year` in the effective calendar."""
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    return [day_info(first + timedelta(days=i)) for i in range(days)]


# --------------------------------------------------------------------------------------------------
# Periods


def counting_mode() -> str:
    mode = getattr(settings, "XINFANG_DEADLINE_COUNTING", COUNTING_CIVIL_CODE)
    if mode not in COUNTING_CHOICES:
        raise ImproperlyConfigured(f"XINFANG_DEADLINE_COUNTING must be one of {COUNTING_CHOICES}, not {mode!r}")
    return str(mode)


def _broken_calendar(first_rest: date) -> DomainError:
    return DomainError(
        f"节假日安排有误：{first_rest:%Y-%m-%d}起连续{_MAX_REST_RUN}日均为休息日，请检查节假日安排。",
        code="calendar_invalid",
    )


def next_workday(d: date) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    first = d = _as_date(d)
    for _ in range(_MAX_REST_RUN):
        if not is_rest_day(d):
            return d
        d += ONE_DAY
    raise _broken_calendar(first)


def due_date(start: date, days: int) -> date:
    """The last day of a period of `days` calendar days counted from `start`.

    civil_code (default): the start day is not counted (民法典 Art 201), so the period ends on start + days;
    if that day is a statutory holiday or rest day, it ends on the next working day (民法典 Art 203).
    calendar: start + days, never shifted.
    """
    if days < 0:
        raise ValueError("a period cannot be negative")
    end = _as_date(start) + timedelta(days=days)
    if counting_mode() == COUNTING_CALENDAR:
        return end
    return next_workday(end)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start not counted), skipping rest days and statutory holidays and
    counting 调休 make-up workdays — the 5-working-day objection limit of 《信访工作条例》 Art 23."""
    if n < 1:
        raise ValueError("n must be at least 1")
    d = _as_date(start)
    counted = 0
    rest_run = 0
    while counted < n:
        d += ONE_DAY
        if is_rest_day(d):
            rest_run += 1
            if rest_run >= _MAX_REST_RUN:
                raise _broken_calendar(d - ONE_DAY * (_MAX_REST_RUN - 1))
        else:
            rest_run = 0
            counted += 1
    return d


def extended_due(accepted_on: date, base_days: int, extension_days: int) -> date:
    """Conclusion due date of an extended case (《信访工作条例》 Art 34).

    The extension lengthens the period counted from acceptance: due_date(accepted_on, base_days +
    extension_days), the counting rule (民法典 Art 201, 203) applied once to the whole period. It is NOT
    the extension added to an already holiday-shifted base due date. The 30-day total cap on extensions
    (Art 34) is the caller's rule (MAX_EXTENSION_DAYS).
    """
    if extension_days < 0:
        raise ValueError("an extension cannot be negative")
    return due_date(accepted_on, base_days + extension_days)


def review_due(received_on: date, days: int = REVIEW_DAYS, hearing_days: int = 0) -> date:
    """复查 (Art 35) / 复核 (Art 36) opinion due: `days` (30) after the request is received; the days of a
    hearing (听证) are not counted (Art 36), i.e. the period is lengthened by them."""
    if hearing_days < 0:
        raise ValueError("hearing days cannot be negative")
    return due_date(received_on, days + hearing_days)


def ack_due(received_on: date) -> date:
    """受理告知 due: 15 days after receipt (《信访工作条例》 Art 23)."""
    return due_date(received_on, ACK_DAYS)


def conclusion_due(accepted_on: date, extension_days: int = 0) -> date:
    """办结 due: 60 days after acceptance (Art 34), lengthened by the approved extensions."""
    return extended_due(accepted_on, CONCLUSION_DAYS, extension_days)


def objection_due(received_on: date) -> date:
    """Last day a receiving unit may object to a forwarding: 5 working days (Art 23)."""
    return add_working_days(received_on, OBJECTION_WORKING_DAYS)


def review_request_due(delivered_on: date) -> date:
    """Last day to request 复查/复核: 30 days after the opinion's delivery (Art 35, 36)."""
    return due_date(delivered_on, REVIEW_REQUEST_DAYS)


# --------------------------------------------------------------------------------------------------
# Due states

DUE_NONE = "none"
DUE_OVERDUE = "overdue"
DUE_1 = "due_1"
DUE_3 = "due_3"
DUE_7 = "due_7"
DUE_OK = "ok"

DUE_STATE_LABELS: dict[str, str] = {
    DUE_OVERDUE: "已逾期",
    DUE_1: "1日内到期",
    DUE_3: "3日内到期",
    DUE_7: "7日内到期",
    DUE_OK: "正常",
    DUE_NONE: "无期限",
}
# Most urgent first (for sorting a work queue).
DUE_STATES: tuple[str, ...] = (DUE_OVERDUE, DUE_1, DUE_3, DUE_7, DUE_OK, DUE_NONE)
# Bootstrap contextual colours for badges.
DUE_STATE_COLORS: dict[str, str] = {
    DUE_OVERDUE: "danger",
    DUE_1: "danger",
    DUE_3: "warning",
    DUE_7: "info",
    DUE_OK: "success",
    DUE_NONE: "secondary",
}


def days_left(due: date | None, today: date) -> int | None:
    if due is None:
        return None
    return (_as_date(due) - _as_date(today)).days


def due_state(due: date | None, today: date) -> str:
    """The urgency of a due date, from dates alone:
    "none" | "overdue" (today after due) | "due_1" (≤1 day left) | "due_3" | "due_7" | "ok".
    The due day itself is still in time (0 days left → due_1)."""
    left = days_left(due, today)
    if left is None:
        return DUE_NONE
    if left < 0:
        return DUE_OVERDUE
    if left <= 1:
        return DUE_1
    if left <= 3:
        return DUE_3
    if left <= 7:
        return DUE_7
    return DUE_OK


def due_state_bounds(state: str, today: date) -> tuple[date | None, date | None]:
    """Inclusive (min_due, max_due) such that due_state(due, today) == state, for filtering a stored due
    column in SQL. "none" has no bounds (filter `due__isnull=True` instead)."""
    day = timedelta
    bounds: dict[str, tuple[date | None, date | None]] = {
        DUE_OVERDUE: (None, today - day(1)),
        DUE_1: (today, today + day(1)),
        DUE_3: (today + day(2), today + day(3)),
        DUE_7: (today + day(4), today + day(7)),
        DUE_OK: (today + day(8), None),
    }
    if state not in bounds:
        raise ValueError(f"no date bounds for due state {state!r}")
    return bounds[state]


# --------------------------------------------------------------------------------------------------
# Services: admin-entered overrides


def _require_manager(actor: Any) -> None:
    """The calendar serves every unit, so it is managed from the top of the tree: a post at a root unit
    whose role grants core.calendar.manage (系统管理员 at the 总队)."""
    from xinfang.core.scope import user_grants

    for grant in user_grants(actor):
        if MANAGE_PERM in grant.perms and grant.unit_path.strip("/").count("/") == 0:
            return
    raise DomainError("您无权维护节假日安排", code="forbidden")


def can_manage_calendar(user: Any) -> bool:
    try:
        _require_manager(user)
    except DomainError:
        return False
    return True


def _row_dict(row: CalendarDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"day": row.day.isoformat(), "is_workday": row.is_workday, "name": row.name}


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    limit = CalendarDay._meta.get_field("name").max_length or 50
    if len(name) > limit:
        raise DomainError(f"说明不能超过{limit}个字", code="invalid", field="name")
    return name


def _run_change(years: set[int], body: Callable[[], Any]) -> Any:
    """Run a calendar write, then invalidate and call the callbacks, all in the caller's transaction.
    If anything fails, forget what the cache may have loaded from the uncommitted rows."""
    try:
        result = body()
        _notify(years)
    except BaseException:
        _forget_local()
        raise
    transaction.on_commit(calendar_changed)
    return result


@transaction.atomic
def calendar_day_set(*, actor: Any, day: date, is_workday: bool, name: str = "", request: Any = None) -> CalendarDay:
    """Enter or change the override for one day (a rest day, or a 调休 working day)."""
    _require_manager(actor)
    day = _as_date(day)
    name = _clean_name(name)

    def body() -> CalendarDay:
        row = CalendarDay.objects.select_for_update().filter(day=day).first()
        before = _row_dict(row)
        if row is None:
            row = CalendarDay.objects.create(day=day, is_workday=is_workday, name=name)
        else:
            row.is_workday = is_workday
            row.name = name
            row.save(update_fields=["is_workday", "name"])
        audit_record(
            actor=actor,
            action="core.calendar.day_set",
            target=row,
            before=before,
            after=_row_dict(row),
            request=request,
        )
        return row

    return _run_change({day.year}, body)


@transaction.atomic
def calendar_day_delete(*, actor: Any, day: date, request: Any = None) -> None:
    """Remove the override for one day; the built-in calendar (or the weekend rule) applies again."""
    _require_manager(actor)
    day = _as_date(day)

    def body() -> None:
        row = CalendarDay.objects.select_for_update().filter(day=day).first()
        if row is None:
            raise DomainError(f"{day:%Y-%m-%d}没有录入的节假日安排", code="not_found")
        audit_record(
            actor=actor, action="core.calendar.day_deleted", target=row, before=_row_dict(row), request=request
        )
        row.delete()

    _run_change({day.year}, body)


def _check_import(
    year: int, holidays: Iterable[tuple[date, str]], workdays: Iterable[tuple[date, str]]
) -> dict[date, tuple[bool, str]]:
    entries: dict[date, tuple[bool, str]] = {}
    for is_work, items in ((False, holidays), (True, workdays)):
        for raw_day, raw_name in items:
            d = _as_date(raw_day)
            if d.year != year:
                raise DomainError(f"{d:%Y-%m-%d}不在{year}年内", code="invalid", field="text")
            if d in entries:
                raise DomainError(f"{d:%Y-%m-%d}重复录入", code="invalid", field="text")
            entries[d] = (is_work, _clean_name(raw_name))
    if not entries:
        raise DomainError("没有可导入的日期", code="invalid", field="text")
    return entries


@transaction.atomic
def calendar_import_year(
    *,
    actor: Any,
    year: int,
    holidays: list[tuple[date, str]],
    workdays: list[tuple[date, str]],
    request: Any = None,
) -> list[CalendarDay]:
    """Enter a year's State Council arrangement at once: `holidays` are days off (放假), `workdays` are
    make-up working days (调休上班). It replaces every override already entered for that year."""
    _require_manager(actor)
    entries = _check_import(year, holidays, workdays)

    def body() -> list[CalendarDay]:
        existing = list(CalendarDay.objects.select_for_update().filter(day__year=year).order_by("day"))
        before = [_row_dict(r) for r in existing]
        CalendarDay.objects.filter(pk__in=[r.pk for r in existing]).delete()
        rows = CalendarDay.objects.bulk_create(
            [CalendarDay(day=d, is_workday=w, name=n) for d, (w, n) in sorted(entries.items())]
        )
        audit_record(
            actor=actor,
            action="core.calendar.year_imported",
            before={"year": year, "days": before},
            after={"year": year, "days": [_row_dict(r) for r in rows]},
            request=request,
        )
        return rows

    return _run_change({year}, body)
