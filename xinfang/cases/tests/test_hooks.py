"""The extension point for notices: every recorded step calls the registered hooks inside its transaction."""

from __future__ import annotations

import datetime

import pytest

from xinfang.cases import services
from xinfang.cases.models import Case, CaseEvent, Status
from xinfang.cases.tests.factories import register
from xinfang.core.errors import DomainError

D = datetime.date


def test_each_step_calls_the_hooks_with_its_event_and_notice(world):
    seen: list[CaseEvent] = []
    services.register_transition_hook(seen.append)
    services.register_transition_hook(seen.append)  # registering twice keeps one
    case = register(world)
    services.case_accept(actor=world.user("d1b1.officer"), case=case, accepted_on=D(2026, 3, 3))
    assert [e.action for e in seen] == ["register", "accept"]
    assert seen[1].data["notice"] == "accept_notice" and seen[1].case.pk == case.pk
    assert "notice" not in seen[0].data


def test_a_failing_hook_rolls_the_step_back(world):
    case = register(world)

    def broken(event: CaseEvent) -> None:
        raise DomainError("公文生成失败", code="document_failed")

    services.register_transition_hook(broken)
    with pytest.raises(DomainError):
        services.case_accept(actor=world.user("d1b1.officer"), case=case, accepted_on=D(2026, 3, 3))
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.REGISTERED and case.accepted_on is None
    assert not case.events.filter(action="accept").exists()
