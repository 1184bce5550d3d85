"""The quota rules of seed 一 (R1.2, R1.3): pace arithmetic, year boundaries, units created mid-year, quarterly and
half-yearly reception compliance, quotas as data."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest

from xinfang.core.errors import DomainError
from xinfang.leadership import selectors, services
from xinfang.leadership.models import Period, QuotaCode
from xinfang.leadership.quotas import (
    DUE,
    FUTURE,
    MET,
    MISSED,
    NA,
    meeting_pace,
    period_spans,
    quota_values,
    reception_cells,
    required_meetings,
    share_gone,
)
from xinfang.leadership.tests.factories import meeting, member, reception
from xinfang.orgs.models import Unit

D = datetime.date


@pytest.fixture
def old_units(world):
    """The world's units as if created long ago (created_at is 'now' otherwise)."""
    Unit.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    return world


def _created(code: str, day: D) -> None:
    Unit.objects.filter(code=code).update(
        created_at=datetime.datetime(day.year, day.month, day.day, 4, tzinfo=datetime.UTC)
    )


# --- pure arithmetic ----------------------------------------------------------------------------------


def test_a_full_year_owes_the_whole_quota():
    assert required_meetings(2, 2026, D(2026, 1, 1)) == 2
    assert required_meetings(4, 2026, D(2026, 1, 1)) == 4


def test_a_unit_created_mid_year_owes_its_share_rounded_half_up():
    # 1 July to 31 December is 184 of 365 days: 4 × 184/365 = 2.02 -> 2; 2 × 184/365 = 1.01 -> 1.
    assert required_meetings(4, 2026, D(2026, 7, 1)) == 2
    assert required_meetings(2, 2026, D(2026, 7, 1)) == 1
    # 20 December: 12 days, 4 × 12/365 = 0.13 -> nothing owed this year.
    assert required_meetings(4, 2026, D(2026, 12, 20)) == 0
    # 1 October: 92 days, 4 × 92/365 = 1.008 -> 1.
    assert required_meetings(4, 2026, D(2026, 10, 1)) == 1


def test_share_of_the_year_gone_counts_today_and_stops_at_the_year_end():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    assert share_gone(start, end, D(2025, 12, 31)) == 0
    assert share_gone(start, end, D(2026, 1, 1)) == Fraction(1, 365)
    assert share_gone(start, end, D(2026, 7, 2)) == Fraction(183, 365)
    assert share_gone(start, end, D(2026, 12, 31)) == 1
    assert share_gone(start, end, D(2027, 1, 1)) == 1
    # A leap year has 366 days.
    assert share_gone(D(2028, 1, 1), D(2028, 12, 31), D(2028, 12, 30)) == Fraction(365, 366)


def test_behind_pace_when_the_share_of_the_year_gone_exceeds_the_share_of_the_quota_met():
    def pace(held: int, today: D) -> bool:
        return meeting_pace(quota=2, year=2026, created_on=D(2020, 1, 1), held=held, today=today).behind_pace

    # 1 July is day 182 of 365 (49.9%): one meeting of two (50%) keeps pace; on 2 July (50.1%) it does not.
    assert pace(1, D(2026, 7, 1)) is False
    assert pace(1, D(2026, 7, 2)) is True
    # Nothing held: behind as soon as the year has begun (the rule taken literally), not before.
    assert pace(0, D(2026, 1, 1)) is True
    assert pace(0, D(2025, 12, 31)) is False
    # The quota met: never behind, and nothing owed.
    done = meeting_pace(quota=2, year=2026, created_on=D(2020, 1, 1), held=3, today=D(2026, 1, 5))
    assert not done.behind_pace and done.owed == 0 and done.share_met == 1


def test_year_boundary_the_last_day_closes_the_year_and_the_first_opens_the_next():
    last_day = meeting_pace(quota=4, year=2026, created_on=D(2020, 1, 1), held=3, today=D(2026, 12, 31))
    assert last_day.behind_pace and last_day.owed == 1
    met_on_last_day = meeting_pace(quota=4, year=2026, created_on=D(2020, 1, 1), held=4, today=D(2026, 12, 31))
    assert not met_on_last_day.behind_pace
    # Seen from the next year, the closed year stays as it ended.
    assert meeting_pace(quota=4, year=2026, created_on=D(2020, 1, 1), held=3, today=D(2027, 3, 1)).behind_pace
    new_year = meeting_pace(quota=4, year=2027, created_on=D(2020, 1, 1), held=0, today=D(2027, 1, 1))
    assert new_year.share_gone == Fraction(1, 365) and new_year.required == 4 and new_year.owed == 4


def test_pace_of_a_unit_created_mid_year_runs_from_its_creation():
    def pace(held: int, today: D):
        return meeting_pace(quota=4, year=2026, created_on=D(2026, 7, 1), held=held, today=today)

    assert pace(0, D(2026, 7, 1)).required == 2
    assert pace(0, D(2026, 7, 1)).share_gone == Fraction(1, 184)
    assert pace(0, D(2026, 6, 30)).applicable and pace(0, D(2026, 6, 30)).share_gone == 0
    # 1 July – 30 September is 92 of its 184 days: one meeting of two keeps pace, the next day it does not.
    assert pace(1, D(2026, 9, 30)).behind_pace is False
    assert pace(1, D(2026, 10, 1)).behind_pace is True
    # A unit created after the year owes nothing for it.
    later = meeting_pace(quota=4, year=2025, created_on=D(2026, 7, 1), held=0, today=D(2026, 8, 1))
    assert not later.applicable and not later.behind_pace and later.required == 0


def test_periods_split_the_year():
    q = period_spans(2026, Period.QUARTER)
    assert [(s.start, s.end) for s in q] == [
        (D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 12, 31)),
    ]
    h = period_spans(2028, Period.HALF)
    assert [(s.start, s.end) for s in h] == [(D(2028, 1, 1), D(2028, 6, 30)), (D(2028, 7, 1), D(2028, 12, 31))]


def test_reception_cells_count_distinct_days_and_state_each_quarter():
    cells = reception_cells(
        year=2025,
        period=Period.QUARTER,
        minimum=1,
        dates=[D(2025, 2, 10), D(2025, 2, 10), D(2025, 3, 31)],
        today=D(2025, 8, 1),
        serving_from=D(2020, 1, 1),
    )
    assert [c.days for c in cells] == [2, 0, 0, 0]
    assert [c.state for c in cells] == [MET, MISSED, DUE, FUTURE]
    # A leader posted on 15 May: the first quarter does not apply to him; the second does.
    late = reception_cells(
        year=2025, period=Period.QUARTER, minimum=1, dates=[], today=D(2025, 8, 1), serving_from=D(2025, 5, 15)
    )
    assert [c.state for c in late] == [NA, MISSED, DUE, FUTURE]
    # The last day of a quarter still belongs to it; the first day of the next to the next.
    edge = reception_cells(
        year=2025,
        period=Period.QUARTER,
        minimum=1,
        dates=[D(2025, 6, 30), D(2025, 10, 1)],
        today=D(2026, 1, 1),
        serving_from=D(2020, 1, 1),
    )
    assert [c.state for c in edge] == [MISSED, MET, MISSED, MET]


# --- quotas are data ------------------------------------------------------------------------------------


def test_quota_defaults_and_the_sysadmin_changes_them(world):
    values = quota_values()
    assert values[QuotaCode.MEETING_DETACHMENT].minimum == 2
    assert values[QuotaCode.MEETING_BRIGADE].minimum == 4
    assert (values[QuotaCode.RECEPTION_CHIEF].minimum, values[QuotaCode.RECEPTION_CHIEF].period) == (1, "quarter")
    assert (values[QuotaCode.RECEPTION_MEMBER].minimum, values[QuotaCode.RECEPTION_MEMBER].period) == (1, "half")
    services.quota_update(actor=world.user("sysadmin"), code=QuotaCode.MEETING_DETACHMENT, minimum=3, period="year")
    services.quota_update(actor=world.user("sysadmin"), code=QuotaCode.RECEPTION_MEMBER, minimum=2, period="year")
    values = quota_values()
    assert values[QuotaCode.MEETING_DETACHMENT].minimum == 3
    assert (values[QuotaCode.RECEPTION_MEMBER].minimum, values[QuotaCode.RECEPTION_MEMBER].period) == (2, "year")


@pytest.mark.parametrize("username", ["d1.chief", "c.chief", "secadmin", "auditor"])
def test_only_the_sysadmin_edits_quotas(world, username):
    with pytest.raises(DomainError) as e:
        services.quota_update(actor=world.user(username), code=QuotaCode.MEETING_BRIGADE, minimum=1, period="year")
    assert e.value.code == "forbidden"


def test_meeting_quotas_are_yearly(world):
    with pytest.raises(DomainError) as e:
        services.quota_update(actor=world.user("sysadmin"), code=QuotaCode.MEETING_BRIGADE, minimum=1, period="quarter")
    assert e.value.code == "invalid_period"


# --- the yearly compliance selector ------------------------------------------------------------------------


def _row(rows, code):
    return next(r for r in rows if r.unit.code == code)


def test_compliance_counts_meetings_per_unit_and_year(old_units):
    w = old_units
    meeting(w, "d1", D(2025, 3, 1))
    meeting(w, "d1", D(2025, 12, 31))
    meeting(w, "d1", D(2026, 1, 1))  # next year
    meeting(w, "d1b1", D(2025, 5, 5))
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2026, 1, 1))
    d1 = _row(rows, "d1")
    assert (d1.pace.held, d1.pace.required, d1.pace.behind_pace) == (2, 2, False)
    b = _row(rows, "d1b1")
    assert (b.pace.held, b.pace.required, b.pace.owed, b.pace.behind_pace) == (1, 4, 3, True)
    assert any("党委会" in g for g in b.gaps)
    d2 = _row(rows, "d2")
    assert (d2.pace.held, d2.pace.owed) == (0, 2)
    # The next year starts afresh.
    rows_2026 = selectors.compliance_for_year(w.user("c.chief"), 2026, today=D(2026, 1, 1))
    assert _row(rows_2026, "d1").pace.held == 1


def test_compliance_of_a_unit_created_mid_year(old_units):
    w = old_units
    _created("d2b2", D(2025, 7, 1))
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2025, 9, 30))
    b = _row(rows, "d2b2")
    assert b.pace.required == 2 and b.pace.quota == 4
    assert b.pace.behind_pace  # nothing held, half of its period gone
    meeting(w, "d2b2", D(2025, 8, 1))
    b = _row(selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2025, 9, 30)), "d2b2")
    assert not b.pace.behind_pace and b.pace.owed == 1
    # Its 2024 is not listed at all: it did not exist.
    assert "d2b2" not in {
        r.unit.code for r in selectors.compliance_for_year(w.user("c.chief"), 2024, today=D(2025, 9, 30))
    }


def test_quarterly_reception_compliance_of_a_detachment_chief(old_units):
    w = old_units
    reception(w, "d1", "d1.chief", D(2025, 2, 10))
    reception(w, "d1", "d1.chief", D(2025, 2, 10), matter="同日第二批来访")
    reception(w, "d1", "d1.chief", D(2025, 9, 30))
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2025, 11, 15))
    chief = _row(rows, "d1").chiefs[0]
    assert chief.user.username == "d1.chief"
    assert [c.days for c in chief.cells] == [1, 0, 1, 0]
    assert [c.state for c in chief.cells] == [MET, MISSED, MET, DUE]
    gaps = chief.gaps()
    assert len(gaps) == 1 and "第二季度" in gaps[0]
    assert gaps[0] in _row(rows, "d1").reception_gaps
    # A 大队主官 receives "随时": no quota, no gap.
    b = _row(rows, "d1b1")
    assert b.chiefs[0].quota is None and b.reception_gaps == []


def test_a_held_reception_day_without_visitors_counts(old_units):
    w = old_units
    day = services.reception_day_plan(
        actor=w.user("d1.officer"), unit=w.unit("d1"), leader=w.user("d1.chief"), planned_on=D(2025, 4, 8)
    )
    services.reception_day_hold(actor=w.user("d1.officer"), day=day, note="当日无群众来访")
    chief = _row(selectors.compliance_for_year(w.user("d1.chief"), 2025, today=D(2025, 11, 15)), "d1").chiefs[0]
    assert [c.state for c in chief.cells][:2] == [MISSED, MET]


def test_other_detachment_leaders_meet_the_half_yearly_default_and_the_configured_minimum(old_units):
    w = old_units
    m = member(w, "d1", remit="分管战训")
    reception(w, "d1", "d1.leader", D(2025, 3, 3))
    reception(w, "d1", m.username, D(2025, 8, 8))
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2026, 1, 10))
    members = {r.user.username: r for r in _row(rows, "d1").members}
    assert [c.state for c in members["d1.leader"].cells] == [MET, MISSED]
    assert [c.state for c in members[m.username].cells] == [MISSED, MET]
    assert members[m.username].remit == "分管战训"
    services.quota_update(actor=w.user("sysadmin"), code=QuotaCode.RECEPTION_MEMBER, minimum=1, period="year")
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2026, 1, 10))
    members = {r.user.username: r for r in _row(rows, "d1").members}
    assert [c.state for c in members["d1.leader"].cells] == [MET]
    assert [c.state for c in members[m.username].cells] == [MET]


def test_compliance_shows_designation_gaps(old_units):
    from xinfang.orgs.models import Post
    from xinfang.orgs.roles import Role

    w = old_units
    Post.objects.filter(unit=w.unit("d2"), role=Role.LEADER).update(end_on=D(2024, 12, 31))
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2025, 5, 1))
    assert any("分管领导" in g for g in _row(rows, "d2").designation_gaps)


def test_a_brigade_sees_only_its_own_compliance(old_units):
    rows = selectors.compliance_for_year(old_units.user("d1b1.chief"), 2025, today=D(2025, 5, 1))
    assert [r.unit.code for r in rows] == ["d1b1"]
    rows = selectors.compliance_for_year(old_units.user("d1.officer"), 2025, today=D(2025, 5, 1))
    assert [r.unit.code for r in rows] == ["d1", "d1b1", "d1b2"]
    assert selectors.compliance_for_year(old_units.user("sysadmin"), 2025, today=D(2025, 5, 1)) == []


def test_compliance_rows_are_the_units_existing_in_the_year_in_tree_order(old_units):
    """Units created after the year are left out before they are loaded, and the others keep the order tree_sorted
    gives them among all the units — also a 大队 whose 支队 was created (re-parented) after the year."""
    from django.utils import timezone

    from xinfang.orgs.selectors import tree_sorted

    w = old_units
    _created("d2", D(2026, 2, 1))  # d2's 大队 existed before it (moved under it)
    _created("d1b2", D(2025, 12, 31))
    _created("d1b1", D(2026, 1, 1))
    Unit.objects.filter(pk=w.unit("d2b1").pk).update(code="zz-first")  # sibling order by code, not by id
    everything = Unit.objects.filter(level__in=["detachment", "brigade"], is_active=True)
    expected = [u.code for u in tree_sorted(everything) if timezone.localdate(u.created_at) <= D(2025, 12, 31)]
    rows = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2026, 1, 1))
    assert [r.unit.code for r in rows] == expected
    assert "d1b1" not in expected and "d2" not in expected and "d1b2" in expected and "zz-first" in expected


def test_compliance_without_designations_has_the_same_quota_figures_and_no_designation_gaps(old_units):
    from xinfang.orgs.models import Post

    w = old_units
    meeting(w, "d1b1", D(2025, 5, 5))
    Post.objects.filter(unit=w.unit("d1b1"), role="chief").update(end_on=D(2025, 1, 31))  # d1b1 lacks its 主官
    full = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2025, 9, 30))
    light = selectors.compliance_for_year(w.user("c.chief"), 2025, today=D(2025, 9, 30), designations=False)
    assert [r.unit.pk for r in full] == [r.unit.pk for r in light]
    for a, b in zip(full, light, strict=True):
        assert (a.pace, a.meeting_gap, a.reception_gaps) == (b.pace, b.meeting_gap, b.reception_gaps)
        assert b.designation_gaps == []
    assert any(r.designation_gaps for r in full)  # the fixture has units without their leaders: full checks them
