"""Cadence and due-date rules (R3.2): periods, the default due dates, and the period asked for on a day."""

from __future__ import annotations

import datetime

import pytest

from xinfang.screening import periods, selectors, services
from xinfang.screening.periods import DEFAULT_RULES, Rule

D = datetime.date

pytestmark = pytest.mark.django_db  # the legal calendar reads its overrides


@pytest.mark.parametrize(
    ("kind", "day", "expected"),
    [
        ("week", D(2026, 4, 1), (D(2026, 3, 30), D(2026, 4, 5))),  # a week across a month boundary
        ("week", D(2026, 1, 2), (D(2025, 12, 29), D(2026, 1, 4))),  # a week across a year boundary
        ("month", D(2026, 2, 17), (D(2026, 2, 1), D(2026, 2, 28))),
        ("month", D(2024, 2, 29), (D(2024, 2, 1), D(2024, 2, 29))),
        ("quarter", D(2026, 11, 28), (D(2026, 10, 1), D(2026, 12, 31))),
        ("quarter", D(2026, 3, 31), (D(2026, 1, 1), D(2026, 3, 31))),
        ("day", D(2026, 10, 1), (D(2026, 10, 1), D(2026, 10, 1))),
    ],
)
def test_period_bounds(kind, day, expected):
    assert periods.bounds(kind, day) == expected


def test_weeks_roll_up_into_the_month_of_their_monday():
    weeks = periods.starts_within("week", D(2026, 3, 1), D(2026, 3, 31))
    assert [s for s, _ in weeks] == [D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23), D(2026, 3, 30)]
    assert weeks[-1][1] == D(2026, 4, 5)
    months = periods.starts_within("month", D(2026, 1, 1), D(2026, 3, 31))
    assert [s for s, _ in months] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


def test_brigade_week_is_due_the_monday_after_it():
    rule = DEFAULT_RULES["brigade"]
    assert periods.due_on(rule, D(2026, 3, 2), D(2026, 3, 8)) == D(2026, 3, 9)


def test_week_due_on_a_holiday_moves_to_the_next_working_day():
    # the week 3/30–4/5 is due Monday 4/6, 清明节 holiday → Tuesday 4/7
    rule = DEFAULT_RULES["brigade"]
    assert periods.due_on(rule, D(2026, 3, 30), D(2026, 4, 5)) == D(2026, 4, 7)
    # the week 12/29–1/4 across the year boundary is due Monday 2026-01-05
    assert periods.due_on(rule, D(2025, 12, 29), D(2026, 1, 4)) == D(2026, 1, 5)


def test_detachment_month_is_due_the_fifth_of_the_next_month():
    rule = DEFAULT_RULES["detachment"]
    assert periods.due_on(rule, D(2026, 10, 1), D(2026, 10, 31)) == D(2026, 11, 5)
    # September: 10/5 is in the National Day holiday → first working day 10/8
    assert periods.due_on(rule, D(2026, 9, 1), D(2026, 9, 30)) == D(2026, 10, 8)


def test_corps_quarter_is_due_ten_days_after_the_quarter():
    rule = DEFAULT_RULES["corps"]
    # 2026-01-10 is a Saturday → Monday 1/12
    assert periods.due_on(rule, D(2025, 10, 1), D(2025, 12, 31)) == D(2026, 1, 12)


def test_daily_special_period_report_is_due_the_same_day_never_shifted():
    rule = DEFAULT_RULES["special"]
    assert periods.due_on(rule, D(2026, 10, 3), D(2026, 10, 3)) == D(2026, 10, 3)


def test_the_period_asked_for_is_the_last_completed_one_with_end_anchored_rules():
    rule = DEFAULT_RULES["brigade"]
    assert periods.asked_period(rule, D(2026, 4, 1)) == (D(2026, 3, 23), D(2026, 3, 29))
    assert periods.asked_period(rule, D(2026, 1, 2)) == (D(2025, 12, 22), D(2025, 12, 28))
    assert periods.asked_period(DEFAULT_RULES["detachment"], D(2026, 1, 3)) == (D(2025, 12, 1), D(2025, 12, 31))
    start_rule = Rule("brigade", "week", "start", 0, True)
    assert periods.asked_period(start_rule, D(2026, 4, 1)) == (D(2026, 3, 30), D(2026, 4, 5))
    assert periods.due_on(start_rule, D(2026, 3, 30), D(2026, 4, 5)) == D(2026, 3, 30)


def test_cadences_are_data_edited_by_settings_managers(world):
    assert selectors.cadence_rules()["brigade"] == DEFAULT_RULES["brigade"]
    services.cadence_set(
        actor=world.user("sysadmin"), key="brigade", period="week", anchor="start", offset_days=0, shift_to_workday=True
    )
    rule = selectors.cadence_rules()["brigade"]
    assert (rule.anchor, rule.offset_days) == ("start", 0)
    services.settings_set(actor=world.user("sysadmin"), warning_ack_hours=4)
    assert selectors.warning_ack_hours() == 4


@pytest.mark.parametrize("username", ["d1.chief", "d1b1.officer", "secadmin", "auditor"])
def test_only_settings_managers_change_cadences(world, username):
    from xinfang.core.errors import DomainError

    with pytest.raises(DomainError) as e:
        services.cadence_set(
            actor=world.user(username),
            key="brigade",
            period="month",
            anchor="end",
            offset_days=3,
            shift_to_workday=True,
        )
    assert e.value.code == "forbidden"


def test_special_rule_is_daily_only(world):
    from xinfang.core.errors import DomainError

    with pytest.raises(DomainError) as e:
        services.cadence_set(
            actor=world.user("sysadmin"),
            key="special",
            period="week",
            anchor="start",
            offset_days=0,
            shift_to_workday=False,
        )
    assert e.value.code == "invalid_period"
