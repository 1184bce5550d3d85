"""Special periods (R3.3): daily reports (zero allowed) and a 24-hour duty roster for every unit in scope while the
period is active; suggested from the Chinese holiday calendar."""

from __future__ import annotations

import datetime

import pytest

from xinfang.core.errors import DomainError
from xinfang.screening import selectors, services
from xinfang.screening.models import SpecialPeriod
from xinfang.screening.tests.conftest import at

D = datetime.date


OCT1, OCT3 = D(2026, 10, 1), D(2026, 10, 3)


def declare(world, code="c", start=OCT1, end=OCT3, scope=(), user=None, **kw):
    return services.special_period_declare(
        actor=world.user(user or f"{code}.chief"),
        unit=world.unit(code),
        name=kw.pop("name", "国庆期间"),
        kind=kw.pop("kind", "festival"),
        start_on=start,
        end_on=end,
        scope_units=[world.unit(s) for s in scope],
        **kw,
    )


def daily(world, username, on):
    return {o.unit.code: o for o in selectors.status_board(world.user(username), on) if o.period == "day"}


def test_daily_obligations_switch_on_and_off_with_the_period(world, clock):
    clock(D(2026, 9, 20))
    declare(world)
    assert daily(world, "c.officer", D(2026, 9, 30)) == {}
    on = daily(world, "c.officer", D(2026, 10, 1))
    assert set(on) == {"c", "d1", "d2", "d1b1", "d1b2", "d2b1", "d2b2"}
    assert {(o.period_start, o.due_on, o.state) for o in on.values()} == {(D(2026, 10, 1), D(2026, 10, 1), "not_due")}
    assert set(daily(world, "c.officer", D(2026, 10, 3))) == set(on)
    assert daily(world, "c.officer", D(2026, 10, 4)) == {}
    # the regular weekly obligation is still there beside the daily one
    rows = selectors.status_board(world.user("d1b1.officer"), D(2026, 10, 2))
    assert {(o.period, o.state) for o in rows} == {("week", "missing"), ("day", "not_due")}  # week 9/21 was due 9/28


def test_a_daily_zero_report_is_filed_and_late_ones_are_marked(world, clock):
    clock(D(2026, 9, 20))
    declare(world)
    clock(at(D(2026, 10, 1), 21))
    report = services.report_file(
        actor=world.user("d1b1.officer"),
        unit=world.unit("d1b1"),
        period="day",
        period_start=D(2026, 10, 1),
        is_zero=True,
    )
    assert report.due_on == D(2026, 10, 1) and not report.is_late
    clock(at(D(2026, 10, 3), 9))
    late = services.report_file(
        actor=world.user("d1b2.officer"),
        unit=world.unit("d1b2"),
        period="day",
        period_start=D(2026, 10, 2),
        is_zero=True,
    )
    assert late.is_late
    rows = daily(world, "d1.chief", D(2026, 10, 3))
    assert rows["d1b1"].state == "not_due"  # today's report not filed yet
    history = selectors.obligations_between(
        [world.unit("d1b1"), world.unit("d1b2")], D(2026, 10, 1), D(2026, 10, 3), D(2026, 10, 4)
    )
    states = {(o.unit.code, o.period_start): o.state for o in history if o.period == "day"}
    assert states == {
        ("d1b1", D(2026, 10, 1)): "submitted",
        ("d1b1", D(2026, 10, 2)): "missing",
        ("d1b1", D(2026, 10, 3)): "missing",
        ("d1b2", D(2026, 10, 1)): "missing",
        ("d1b2", D(2026, 10, 2)): "late",
        ("d1b2", D(2026, 10, 3)): "missing",
    }


def test_a_detachment_declares_for_its_own_area_only(world, clock):
    clock(D(2026, 9, 20))
    period = declare(world, "d1", name="重要活动期间", kind="event")
    assert set(daily(world, "c.officer", D(2026, 10, 1))) == {"d1", "d1b1", "d1b2"}
    with pytest.raises(DomainError) as e:
        declare(world, "d1", scope=["d2b1"])
    assert e.value.code == "invalid_scope"
    with pytest.raises(DomainError) as e:
        declare(world, "d1b1")
    assert e.value.code == "level_cannot_declare"
    with pytest.raises(DomainError) as e:
        declare(world, "d1", user="d1.officer")  # 信访干部 holds no screening.period.declare
    assert e.value.code == "forbidden"
    assert SpecialPeriod.objects.visible_to(world.user("d1b2.officer")).filter(pk=period.pk).exists()
    assert not SpecialPeriod.objects.visible_to(world.user("d2b1.officer")).filter(pk=period.pk).exists()


def test_scope_units_limit_the_period_and_its_visibility(world, clock):
    clock(D(2026, 9, 20))
    period = declare(world, "c", scope=["d1b1", "d2"])
    assert set(daily(world, "c.officer", D(2026, 10, 1))) == {"d1b1", "d2", "d2b1", "d2b2"}
    assert SpecialPeriod.objects.visible_to(world.user("d1b1.officer")).filter(pk=period.pk).exists()
    assert SpecialPeriod.objects.visible_to(world.user("d1.chief")).filter(pk=period.pk).exists()  # covers d1b1
    assert not SpecialPeriod.objects.visible_to(world.user("d1b2.officer")).filter(pk=period.pk).exists()


def test_ending_early_and_cancelling(world, clock):
    clock(D(2026, 9, 20))
    future = declare(world, start=D(2026, 10, 1), end=D(2026, 10, 7))
    services.special_period_end(actor=world.user("c.chief"), period=future, on=D(2026, 9, 20), reason="安排调整")
    future.refresh_from_db()
    assert future.cancelled_at is not None
    assert daily(world, "c.officer", D(2026, 10, 2)) == {}
    running = declare(world, start=D(2026, 9, 18), end=D(2026, 9, 30), name="敏感时期", kind="sensitive")
    services.special_period_end(actor=world.user("c.chief"), period=running, on=D(2026, 9, 21), reason="提前结束")
    running.refresh_from_db()
    assert running.end_on == D(2026, 9, 21)
    assert daily(world, "c.officer", D(2026, 9, 22)) == {}
    assert daily(world, "c.officer", D(2026, 9, 19))  # the days already past keep their obligations


def shift(world, period, code, start, end, officer=None, phone="0791-88880001"):
    return services.duty_shift_add(
        actor=world.user(f"{code}.officer"),
        special_period=period,
        unit=world.unit(code),
        starts_at=start,
        ends_at=end,
        officer=world.user(officer or f"{code}.officer"),
        phone=phone,
    )


def test_the_roster_must_cover_twenty_four_hours(world, clock):
    clock(D(2026, 9, 20))
    period = declare(world)
    day = D(2026, 10, 1)
    shift(world, period, "d1b1", at(day, 0), at(day, 8))
    shift(world, period, "d1b1", at(day, 8), at(day, 18), officer="d1b1.chief")
    rows = {r.unit.code: r for r in selectors.roster_status(world.user("d1.chief"), day)}
    assert set(rows) == {"d1", "d1b1", "d1b2"}
    assert rows["d1b1"].gaps == [(at(day, 18), at(day, 0) + datetime.timedelta(days=1))]
    assert rows["d1b2"].gaps == [(at(day, 0), at(day, 0) + datetime.timedelta(days=1))]
    shift(world, period, "d1b1", at(day, 18), at(day, 0) + datetime.timedelta(days=1), officer="d1b1.leader")
    rows = {r.unit.code: r for r in selectors.roster_status(world.user("d1.chief"), day)}
    assert rows["d1b1"].complete and not rows["d1b2"].complete
    assert selectors.roster_status(world.user("d1.chief"), D(2026, 10, 4)) == []


def test_shift_rules(world, clock):
    clock(D(2026, 9, 20))
    period = declare(world, scope=["d1"])
    day = D(2026, 10, 1)
    cases = [
        ("outside_period", dict(code="d1b1", start=at(D(2026, 9, 30), 20), end=at(day, 8))),
        ("shift_too_long", dict(code="d1b1", start=at(day, 0), end=at(D(2026, 10, 2), 8))),
        ("invalid_dates", dict(code="d1b1", start=at(day, 8), end=at(day, 8))),
        ("invalid_officer", dict(code="d1b1", start=at(day, 0), end=at(day, 8), officer="d1b2.officer")),
        ("not_in_scope", dict(code="d2b1", start=at(day, 0), end=at(day, 8))),
    ]
    for expected, kw in cases:
        with pytest.raises(DomainError) as e:
            shift(world, period, kw["code"], kw["start"], kw["end"], officer=kw.get("officer"))
        assert e.value.code == expected, expected


def test_holiday_suggestions_come_from_chinese_calendar(world):
    suggestions = selectors.holiday_suggestions(2026)
    names = [s.name for s in suggestions]
    assert "2026年春节期间" in names and "2026年国庆节期间" in names
    national = next(s for s in suggestions if s.name == "2026年国庆节期间")
    assert (national.start_on, national.end_on) == (D(2026, 9, 30), D(2026, 10, 7))
    spring = next(s for s in suggestions if s.name == "2026年春节期间")
    assert (spring.start_on, spring.end_on) == (D(2026, 2, 14), D(2026, 2, 23))
    assert selectors.holiday_suggestions(2099) == []


def test_one_click_declaration_of_a_holiday(world, clock):
    clock(D(2026, 9, 1))
    key = next(s.key for s in selectors.holiday_suggestions(2026) if s.name == "2026年国庆节期间")
    period = services.special_period_declare_holiday(actor=world.user("c.chief"), unit=world.unit("c"), key=key)
    assert (period.name, period.kind, period.start_on, period.end_on) == (
        "2026年国庆节期间",
        "festival",
        D(2026, 9, 30),
        D(2026, 10, 7),
    )
    with pytest.raises(DomainError) as e:
        services.special_period_declare_holiday(actor=world.user("c.chief"), unit=world.unit("c"), key=key)
    assert e.value.code == "duplicate_period"
    with pytest.raises(DomainError) as e:
        services.special_period_declare_holiday(actor=world.user("c.chief"), unit=world.unit("c"), key="2026-x-0101")
    assert e.value.code == "unknown_holiday"
