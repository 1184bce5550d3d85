"""No lost updates (R-SEC): two officers acting on the same case at the same moment, each through his own database
connection — one wins, the other gets a clear refusal, and the case's history (version, timeline, extensions,
audit chain) stays consistent.

Every state-changing case service locks the case row (select_for_update) and, when the page or API call carries
the version it was shown, refuses a stale one ("本事项已被他人修改"). Runs on PostgreSQL only: SQLite serialises
every writing transaction before it starts (BEGIN IMMEDIATE) and its in-memory test database cannot hold two
concurrent writers, so there is no race to test there. CI's PostgreSQL pass runs these."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from xinfang.cases import services
from xinfang.cases.models import Case, CaseEvent, Extension, Status
from xinfang.core.audit import audit_verify
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database with concurrent writers (CI's PostgreSQL pass)"
    ),
    pytest.mark.django_db(transaction=True),
]

HOLD = 0.6  # seconds the first transaction keeps the row locked after its change


@pytest.fixture
def scene():
    """A committed world with a second officer at d1b1 and a case whose opinion is approved (both extending
    and issuing are possible)."""
    from conftest import PASSWORD, build_world
    from xinfang.cases.tests.factories import advance, register

    world = build_world()
    unit = world.unit("d1b1")
    second = User.objects.create_user(username="d1b1.officer2", password=PASSWORD, name="第二信访干部", unit=unit)
    Post.objects.create(user=second, unit=unit, role=Role.OFFICER, start_on=datetime.date(2020, 1, 1))
    case = register(world, received_on=datetime.date(2026, 9, 1))
    case = advance(world, case, Status.OPINION_APPROVED, accepted_on=datetime.date(2026, 9, 3))
    return world, second, case


def extend(world: Any, actor: Any, case_pk: int, days: int, version: int | None) -> Callable[[], Any]:
    def run() -> Any:
        return services.case_extend(
            actor=User.objects.get(pk=actor.pk),
            case=Case.objects.get(pk=case_pk),
            days=days,
            reason="需补充调查取证",
            approved_by=world.user("d1b1.chief"),
            notified_on=datetime.date(2026, 9, 10),
            version=version,
        )

    return run


def issue(actor: Any, case_pk: int, version: int | None) -> Callable[[], Any]:
    def run() -> Any:
        return services.opinion_issue(
            actor=User.objects.get(pk=actor.pk),
            case=Case.objects.get(pk=case_pk),
            issued_on=datetime.date(2026, 9, 20),
            version=version,
        )

    return run


class Outcome:
    def __init__(self) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.waited = 0.0


def race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Outcome, Outcome]:
    """`first` changes the case and keeps its transaction (and the row lock) open for HOLD seconds; `second`
    starts meanwhile on its own connection, so it must wait for the lock and then see first's committed change."""
    a, b = Outcome(), Outcome()
    locked = threading.Event()

    def run_first() -> None:
        try:
            with transaction.atomic():
                a.result = first()
                locked.set()
                time.sleep(HOLD)
        except BaseException as exc:
            a.error = exc
        finally:
            locked.set()
            connections.close_all()

    def run_second() -> None:
        locked.wait(10)
        start = time.monotonic()
        try:
            b.result = second()
        except BaseException as exc:
            b.error = exc
        finally:
            b.waited = time.monotonic() - start
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return a, b


def assert_refused(outcome: Outcome, *codes: str) -> None:
    assert isinstance(outcome.error, DomainError), outcome.error
    assert outcome.error.code in codes, (outcome.error.code, outcome.error.message)


def assert_history_consistent(case: Case, version_before: int, changes: int) -> None:
    case.refresh_from_db()
    assert case.version == version_before + changes
    assert case.extension_days == sum(Extension.objects.filter(case=case).values_list("days", flat=True))
    assert audit_verify().ok


def test_two_extensions_from_the_same_page_one_is_refused_as_stale(scene):
    world, second, case = scene
    v = case.version
    a, b = race(extend(world, world.user("d1b1.officer"), case.pk, 10, v), extend(world, second, case.pk, 15, v))
    assert a.error is None and isinstance(a.result, Extension)
    assert b.waited >= HOLD * 0.8  # it really waited on the row lock
    assert_refused(b, "stale")
    assert "已被他人修改" in b.error.message  # type: ignore[union-attr]
    assert list(Extension.objects.filter(case=case).values_list("days", flat=True)) == [10]
    assert CaseEvent.objects.filter(case=case, action="extend").count() == 1
    assert AuditEvent.objects.filter(action="cases.case.extended", target_id=str(case.pk)).count() == 1
    assert_history_consistent(case, v, 1)


def test_two_extensions_without_a_version_are_serialised_and_the_30_day_cap_holds(scene):
    """Without the row lock both would read 0 days used and each add 20 (50 > 30, one of them lost)."""
    world, second, case = scene
    v = case.version
    a, b = race(extend(world, world.user("d1b1.officer"), case.pk, 20, None), extend(world, second, case.pk, 20, None))
    assert a.error is None
    assert_refused(b, "extension_limit")
    assert "最多还可延长10日" in b.error.message  # type: ignore[union-attr]
    case.refresh_from_db()
    assert case.extension_days == 20 and Extension.objects.filter(case=case).count() == 1
    assert_history_consistent(case, v, 1)


def test_issue_then_extend_at_once_the_extension_is_refused(scene):
    world, second, case = scene
    v = case.version
    a, b = race(issue(world.user("d1b1.officer"), case.pk, v), extend(world, second, case.pk, 10, v))
    assert a.error is None
    assert_refused(b, "stale")
    case.refresh_from_db()
    assert case.status == Status.OPINION_ISSUED and case.extension_days == 0
    assert not Extension.objects.filter(case=case).exists()
    assert_history_consistent(case, v, 1)


def test_issue_then_extend_without_a_version_the_state_rule_refuses(scene):
    """Even a caller that sends no version cannot extend a case whose opinion was issued a moment ago."""
    world, second, case = scene
    v = case.version
    a, b = race(issue(world.user("d1b1.officer"), case.pk, None), extend(world, second, case.pk, 10, None))
    assert a.error is None
    assert isinstance(b.error, DomainError)
    case.refresh_from_db()
    assert case.status == Status.OPINION_ISSUED and not Extension.objects.filter(case=case).exists()
    assert_history_consistent(case, v, 1)


def test_extend_then_issue_at_once_the_issue_is_refused(scene):
    world, second, case = scene
    v = case.version
    a, b = race(extend(world, second, case.pk, 10, v), issue(world.user("d1b1.officer"), case.pk, v))
    assert a.error is None
    assert_refused(b, "stale")
    case.refresh_from_db()
    assert case.status == Status.OPINION_APPROVED and case.extension_days == 10
    assert not CaseEvent.objects.filter(case=case, action="issue_opinion").exists()
    assert_history_consistent(case, v, 1)


def test_the_same_race_through_the_api_answers_a_clear_refusal(scene):
    """Two API clients posting the same version: the loser gets HTTP 400 {"code": "stale"} with the message."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    world, second, case = scene
    v = case.version
    responses: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def post(name: str, user: Any, days: int) -> None:
        try:
            client = APIClient()
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            barrier.wait(10)
            responses[name] = client.post(
                f"/api/v1/cases/{case.pk}/extend/",
                {
                    "version": v,
                    "days": days,
                    "reason": "需补充调查取证",
                    "approved_by": world.user("d1b1.chief").pk,
                    "notified_on": "2026-09-10",
                },
                format="json",
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=("a", world.user("d1b1.officer"), 10)),
        threading.Thread(target=post, args=("b", second, 15)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(r.status_code for r in responses.values())
    assert codes[0] < 300 and codes[1] == 400, {k: (r.status_code, r.content[:200]) for k, r in responses.items()}
    loser = next(r for r in responses.values() if r.status_code == 400)
    assert loser.json()["code"] == "stale" and "已被他人修改" in loser.json()["detail"]
    assert Extension.objects.filter(case=case).count() == 1
    assert_history_consistent(case, v, 1)
