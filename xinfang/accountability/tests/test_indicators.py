"""Each indicator's formula on a hand-built year of cases (R5.1), with the edge cases: nothing in the denominator →
not applicable (never 0 % or 100 %); a limit still running is not yet due; a 支队 answers for its 大队; the figure
drills down to exactly the cases behind it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.accountability.tests.helpers import D, case, evaluate, opinion, review_of
from xinfang.cases.models import Kind, Rating, Status
from xinfang.incidents import services as incident_services
from xinfang.incidents.models import IncidentKind, ResponderRole

pytestmark = pytest.mark.django_db
YEAR = 2025
AFTER = D(2026, 2, 1)  # evaluated well after the year: every 2025 limit has passed


def fig(code: str, world, unit: str = "d1", as_of: datetime.date = AFTER) -> ind.Figure:
    return ind.BY_CODE[code].figure(world.unit(unit), ind.Period(YEAR, as_of))


def drilled(code: str, world, part: str, unit: str = "d1", as_of: datetime.date = AFTER) -> set[str]:
    qs = ind.BY_CODE[code].drill(world.unit(unit), ind.Period(YEAR, as_of), part)
    return set(qs.values_list("title", flat=True))


def test_no_records_means_not_applicable_never_zero_or_hundred_percent(world) -> None:
    figures = ind.compute([world.unit("d1"), world.unit("d2")], ind.Period(YEAR, AFTER))
    for code in ind.RATES:
        f = figures[world.unit("d1").pk][code]
        assert f.value is None and not f.applicable, code
        assert f.percent in ("不适用", "未接入")
    for code in ind.COUNTS:
        assert figures[world.unit("d1").pk][code].value == 0, code  # a count of nothing is a real 0


def test_timely_ack(world) -> None:
    case(world, "d1b1", title="A1", ack_due=D(2025, 3, 17), decided_on=D(2025, 3, 10), status=Status.ACCEPTED)
    case(world, "d1b2", title="A2", ack_due=D(2025, 4, 15), decided_on=D(2025, 4, 20), status=Status.DECLINED)
    case(world, "d1", title="A3", ack_due=D(2025, 5, 1))  # never decided
    case(world, "d1b1", title="A4", ack_due=D(2025, 12, 31))  # decided neither; due on the last day
    case(world, "d1b1", title="A5", ack_due=D(2025, 7, 1), decided_on=D(2025, 7, 1), status=Status.DIVERTED)
    case(world, "d2b1", title="other detachment", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 20))
    case(world, "d1b1", title="other year", ack_due=D(2024, 12, 30), decided_on=D(2024, 12, 1))
    review_of(world, case(world, "d1b1", title="P"), "d1", title="review has no ack limit")
    f = fig("timely_ack", world)
    assert (f.numerator, f.denominator, f.value) == (2, 5, Decimal("0.4"))
    assert f.percent == "40.0%"
    assert drilled("timely_ack", world, "numerator") == {"A1", "A5"}
    assert drilled("timely_ack", world, "denominator") == {"A1", "A2", "A3", "A4", "A5"}
    # on 31 December the last limit is still running: not yet due, not counted
    f = fig("timely_ack", world, as_of=D(2025, 12, 31))
    assert (f.numerator, f.denominator) == (2, 4)
    # a brigade answers for itself only
    f = fig("timely_ack", world, unit="d1b1")
    assert (f.numerator, f.denominator) == (2, 3)


def test_on_time_conclusion_counts_the_opinion_issued_within_due(world) -> None:
    b1 = case(world, "d1b1", title="B1", due=D(2025, 5, 1), status=Status.DELIVERED)
    opinion(b1, issued_on=D(2025, 4, 20))
    b2 = case(world, "d1b1", title="B2", due=D(2025, 6, 1), status=Status.OPINION_ISSUED)
    opinion(b2, issued_on=D(2025, 6, 5))  # late
    case(world, "d1b2", title="B3", due=D(2025, 7, 1), status=Status.ACCEPTED)  # nothing issued
    b4 = case(world, "d1", title="B4", due=D(2025, 8, 1), status=Status.OPINION_DRAFTED)
    opinion(b4, issued_on=None)  # drafted only
    b5 = case(world, "d1b1", title="B5", due=D(2025, 12, 20), status=Status.OPINION_ISSUED)
    opinion(b5, issued_on=D(2025, 12, 19))
    case(world, "d1b1", title="B6 still running", due=D(2025, 12, 31), status=Status.ACCEPTED)
    f = fig("on_time", world, as_of=D(2025, 12, 31))
    assert (f.numerator, f.denominator) == (2, 5)
    assert drilled("on_time", world, "numerator", as_of=D(2025, 12, 31)) == {"B1", "B5"}
    f = fig("on_time", world)
    assert (f.numerator, f.denominator, f.value) == (2, 6, Decimal("0.3333"))


def test_participation_and_satisfaction(world) -> None:
    for title, delivered, rating in [
        ("C1", D(2025, 5, 1), Rating.SATISFIED),
        ("C2", D(2025, 6, 10), Rating.BASICALLY),
        ("C3", D(2025, 7, 1), Rating.DISSATISFIED),
        ("C4", D(2025, 8, 1), None),
        ("C5 other year", D(2024, 8, 1), Rating.SATISFIED),
    ]:
        c = case(world, "d1b1", title=title, status=Status.DELIVERED)
        opinion(c, issued_on=delivered - datetime.timedelta(days=2), delivered_on=delivered)
        if rating:
            evaluate(c, rating, delivered + datetime.timedelta(days=1))
    f = fig("participation", world)
    assert (f.numerator, f.denominator, f.value) == (3, 4, Decimal("0.75"))
    f = fig("satisfaction", world)
    assert (f.numerator, f.denominator, f.value) == (2, 3, Decimal("0.6667"))
    assert drilled("satisfaction", world, "numerator") == {"C1", "C2"}
    assert drilled("satisfaction", world, "denominator") == {"C1", "C2", "C3"}
    assert drilled("participation", world, "denominator") == {"C1", "C2", "C3", "C4"}


def test_satisfaction_without_any_evaluation_is_not_applicable(world) -> None:
    c = case(world, "d1b1", title="delivered, not evaluated", status=Status.DELIVERED)
    opinion(c, issued_on=D(2025, 3, 1), delivered_on=D(2025, 3, 3))
    assert fig("participation", world).value == Decimal(0)  # one delivered, none evaluated: a real 0 %
    assert fig("satisfaction", world).value is None  # nobody evaluated: not applicable


def test_repeat_rate(world) -> None:
    original = case(world, "d1b1", title="original")
    case(world, "d1b1", title="D1", received_on=D(2025, 2, 1), original_case=original)
    case(world, "d1b1", title="D2", received_on=D(2025, 3, 1))
    case(world, "d1b2", title="D3", received_on=D(2025, 3, 5))
    review_of(world, original, "d1", title="a review is no repeat", received_on=D(2025, 4, 1))
    f = fig("repeat_rate", world)
    assert (f.numerator, f.denominator, f.value) == (1, 3, Decimal("0.3333"))
    assert drilled("repeat_rate", world, "numerator") == {"D1"}
    assert not ind.BY_CODE["repeat_rate"].higher_is_better


def test_review_change_rate_is_charged_to_the_unit_whose_opinion_was_reviewed(world) -> None:
    """Numerator: review opinions whose stated disposition is 变更 or 撤销 — not a comparison of results: an opinion
    that keeps the result but revokes the original counts, one that upholds it does not."""
    p1 = case(world, "d1b1", title="P1", status=Status.CONCLUDED)
    opinion(p1, result="reject", issued_on=D(2024, 10, 1), delivered_on=D(2024, 10, 3))
    p2 = case(world, "d1b1", title="P2", status=Status.CONCLUDED)
    opinion(p2, result="explain", issued_on=D(2024, 10, 1), delivered_on=D(2024, 10, 3))
    r1 = review_of(world, p1, "d1", title="R1 changed")
    opinion(r1, result="support", issued_on=D(2025, 5, 1), disposition="change")
    r2 = review_of(world, p2, "d1", title="R2 upheld")
    opinion(r2, result="explain", issued_on=D(2025, 6, 1), delivered_on=D(2025, 6, 2), disposition="uphold")
    r3 = review_of(world, r2, "c", kind=Kind.REREVIEW, title="R3 revoked the 复查")
    opinion(r3, result="explain", issued_on=D(2025, 7, 1), disposition="revoke")  # same result, still revoked
    r4 = review_of(world, p2, "d1", title="R4 pending")
    opinion(r4, result="support", issued_on=None, disposition="change")  # not issued: not in the year
    p3 = case(world, "d1b2", title="P3", status=Status.CONCLUDED)
    opinion(p3, result="reject", issued_on=D(2024, 11, 1), delivered_on=D(2024, 11, 3))
    r5 = review_of(world, p3, "d1", title="R5 upheld, other wording")
    opinion(r5, result="explain", issued_on=D(2025, 8, 1), disposition="uphold")  # result differs, but upheld
    r6 = review_of(world, p3, "d1", title="R6 changed in 2024")
    opinion(r6, result="support", issued_on=D(2024, 12, 1), disposition="change")  # another year
    f = fig("review_change", world, unit="d1b1")
    assert (f.numerator, f.denominator) == (1, 2)
    f = fig("review_change", world, unit="d1b2")
    assert (f.numerator, f.denominator, f.value) == (0, 1, Decimal(0))
    f = fig("review_change", world, unit="d1")  # d1's own 复查 opinion was revoked by the 总队's 复核
    assert (f.numerator, f.denominator, f.value) == (2, 4, Decimal("0.5"))
    assert drilled("review_change", world, "numerator") == {"R1 changed", "R3 revoked the 复查"}
    assert drilled("review_change", world, "denominator") == {
        "R1 changed",
        "R2 upheld",
        "R3 revoked the 复查",
        "R5 upheld, other wording",
    }
    assert fig("review_change", world, unit="d2").value is None
    assert not ind.BY_CODE["review_change"].higher_is_better


def test_overdue_cases_counts_missed_limits_of_the_year(world) -> None:
    case(world, "d1b1", title="ack late", ack_due=D(2025, 3, 1), decided_on=D(2025, 3, 5), status=Status.ACCEPTED)
    case(world, "d1b1", title="ack never", ack_due=D(2025, 3, 1))
    case(world, "d1b1", title="ack in time", ack_due=D(2025, 3, 1), decided_on=D(2025, 3, 1), status=Status.ACCEPTED)
    late = case(world, "d1b2", title="opinion late", due=D(2025, 5, 1), status=Status.OPINION_ISSUED)
    opinion(late, issued_on=D(2025, 5, 2))
    case(world, "d1b2", title="opinion never", due=D(2025, 6, 1), status=Status.ACCEPTED)
    case(world, "d1b2", title="running", due=D(2026, 6, 1), status=Status.ACCEPTED)
    f = fig("overdue_cases", world)
    assert (f.numerator, f.denominator, f.value) == (4, None, Decimal(4))
    assert drilled("overdue_cases", world, "numerator") == {"ack late", "ack never", "opinion late", "opinion never"}


def test_incident_counts_and_noncompliance(world) -> None:
    today = timezone.localdate()
    officer = world.user("c.officer")
    year = today.year
    a = incident_services.incident_open(
        actor=officer, unit=world.unit("d1"), kind=IncidentKind.AT_CORPS, occurred_on=today, summary="到总队"
    )
    incident_services.incident_open(
        actor=officer, unit=world.unit("d1"), kind=IncidentKind.IN_BEIJING, occurred_on=today, summary="进京"
    )
    incident_services.incident_open(
        actor=officer, unit=world.unit("d1b1"), kind=IncidentKind.COLLECTIVE, occurred_on=today, summary="集体访"
    )
    period = ind.Period(year, today)
    d1 = world.unit("d1")
    assert ind.BY_CODE["incidents_at_corps"].figure(d1, period).value == 1
    assert ind.BY_CODE["incidents_in_beijing"].figure(d1, period).value == 1
    assert ind.BY_CODE["incidents_noncompliant"].figure(d1, period).value == 2
    incident_services.responder_record(
        actor=officer, incident=a, user=world.user("d1.leader"), role=ResponderRole.LEADER,
        arrived_at=datetime.datetime.now(datetime.UTC),
    )  # fmt: skip
    assert ind.BY_CODE["incidents_noncompliant"].figure(d1, period).value == 1
    assert ind.BY_CODE["incidents_noncompliant"].drill(d1, period, "numerator").get().kind == IncidentKind.IN_BEIJING
    assert ind.BY_CODE["incidents_at_corps"].figure(world.unit("d2"), period).value == 0


def test_leadership_and_screening_indicators_are_not_applicable_until_those_apps_provide_them(world) -> None:
    from xinfang.accountability import integration

    figures = ind.compute([world.unit("d1")], ind.Period(YEAR, AFTER))[world.unit("d1").pk]
    for code in ("meeting_quota", "reception_quota", "screening_timeliness"):
        provided = getattr(integration, code)([world.unit("d1")], ind.Period(YEAR, AFTER))
        if provided is None:
            assert figures[code].value is None and not figures[code].available


def test_all_units_of_a_level_take_one_query_per_table_and_unit_path(
    world, django_assert_num_queries, monkeypatch
) -> None:
    """The record indicators share one grouped query per (model, unit path): cases by handling unit, cases by the
    parent case's unit (复查复核改变率), incidents — however many units and indicators (computed live; the tally's
    queries: test_tally.py)."""
    from xinfang.accountability import tally

    monkeypatch.setattr(tally, "ENABLED", False)
    units = [world.unit(c) for c in ("d1", "d2", "d1b1", "d1b2", "d2b1", "d2b2")]
    record_indicators = [i for i in ind.INDICATORS if isinstance(i, ind.RecordIndicator)]
    batches = {(i.model, i.path) for i in record_indicators}
    assert len(batches) == 3
    with django_assert_num_queries(len(batches)):
        ind.compute(units[:1], ind.Period(YEAR, AFTER), codes=[i.code for i in record_indicators])
    with django_assert_num_queries(len(batches)):
        ind.compute(units, ind.Period(YEAR, AFTER), codes=[i.code for i in record_indicators])


@pytest.mark.parametrize("many_roots", [20, 0])
def test_batched_figures_equal_each_indicators_own_records_on_a_random_year(world, monkeypatch, many_roots) -> None:
    """compute() (one grouped query per table and path, rolled up by path prefix) gives, for every unit, exactly
    the number of records each indicator's own definition selects (its drill-down), at several reference days —
    also when the units are too many to name (many_roots=0: the query reads their common ancestor's subtree)."""
    import random

    from xinfang.accountability import tally

    monkeypatch.setattr(ind, "MANY_ROOTS", many_roots)
    monkeypatch.setattr(tally, "MANY_ROOTS", many_roots)

    from xinfang.cases.models import Disposition

    rng = random.Random(8)
    codes = ("d1", "d2", "d1b1", "d1b2", "d2b1", "d2b2")

    def day() -> datetime.date | None:
        return rng.choice([None, D(2024, 12, 31), D(2025, 1, 1), D(2025, rng.randint(1, 12), rng.randint(1, 28))])

    made = []
    for n in range(60):
        kind = rng.choice([Kind.INITIAL, Kind.INITIAL, Kind.REVIEW, Kind.REREVIEW])
        fields = {
            "title": f"R{n}",
            "received_on": day() or D(2025, 6, 1),
            "ack_due": day() if kind == Kind.INITIAL else None,
            "decided_on": day(),
            "due": day(),
        }
        if kind == Kind.INITIAL:
            fields["original_case"] = rng.choice([None, *made[-3:]])
            c = case(world, rng.choice(codes), kind=kind, **fields)
        else:
            c = review_of(world, rng.choice(made) if made else case(world, "d1b1"), rng.choice(codes), kind=kind)
            for k, v in fields.items():
                setattr(c, k, v)
            c.save()
        if rng.random() < 0.7:
            disposition = rng.choice(list(Disposition.values)) if kind != Kind.INITIAL else ""
            opinion(c, issued_on=day(), delivered_on=day(), disposition=disposition)
            if rng.random() < 0.6:
                evaluate(c, rng.choice(list(Rating.values)), D(2025, 12, 1))
        made.append(c)
    units = [world.unit(c) for c in (*codes, "c")]
    for as_of in (D(2025, 3, 1), D(2025, 12, 31), AFTER):
        period = ind.Period(YEAR, as_of)
        figures = ind.compute(units, period)
        for code, indicator in ind.BY_CODE.items():
            if not isinstance(indicator, ind.RecordIndicator):
                continue
            for u in units:
                f = figures[u.pk][code]
                assert f == indicator.figure(u, period), (code, u.code, as_of)
                assert f.numerator == indicator.drill(u, period, ind.NUMERATOR).count(), (code, u.code, as_of)
                if indicator.kind == ind.RATE:
                    assert f.denominator == indicator.drill(u, period, ind.DENOMINATOR).count(), (code, u.code)
    assert any(figures[u.pk]["on_time"].denominator for u in units)  # the random year is not empty
