"""Filing a screening report (R3.2): items or an explicit 零报告, one report per unit and period, no future periods,
late filings recorded as late."""

from __future__ import annotations

import datetime

import pytest

from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.screening import services
from xinfang.screening.models import ScreeningReport
from xinfang.screening.tests.conftest import conflict

D = datetime.date


MAR2 = D(2026, 3, 2)


def file(world, code="d1b1", period="week", start=MAR2, zero=False, items=(), user=None):
    return services.report_file(
        actor=world.user(user or f"{code}.officer"),
        unit=world.unit(code),
        period=period,
        period_start=start,
        is_zero=zero,
        conflicts=list(items),
    )


def refused(expected, fn, *args, **kw):
    with pytest.raises(DomainError) as e:
        fn(*args, **kw)
    assert e.value.code == expected, e.value.message
    return e.value


def test_a_zero_report_is_declared_explicitly(world, clock):
    clock(D(2026, 3, 9))
    report = file(world, zero=True)
    assert report.is_zero and not report.items.exists()
    assert (report.period_start, report.period_end, report.due_on) == (D(2026, 3, 2), D(2026, 3, 8), D(2026, 3, 9))
    assert report.is_late is False
    assert AuditEvent.objects.filter(action="screening.report.filed", target_id=str(report.pk)).exists()


def test_an_empty_report_is_not_a_zero_report(world, clock):
    clock(D(2026, 3, 9))
    error = refused("empty_report", file, world, zero=False, items=())
    assert "空报告不是零报告" in error.message
    assert not ScreeningReport.objects.exists()


def test_a_zero_report_cannot_list_items(world, clock):
    clock(D(2026, 3, 9))
    c = conflict(world)
    refused("zero_with_items", file, world, zero=True, items=[c])


def test_a_second_report_for_the_same_unit_and_period_is_refused(world, clock):
    clock(D(2026, 3, 9))
    file(world, zero=True)
    c = conflict(world)
    refused("duplicate_report", file, world, items=[c])
    assert ScreeningReport.objects.count() == 1


def test_a_report_for_a_future_period_is_refused(world, clock):
    clock(D(2026, 3, 9))
    refused("future_period", file, world, start=D(2026, 3, 16), zero=True)


def test_the_current_period_may_be_filed_early(world, clock):
    clock(D(2026, 3, 13))
    report = file(world, start=D(2026, 3, 9), zero=True)
    assert report.due_on == D(2026, 3, 16) and not report.is_late


def test_period_kind_and_start_follow_the_unit_rule(world, clock):
    clock(D(2026, 3, 20))
    refused("wrong_period", file, world, period="month", start=D(2026, 3, 1), zero=True)
    refused("wrong_period", file, world, code="d1", period="week", start=D(2026, 3, 2), zero=True)
    refused("invalid_period_start", file, world, start=D(2026, 3, 3), zero=True)
    refused("invalid_period_start", file, world, code="d1", period="month", start=D(2026, 3, 2), zero=True)
    refused("no_special_period", file, world, period="day", start=D(2026, 3, 3), zero=True)


def test_a_report_filed_after_its_due_date_is_late(world, clock):
    clock(D(2026, 4, 8))
    # week 3/30–4/5 is due 4/7 (4/6 is 清明节)
    report = file(world, start=D(2026, 3, 30), zero=True)
    assert report.due_on == D(2026, 4, 7) and report.is_late
    clock(D(2026, 4, 7))
    on_time = file(world, code="d1b2", start=D(2026, 3, 30), zero=True)
    assert not on_time.is_late


def test_items_must_be_conflicts_of_the_unit_area(world, clock):
    clock(D(2026, 3, 9))
    other = conflict(world, "d1b2")
    refused("invalid_conflict", file, world, items=[other])
    mine = conflict(world)
    report = file(world, items=[mine, mine.pk])
    assert [i.conflict_id for i in report.items.all()] == [mine.pk]


def test_items_keep_a_snapshot_and_know_when_they_are_new(world, clock):
    clock(D(2026, 3, 9))
    c = conflict(world, risk_level="serious", collective_risk=True)
    first = file(world, items=[c])
    item = first.items.get()
    assert (item.is_new, item.risk_level, item.collective_risk, item.status) == (True, "serious", True, "pending")
    clock(D(2026, 3, 16))
    services.conflict_progress_add(
        actor=world.user("d1b1.officer"), conflict=c, on=D(2026, 3, 12), note="已化解", status="resolved"
    )
    second = file(world, start=D(2026, 3, 9), items=[c])
    item = second.items.get()
    assert (item.is_new, item.status) == (False, "resolved")
    assert first.items.get().status == "pending"  # the earlier snapshot is kept


def test_a_detachment_may_list_conflicts_of_its_brigades(world, clock):
    clock(D(2026, 4, 3))
    c = conflict(world, "d1b1")
    report = file(world, code="d1", period="month", start=D(2026, 3, 1), items=[c])
    assert report.items.get().conflict == c


def test_filing_needs_the_report_permission_at_the_unit(world, clock):
    clock(D(2026, 3, 9))
    refused("forbidden", file, world, code="d1b1", zero=True, user="d1b2.officer")
    refused("forbidden", file, world, code="d1", period="month", start=D(2026, 3, 1), zero=True, user="d1b1.officer")
    refused("forbidden", file, world, code="d1b1", zero=True, user="sysadmin")


def test_a_higher_unit_may_file_for_a_unit_below_it(world, clock):
    clock(D(2026, 3, 9))
    report = file(world, code="d1b1", zero=True, user="d1.officer")
    assert report.unit == world.unit("d1b1")
