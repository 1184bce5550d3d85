"""Deadlines (Art 23, 34, 35, 36) from the one legal calendar; stored due dates follow calendar changes."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xinfang.cases import services
from xinfang.cases.models import Case, CaseEvent, Status, Transfer
from xinfang.cases.selectors import case_detail
from xinfang.cases.tests.factories import advance, register
from xinfang.core import legal_calendar as lc
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent

D = datetime.date


def test_acknowledgement_is_due_15_days_after_receipt(world):
    case = register(world, received_on=D(2026, 9, 16))
    # 09-16 + 15 = 10-01, 国庆节 (10-01…10-07) → the first working day after it, 10-08
    assert case.ack_due == D(2026, 10, 8)


def test_stored_due_dates_are_recomputed_when_the_calendar_changes(world):
    officer = world.user("d1b1.officer")
    registered = register(world, received_on=D(2026, 3, 2))  # ack due Tue 03-17
    accepted = services.case_accept(actor=officer, case=register(world), accepted_on=D(2026, 3, 4))  # due Wed 05-06
    closed = advance(world, register(world), Status.CONCLUDED, accepted_on=D(2026, 3, 4))
    closed_due = Case.objects.get(pk=closed.pk).due
    sysadmin = world.user("sysadmin")
    lc.calendar_day_set(actor=sysadmin, day=D(2026, 3, 17), is_workday=False, name="临时调整")
    lc.calendar_day_set(actor=sysadmin, day=D(2026, 5, 6), is_workday=False, name="临时调整")
    assert Case.objects.get(pk=registered.pk).ack_due == D(2026, 3, 18)
    assert Case.objects.get(pk=accepted.pk).due == D(2026, 5, 7)
    assert Case.objects.get(pk=closed.pk).due == closed_due  # closed cases keep their history
    assert CaseEvent.objects.filter(case=accepted, action="due_recomputed").count() == 1
    assert AuditEvent.objects.filter(action="cases.due_dates.recomputed").exists()
    # and back again when the override is removed
    lc.calendar_day_delete(actor=sysadmin, day=D(2026, 5, 6))
    assert Case.objects.get(pk=accepted.pk).due == D(2026, 5, 6)


def test_extended_due_is_recomputed_from_acceptance_with_the_extension(world):
    officer = world.user("d1b1.officer")
    case = services.case_accept(actor=officer, case=register(world), accepted_on=D(2026, 3, 4))
    services.case_extend(
        actor=officer,
        case=case,
        days=10,
        reason="复杂",
        approved_by=world.user("d1b1.chief"),
        notified_on=D(2026, 4, 1),
    )
    assert Case.objects.get(pk=case.pk).due == D(2026, 5, 13)
    lc.calendar_day_set(actor=world.user("sysadmin"), day=D(2026, 5, 13), is_workday=False, name="调整")
    assert Case.objects.get(pk=case.pk).due == D(2026, 5, 14)


def test_objection_limit_of_a_pending_transfer_is_recomputed(world):
    case = register(world, "d1")
    transfer = services.case_forward(
        actor=world.user("d1.officer"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4)
    )
    assert transfer.objection_due == D(2026, 3, 11)
    lc.calendar_day_set(actor=world.user("sysadmin"), day=D(2026, 3, 9), is_workday=False, name="调整")
    assert Transfer.objects.get(pk=transfer.pk).objection_due == D(2026, 3, 12)


def test_a_due_date_in_a_year_the_calendar_does_not_know_carries_a_warning(world):
    officer = world.user("d1b1.officer")
    case = services.case_accept(
        actor=officer, case=register(world, received_on=D(2026, 11, 20)), accepted_on=D(2026, 11, 23)
    )
    assert case.due.year == 2027
    if lc.year_is_known(2027):  # a newer chinese_calendar may know 2027
        return
    assert case.due == D(2027, 1, 22)  # 11-23 + 60 = Fri 2027-01-22 (weekends only)
    detail = case_detail(officer, case.pk)
    assert detail.warnings and "2027" in detail.warnings[0]
    # the admin enters the State Council's arrangement: the stored date follows
    lc.calendar_day_set(actor=world.user("sysadmin"), day=D(2027, 1, 22), is_workday=False, name="假日")
    assert Case.objects.get(pk=case.pk).due == D(2027, 1, 25)
    assert case_detail(officer, case.pk).warnings == []


HYP = hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYP
@given(extensions=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=5))
def test_extensions_never_exceed_30_days_in_total_and_due_is_never_a_rest_day(world, extensions):
    officer = world.user("d1b1.officer")
    case = services.case_accept(actor=officer, case=register(world), accepted_on=D(2026, 3, 4))
    total = 0
    for days in extensions:
        try:
            services.case_extend(
                actor=officer,
                case=case,
                days=days,
                reason="复杂",
                approved_by=world.user("d1b1.chief"),
                notified_on=D(2026, 3, 5),
            )
        except DomainError as exc:
            assert exc.code == "extension_limit" and total + days > 30
            continue
        total += days
        stored = Case.objects.get(pk=case.pk)
        assert stored.extension_days == total <= 30
        assert stored.due == lc.extended_due(D(2026, 3, 4), 60, total)
        assert not lc.is_rest_day(stored.due)
        assert stored.due >= D(2026, 3, 4) + datetime.timedelta(days=60 + total)
