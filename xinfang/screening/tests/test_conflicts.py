"""The conflict ledger (R3.4, 逐案逐人逐项建档立账): the matter, linked petitioners and cases (shown only where the
case is visible — scope and Art 30), category, risk level, collective-petition flag, responsible leader, measures,
dated progress, status until 已化解."""

from __future__ import annotations

import datetime

import pytest

from xinfang.cases.models import Category
from xinfang.cases.tests.factories import register
from xinfang.core.errors import DomainError
from xinfang.screening import selectors, services
from xinfang.screening.models import Conflict
from xinfang.screening.tests.conftest import conflict

D = datetime.date


def test_an_entry_links_visible_cases_and_their_petitioners(world, clock):
    clock(D(2026, 3, 10))
    case = register(world, "d1b1")
    person = case.petitioners.get()
    c = conflict(world, cases=[case], petitioners=[person], collective_risk=True, headcount=12, risk_level="major")
    assert list(c.cases.all()) == [case] and list(c.petitioners.all()) == [person]
    detail = selectors.conflict_detail(world.user("d1.chief"), c.pk)
    assert detail.cases == [case] and detail.petitioners == [person] and detail.hidden_links == 0


def test_links_must_be_visible_and_people_must_belong_to_the_linked_cases(world, clock):
    clock(D(2026, 3, 10))
    other = register(world, "d1b2")
    with pytest.raises(DomainError) as e:
        conflict(world, cases=[other])
    assert e.value.code == "invalid_case"
    mine = register(world, "d1b1")
    with pytest.raises(DomainError) as e:
        conflict(world, cases=[mine], petitioners=[other.petitioners.get()])
    assert e.value.code == "invalid_petitioner"


def test_a_confidential_case_stays_hidden_on_the_entry(world, clock):
    """Art 30: a 检举控告 case naming d1.chief is never shown to him, also not through the ledger."""
    clock(D(2026, 3, 10))
    accusation = register(
        world, "d1b1", category=Category.ACCUSATION, title="检举某领导", accused_officials=[world.user("d1.chief")]
    )
    c = conflict(world, cases=[accusation], petitioners=[accusation.petitioners.get()])
    seen = selectors.conflict_detail(world.user("d1.chief"), c.pk)
    assert seen.cases == [] and seen.petitioners == [] and seen.hidden_links == 1
    assert selectors.conflict_detail(world.user("d1b1.officer"), c.pk).cases == [accusation]


def test_dated_progress_until_resolved(world, clock):
    clock(D(2026, 3, 20))
    c = conflict(world)
    officer = world.user("d1b1.officer")
    services.conflict_progress_add(actor=officer, conflict=c, on=D(2026, 3, 12), note="约谈物业", status="resolving")
    with pytest.raises(DomainError) as e:
        services.conflict_progress_add(actor=officer, conflict=c, on=D(2026, 3, 11), note="倒填", status="resolving")
    assert e.value.code == "invalid_date"
    with pytest.raises(DomainError) as e:
        services.conflict_progress_add(actor=officer, conflict=c, on=D(2026, 3, 21), note="未来", status="resolving")
    assert e.value.code == "future_date"
    with pytest.raises(DomainError) as e:
        services.conflict_progress_add(actor=officer, conflict=c, on=D(2026, 3, 13), note="x", status="pending")
    assert e.value.code == "invalid_status"
    services.conflict_progress_add(
        actor=officer, conflict=c, on=D(2026, 3, 18), note="通道已清理，业主满意", status="resolved"
    )
    c.refresh_from_db()
    assert (c.status, c.resolved_on) == ("resolved", D(2026, 3, 18))
    assert [p.note for p in c.progress.all()] == ["约谈物业", "通道已清理，业主满意"]
    with pytest.raises(DomainError) as e:
        services.conflict_progress_add(actor=officer, conflict=c, on=D(2026, 3, 19), note="又有", status="resolving")
    assert e.value.code == "already_resolved"
    with pytest.raises(DomainError) as e:
        services.conflict_update(actor=officer, conflict=c, risk_level="major")
    assert e.value.code == "already_resolved"


def test_the_leader_is_a_leader_of_the_unit_or_above(world, clock):
    clock(D(2026, 3, 10))
    assert conflict(world, leader=world.user("d1.leader")).leader == world.user("d1.leader")
    with pytest.raises(DomainError) as e:
        conflict(world, leader=world.user("d1b1.officer"))
    assert e.value.code == "invalid_leader"
    with pytest.raises(DomainError) as e:
        conflict(world, leader=world.user("d2.chief"))
    assert e.value.code == "invalid_leader"


def test_updates_are_guarded_against_lost_updates(world, clock):
    clock(D(2026, 3, 10))
    c = conflict(world)
    services.conflict_update(actor=world.user("d1b1.officer"), conflict=c, version=1, risk_level="serious")
    with pytest.raises(DomainError) as e:
        services.conflict_update(actor=world.user("d1b1.chief"), conflict=c, version=1, measures="另一版本")
    assert e.value.code == "stale"
    c.refresh_from_db()
    assert (c.risk_level, c.version) == ("serious", 2)


def test_the_ledger_has_no_field_about_anyones_movements():
    """R3.4 / §4 boundary: the ledger is for resolving grievances, not for tracking people."""
    names = {f.name for f in Conflict._meta.get_fields()}
    for word in ("location", "whereabouts", "travel", "movement", "gps", "address", "trip"):
        assert not any(word in n for n in names), word


def test_counts_and_filters(world, clock):
    clock(D(2026, 3, 20))
    a = conflict(world, risk_level="major")
    conflict(world, "d1b2", risk_level="general", collective_risk=True)
    services.conflict_progress_add(
        actor=world.user("d1b1.officer"), conflict=a, on=D(2026, 3, 19), note="化解", status="resolved"
    )
    counts = selectors.conflict_counts(world.user("d1.chief"))
    assert (counts["open"], counts["resolved"], counts["open_general"], counts["open_major"]) == (1, 1, 1, 0)
    assert selectors.conflict_list(world.user("d1.chief"), open_only=True).count() == 1
    assert selectors.conflict_list(world.user("d1.chief"), collective=True).count() == 1
    assert selectors.conflict_list(world.user("d1b1.officer")).count() == 1
