"""send_reminders (R6.2): due in 7/3/1 days and overdue, acknowledgements due — each sent once per deadline and
stage, to the right people, however often the job runs; nothing about cases a person must not see."""

from __future__ import annotations

import datetime
import sys
import types

import pytest
from django.core.management import call_command

from xinfang.cases import services
from xinfang.cases.models import Case, Category
from xinfang.cases.tests.factories import RECEIVED, advance, register
from xinfang.notifications import reminders
from xinfang.notifications.models import Notification
from xinfang.notifications.reminders import Reminder, send_reminders

D = datetime.date
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def cases_only(monkeypatch):
    """These tests count the case reminders; the other parts' producers are tested in test_part_reminders.py."""
    from xinfang.notifications import part_reminders

    monkeypatch.setattr(part_reminders, "PRODUCERS", ())


def accepted(world, code: str = "d1b1", **kw) -> Case:
    case = register(world, code, **kw)
    return advance(world, case, "accepted", accepted_on=RECEIVED + 3 * DAY)


def inbox(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "dedupe_key"))


def test_due_soon_at_7_3_1_days_to_the_handler_then_overdue_to_handler_chief_and_leader(world):
    case = accepted(world)
    officer, chief, leader = world.user("d1b1.officer"), world.user("d1b1.chief"), world.user("d1b1.leader")
    assert case.handler_id == officer.pk and case.due is not None
    due = case.due

    assert send_reminders(due - 10 * DAY).sent == 0
    assert send_reminders(due - 7 * DAY).sent == 1
    assert send_reminders(due - 7 * DAY).sent == 0  # the same day again: nothing twice
    assert send_reminders(due - 5 * DAY).sent == 0  # still the 7-day stage
    assert send_reminders(due - 3 * DAY).sent == 1
    assert send_reminders(due - 1 * DAY).sent == 1
    assert send_reminders(due).sent == 0  # due today: the 1-day stage, already sent
    assert [k for k, _ in inbox(officer)] == ["case.due_soon"] * 3
    assert inbox(chief) == [] and inbox(leader) == []

    result = send_reminders(due + DAY)
    assert result.sent == 3 and result.by_kind["case.overdue"] == 3
    assert send_reminders(due + 2 * DAY).sent == 0
    for user in (officer, chief, leader):
        assert ("case.overdue", f"case:{case.pk}:overdue:{due.isoformat()}") in inbox(user)
    # nobody outside the unit hears of it
    assert Notification.objects.exclude(recipient__in=[officer, chief, leader]).count() == 0
    message = Notification.objects.get(recipient=chief)
    assert case.number in message.title and message.url == f"/cases/{case.pk}/"


def test_a_missed_day_is_caught_up_with_the_current_stage_only(world):
    case = accepted(world)
    due = case.due
    # the job did not run for a week: on the day before the due date only the 1-day reminder goes out
    result = send_reminders(due - DAY)
    assert result.sent == 1
    assert Notification.objects.get().dedupe_key == f"case:{case.pk}:due:{due.isoformat()}:1"


def test_an_extension_moves_the_deadline_and_the_reminders_with_it(world):
    case = accepted(world)
    old_due = case.due
    send_reminders(old_due - 3 * DAY)
    services.case_extend(
        actor=world.user("d1b1.officer"),
        case=case,
        days=30,
        reason="案情复杂，需进一步调查",
        approved_by=world.user("d1b1.chief"),
        notified_on=old_due - 3 * DAY,
    )
    case.refresh_from_db()
    assert case.due > old_due
    assert send_reminders(old_due + DAY).sent == 0  # not overdue any more
    assert send_reminders(case.due - 3 * DAY).sent == 1  # the new deadline has its own reminders


def test_ack_due_reminders_go_to_the_unit_officers_and_overdue_also_to_the_leads(world):
    case = register(world, "d2b1")
    officer, chief, leader = world.user("d2b1.officer"), world.user("d2b1.chief"), world.user("d2b1.leader")
    ack = case.ack_due
    assert send_reminders(ack - 5 * DAY).sent == 0
    assert send_reminders(ack - 3 * DAY).sent == 1
    assert send_reminders(ack - DAY).sent == 1
    assert [k for k, _ in inbox(officer)] == ["case.ack_due", "case.ack_due"]
    assert send_reminders(ack + DAY).sent == 3
    assert ("case.ack_overdue", f"case:{case.pk}:ack-overdue:{ack.isoformat()}") in inbox(leader)
    assert inbox(chief)[0][0] == "case.ack_overdue"
    # accepted in the end: the acknowledgement reminders stop
    advance(world, case, "accepted", accepted_on=ack)
    assert send_reminders(ack + 2 * DAY).sent == 0


def test_the_recused_and_the_accused_get_no_reminder(world):
    case = accepted(world)
    officer = world.user("d1b1.officer")
    services.case_declare_interest(actor=officer, case=case, user=officer, reason="与信访人系亲属")
    case.refresh_from_db()
    assert case.handler_id is None
    send_reminders(case.due + DAY)
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"d1b1.chief", "d1b1.leader"}

    accusation = register(
        world,
        "d1",
        category=Category.ACCUSATION,
        accused_unit=world.unit("d1b2"),
        accused_officials=[world.user("d1.leader")],
    )
    advance(world, accusation, "accepted", accepted_on=RECEIVED + 3 * DAY)
    accusation.refresh_from_db()
    send_reminders(accusation.due + DAY)
    told = set(
        Notification.objects.filter(dedupe_key__startswith=f"case:{accusation.pk}:").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"d1.officer", "d1.chief"}  # d1.leader is accused (Art 28/30)


def test_closed_cases_are_not_reminded(world):
    case = register(world)
    advance(world, case, "concluded", accepted_on=RECEIVED + 3 * DAY)
    assert send_reminders(RECEIVED + 200 * DAY).sent == 0


def test_the_command_is_idempotent(world, capsys):
    case = accepted(world)
    day = (case.due + DAY).isoformat()
    call_command("send_reminders", "--date", day)
    first = capsys.readouterr().out
    call_command("send_reminders", "--date", day)
    second = capsys.readouterr().out
    assert "已发送 3 条消息" in first
    assert "已发送 0 条消息" in second
    assert Notification.objects.count() == 3
    call_command("send_reminders", "--date", (case.due + 2 * DAY).isoformat(), "--dry-run")
    assert "将发送 0 条" in capsys.readouterr().out


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2026-13-01")


def test_other_apps_add_producers_through_their_reminders_module(world, monkeypatch):
    officer = world.user("d1.officer")

    def produce(today):
        yield Reminder(
            recipients=[officer],
            kind="screening.report_owed",
            title="本周排查报告未报",
            body="",
            url="/screening/",
            dedupe_key=f"screening:report:{today.isocalendar()[1]}",
        )

    module = types.ModuleType("xinfang.screening.reminders")
    module.reminders = produce  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xinfang.screening.reminders", module)
    names = [name for name, _ in reminders.producers()]
    assert "xinfang.screening.reminders" in names
    assert send_reminders(D(2026, 3, 2)).by_kind["screening.report_owed"] == 1
    assert send_reminders(D(2026, 3, 3)).sent == 0  # same week, same key


def _overdue_cases(world, count: int, first: int) -> None:
    """`count` accepted cases due on DUE, spread over the brigades, each with a handler of its own (a new officer),
    every other one an accusation against a neighbouring brigade, each with the unit's 分管领导 recused —
    everything that once cost a query per case or per person."""
    from xinfang.cases.models import Recusal, Status
    from xinfang.cases.tests.factories import CaseFactory
    from xinfang.orgs.models import Post, User
    from xinfang.orgs.roles import Role

    codes = ["d1b1", "d1b2", "d2b1", "d2b2"]
    for i in range(first, first + count):
        code = codes[i % 4]
        unit = world.unit(code)
        handler = User.objects.create_user(username=f"handler{i}", name=f"承办人{i}", unit=unit)
        Post.objects.create(user=handler, unit=unit, role=Role.OFFICER, start_on=D(2020, 1, 1))
        accusation = i % 2 == 1
        case = CaseFactory(
            unit=unit,
            registered_by=world.user(f"{code}.officer"),
            status=Status.ACCEPTED,
            accepted_on=RECEIVED + 3 * DAY,
            due=DUE,
            handler=handler,
            category=Category.ACCUSATION if accusation else Category.APPEAL,
            accused_unit=world.unit(codes[(i + 1) % 4]) if accusation else None,
        )
        leader = world.user(f"{code}.leader")
        Recusal.objects.create(case=case, user=leader, reason="亲属关系", declared_by=leader)


DUE = D(2026, 6, 1)


def _queries(fn) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        value = fn()
    return len(ctx.captured_queries), value


def test_the_scan_and_the_run_cost_the_same_queries_for_3_and_30_overdue_cases(world):
    day = DUE + DAY
    _overdue_cases(world, 3, 0)
    scan3, n3 = _queries(lambda: sum(1 for _ in reminders.case_reminders(day)))
    dry3, would3 = _queries(lambda: send_reminders(day, dry_run=True).sent)
    send3, sent3 = _queries(lambda: send_reminders(day).sent)
    assert n3 == 3
    assert would3 == sent3 == 3 * 2  # the handler and the 主官; the recused 分管领导 is not told

    _overdue_cases(world, 27, 3)
    scan30, n30 = _queries(lambda: sum(1 for _ in reminders.case_reminders(day)))
    dry30, would30 = _queries(lambda: send_reminders(day, dry_run=True).sent)
    send30, sent30 = _queries(lambda: send_reminders(day).sent)
    assert n30 == 30
    assert would30 == sent30 == 27 * 2  # the first three were sent already
    assert (scan30, dry30, send30) == (scan3, dry3, send3)

    again, sent_again = _queries(lambda: send_reminders(day).sent)
    assert sent_again == 0  # a second run sends nothing new ...
    assert again <= send30  # ... and inserts nothing
    assert Notification.objects.count() == 30 * 2
    assert not Notification.objects.filter(recipient__username__endswith=".leader").exists()
    # each message once per (recipient, key): the handler of each case and its unit's 主官
    handler7 = Notification.objects.filter(recipient__username="handler7").values_list("kind", "dedupe_key")
    assert [kind for kind, _ in handler7] == ["case.overdue"]
