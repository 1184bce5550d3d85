"""The dashboard's case counts read from the tally (dashboard/tally.py) equal the live grouped counts of
cases.case_list — for readers with and without cases hidden from them (Art 30), after random changes of the cases
(status, dates, category, channel, topic, transfer, 检举控告 naming the reader, deletion). PostgreSQL only."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.accountability import tally
from xinfang.accountability.tests.helpers import case
from xinfang.cases.models import Case, Category, Channel, Status, Topic
from xinfang.dashboard import selectors as dash
from xinfang.dashboard import tally as dash_tally

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the tally's triggers are PostgreSQL's"),
]
D = datetime.date
YEAR = 2025
TODAY = D(2025, 10, 1)
UNITS = ("c", "d1", "d2", "d1b1", "d1b2", "d2b1", "d2b2")
READERS = ("c.chief", "d1.chief", "d1b1.officer", "d2.leader")


def live(user, unit, today=TODAY) -> dash.CaseFigures:
    return dash.case_figures_live(user, unit, YEAR, today)


def normal(f: dash.CaseFigures) -> dash.CaseFigures:
    f.topics = sorted(f.topics, key=lambda r: r["topic__code"])
    return f


def assert_same(world, after: str = "") -> None:
    for reader in READERS:
        user = world.user(reader)
        for unit in (world.unit(code) for code in ("c", "d1", "d1b1", "d2")):
            for today in (TODAY, D(2026, 3, 1)):
                got = dash_tally.case_figures(user, unit, YEAR, today)
                if got is None:  # outside his scope: the page computes it live
                    continue
                assert normal(got) == normal(live(user, unit, today)), (after, reader, unit.code, today)


def _day(rng: random.Random) -> datetime.date:
    return rng.choice([D(2024, 12, 31), D(2025, 1, 1), D(2025, rng.randint(1, 12), rng.randint(1, 28)), D(2026, 1, 5)])


def test_tallied_dashboard_counts_equal_the_case_list_after_random_changes(world) -> None:
    rng = random.Random(6)
    topics = list(Topic.objects.all()[:4])
    statuses = [Status.REGISTERED, Status.ACCEPTED, Status.CONCLUDED, Status.DECLINED, Status.DELIVERED]
    made = []
    for n in range(25):
        c = case(
            world, rng.choice(UNITS[1:]), title=f"C{n}", received_on=_day(rng), ack_due=_day(rng), due=_day(rng),
            status=rng.choice(statuses), category=rng.choice(Category.values), channel=rng.choice(Channel.values),
            topic=rng.choice(topics), concluded_on=rng.choice([None, _day(rng)]),
        )  # fmt: skip
        made.append(c)
    # 检举控告 hidden from some readers: accusing d1 (d1's staff), and naming c.chief
    made[0].category = Category.ACCUSATION
    made[0].accused_unit = world.unit("d1")
    made[0].save()
    made[1].category = Category.ACCUSATION
    made[1].save()
    made[1].accused_officials.add(world.user("c.chief"))
    assert_same(world, "created")
    assert Case.objects.visible_to(world.user("c.chief")).count() < Case.objects.count()  # someone is hidden
    for step in range(30):
        c = Case.objects.get(pk=rng.choice(made).pk)
        action = rng.choice(["status", "dates", "fields", "bulk", "transfer", "delete"])
        if action == "status":
            c.status = rng.choice(statuses)
            c.save()
        elif action == "dates":
            c.received_on, c.concluded_on, c.due = _day(rng), rng.choice([None, _day(rng)]), _day(rng)
            c.save()
        elif action == "fields":
            Case.objects.filter(pk=c.pk).update(
                category=rng.choice(Category.values), channel=rng.choice(Channel.values), topic=rng.choice(topics)
            )
        elif action == "bulk":
            Case.objects.filter(pk__in=[m.pk for m in made[::4]]).update(status=rng.choice(statuses))
        elif action == "transfer":
            Case.objects.filter(pk=c.pk).update(unit=world.unit(rng.choice(UNITS[1:])))
        elif action == "delete" and c.pk not in (made[0].pk, made[1].pk):
            gone = c.pk
            c.delete()
            made = [m for m in made if m.pk != gone]
        assert_same(world, f"{step}:{action}")
    assert tally.IndicatorTally.objects.filter(batch__startswith="dashboard:").exists()


def test_the_dashboard_reads_the_tally_without_grouping_the_cases(world) -> None:
    for n, code in enumerate(UNITS[1:] * 2):
        case(world, code, title=f"C{n}", received_on=D(2025, 3, 1), status=Status.ACCEPTED)
    user, unit = world.user("c.chief"), world.unit("c")
    first = dash.case_figures(user, unit, YEAR, TODAY)
    with CaptureQueriesContext(connection) as read:
        again = dash.case_figures(user, unit, YEAR, TODAY)
    assert normal(again) == normal(first) == normal(live(user, unit))
    grouped = [q["sql"] for q in read.captured_queries if "GROUP BY" in q["sql"] and "cases_case" in q["sql"]]
    assert not grouped
    assert first.status["total"] == 12
