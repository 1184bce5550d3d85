"""The indicator tally (tally.py) stays exactly right: after random changes of cases, opinions and evaluations — by
save(), bulk update, delete, transfer to another unit, re-parenting of a 复查 — every figure read through the tally
equals the live computation from the definitions, for every unit and several reference days. PostgreSQL only (the
tally's triggers); elsewhere figures are always live."""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.accountability import indicators as ind
from xinfang.accountability import tally
from xinfang.accountability.models import IndicatorTally, TallyVersion
from xinfang.accountability.tests.helpers import D, case, evaluate, opinion, review_of
from xinfang.cases.models import Case, Disposition, Evaluation, Kind, Opinion, Rating
from xinfang.orgs.models import Unit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the tally's triggers are PostgreSQL's"),
]
YEAR = 2025
UNITS = ("c", "d1", "d2", "d1b1", "d1b2", "d2b1", "d2b2")
AS_OF = (D(2025, 3, 1), D(2025, 12, 31), D(2026, 2, 1))
SATISFIED = (Rating.SATISFIED, Rating.BASICALLY)
CASE_CODES = [i.code for i in ind.INDICATORS if isinstance(i, ind.RecordIndicator) and i.source == "cases"]


def live(units, period) -> dict[int, dict[str, ind.Figure]]:
    tally.ENABLED = False
    try:
        return ind.compute(units, period, codes=CASE_CODES)
    finally:
        tally.ENABLED = True


def assert_tally_is_live(world, after: str = "") -> None:
    for unit_set in ([world.unit(c) for c in UNITS], [world.unit("d1"), world.unit("d2b1")]):
        for as_of in AS_OF:
            period = ind.Period(YEAR, as_of)
            assert ind.compute(unit_set, period, codes=CASE_CODES) == live(unit_set, period), (after, as_of)


def _day(rng: random.Random) -> datetime.date | None:
    return rng.choice([None, D(2024, 12, 31), D(2025, 1, 1), D(2025, rng.randint(1, 12), rng.randint(1, 28))])


def _operations(world, rng: random.Random) -> Iterator[str]:
    """Random changes, each through a different path a service (or a script) might take."""
    made: list[Case] = []
    for n in range(12):
        kind = rng.choice([Kind.INITIAL, Kind.INITIAL, Kind.REVIEW])
        if kind == Kind.REVIEW and made:
            c = review_of(world, rng.choice(made), rng.choice(UNITS[1:]), title=f"R{n}", due=_day(rng))
        else:
            c = case(world, rng.choice(UNITS[1:]), title=f"C{n}", ack_due=_day(rng), due=_day(rng))
        if rng.random() < 0.7:
            opinion(c, issued_on=_day(rng), delivered_on=_day(rng), disposition=rng.choice(Disposition.values))
            if rng.random() < 0.5:
                evaluate(c, rng.choice(Rating.values), D(2025, 12, 1))
        made.append(c)
    yield "created"
    for step in range(80):
        c = Case.objects.get(pk=rng.choice(made).pk)
        action = rng.choice(
            ["dates", "bulk", "opinion", "opinion_update", "opinion_delete", "evaluate", "evaluation_update",
             "evaluation_delete", "transfer", "reparent", "repeat", "kind", "delete", "review_opinion"]
        )  # fmt: skip
        if action == "dates":
            c.decided_on, c.due, c.received_on = _day(rng), _day(rng), _day(rng) or D(2025, 6, 1)
            c.save()
        elif action == "bulk":
            Case.objects.filter(pk__in=[m.pk for m in made[::3]]).update(ack_due=_day(rng), decided_on=_day(rng))
        elif action == "opinion" and not Opinion.objects.filter(case=c).exists():
            opinion(c, issued_on=_day(rng), delivered_on=_day(rng), disposition=rng.choice(Disposition.values))
        elif action == "opinion_update":
            Opinion.objects.filter(case=c).update(
                issued_on=_day(rng), delivered_on=_day(rng), disposition=rng.choice(Disposition.values)
            )
        elif action == "review_opinion":  # a 复查 of another unit's handling: counted under the parent's unit
            review = rng.choice([m for m in made if m.kind == Kind.REVIEW] or [c])
            Opinion.objects.update_or_create(
                case=review,
                defaults={"issued_on": D(2025, 6, 1), "disposition": rng.choice(Disposition.values),
                          "drafted_by": review.registered_by, "drafted_at": review.created_at},
            )  # fmt: skip
        elif action == "opinion_delete":
            Opinion.objects.filter(case=c).delete()
        elif action == "evaluate" and Opinion.objects.filter(case=c).exists():
            if not Evaluation.objects.filter(case=c).exists():
                evaluate(c, rng.choice(Rating.values), D(2025, 12, 1))
        elif action == "evaluation_update":
            for e in Evaluation.objects.filter(case=c):  # satisfied or not, the other way round
                e.rating = rng.choice([r for r in Rating.values if (r in SATISFIED) != (e.rating in SATISFIED)])
                e.save()
        elif action == "evaluation_delete":
            Evaluation.objects.filter(case=c).delete()
        elif action == "transfer":  # 转送/交办: another handling unit (moves its reviews' 改变率 too)
            Case.objects.filter(pk=c.pk).update(unit=world.unit(rng.choice(UNITS[1:])))
        elif action == "reparent" and c.kind == Kind.REVIEW:
            c.parent_case = rng.choice([m for m in made if m.pk != c.pk])
            c.save()
        elif action == "repeat" and c.kind == Kind.INITIAL:
            c.original_case = rng.choice([None, *[m for m in made if m.pk != c.pk]])
            c.save()
        elif action == "kind" and c.kind == Kind.INITIAL:
            Case.objects.filter(pk=c.pk).update(kind=Kind.REREVIEW if rng.random() < 0.5 else Kind.INITIAL)
        elif action == "delete" and not Case.objects.filter(parent_case=c).exists():
            Case.objects.filter(original_case=c).update(original_case=None)
            gone = c.pk
            c.delete()
            made = [m for m in made if m.pk != gone]
        yield f"{step}:{action}"


@pytest.mark.parametrize("many_roots", [20, 0])
def test_random_operations_leave_every_tallied_figure_equal_to_the_live_definition(
    world, monkeypatch, many_roots
) -> None:
    """(many_roots=0: the reads for thousands of units — every row of the batch, kept by unit in Python.)"""
    monkeypatch.setattr(ind, "MANY_ROOTS", many_roots)
    monkeypatch.setattr(tally, "MANY_ROOTS", many_roots)
    rng = random.Random(2025)
    for done in _operations(world, rng):
        assert_tally_is_live(world, done)
    assert_tally_is_live(world)
    assert IndicatorTally.objects.exists() and TallyVersion.objects.exists()  # the tally was used and maintained
    figures = ind.compute([world.unit("c")], ind.Period(YEAR, AS_OF[-1]), codes=CASE_CODES)[world.unit("c").pk]
    assert any(f.denominator or f.numerator for f in figures.values())  # the random year is not empty


def test_a_current_tally_is_read_without_touching_the_cases(world) -> None:
    c = case(world, "d1b1", title="A", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 20))
    units = [world.unit(u) for u in UNITS]
    period = ind.Period(YEAR, D(2026, 2, 1))
    first = ind.compute(units, period, codes=CASE_CODES)
    with CaptureQueriesContext(connection) as read:
        again = ind.compute(units, period, codes=CASE_CODES)
    assert again == first
    assert not any("cases_case" in q["sql"] for q in read.captured_queries)
    # a change in one unit: only that unit (and its parent case's unit) is recomputed, and the figure moves
    Case.objects.filter(pk=c.pk).update(decided_on=D(2025, 3, 5))
    with CaptureQueriesContext(connection) as changed:
        after = ind.compute(units, period, codes=CASE_CODES)
    assert after[world.unit("d1").pk]["timely_ack"].numerator == first[world.unit("d1").pk]["timely_ack"].numerator - 1
    recomputed = [q["sql"] for q in changed.captured_queries if "cases_case" in q["sql"]]
    assert recomputed and all(f"IN ({world.unit('d1b1').pk})" in q for q in recomputed)
    assert after == live(units, period)


def test_a_stale_row_is_never_read(world) -> None:
    """A unit's row whose version is not the unit's current version (a change committed after it was computed), and
    a roll-up whose units or versions changed since, are ignored — even if nothing else removed them."""
    case(world, "d1b1", title="A", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 20))
    units = [world.unit("d1")]
    period = ind.Period(YEAR, D(2026, 2, 1))

    def timely() -> tuple[int | None, int | None]:
        f = ind.compute(units, period, codes=["timely_ack"])[world.unit("d1").pk]["timely_ack"]
        return f.numerator, f.denominator

    assert timely() == (1, 1)
    leaf = IndicatorTally.objects.filter(unit=world.unit("d1b1"), batch="cases:unit__path")
    rolled = IndicatorTally.objects.filter(batch__startswith="sum:cases:unit__path")
    assert leaf.count() == 1 and rolled.count() == 1
    # a current roll-up is trusted, so is a current unit row (so this test can fail)
    rolled.update(counts={"timely_ack": {str(world.unit("d1").pk): [5, 5]}})
    assert timely() == (5, 5)
    leaf.update(counts={"timely_ack": [7, 7]})
    rolled.delete()
    assert timely() == (7, 7)
    # …until the unit's version moves on (as a trigger does when one of its cases changes): both are outdated
    rolled.update(counts={"timely_ack": {str(world.unit("d1").pk): [5, 5]}})
    TallyVersion.objects.filter(unit=world.unit("d1b1")).update(version=99)
    assert timely() == (1, 1)
    # a unit moved into the subtree (its path under d1: what orgs.services.unit_move writes) outdates the roll-up
    case(world, "d2b1", title="B", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 20))
    assert timely() == (1, 1)
    moved = world.unit("d2b1")
    Unit.objects.filter(pk=moved.pk).update(parent=world.unit("d1"), path=f"{world.unit('d1').path}{moved.pk}/")
    assert timely() == (2, 2)


def test_reset_command_empties_the_tally(world) -> None:
    from django.core.management import call_command

    case(world, "d1b1", title="A", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 20))
    ind.compute([world.unit("c")], ind.Period(YEAR, D(2026, 2, 1)), codes=CASE_CODES)
    assert IndicatorTally.objects.exists()
    out = io.StringIO()
    call_command("reset_indicator_tally", stdout=out)
    assert "已清空" in out.getvalue()
    assert not IndicatorTally.objects.exists()


def test_tally_queries_do_not_grow_with_units_or_records(world, django_assert_max_num_queries) -> None:
    """Read from a current tally: per batch, the units, their versions and their tally rows."""
    for n, code in enumerate(UNITS[1:] * 3):
        case(world, code, title=f"A{n}", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 20))
    period = ind.Period(YEAR, D(2026, 2, 1))
    few, many = [world.unit("d1b1")], [world.unit(c) for c in UNITS]
    for units in (few, many):
        ind.compute(units, period, codes=CASE_CODES)  # fills the tally
        with django_assert_max_num_queries(6) as captured:  # per batch: units, versions, rows
            ind.compute(units, period, codes=CASE_CODES)
        assert not any("cases_case" in q["sql"] for q in captured.captured_queries)
    with CaptureQueriesContext(connection) as one:
        ind.compute(few, period, codes=CASE_CODES)
    with CaptureQueriesContext(connection) as all_units:
        ind.compute(many, period, codes=CASE_CODES)
    assert len(one.captured_queries) == len(all_units.captured_queries)
