"""The scoring scheme as data (R5.1): validation, versioning per year, rescaling when an item is not applicable,
deductions with caps, manual adjustments with a reason made by the level above, and the ranking."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from xinfang.accountability import indicators as ind
from xinfang.accountability import selectors, services
from xinfang.accountability.models import AssessmentScheme
from xinfang.accountability.scoring import DEFAULT_SCHEME, rank, score, validate_scheme
from xinfang.accountability.tests.helpers import D, case, evaluate, group, opinion
from xinfang.cases.models import Rating, Status
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent

pytestmark = pytest.mark.django_db
AFTER = D(2026, 2, 1)

SIMPLE = {
    "items": [{"indicator": "timely_ack", "weight": 60}, {"indicator": "satisfaction", "weight": 40}],
    "deductions": [{"indicator": "overdue_cases", "points": 2, "cap": 5}],
    "max_score": 100,
}


def F(value: str | None, num: int = 0, den: int = 0) -> ind.Figure:
    return ind.Figure(num, den, Decimal(value) if value is not None else None)


def all_na() -> dict[str, ind.Figure]:
    return {i.code: ind.Figure(None, 0, None) for i in ind.INDICATORS}


def test_a_not_applicable_item_is_left_out_and_the_rest_scaled_to_full_weight() -> None:
    figures = all_na() | {"timely_ack": F("0.5"), "overdue_cases": ind.count(1)}
    result = score(figures, SIMPLE)
    # only timely_ack applies: 60 × 0.5 = 30 of 60 → 50 of 100; minus 2 for one overdue case
    assert result.rate_points == Decimal("50.00")
    assert result.deductions == Decimal("2.00")
    assert result.total == Decimal("48.00")
    assert result.scaled


def test_lower_is_better_rates_score_their_complement() -> None:
    scheme = {"items": [{"indicator": "repeat_rate", "weight": 10}], "deductions": [], "max_score": 10}
    assert score(all_na() | {"repeat_rate": F("0.2")}, scheme).total == Decimal("8.00")


def test_deductions_are_capped_and_the_total_stays_within_zero_and_full_marks() -> None:
    figures = all_na() | {"timely_ack": F("0.1"), "satisfaction": F("0"), "overdue_cases": ind.count(9)}
    result = score(figures, SIMPLE)
    assert result.deductions == Decimal("5.00")  # 9 × 2 capped at 5
    assert result.total == Decimal("1.00")  # 6 − 5
    assert score(figures, SIMPLE, adjustment=Decimal("-10")).total == Decimal("0.00")
    perfect = all_na() | {"timely_ack": F("1"), "satisfaction": F("1"), "overdue_cases": ind.count(0)}
    assert score(perfect, SIMPLE, adjustment=Decimal("5")).total == Decimal("100.00")


def test_a_unit_with_nothing_applicable_has_no_score_and_no_rank() -> None:
    figures = all_na() | {"overdue_cases": ind.count(0)}
    assert score(figures, SIMPLE).total is None
    assert rank({1: Decimal("80"), 2: None, 3: Decimal("90"), 4: Decimal("80")}) == {1: 2, 2: None, 3: 1, 4: 2}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"items": [{"indicator": "nope", "weight": 1}]}, "items[0].indicator"),
        ({"items": [{"indicator": "overdue_cases", "weight": 1}]}, "items[0].indicator"),
        ({"items": [{"indicator": "timely_ack", "weight": -1}]}, "items[0].weight"),
        ({"items": [{"indicator": "timely_ack", "weight": "x"}]}, "items[0].weight"),
        ({"items": [{"indicator": "timely_ack", "weight": 0}]}, "items"),
        (
            {"items": [{"indicator": "timely_ack", "weight": 1}, {"indicator": "timely_ack", "weight": 1}]},
            "items[1].indicator",
        ),
        (
            {
                "items": [{"indicator": "timely_ack", "weight": 1}],
                "deductions": [{"indicator": "on_time", "points": 1, "cap": 1}],
            },
            "deductions[0].indicator",
        ),
        ({"items": [{"indicator": "timely_ack", "weight": 1}], "bonus": 3}, "data"),
    ],
)
def test_invalid_schemes_are_refused_naming_the_problem(data, field) -> None:
    with pytest.raises(DomainError) as e:
        validate_scheme(data)
    assert e.value.code == "invalid_scheme"
    assert e.value.field == field


def test_the_default_scheme_is_valid() -> None:
    assert validate_scheme(copy.deepcopy(DEFAULT_SCHEME)) == DEFAULT_SCHEME


def _year_of_cases(world) -> None:
    """d1: 1 of 2 acknowledged in time, 1 of 1 satisfied; d2: 2 of 2 in time, nothing evaluated."""
    case(world, "d1b1", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 27), status=Status.ACCEPTED)
    case(world, "d1b1", ack_due=D(2025, 3, 1), decided_on=D(2025, 3, 9), status=Status.ACCEPTED)
    c = case(world, "d1b1", status=Status.EVALUATED)
    opinion(c, issued_on=D(2025, 4, 1), delivered_on=D(2025, 4, 2))
    evaluate(c, Rating.SATISFIED, D(2025, 4, 3))
    case(world, "d2b1", ack_due=D(2025, 3, 1), decided_on=D(2025, 2, 27), status=Status.ACCEPTED)
    case(world, "d2", ack_due=D(2025, 5, 1), decided_on=D(2025, 4, 27), status=Status.ACCEPTED)


def test_scheme_versions_apply_to_their_year_only(world) -> None:
    _year_of_cases(world)
    admin = world.user("sysadmin")  # core.settings.manage at the 总队
    v1 = services.scheme_create(actor=admin, year=2025, data=SIMPLE, name="2025年度方案")
    reader = group(world)
    first = {r.unit.code: r.score for r in selectors.assessment(reader, 2025, today=AFTER).rows}
    # d1: timely 0.5, satisfaction 1 → 30 + 40 = 70, minus 2 for the late acknowledgement (an overdue case);
    # d2: timely 1, satisfaction not applicable → 60 of 60, scaled to 100
    assert first == {"d1": Decimal("68.00"), "d2": Decimal("100.00")}
    heavier = copy.deepcopy(SIMPLE)
    heavier["items"][0]["weight"] = 40
    heavier["items"][1]["weight"] = 60
    with pytest.raises(DomainError) as e:
        services.scheme_create(actor=admin, year=2025, data=heavier)  # a revision needs its reason
    assert e.value.field == "note"
    v2 = services.scheme_create(actor=admin, year=2025, data=heavier, note="提高满意率权重")
    assert (v1.version, v2.version) == (1, 2)
    second = selectors.assessment(reader, 2025, today=AFTER)
    assert second.scheme == v2
    # d1: 40 × 0.5 + 60 × 1 = 80, minus 2
    assert {r.unit.code: r.score for r in second.rows} == {"d1": Decimal("78.00"), "d2": Decimal("100.00")}
    # an older version can still be applied; and 2024 keeps the built-in default (no scheme of its own)
    assert {r.unit.code: r.score for r in selectors.assessment(reader, 2025, scheme=v1, today=AFTER).rows} == first
    assert selectors.assessment(reader, 2024, today=AFTER).scheme is None
    assert AssessmentScheme.objects.get(pk=v1.pk).data == SIMPLE
    with pytest.raises(PermissionError):
        v1.save()


def test_only_the_corps_may_edit_the_scheme(world) -> None:
    for username in ("d1.chief", "c.officer"):
        with pytest.raises(DomainError) as e:
            services.scheme_create(actor=world.user(username), year=2025, data=SIMPLE)
        assert e.value.code == "forbidden"
    d1_group = group(world, "d1")
    with pytest.raises(DomainError):
        services.scheme_create(actor=d1_group, year=2025, data=SIMPLE)
    assert services.scheme_create(actor=group(world), year=2025, data=SIMPLE).version == 1


def test_adjustments_need_a_reason_come_from_the_level_above_and_are_audited(world) -> None:
    _year_of_cases(world)
    corps_group = group(world)
    services.scheme_create(actor=corps_group, year=2025, data=SIMPLE)
    with pytest.raises(DomainError) as e:
        services.adjustment_create(actor=corps_group, year=2025, unit=world.unit("d1"), points="5", reason="")
    assert e.value.field == "reason"
    with pytest.raises(DomainError) as e:
        services.adjustment_create(
            actor=group(world, "d1"), year=2025, unit=world.unit("d1"), points="5", reason="自评"
        )
    assert e.value.code == "forbidden"  # a unit does not adjust its own score
    services.adjustment_create(
        actor=corps_group, year=2025, unit=world.unit("d1"), points="-12.5", reason="迟报重大信访信息"
    )
    rows = {r.unit.code: r for r in selectors.assessment(corps_group, 2025, today=AFTER).rows}
    assert rows["d1"].adjustment == Decimal("-12.50")
    assert rows["d1"].score == Decimal("55.50")  # 68 − 12.5
    assert (rows["d2"].rank, rows["d1"].rank) == (1, 2)
    event = AuditEvent.objects.get(action="accountability.adjustment.created")
    assert event.after["reason"] == "迟报重大信访信息" and event.after["points"] == "-12.50"
    # the 支队's leading group adjusts its own 大队
    services.adjustment_create(
        actor=group(world, "d1"), year=2025, unit=world.unit("d1b1"), points="2", reason="创新做法"
    )


def test_the_assessment_shows_visible_units_ranked_among_all_peers(world) -> None:
    _year_of_cases(world)
    rows = selectors.assessment(world.user("d1.chief"), 2025, today=AFTER).rows
    assert [(r.unit.code, r.rank) for r in rows] == [("d1", 2)]
    assert [r.unit.code for r in selectors.assessment(world.user("d2b1.officer"), 2025, today=AFTER).rows] == []
    brigades = selectors.assessment(world.user("d1.chief"), 2025, level="brigade", today=AFTER).rows
    assert sorted(r.unit.code for r in brigades) == ["d1b1", "d1b2"]


def test_the_assessment_takes_the_same_queries_for_any_number_of_units(world) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.orgs.models import Unit

    _year_of_cases(world)
    reader = group(world)
    selectors.assessment(reader, 2025, today=AFTER)  # warm the grants cache

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.assessment(reader, 2025, today=AFTER)
        return len(ctx.captured_queries)

    two = count()
    corps = world.unit("c")
    for i in range(3):
        extra = Unit.objects.create(code=f"d9{i}", name=f"丙{i}市消防救援支队", level="detachment", parent=corps)
        extra.path = f"{corps.path}{extra.pk}/"
        extra.depth = 1
        extra.save(update_fields=["path", "depth"])
        case(world, "d2b1", ack_due=D(2025, 6, 1), decided_on=D(2025, 5, 1), status=Status.ACCEPTED)
    assert len(selectors.assessment(reader, 2025, today=AFTER).rows) == 5
    assert count() == two
