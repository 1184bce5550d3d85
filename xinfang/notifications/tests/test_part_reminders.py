"""Reminders of the other parts: ownership and supervision deadlines, 党委会 behind pace, screening reports owed,
rectification and accountability deadlines — each stage once, to the people responsible."""

from __future__ import annotations

import datetime

from xinfang.cases.tests.factories import RECEIVED, advance, register
from xinfang.notifications.models import Notification
from xinfang.notifications.reminders import send_reminders

D = datetime.date
DAY = datetime.timedelta(days=1)


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_ownership_deadline(world):
    from xinfang.leadership.models import Ownership

    case = advance(world, register(world, "d1b1"), "accepted", accepted_on=RECEIVED + DAY)
    deadline = D(2026, 6, 30)
    Ownership.objects.create(
        case=case,
        unit=world.unit("d1"),
        leader=world.user("d1.leader"),
        role="leader",
        plan="一案一策",
        tasks="化解矛盾",
        assigned_on=RECEIVED,
        deadline=deadline,
        assigned_by=world.user("d1.chief"),
    )
    assert send_reminders(deadline - 3 * DAY).by_kind["leadership.ownership_due"] == 1
    assert send_reminders(deadline - 3 * DAY).by_kind["leadership.ownership_due"] == 0
    assert told("leadership.ownership_due") == {"d1.leader"}
    send_reminders(deadline + DAY)
    assert told("leadership.ownership_overdue") == {"d1.leader", "d1.chief"}


def test_supervision_deadline(world):
    from xinfang.leadership.models import Supervision

    case = advance(world, register(world, "d1b1"), "accepted", accepted_on=RECEIVED + DAY)
    deadline = D(2026, 4, 30)
    Supervision.objects.create(
        case=case,
        level="corps",
        listed_by_unit=world.unit("c"),
        listed_on=RECEIVED,
        deadline=deadline,
        listed_by=world.user("c.chief"),
    )
    send_reminders(deadline - 7 * DAY)
    assert told("leadership.supervision_due") == {"d1b1.officer", "d1b1.chief", "d1b1.leader"}
    send_reminders(deadline + DAY)
    send_reminders(deadline + 2 * DAY)
    assert Notification.objects.filter(kind="leadership.supervision_overdue").count() == 3


def test_meetings_behind_pace_by_a_whole_meeting(world):
    from xinfang.leadership.models import Meeting
    from xinfang.orgs.models import Unit

    Unit.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert send_reminders(D(2026, 1, 5)).by_kind["leadership.meeting_behind"] == 0  # nobody "behind" in January
    send_reminders(D(2026, 4, 10))  # 大队 (4 a year) with none held are a whole meeting behind; 支队 (2) not yet
    assert told("leadership.meeting_behind") == {
        f"{b}.{r}" for b in ("d1b1", "d1b2", "d2b1", "d2b2") for r in ("chief", "leader")
    }
    for i in range(2):
        Meeting.objects.create(
            unit=world.unit("d1b1"),
            held_on=D(2026, 3, 1 + i),
            topics="信访",
            decisions="部署",
            recorded_by=world.user("d1b1.chief"),
        )
    Notification.objects.all().delete()
    send_reminders(D(2026, 5, 10))  # once a month; d1b1 is on pace now
    assert "d1b1.chief" not in told("leadership.meeting_behind") and "d1b2.chief" in told("leadership.meeting_behind")
    assert send_reminders(D(2026, 5, 20)).by_kind["leadership.meeting_behind"] == 0


def test_screening_reports_owed(world):
    from xinfang.screening.selectors import obligations_between

    today = D(2026, 3, 11)
    owed = [o for o in obligations_between([world.unit("d1b1")], today - 110 * DAY, today, today) if o.report is None]
    assert owed, "a brigade owes weekly reports"
    due_soon = [o for o in owed if 0 <= (o.due_on - today).days <= 1]
    missing = [o for o in owed if today > o.due_on and (today - o.due_on).days <= 14]
    result = send_reminders(today)
    assert result.by_kind["screening.report_missing"] >= len(missing) > 0
    assert "d1b1.officer" in told("screening.report_missing") and "d1b1.chief" in told("screening.report_missing")
    if due_soon:
        assert "d1b1.officer" in told("screening.report_due")
    assert send_reminders(today).by_kind["screening.report_missing"] == 0


def test_rectification_items_and_accountability_actions(world):
    from xinfang.accountability.models import AccountabilityAction
    from xinfang.screening.models import Inspection, RectificationItem

    inspection = Inspection.objects.create(
        unit=world.unit("d1"),
        on=D(2026, 3, 1),
        inspectors="督查组",
        findings="台账不全",
        created_by=world.user("d1.chief"),
    )
    item = RectificationItem.objects.create(
        inspection=inspection,
        description="补齐信访台账",
        owner_unit=world.unit("d1b1"),
        owner=world.user("d1b1.officer"),
        deadline=D(2026, 3, 31),
    )
    AccountabilityAction.objects.create(
        kind="rectification",
        target_unit=world.unit("d2"),
        issuing_unit=world.unit("c"),
        reason="逾期未办结",
        deadline=D(2026, 3, 31),
        issued_on=D(2026, 3, 1),
        issued_by=world.user("c.chief"),
    )
    send_reminders(D(2026, 3, 30))
    assert told("screening.rectification_due") == {"d1b1.officer"}
    assert told("accountability.action_due") == {"d2.chief", "d2.leader"}
    send_reminders(D(2026, 4, 1))
    assert told("screening.rectification_overdue") == {"d1b1.officer", "d1b1.chief"}
    assert told("accountability.action_overdue") == {"d2.chief", "d2.leader"}
    item.closed_on = D(2026, 4, 2)
    item.save()
    Notification.objects.all().delete()
    send_reminders(D(2026, 4, 3))
    assert not told("screening.rectification_overdue")
