"""Every figure drills down to the records behind it (R5.1) — also the three taken from the leadership and screening
apps: 党委会研究部署完成率 → the meetings, 领导接访完成率 → each leader's reception periods with their reception days
and receptions, 排查报告及时率 → the report obligations with their reports. Scope-checked (404 outside the user's
units; records he may not see are counted, not linked) with constant queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.accountability import selectors
from xinfang.accountability.tests.helpers import D, group
from xinfang.accountability.views import PAGE_SIZE
from xinfang.orgs.models import Unit

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1  # a settled year: every period of it has ended

leadership = pytest.importorskip("xinfang.leadership.models")
screening_models = pytest.importorskip("xinfang.screening.models")
screening_selectors = pytest.importorskip("xinfang.screening.selectors")


@pytest.fixture
def old_world(world):
    """The world's units as if they had existed since 2020 (they owe last year's quotas and reports)."""
    Unit.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    for code, unit in world.units.items():
        world.units[code] = Unit.objects.get(pk=unit.pk)
    return world


def login(client, user):
    from xinfang.core.otp_testing import complete_second_factor

    client.force_login(user)
    complete_second_factor(client, user)
    return client


def drill_url(world, code: str, part: str, unit: str = "d1") -> str:
    return reverse(
        "accountability:assessment-drill",
        kwargs={"year": YEAR, "pk": world.unit(unit).pk, "code": code, "part": part},
    )


def fig(world, code: str, unit: str = "d1") -> ind.Figure:
    return ind.BY_CODE[code].figure(world.unit(unit), ind.Period.of(YEAR))


def meeting(world, code: str, day: datetime.date, topics: str = "研究信访工作"):
    return leadership.Meeting.objects.create(
        unit=world.unit(code), held_on=day, topics=topics, decisions="部署", recorded_by=world.user(f"{code}.officer")
    )


def reception(world, at: str, leader: str, role: str, day: datetime.date):
    return leadership.Reception.objects.create(
        unit=world.unit(at), leader=world.user(leader), role=role, received_on=day, matter="来访反映问题",
        recorded_by=world.user(f"{at}.officer"),
    )  # fmt: skip


def held_day(world, leader: str, role: str, day: datetime.date):
    return leadership.ReceptionDay.objects.create(
        unit=world.unit("d1"), leader=world.user(leader), role=role, planned_on=day,
        status=leadership.DayStatus.HELD, created_by=world.user("d1.officer"),
    )  # fmt: skip


def report_for(world, obligation, *, late: bool = False):
    submitted = obligation.due_on + datetime.timedelta(days=3 if late else 0)
    return screening_models.ScreeningReport.objects.create(
        unit=obligation.unit, period=obligation.period, period_start=obligation.period_start,
        period_end=obligation.period_end, due_on=obligation.due_on, is_zero=True,
        submitted_by=world.user(f"{obligation.unit.code}.officer"), submitted_at=timezone.now(),
        submitted_on=submitted, is_late=late,
    )  # fmt: skip


def ids(html: str, attr: str) -> set[str]:
    return set(re.findall(rf'data-{attr}="([^"]+)"', html))


def test_the_meeting_quota_drills_to_the_meetings_held(client, old_world) -> None:
    world = old_world
    m1 = meeting(world, "d1", D(YEAR, 3, 1), "一季度研究信访工作")
    m2 = meeting(world, "d1", D(YEAR, 9, 1), "三季度研究信访工作")
    m3 = meeting(world, "d1", D(YEAR, 11, 1), "四季度研究信访工作")
    old = meeting(world, "d1", D(YEAR - 1, 3, 1), "上一年度")
    meeting(world, "d1b1", D(YEAR, 3, 1), "大队的会议")  # the 大队's own committee: not the 支队's quota
    f = fig(world, "meeting_quota")
    assert (f.numerator, f.denominator) == (2, 2)  # three held, two required: capped
    login(client, world.user("d1.chief"))
    page = client.get(drill_url(world, "meeting_quota", "numerator")).content.decode()
    assert ids(page, "meeting") == {str(m1.pk), str(m2.pk), str(m3.pk)}
    assert str(old.pk) not in ids(page, "meeting")
    assert reverse("leadership:meeting-detail", args=[m1.pk]) in page
    assert "超过要求次数的按2次计入分子" in page
    page = client.get(drill_url(world, "meeting_quota", "denominator")).content.decode()
    assert "分母为本年度要求召开的次数（2次" in page and ids(page, "meeting") == {str(m1.pk), str(m2.pk), str(m3.pk)}
    # the unit's assessment page links the figure to its records
    unit_page = client.get(
        reverse("accountability:assessment-unit", kwargs={"year": YEAR, "pk": world.unit("d1").pk})
    ).content.decode()
    assert drill_url(world, "meeting_quota", "numerator") in unit_page
    assert drill_url(world, "screening_timeliness", "denominator") in unit_page


def test_the_reception_quota_drills_to_the_leaders_periods_and_their_records(client, old_world) -> None:
    world = old_world
    q1 = reception(world, "d1", "d1.chief", "chief", D(YEAR, 2, 10))
    day = held_day(world, "d1.chief", "chief", D(YEAR, 8, 10))
    elsewhere = reception(world, "c", "d1.leader", "leader", D(YEAR, 4, 1))  # recorded at the 总队: d1 can't see it
    f = fig(world, "reception_quota")
    assert (f.numerator, f.denominator) == (3, 6)  # chief 2 of 4 quarters; 分管领导 1 of 2 half-years

    login(client, world.user("d1.chief"))
    page = client.get(drill_url(world, "reception_quota", "numerator")).content.decode()
    assert len(ids(page, "period")) >= 2 and page.count("data-leader=") == f.numerator
    assert ids(page, "reception") == {str(q1.pk)} and ids(page, "day") == {str(day.pk)}
    assert reverse("leadership:reception-detail", args=[q1.pk]) in page
    assert reverse("leadership:day-detail", args=[day.pk]) in page
    assert str(elsewhere.pk) not in ids(page, "reception")
    assert "另有1份记录不在您的查看范围内" in page
    page = client.get(drill_url(world, "reception_quota", "denominator")).content.decode()
    assert page.count("data-leader=") == f.denominator and "未完成" in page

    drill = selectors.indicator_drill(world.user("c.chief"), YEAR, world.unit("d1"), "reception_quota", "numerator")
    assert drill.hidden == 0 and {r.pk for row in drill.records for r in row.receptions} == {q1.pk, elsewhere.pk}


def test_screening_timeliness_drills_to_the_report_obligations(client, old_world) -> None:
    world = old_world
    d1 = world.unit("d1")
    owed = screening_selectors.assessed_obligations(D(YEAR, 1, 1), D(YEAR, 12, 31), timezone.localdate(), within=d1)
    own = sorted((o for o in owed if o.unit == d1), key=lambda o: o.period_start)
    on_time = report_for(world, own[0])
    late = report_for(world, own[1], late=True)
    f = fig(world, "screening_timeliness")
    assert (f.numerator, f.denominator) == (1, len(owed))

    login(client, world.user("d1.chief"))
    page = client.get(drill_url(world, "screening_timeliness", "numerator")).content.decode()
    assert ids(page, "report") == {str(on_time.pk)} and len(ids(page, "obligation")) == 1
    assert reverse("screening:report-detail", args=[on_time.pk]) in page
    page = client.get(drill_url(world, "screening_timeliness", "denominator")).content.decode()
    assert len(ids(page, "obligation")) == min(f.denominator, PAGE_SIZE)
    assert 'data-state="missing"' in page and 'data-state="late"' in page
    drill = selectors.indicator_drill(world.user("d1.chief"), YEAR, d1, "screening_timeliness", "denominator")
    assert drill.total == f.denominator
    states = [row.source.state for row in drill.records]
    assert states.count("submitted") == 1 and states.count("late") == 1
    assert states.count("missing") == f.denominator - 2
    assert {row.report.pk for row in drill.records if row.report} == {on_time.pk, late.pk}
    # a 大队's drill lists only its own obligations
    brigade = selectors.indicator_drill(
        world.user("d1.chief"), YEAR, world.unit("d1b1"), "screening_timeliness", "denominator"
    )
    assert {row.source.unit.code for row in brigade.records} == {"d1b1"}


@pytest.mark.parametrize("code", ["meeting_quota", "reception_quota", "screening_timeliness"])
def test_the_record_drills_are_scope_checked(client, old_world, code) -> None:
    world = old_world
    meeting(world, "d1", D(YEAR, 3, 1))
    reception(world, "d1", "d1.chief", "chief", D(YEAR, 2, 10))
    login(client, world.user("d2.chief"))  # another 支队
    assert client.get(drill_url(world, code, "numerator")).status_code == 404
    assert client.get(drill_url(world, code, "denominator")).status_code == 404
    login(client, world.user("d1b1.chief"))  # a 大队 below: the 支队 is above his scope
    assert client.get(drill_url(world, code, "numerator")).status_code == 404
    login(client, group(world))  # the 总队 领导小组 sees every 支队
    assert client.get(drill_url(world, code, "numerator")).status_code == 200
    assert client.get(drill_url(world, code, "numerator", unit="d2")).status_code == 200


@pytest.mark.parametrize("code", ["meeting_quota", "reception_quota", "screening_timeliness"])
def test_record_drill_queries_do_not_grow_with_the_records(client, old_world, code) -> None:
    world = old_world
    d1 = world.unit("d1")
    owed = screening_selectors.assessed_obligations(D(YEAR, 1, 1), D(YEAR, 12, 31), timezone.localdate(), within=d1)
    own = sorted((o for o in owed if o.unit == d1), key=lambda o: o.period_start)

    def add(i: int) -> None:
        meeting(world, "d1", D(YEAR, 1 + i, 5))
        reception(world, "d1", "d1.chief", "chief", D(YEAR, 1 + 3 * (i % 4), 10 + i))
        held_day(world, "d1.leader", "leader", D(YEAR, 1 + i, 12))
        report_for(world, own[i])

    login(client, world.user("d1.chief"))
    url = drill_url(world, code, "denominator")
    add(0)
    client.get(url)  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(1, 6):
        add(i)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
