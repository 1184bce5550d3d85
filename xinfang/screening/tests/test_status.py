"""The status board (R3.2: missing and late reports visible to the level above), across a month boundary and a
year boundary, as of any day, with a constant number of queries however many units there are."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.orgs.models import Post, Unit, User
from xinfang.screening import selectors, services
from xinfang.screening.tests.conftest import conflict

D = datetime.date


def zero(world, code, period, start, on, clock):
    clock(on)
    return services.report_file(
        actor=world.user(f"{code}.officer"), unit=world.unit(code), period=period, period_start=start, is_zero=True
    )


def board(world, username, on):
    return {o.unit.code: o for o in selectors.status_board(world.user(username), on) if o.period != "day"}


def test_year_boundary_week_month_and_quarter(world, clock):
    zero(world, "d1b1", "week", D(2025, 12, 29), D(2026, 1, 5), clock)  # on its due day
    zero(world, "d1b2", "week", D(2025, 12, 29), D(2026, 1, 6), clock)  # a day late
    zero(world, "d1", "month", D(2025, 12, 1), D(2026, 1, 4), clock)

    rows = board(world, "c.officer", D(2026, 1, 6))
    assert {c: (o.period, o.period_start, o.due_on) for c, o in rows.items()} == {
        "c": ("quarter", D(2025, 10, 1), D(2026, 1, 12)),
        "d1": ("month", D(2025, 12, 1), D(2026, 1, 5)),
        "d2": ("month", D(2025, 12, 1), D(2026, 1, 5)),
        "d1b1": ("week", D(2025, 12, 29), D(2026, 1, 5)),
        "d1b2": ("week", D(2025, 12, 29), D(2026, 1, 5)),
        "d2b1": ("week", D(2025, 12, 29), D(2026, 1, 5)),
        "d2b2": ("week", D(2025, 12, 29), D(2026, 1, 5)),
    }
    assert {c: o.state for c, o in rows.items()} == {
        "c": "not_due",
        "d1": "submitted",
        "d2": "missing",
        "d1b1": "submitted",
        "d1b2": "late",
        "d2b1": "missing",
        "d2b2": "missing",
    }


def test_the_board_of_a_past_day_shows_that_day(world, clock):
    zero(world, "d1b2", "week", D(2025, 12, 29), D(2026, 1, 6), clock)
    rows = board(world, "d1.chief", D(2026, 1, 5))  # the due day itself, before the late filing
    assert {c: o.state for c, o in rows.items()} == {"d1": "not_due", "d1b1": "not_due", "d1b2": "not_due"}
    rows = board(world, "d1.chief", D(2026, 1, 6))
    assert {c: o.state for c, o in rows.items()} == {"d1": "missing", "d1b1": "missing", "d1b2": "late"}


def test_month_boundary_week_and_holiday_shift(world, clock):
    # The week 3/30–4/5 belongs to March (its Monday) and is due 4/7 (4/6 is 清明节); March is due 4/7 too.
    rows = board(world, "d1.chief", D(2026, 4, 7))
    assert rows["d1b1"].period_start == D(2026, 3, 30) and rows["d1b1"].due_on == D(2026, 4, 7)
    assert rows["d1"].period_start == D(2026, 3, 1) and rows["d1"].due_on == D(2026, 4, 7)
    assert {o.state for o in rows.values()} == {"not_due"}
    rows = board(world, "d1.chief", D(2026, 4, 8))
    assert {o.state for o in rows.values()} == {"missing"}
    zero(world, "d1b1", "week", D(2026, 3, 30), D(2026, 4, 8), clock)
    assert board(world, "d1.chief", D(2026, 4, 8))["d1b1"].state == "late"
    # Next day the board asks for the week 4/6–4/12 only from 4/13 on.
    assert board(world, "d1.chief", D(2026, 4, 12))["d1b1"].period_start == D(2026, 3, 30)
    assert board(world, "d1.chief", D(2026, 4, 13))["d1b1"].period_start == D(2026, 4, 6)


def test_each_user_sees_the_units_of_his_scope_only(world):
    assert set(board(world, "d1b1.officer", D(2026, 4, 8))) == {"d1b1"}
    assert set(board(world, "d2.chief", D(2026, 4, 8))) == {"d2", "d2b1", "d2b2"}
    assert selectors.status_board(world.user("sysadmin"), D(2026, 4, 8)) == []


def test_a_report_with_items_counts_as_submitted(world, clock):
    c = conflict(world)
    clock(D(2026, 3, 9))
    services.report_file(
        actor=world.user("d1b1.officer"), unit=world.unit("d1b1"), period="week", period_start=D(2026, 3, 2),
        is_zero=False, conflicts=[c],
    )  # fmt: skip
    row = board(world, "d1.chief", D(2026, 3, 10))["d1b1"]
    assert row.state == "submitted" and row.is_zero is False


def _add_brigades(world, n):
    d1 = world.unit("d1")
    for i in range(n):
        u = Unit.objects.create(code=f"x{i}", name=f"新增大队{i}", level="brigade", parent=d1)
        u.path = f"{d1.path}{u.pk}/"
        u.depth = 2
        u.save(update_fields=["path", "depth"])
        officer = User.objects.create_user(username=f"x{i}.officer", password="x", unit=u)
        Post.objects.create(user=officer, unit=u, role="officer", start_on=D(2020, 1, 1))


def _count(username, on):
    selectors.status_board(User.objects.get(username=username), on)  # warm the legal calendar's year cache
    user = User.objects.get(username=username)  # a fresh instance: posts and shares not cached yet
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.status_board(user, on)
    return len(ctx.captured_queries), len(rows)


def test_status_board_query_count_is_constant_as_units_grow(world, clock):
    from xinfang.screening.models import SpecialPeriod

    clock(D(2026, 9, 28))
    services.special_period_declare(
        actor=world.user("c.chief"), unit=world.unit("c"), name="国庆期间", kind="festival",
        start_on=D(2026, 9, 30), end_on=D(2026, 10, 8),
    )  # fmt: skip
    assert SpecialPeriod.objects.count() == 1
    zero(world, "d1b1", "week", D(2026, 9, 21), D(2026, 9, 28), clock)
    before, rows_before = _count("c.chief", D(2026, 10, 2))
    _add_brigades(world, 25)
    after, rows_after = _count("c.chief", D(2026, 10, 2))
    assert rows_after == rows_before + 25 * 2  # each new brigade: its week and its daily report
    assert before == after
    # posts, units, explicit shares (all kinds, one query), cadences, special periods, their scope units, reports
    assert after == 7
