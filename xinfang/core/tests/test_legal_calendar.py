"""The legal calendar: every time limit of 《信访工作条例》 counted by 民法典 Art 201/203 on one calendar.

Real dates used (State Council arrangement for 2026, as shipped by chinese_calendar 1.11):
  国庆节 2026-10-01 (Thu) … 2026-10-07 (Wed) off; 调休 workdays Sun 2026-09-20 and Sat 2026-10-10;
  中秋 2026-09-25 … 27 off; 春节 2026-02-15 … 23 off, 调休 workdays Sat 2026-02-14 and Sat 2026-02-28.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xinfang.core import legal_calendar as lc
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent, CalendarDay

D = date


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The override cache lives in the process; test transactions roll back under it."""
    saved = list(lc._callbacks)
    lc._callbacks.clear()
    lc.calendar_changed()
    yield
    lc.calendar_changed()
    lc._callbacks[:] = saved


@pytest.fixture
def sysadmin(world):
    return world.user("sysadmin")


HYP = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# chinese_calendar's years plus two it does not know (weekend fallback).
any_day = st.dates(min_value=D(2004, 1, 1), max_value=D(2028, 12, 31))


# ----------------------------------------------------------------------------------------------
# The calendar itself


@pytest.mark.django_db
def test_national_day_2026_is_a_rest_week_and_its_make_up_days_are_workdays():
    for i in range(7):
        assert lc.is_rest_day(D(2026, 10, 1) + timedelta(days=i))
    assert lc.is_workday(D(2026, 9, 20))  # Sunday worked (调休)
    assert lc.is_workday(D(2026, 10, 10))  # Saturday worked (调休)
    assert lc.is_rest_day(D(2026, 10, 11))  # an ordinary Sunday
    assert lc.is_workday(D(2026, 10, 8))


@pytest.mark.django_db
def test_day_info_names_holidays_and_make_up_days_in_chinese():
    assert lc.day_info(D(2026, 10, 1)).name == "国庆节"
    assert lc.day_info(D(2026, 10, 10)).name == "国庆节调休"
    assert lc.day_info(D(2026, 10, 10)).is_adjusted_workday
    assert lc.day_info(D(2026, 10, 3)).is_holiday  # a Saturday, but part of the holiday
    assert not lc.day_info(D(2026, 10, 11)).is_holiday  # an ordinary Sunday
    assert lc.day_info(D(2026, 10, 1)).source == "builtin"


@pytest.mark.django_db
def test_year_calendar_lists_every_day_of_the_year():
    days = lc.year_calendar(2024)
    assert len(days) == 366
    assert days[0].day == D(2024, 1, 1) and days[-1].day == D(2024, 12, 31)
    assert [d.day for d in days if d.is_adjusted_workday] == [
        d for d in sorted(lc.chinese_calendar.workdays) if d.year == 2024 and d.weekday() >= 5
    ]


@pytest.mark.django_db
def test_unknown_year_falls_back_to_weekends_and_warns():
    assert lc.builtin_covers(2026) and not lc.builtin_covers(2027)
    assert lc.year_is_known(2026)
    assert not lc.year_is_known(2027)
    assert lc.is_workday(D(2027, 1, 1))  # a Friday: New Year's Day is unknown without an arrangement
    assert lc.is_rest_day(D(2027, 1, 2))  # Saturday
    assert lc.day_info(D(2027, 1, 2)).source == "weekend"
    assert lc.due_date(D(2026, 12, 17), 15) == D(2027, 1, 1)
    warning = lc.calendar_warning(D(2027, 1, 1))
    assert warning == "2027年节假日安排尚未录入，期限按周末推算，请系统管理员录入国务院公布的节假日安排。"
    assert lc.calendar_warning(D(2026, 12, 31)) is None
    assert lc.calendar_warning(None) is None


@pytest.mark.django_db
def test_entering_one_day_of_a_year_makes_the_year_known(sysadmin):
    lc.calendar_day_set(actor=sysadmin, day=D(2027, 1, 1), is_workday=False, name="元旦")
    assert lc.year_is_known(2027)
    assert lc.calendar_warning(D(2027, 6, 1)) is None
    assert lc.is_rest_day(D(2027, 1, 1))
    # The period ending on New Year's Day now ends on the next working day (Jan 2-3 are a weekend).
    assert lc.due_date(D(2026, 12, 17), 15) == D(2027, 1, 4)


# ----------------------------------------------------------------------------------------------
# Periods counted in days (民法典 Art 201, 203)


@pytest.mark.django_db
def test_acknowledgement_due_is_15_days_after_receipt_shifted_off_holidays():
    # Art 23: received Wed 2026-09-16 → day 15 is 2026-10-01 (国庆节) → ends on the first working day after it.
    assert lc.ack_due(D(2026, 9, 16)) == D(2026, 10, 8)
    # An ordinary case: received Mon 2026-03-02 → Tue 2026-03-17, not shifted.
    assert lc.ack_due(D(2026, 3, 2)) == D(2026, 3, 17)


@pytest.mark.django_db
def test_start_day_is_not_counted():
    # Art 201: a 1-day period starting on Monday ends on Tuesday.
    assert lc.due_date(D(2026, 3, 2), 1) == D(2026, 3, 3)
    assert lc.due_date(D(2026, 3, 2), 15) == D(2026, 3, 17)


@pytest.mark.django_db
def test_period_ending_on_a_weekend_moves_to_monday():
    # Ends on Sat 2026-03-14 → Mon 2026-03-16.
    assert lc.due_date(D(2026, 2, 27), 15) == D(2026, 3, 16)


@pytest.mark.django_db
def test_period_ending_on_a_make_up_working_saturday_is_not_shifted():
    # Sat 2026-02-14 is a 调休 working day: the period ends on it.
    assert lc.due_date(D(2026, 1, 30), 15) == D(2026, 2, 14)


@pytest.mark.django_db
def test_period_ending_in_spring_festival_ends_after_the_whole_holiday():
    # Day 15 is Sun 2026-02-15 (春节, off until Mon 02-23) → Tue 2026-02-24.
    assert lc.due_date(D(2026, 1, 31), 15) == D(2026, 2, 24)


@pytest.mark.django_db
def test_conclusion_due_is_60_days_after_acceptance():
    # Art 34: accepted Mon 2026-03-02 → Fri 2026-05-01 is 劳动节 (off to 05-05) → Wed 2026-05-06.
    assert lc.conclusion_due(D(2026, 3, 2)) == D(2026, 5, 6)
    assert lc.conclusion_due(D(2026, 3, 9)) == D(2026, 5, 8)  # Fri 2026-05-08, a working day


@pytest.mark.django_db
def test_extension_lengthens_the_period_from_acceptance_not_the_shifted_date():
    # Accepted 2026-08-02: day 60 is 2026-10-01 (国庆节), so the base due date is shifted to 2026-10-08.
    accepted = D(2026, 8, 2)
    assert accepted + timedelta(days=60) == D(2026, 10, 1)
    assert lc.due_date(accepted, 60) == D(2026, 10, 8)
    # Extended by 7 days: the period is 67 days from acceptance → Thu 2026-10-08.
    assert lc.extended_due(accepted, 60, 7) == D(2026, 10, 8)
    # The wrong way (extension added to the holiday-shifted date) would give 2026-10-15.
    wrong = lc.due_date(lc.due_date(accepted, 60), 7)
    assert wrong == D(2026, 10, 15)
    assert lc.extended_due(accepted, 60, 7) != wrong
    # Extended by 30 days: 90 days from acceptance → Sat 2026-10-31 → Mon 2026-11-02.
    assert lc.conclusion_due(accepted, 30) == D(2026, 11, 2)


@pytest.mark.django_db
def test_review_due_is_30_days_after_receipt():
    # Art 35: received Mon 2026-06-01 → Wed 2026-07-01.
    assert lc.review_due(D(2026, 6, 1)) == D(2026, 7, 1)


@pytest.mark.django_db
def test_review_due_excludes_hearing_days():
    # Art 36: a 5-day hearing lengthens the 30-day period: → Mon 2026-07-06.
    assert lc.review_due(D(2026, 6, 1), hearing_days=5) == D(2026, 7, 6)
    # … and the result is still shifted off rest days: 30 + 4 = Sun 2026-07-05 → Mon 2026-07-06.
    assert lc.review_due(D(2026, 6, 1), hearing_days=4) == D(2026, 7, 6)
    with pytest.raises(ValueError):
        lc.review_due(D(2026, 6, 1), hearing_days=-1)


@pytest.mark.django_db
def test_review_request_window_is_30_days_after_delivery():
    # Art 35: opinion delivered Tue 2026-09-01 → day 30 is Thu 2026-10-01 (国庆节) → 2026-10-08.
    assert lc.review_request_due(D(2026, 9, 1)) == D(2026, 10, 8)


@pytest.mark.django_db
def test_negative_periods_are_refused():
    with pytest.raises(ValueError):
        lc.due_date(D(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        lc.extended_due(D(2026, 1, 5), 60, -1)
    with pytest.raises(ValueError):
        lc.add_working_days(D(2026, 1, 5), 0)


@pytest.mark.django_db
def test_calendar_counting_setting_never_shifts(settings):
    settings.XINFANG_DEADLINE_COUNTING = "calendar"
    assert lc.ack_due(D(2026, 9, 16)) == D(2026, 10, 1)
    assert lc.extended_due(D(2026, 8, 2), 60, 0) == D(2026, 10, 1)
    assert lc.extended_due(D(2026, 8, 2), 60, 6) == D(2026, 10, 7)
    # Working days stay working days whatever the setting (Art 23).
    assert lc.objection_due(D(2026, 9, 30)) == D(2026, 10, 13)


def test_unknown_counting_setting_is_refused(settings):
    settings.XINFANG_DEADLINE_COUNTING = "lunar"
    with pytest.raises(ImproperlyConfigured):
        lc.due_date(D(2026, 1, 5), 15)


def test_default_counting_is_civil_code(settings):
    if hasattr(settings, "XINFANG_DEADLINE_COUNTING"):
        del settings.XINFANG_DEADLINE_COUNTING
    assert lc.counting_mode() == "civil_code"


# ----------------------------------------------------------------------------------------------
# Working days (Art 23)


@pytest.mark.django_db
def test_five_working_days_objection_skips_national_day():
    # Forwarded letter received Wed 2026-09-30. Working days after it: Thu 10-08, Fri 10-09,
    # Sat 10-10 (调休), Mon 10-12, Tue 10-13.
    assert lc.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)
    assert lc.objection_due(D(2026, 9, 30)) == D(2026, 10, 13)


@pytest.mark.django_db
def test_working_days_count_the_make_up_sunday_before_national_day():
    # Received Fri 2026-09-18: Sun 09-20 is worked (调休), Mid-autumn 09-25..27 is off.
    # Working days: 09-20, 09-21, 09-22, 09-23, 09-24.
    assert lc.add_working_days(D(2026, 9, 18), 5) == D(2026, 9, 24)
    assert lc.add_working_days(D(2026, 9, 18), 6) == D(2026, 9, 28)


@pytest.mark.django_db
def test_working_days_skip_weekends():
    assert lc.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Fri → Mon
    assert lc.add_working_days(D(2026, 3, 2), 5) == D(2026, 3, 9)  # Mon → next Mon


# ----------------------------------------------------------------------------------------------
# Properties (hypothesis)


@pytest.mark.django_db
@HYP
@given(start=any_day, days=st.integers(min_value=0, max_value=120))
def test_a_due_date_is_never_a_rest_day(start, days):
    assert lc.is_workday(lc.due_date(start, days))


@pytest.mark.django_db
@HYP
@given(start=any_day, days=st.integers(min_value=1, max_value=120))
def test_the_start_day_is_never_counted(start, days):
    due = lc.due_date(start, days)
    assert due > start + timedelta(days=days - 1)
    end = start + timedelta(days=days)
    if lc.is_workday(end):
        assert due == end
    else:
        # Shifted to the NEXT working day, not any later one.
        span = (due - end).days
        assert all(lc.is_rest_day(end + timedelta(days=i)) for i in range(span))


@pytest.mark.django_db
@HYP
@given(start=any_day, days=st.integers(min_value=0, max_value=120))
def test_calendar_counting_is_start_plus_days(settings, start, days):
    settings.XINFANG_DEADLINE_COUNTING = "calendar"
    assert lc.due_date(start, days) == start + timedelta(days=days)


@pytest.mark.django_db
@HYP
@given(
    accepted=any_day,
    first=st.integers(min_value=0, max_value=30),
    second=st.integers(min_value=0, max_value=30),
)
def test_extended_due_is_monotonic_and_never_later_than_shifting_twice(accepted, first, second):
    small, large = sorted((first, second))
    assert lc.extended_due(accepted, 60, small) <= lc.extended_due(accepted, 60, large)
    assert lc.extended_due(accepted, 60, large) == lc.due_date(accepted, 60 + large)
    assert lc.extended_due(accepted, 60, large) <= lc.due_date(lc.due_date(accepted, 60), large)
    assert lc.extended_due(accepted, 60, 0) == lc.due_date(accepted, 60)


@pytest.mark.django_db
@HYP
@given(start=any_day, n=st.integers(min_value=1, max_value=20))
def test_add_working_days_counts_exactly_n_working_days(start, n):
    end = lc.add_working_days(start, n)
    assert lc.is_workday(end)
    span = (end - start).days
    worked = [start + timedelta(days=i) for i in range(1, span + 1) if lc.is_workday(start + timedelta(days=i))]
    assert len(worked) == n


@given(offset=st.integers(min_value=-400, max_value=400))
def test_due_state_bounds_select_exactly_the_dates_of_that_state(offset):
    today = D(2026, 6, 15)
    due = today + timedelta(days=offset)
    state = lc.due_state(due, today)
    for other in lc.DUE_STATES:
        if other == lc.DUE_NONE:
            continue
        low, high = lc.due_state_bounds(other, today)
        inside = (low is None or due >= low) and (high is None or due <= high)
        assert inside == (other == state)


# ----------------------------------------------------------------------------------------------
# Due states


@pytest.mark.parametrize(
    ("days_left", "state"),
    [
        (30, "ok"),
        (8, "ok"),
        (7, "due_7"),
        (4, "due_7"),
        (3, "due_3"),
        (2, "due_3"),
        (1, "due_1"),
        (0, "due_1"),
        (-1, "overdue"),
        (-100, "overdue"),
    ],
)
def test_due_state_thresholds(days_left, state):
    today = D(2026, 6, 15)
    assert lc.due_state(today + timedelta(days=days_left), today) == state


def test_overdue_is_computed_from_dates_only():
    assert lc.due_state(None, D(2026, 6, 15)) == "none"
    assert lc.due_state(D(2026, 6, 15), D(2026, 6, 15)) == "due_1"  # the last day is still in time
    assert lc.due_state(D(2026, 6, 15), D(2026, 6, 16)) == "overdue"
    assert lc.days_left(D(2026, 6, 15), D(2026, 6, 10)) == 5


def test_due_state_labels_are_chinese():
    assert lc.DUE_STATE_LABELS["overdue"] == "已逾期"
    assert lc.DUE_STATE_LABELS["due_1"] == "1日内到期"
    assert lc.DUE_STATE_LABELS["due_3"] == "3日内到期"
    assert lc.DUE_STATE_LABELS["due_7"] == "7日内到期"
    assert lc.DUE_STATE_LABELS["ok"] == "正常"
    assert set(lc.DUE_STATES) == set(lc.DUE_STATE_LABELS) == set(lc.DUE_STATE_COLORS)
    with pytest.raises(ValueError):
        lc.due_state_bounds("none", D(2026, 6, 15))


# ----------------------------------------------------------------------------------------------
# Overrides: cache, services, callbacks


@pytest.mark.django_db
def test_a_year_of_overrides_is_loaded_in_one_query_and_cached(django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT day, is_workday, name FROM core_calendarday WHERE day in 2026
        lc.is_rest_day(D(2026, 10, 1))
        lc.add_working_days(D(2026, 9, 18), 20)
        lc.year_calendar(2026)
    with django_assert_num_queries(0):
        lc.is_rest_day(D(2026, 5, 1))
    lc.calendar_changed()
    with django_assert_num_queries(1):
        lc.is_rest_day(D(2026, 5, 1))


@pytest.mark.django_db
def test_db_override_changes_the_result_after_calendar_changed():
    assert lc.is_workday(D(2026, 10, 9))
    CalendarDay.objects.create(day=D(2026, 10, 9), is_workday=False, name="测试")
    assert lc.is_workday(D(2026, 10, 9))  # cached: changes must go through the services
    lc.calendar_changed()
    assert lc.is_rest_day(D(2026, 10, 9))
    assert lc.day_info(D(2026, 10, 9)).source == "override"


@pytest.mark.django_db
def test_override_wins_over_the_builtin_calendar_and_fires_callbacks(sysadmin):
    calls = []

    @lc.on_calendar_change
    def recompute(years):
        # Inside the service's transaction, with the cache already reflecting the change.
        calls.append((years, lc.is_rest_day(D(2026, 10, 9)), CalendarDay.objects.filter(day=D(2026, 10, 9)).exists()))

    assert lc.objection_due(D(2026, 9, 30)) == D(2026, 10, 13)
    row = lc.calendar_day_set(actor=sysadmin, day=D(2026, 10, 9), is_workday=False, name="临时调整")
    assert calls == [({2026}, True, True)]
    assert row.name == "临时调整"
    # Working days now: 10-08, 10-10 (调休), 10-12, 10-13, 10-14.
    assert lc.objection_due(D(2026, 9, 30)) == D(2026, 10, 14)

    lc.calendar_day_set(actor=sysadmin, day=D(2026, 10, 9), is_workday=True, name="恢复上班")
    assert CalendarDay.objects.get(day=D(2026, 10, 9)).is_workday
    assert lc.objection_due(D(2026, 9, 30)) == D(2026, 10, 13)

    lc.calendar_day_delete(actor=sysadmin, day=D(2026, 10, 9))
    assert not CalendarDay.objects.filter(day=D(2026, 10, 9)).exists()
    assert len(calls) == 3 and all(c[0] == {2026} for c in calls)


@pytest.mark.django_db
def test_override_can_make_a_statutory_holiday_a_workday(sysadmin):
    lc.calendar_day_set(actor=sysadmin, day=D(2026, 10, 1), is_workday=True, name="测试")
    assert lc.is_workday(D(2026, 10, 1))
    assert lc.ack_due(D(2026, 9, 16)) == D(2026, 10, 1)


@pytest.mark.django_db
def test_registering_a_callback_twice_calls_it_once(sysadmin):
    calls = []

    def recompute(years):
        calls.append(years)

    lc.on_calendar_change(recompute)
    lc.on_calendar_change(recompute)
    lc.calendar_day_set(actor=sysadmin, day=D(2027, 3, 1), is_workday=False)
    assert calls == [{2027}]


@pytest.mark.django_db
def test_a_failing_callback_rolls_back_the_change_and_the_cache(sysadmin):
    def broken(years):
        assert lc.is_rest_day(D(2026, 10, 9))  # the cache saw the uncommitted row
        raise RuntimeError("recompute failed")

    lc.on_calendar_change(broken)
    with pytest.raises(RuntimeError):
        lc.calendar_day_set(actor=sysadmin, day=D(2026, 10, 9), is_workday=False)
    assert not CalendarDay.objects.filter(day=D(2026, 10, 9)).exists()
    assert not AuditEvent.objects.filter(action="core.calendar.day_set").exists()
    assert lc.is_workday(D(2026, 10, 9))


@pytest.mark.django_db
def test_calendar_changes_are_audited(sysadmin):
    lc.calendar_day_set(actor=sysadmin, day=D(2027, 1, 1), is_workday=False, name="元旦")
    lc.calendar_day_set(actor=sysadmin, day=D(2027, 1, 1), is_workday=False, name="元旦节")
    lc.calendar_day_delete(actor=sysadmin, day=D(2027, 1, 1))
    events = list(AuditEvent.objects.filter(action__startswith="core.calendar.").order_by("id"))
    assert [e.action for e in events] == ["core.calendar.day_set", "core.calendar.day_set", "core.calendar.day_deleted"]
    assert events[0].before is None
    assert events[0].after == {"day": "2027-01-01", "is_workday": False, "name": "元旦"}
    assert events[1].before["name"] == "元旦" and events[1].after["name"] == "元旦节"
    assert events[2].before["name"] == "元旦节"
    assert all(e.actor_id == sysadmin.pk for e in events)


@pytest.mark.django_db
def test_deleting_a_day_without_override_is_refused(sysadmin):
    with pytest.raises(DomainError) as exc:
        lc.calendar_day_delete(actor=sysadmin, day=D(2027, 1, 1))
    assert exc.value.code == "not_found"


@pytest.mark.django_db
def test_an_overlong_name_is_refused(sysadmin):
    with pytest.raises(DomainError) as exc:
        lc.calendar_day_set(actor=sysadmin, day=D(2027, 1, 1), is_workday=False, name="节" * 51)
    assert exc.value.field == "name"


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["d1b1.officer", "c.chief", "c.leader", "secadmin", "auditor"])
def test_only_a_calendar_manager_may_change_the_calendar(world, username):
    user = world.user(username)
    with pytest.raises(DomainError) as exc:
        lc.calendar_day_set(actor=user, day=D(2027, 1, 1), is_workday=False)
    assert exc.value.code == "forbidden"
    with pytest.raises(DomainError):
        lc.calendar_import_year(actor=user, year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[])
    assert not CalendarDay.objects.exists()
    assert not lc.can_manage_calendar(user)


@pytest.mark.django_db
def test_a_system_administrator_below_the_corps_cannot_change_the_corps_calendar(world):
    from xinfang.orgs.models import Post, User
    from xinfang.orgs.roles import Role

    admin = User.objects.create_user(username="d1.sysadmin", password="x", name="支队管理员", unit=world.unit("d1"))
    Post.objects.create(user=admin, unit=world.unit("d1"), role=Role.SYSADMIN, start_on=D(2020, 1, 1))
    with pytest.raises(DomainError):
        lc.calendar_day_set(actor=admin, day=D(2027, 1, 1), is_workday=False)
    assert lc.can_manage_calendar(world.user("sysadmin"))


@pytest.mark.django_db
def test_importing_a_year_enters_the_state_council_arrangement(sysadmin):
    calls = []
    lc.on_calendar_change(calls.append)
    holidays = [(D(2027, 1, 1), "元旦"), (D(2027, 2, 8), "春节"), (D(2027, 2, 9), "春节")]
    workdays = [(D(2027, 2, 6), "春节调休")]
    rows = lc.calendar_import_year(actor=sysadmin, year=2027, holidays=holidays, workdays=workdays)
    assert [r.day for r in rows] == [D(2027, 1, 1), D(2027, 2, 6), D(2027, 2, 8), D(2027, 2, 9)]
    assert calls == [{2027}]
    assert lc.year_is_known(2027)
    assert lc.is_rest_day(D(2027, 2, 8))
    assert lc.is_workday(D(2027, 2, 6))  # a Saturday worked
    assert lc.day_info(D(2027, 2, 6)).name == "春节调休"
    # Received Thu 2027-01-21: day 15 is Fri 2027-02-05 → not shifted; day 18 Mon 02-08 (春节) → Wed 02-10.
    assert lc.due_date(D(2027, 1, 21), 15) == D(2027, 2, 5)
    assert lc.due_date(D(2027, 1, 21), 18) == D(2027, 2, 10)
    event = AuditEvent.objects.get(action="core.calendar.year_imported")
    assert event.after["year"] == 2027 and len(event.after["days"]) == 4


@pytest.mark.django_db
def test_reimporting_a_year_replaces_its_overrides(sysadmin):
    lc.calendar_day_set(actor=sysadmin, day=D(2027, 5, 3), is_workday=False, name="旧")
    lc.calendar_day_set(actor=sysadmin, day=D(2028, 1, 3), is_workday=False, name="另一年")
    lc.calendar_import_year(actor=sysadmin, year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[])
    assert set(CalendarDay.objects.values_list("day", flat=True)) == {D(2027, 1, 1), D(2028, 1, 3)}
    assert lc.is_workday(D(2027, 5, 3))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ([(D(2028, 1, 1), "元旦")], [], "不在2027年内"),
        ([(D(2027, 1, 1), "元旦")], [(D(2027, 1, 1), "调休")], "重复录入"),
        ([], [], "没有可导入的日期"),
    ],
)
def test_an_invalid_import_is_refused_and_changes_nothing(sysadmin, holidays, workdays, message):
    lc.calendar_day_set(actor=sysadmin, day=D(2027, 5, 3), is_workday=False, name="旧")
    with pytest.raises(DomainError) as exc:
        lc.calendar_import_year(actor=sysadmin, year=2027, holidays=holidays, workdays=workdays)
    assert message in exc.value.message
    assert list(CalendarDay.objects.values_list("day", flat=True)) == [D(2027, 5, 3)]


@pytest.mark.django_db
def test_a_calendar_without_working_days_is_reported_not_looped_forever(sysadmin):
    first = D(2027, 3, 1)
    lc.calendar_import_year(
        actor=sysadmin, year=2027, holidays=[(first + timedelta(days=i), "错") for i in range(70)], workdays=[]
    )
    with pytest.raises(DomainError) as exc:
        lc.due_date(D(2027, 2, 27), 5)
    assert exc.value.code == "calendar_invalid"
    with pytest.raises(DomainError):
        lc.add_working_days(D(2027, 2, 27), 5)


@pytest.mark.django_db
def test_calendar_day_is_unique():
    CalendarDay.objects.create(day=D(2027, 1, 1), is_workday=False)
    with pytest.raises(IntegrityError):
        CalendarDay.objects.create(day=D(2027, 1, 1), is_workday=True)
