"""Training (R2.13, seed 二(三)): trainings held by 总队/支队; each petition officer's status for the year; officers
not trained this year listed per unit (officers = users with an active 信访干部 post)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from xinfang.core.errors import DomainError
from xinfang.screening import selectors, services

D = datetime.date


MAR20 = D(2026, 3, 20)


def train(world, code="c", on=MAR20, trainees=("d1b1.officer", "d2.officer"), user=None, hours="6"):
    return services.training_create(
        actor=world.user(user or f"{code}.officer"),
        unit=world.unit(code),
        on=on,
        topic="《信访工作条例》与信访事项办理",
        hours=hours,
        trainees=[world.user(t) for t in trainees],
        location="总队培训中心",
    )


def test_officer_status_for_the_year(world, clock):
    clock(D(2026, 11, 1))
    train(world)
    train(world, "d1", on=D(2026, 6, 1), trainees=("d1b1.officer", "d1.officer"), hours="3.5")
    train(world, "d1", on=D(2025, 6, 1), trainees=("d1b2.officer",))  # last year
    rows = {r.user.username: r for r in selectors.training_status(world.user("c.chief"), 2026)}
    # every 信访干部 in scope, and nobody else (chiefs and leaders are not petition officers)
    assert set(rows) == {f"{u}.officer" for u in ("c", "d1", "d2", "d1b1", "d1b2", "d2b1", "d2b2")}
    b1 = rows["d1b1.officer"]
    assert (b1.trainings, b1.hours, b1.last_on) == (2, Decimal("9.5"), D(2026, 6, 1))
    assert rows["d1b2.officer"].trainings == 0  # trained last year only
    untrained = selectors.untrained_by_unit(rows.values())
    assert [(u.code, [r.user.username for r in people]) for u, people in untrained] == [
        ("c", ["c.officer"]),
        ("d1b2", ["d1b2.officer"]),
        ("d2b1", ["d2b1.officer"]),
        ("d2b2", ["d2b2.officer"]),
    ]
    mine = selectors.training_status(world.user("d1.chief"), 2026, untrained_only=True)
    assert [r.user.username for r in mine] == ["d1b2.officer"]


def test_trainings_are_held_by_corps_and_detachments(world, clock):
    clock(D(2026, 11, 1))
    with pytest.raises(DomainError) as e:
        train(world, "d1b1", trainees=("d1b1.officer",))
    assert e.value.code == "level_cannot_train"
    with pytest.raises(DomainError) as e:
        train(world, "d1", trainees=("d2b1.officer",))
    assert e.value.code == "invalid_trainee"
    with pytest.raises(DomainError) as e:
        train(world, hours="0")
    assert e.value.code == "invalid"


def test_attendance_can_be_corrected(world, clock):
    clock(D(2026, 11, 1))
    t = train(world)
    services.training_set_trainees(actor=world.user("c.officer"), training=t, trainees=[world.user("c.officer")])
    assert [u.username for u in t.trainees.all()] == ["c.officer"]
    assert selectors.training_list(world.user("d1b1.officer")).count() == 0  # held by the corps: above the brigade
    assert selectors.training_list(world.user("c.chief"), year=2026).get().trainee_count == 1


def test_a_trainee_unit_sees_the_training(world, clock):
    clock(D(2026, 11, 1))
    t = train(world, "d1", trainees=("d1b1.officer",))
    assert list(selectors.training_list(world.user("d1b1.chief"))) == [t]
    assert not selectors.training_list(world.user("d1b2.officer")).exists()
