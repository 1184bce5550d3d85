"""The kept sections (dashboard/kept.py) are exactly the live ones: after every kind of change to the tables they
are read from — through the ORM, a bulk update or raw SQL — the dashboard's kept quota and screening cards and the
assessment's kept meeting, reception and screening figures equal those computed now, and an unchanged one is read
back with one query. PostgreSQL only (the triggers);
elsewhere the cards are always computed live.

These tests commit (transaction=True): a transaction that has written never reads or stores kept values."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.dashboard import kept
from xinfang.dashboard import selectors as dash

D = datetime.date
PG = connection.vendor == "postgresql"


def _live(fn, *args):
    kept.ENABLED = False
    try:
        return fn(*args)
    finally:
        kept.ENABLED = True


@pytest.fixture
def committed_world(transactional_db):
    from django.core.cache import cache

    from conftest import build_world
    from xinfang.orgs.models import Unit

    cache.clear()  # values kept by an earlier test of the process: its database was flushed, its versions restart
    world = build_world()
    Unit.objects.update(created_at=timezone.make_aware(datetime.datetime(2020, 1, 1)))  # paced for the whole year
    return world


def _cards(world, today):
    """The dashboard's two kept cards and the assessment's three kept figures (accountability/integration.py)."""
    from xinfang.accountability import integration
    from xinfang.accountability.indicators import Period
    from xinfang.orgs.models import Unit

    user, unit, year = world.user("c.chief"), world.unit("c"), today.year
    assessed = list(Unit.objects.filter(level__in=["detachment", "brigade"]).order_by("path"))
    period = Period(year, today)
    return (
        dash._quotas(user, unit, year, today),
        dash._screening(user, unit, today),
        integration.meeting_quota(assessed, period),
        integration.reception_quota(assessed, period),
        integration.screening_timeliness(assessed, period),
    )


def _live_cards(world, today):
    return _live(_cards, world, today)


@pytest.mark.skipif(not PG, reason="the kept sections' triggers are PostgreSQL's")
def test_kept_cards_equal_live_ones_after_every_kind_of_change(committed_world) -> None:
    from xinfang.core.models import CalendarDay, Share
    from xinfang.leadership.models import DayStatus, Meeting, Quota, QuotaCode, Reception, ReceptionDay
    from xinfang.orgs.models import Post, Unit, User
    from xinfang.screening.models import Cadence, ScreeningReport

    world = committed_world
    today = timezone.localdate()
    year_end = D(today.year, 12, 31)
    d1, d1b1 = world.unit("d1"), world.unit("d1b1")
    chief = world.user("d1.chief")

    def check(after: str) -> None:
        first = _cards(world, year_end)
        assert first == _live_cards(world, year_end), after
        with CaptureQueriesContext(connection) as ctx:
            again = _cards(world, year_end)
        assert again == first, after
        seen.append(first)
        # has_perm's grants are cached on the user; each card and figure reads its sources' versions (and the
        # assessed units are read again), nothing else
        versions = [q for q in ctx.captured_queries if "dashboard_sourceversion" in q["sql"]]
        assert len(versions) == 5 and len(ctx.captured_queries) == 6, (after, [q["sql"] for q in ctx.captured_queries])

    seen: list[tuple[Any, ...]] = []
    check("start")

    Meeting.objects.create(unit=d1, held_on=today, topics="t", decisions="d", recorded_by=chief)
    check("meeting created")
    Meeting.objects.filter(unit=d1).update(held_on=D(today.year, 1, 2))
    check("meetings moved by a bulk update")
    day = ReceptionDay.objects.create(
        unit=d1, leader=chief, role="chief", planned_on=today, created_by=chief, status=DayStatus.PLANNED
    )
    check("reception day planned")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leadership_receptionday SET status = %s WHERE id = %s", [DayStatus.HELD, day.pk])
    check("reception day held (raw SQL)")
    Reception.objects.create(unit=d1, leader=chief, role="chief", received_on=today, matter="m", recorded_by=chief)
    check("reception recorded")
    Quota.objects.update_or_create(code=QuotaCode.MEETING_BRIGADE, defaults={"minimum": 7, "period": "year"})
    check("quota changed")
    Post.objects.filter(user=world.user("d1b1.chief")).update(end_on=D(today.year, 1, 1))
    check("a leader's post ended")
    User.objects.filter(pk=chief.pk).update(name="改名后的主官")
    check("a leader renamed")
    Unit.objects.filter(pk=d1b1.pk).update(name="改名后的大队")
    check("a unit renamed")
    ScreeningReport.objects.create(
        unit=d1b1, period="month", period_start=D(today.year, today.month, 1), period_end=year_end,
        due_on=year_end, submitted_by=world.user("d1b1.officer"), submitted_at=timezone.now(), submitted_on=today,
    )  # fmt: skip
    check("screening report submitted")
    Cadence.objects.update_or_create(
        key="brigade", defaults={"period": "quarter", "anchor": "end", "offset_days": 3, "shift_to_workday": False}
    )
    check("cadence changed")
    CalendarDay.objects.create(day=D(today.year, 12, 30), is_workday=False, name="调休")
    check("calendar day added")
    from django.contrib.contenttypes.models import ContentType

    Share.objects.create(
        content_type=ContentType.objects.get_for_model(Unit), object_id=d1b1.pk, user=world.user("c.chief"),
        granted_by=world.user("sysadmin"), reason="r",
    )  # fmt: skip
    check("share granted")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leadership_meeting")
    check("meetings truncated")

    assert len({repr(cards) for cards in seen}) >= 6  # the changes did reach the cards


@pytest.mark.skipif(not PG, reason="the kept sections' triggers are PostgreSQL's")
def test_sign_ins_do_not_bump_the_versions_but_what_cards_show_does(committed_world) -> None:
    from xinfang.orgs.models import User

    user = committed_world.user("d1.chief")
    start = kept.versions(("org",))
    User.objects.filter(pk=user.pk).update(last_login=timezone.now(), current_session_key="k")
    assert kept.versions(("org",)) == start
    User.objects.filter(pk=user.pk).update(name="新名字")
    assert kept.versions(("org",)) == {"org": start["org"] + 1}


@pytest.mark.skipif(not PG, reason="the kept sections' triggers are PostgreSQL's")
def test_a_transaction_that_wrote_neither_reads_nor_stores_kept_cards(committed_world) -> None:
    from xinfang.leadership.models import Meeting

    world = committed_world
    today = timezone.localdate()
    year_end = D(today.year, 12, 31)
    _cards(world, year_end)  # kept
    with transaction.atomic():
        Meeting.objects.create(
            unit=world.unit("d1"), held_on=today, topics="t", decisions="d", recorded_by=world.user("d1.chief")
        )
        assert kept.versions(("leadership",)) is None
        inside = _cards(world, year_end)
        assert inside == _live_cards(world, year_end)  # its own change, computed live
        transaction.set_rollback(True)
    assert _cards(world, year_end) == _live_cards(world, year_end)  # nothing of the rolled-back change kept


@pytest.mark.django_db
def test_without_the_triggers_cards_are_computed_live(world, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(kept, "enabled", lambda: False)
    assert kept.kept("x", ("org",), (1,), lambda: calls.append(1) or len(calls)) == 1
    assert kept.kept("x", ("org",), (1,), lambda: calls.append(1) or len(calls)) == 2
    with pytest.raises(ValueError):
        kept.kept("x", ("nonsense",), (1,), lambda: 0)


@pytest.mark.django_db
def test_the_sources_are_the_migrations_tables() -> None:
    import importlib

    migration = importlib.import_module("xinfang.dashboard.migrations.0001_source_versions")
    assert {name: tuple(t for t, _ in tables) for name, tables in migration.SOURCES.items()} == kept.SOURCES
