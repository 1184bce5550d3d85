"""The indicators taken from the leadership and screening apps (R5.1: meeting and reception quotas, screening
timeliness), computed with those apps' own quota and obligation arithmetic on a hand-built year."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.accountability import integration
from xinfang.accountability.tests.helpers import D
from xinfang.orgs.models import Unit

pytestmark = pytest.mark.django_db
YEAR = 2025
AFTER = D(2026, 2, 1)

leadership = pytest.importorskip("xinfang.leadership.models")
screening_models = pytest.importorskip("xinfang.screening.models")
screening_selectors = pytest.importorskip("xinfang.screening.selectors")


@pytest.fixture
def old_units(world):
    """The world's units as if they had existed since 2020 (they owe the 2025 quotas and reports)."""
    Unit.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    for code, unit in world.units.items():
        world.units[code] = Unit.objects.get(pk=unit.pk)
    return world


def fig(code: str, world, unit: str) -> ind.Figure:
    return ind.BY_CODE[code].figure(world.unit(unit), ind.Period(YEAR, AFTER))


def meeting(world, code: str, day: datetime.date) -> None:
    leadership.Meeting.objects.create(
        unit=world.unit(code),
        held_on=day,
        topics="研究信访工作",
        decisions="部署",
        recorded_by=world.user(f"{code}.officer"),
    )


def reception(world, code: str, who: str, role: str, day: datetime.date) -> None:
    leadership.Reception.objects.create(
        unit=world.unit(code), leader=world.user(f"{code}.{who}"), role=role, received_on=day, matter="来访",
        recorded_by=world.user(f"{code}.officer"),
    )  # fmt: skip


def test_meeting_quota_attainment(old_units) -> None:
    world = old_units
    meeting(world, "d1", D(2025, 3, 1))
    meeting(world, "d1", D(2024, 3, 1))  # another year
    for month in (1, 3, 5, 7, 9):
        meeting(world, "d1b1", D(2025, month, 10))
    f = fig("meeting_quota", world, "d1")
    assert (f.numerator, f.denominator, f.percent) == (1, 2, "50.0%")
    f = fig("meeting_quota", world, "d1b1")
    assert (f.numerator, f.denominator, f.percent) == (4, 4, "100.0%")  # five held, four required: capped
    assert fig("meeting_quota", world, "d2").value == 0  # owed two, held none: a real 0 %


def test_reception_quota_attainment_counts_settled_periods_of_the_detachments_leaders(old_units) -> None:
    world = old_units
    reception(world, "d1", "chief", "chief", D(2025, 2, 10))  # Q1
    reception(world, "d1", "chief", "chief", D(2025, 8, 10))  # Q3
    reception(world, "d1", "leader", "leader", D(2025, 4, 1))  # first half
    f = fig("reception_quota", world, "d1")
    # chief: 2 of 4 quarters; 分管领导 (a 班子成员): 1 of 2 half-years
    assert (f.numerator, f.denominator) == (3, 6)
    assert fig("reception_quota", world, "d2").percent == "0.0%"
    assert fig("reception_quota", world, "d1b1").value is None  # 大队: no minimum (随时接访)


def test_screening_timeliness_over_the_subtree(old_units) -> None:
    world = old_units
    d1 = world.unit("d1")
    owed = screening_selectors.obligations_between([d1], D(YEAR, 1, 1), D(YEAR, 12, 31), AFTER, include_daily=False)
    first = min(owed, key=lambda o: o.period_start)
    screening_models.ScreeningReport.objects.create(
        unit=d1, period=first.period, period_start=first.period_start, period_end=first.period_end,
        due_on=first.due_on, is_zero=True, submitted_by=world.user("d1.officer"),
        submitted_at=timezone.now(), submitted_on=first.due_on, is_late=False,
    )  # fmt: skip
    f = fig("screening_timeliness", world, "d1")
    brigades = screening_selectors.obligations_between(
        [world.unit("d1b1"), world.unit("d1b2")], D(YEAR, 1, 1), D(YEAR, 12, 31), AFTER, include_daily=False
    )
    assert f.numerator == 1
    assert f.denominator == len(owed) + len(brigades)  # the 支队's monthly reports and its 大队's weekly ones
    assert fig("screening_timeliness", world, "d1b1").numerator == 0


def test_units_that_did_not_exist_in_the_year_owe_nothing(world) -> None:
    # the world's units were created today: for last year nothing applies
    last_year = timezone.localdate().year - 1
    figures = ind.compute([world.unit("d1")], ind.Period(last_year, timezone.localdate()))[world.unit("d1").pk]
    for code in ("meeting_quota", "reception_quota", "screening_timeliness"):
        assert figures[code].value is None, code


def test_supervision_activity_for_the_annual_report(old_units) -> None:
    activity = integration.supervision_activity(old_units.unit("c"), ind.Period(YEAR, AFTER))
    assert activity == {"listed": 0, "lifted": 0}


def test_screening_counts_equal_the_states_of_the_assessed_obligations(old_units) -> None:
    """assessed_due_counts (grouped per rule) gives exactly the states of assessed_obligations for every unit: on
    time, late, missing, not yet due, filed after the reference day, a unit created in the year, a special period's
    daily reports."""
    import random

    world = old_units
    rng = random.Random(5)
    start, end = D(YEAR, 1, 1), D(YEAR, 12, 31)
    for code, created in (("d2b2", D(YEAR, 6, 15)), ("d2", D(YEAR, 6, 3)), ("d2b1", D(YEAR + 1, 1, 1))):
        Unit.objects.filter(pk=world.unit(code).pk).update(
            created_at=datetime.datetime.combine(created, datetime.time(12), tzinfo=datetime.UTC)
        )
    special = screening_models.SpecialPeriod.objects.create(
        unit=world.unit("d1"), name="重要活动", kind=screening_models.SpecialPeriodKind.values[0],
        start_on=D(YEAR, 3, 1), end_on=D(YEAR, 3, 10), declared_by=world.user("d1.officer"),
    )  # fmt: skip
    owed = screening_selectors.assessed_obligations(start, end, D(YEAR, 12, 31))
    assert any(o.period == "day" for o in owed)
    for o in owed:
        if rng.random() < 0.6:
            late = rng.random() < 0.3
            filed = o.due_on + datetime.timedelta(days=rng.choice([-3, 0, 2, 40]))
            screening_models.ScreeningReport.objects.create(
                unit=o.unit, period=o.period, period_start=o.period_start, period_end=o.period_end,
                due_on=o.due_on, is_zero=True, submitted_by=world.user("d1.officer"),
                submitted_at=timezone.now(), submitted_on=filed, is_late=late,
            )  # fmt: skip
    for as_of in (D(YEAR, 3, 5), D(YEAR, 9, 30), AFTER):
        expected = {
            r.unit.pk: (r.submitted, r.late, r.missing)
            for r in screening_selectors.timeliness(screening_selectors.assessed_obligations(start, end, as_of))
        }
        counted = {
            r.unit_id: (r.submitted, r.late, r.missing)
            for r in screening_selectors.assessed_due_counts(start, end, as_of)
        }
        assert counted == expected, as_of
        assert any(s + late for s, late, _m in counted.values()) and any(m for *_x, m in counted.values())
    assert special.pk


def test_the_reception_figure_counts_the_same_periods_as_its_drill_down(old_units) -> None:
    """reception_quota reads the posts as facts (light); the drill-down reads the posts themselves: same periods."""
    world = old_units
    reception(world, "d1", "chief", "chief", D(YEAR, 2, 3))
    reception(world, "d1", "leader", "leader", D(YEAR, 5, 6))
    units = [world.unit("d1"), world.unit("d2")]
    period = ind.Period(YEAR, AFTER)

    def periods(light: bool) -> list[tuple[int, int, int, object, str]]:
        rows = integration.reception_periods(units, period, light=light) or []
        return [(r.unit_id, r.post.pk, r.post.user_id, r.cell.span, r.cell.state) for r in rows]

    assert periods(True) == periods(False)
    assert {"met", "missed"} <= {p[4] for p in periods(False)}
