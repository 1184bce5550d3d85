"""Selectors: the scoped list with its filters, constant query counts, the work queue, repeat detection."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from xinfang.cases import services
from xinfang.cases.models import Category, Status
from xinfang.cases.selectors import (
    access_case_for_action,
    case_counts,
    case_detail,
    case_list,
    my_work,
    repeat_candidates,
)
from xinfang.cases.similarity import similarity
from xinfang.cases.tests.factories import CaseFactory, PetitionerDataFactory, advance, register

D = datetime.date
TODAY = D(2026, 3, 20)


def render_rows(qs):
    """What a list page touches for every row."""
    return [
        (c.number, c.unit.name, c.topic.name, c.handler_id and c.handler.name, c.deadline, c.overdue,
         [p.name for p in c.petitioners.all()])
        for c in qs
    ]  # fmt: skip


def count_list_queries(user, **filters):
    with CaptureQueriesContext(connection) as ctx:
        rows = render_rows(case_list(user, today=TODAY, **filters))
    return len(ctx.captured_queries), len(rows)


def test_case_list_query_count_is_the_same_for_1_and_30_rows(world):
    officer = world.user("d1b1.officer")
    unit = world.unit("d1b1")
    CaseFactory(unit=unit, registered_by=officer, handler=officer)
    render_rows(case_list(officer))  # warm the per-user caches (grants, shares, home unit)
    one, n1 = count_list_queries(officer)
    for _ in range(29):
        CaseFactory(unit=unit, registered_by=officer, handler=officer)
    thirty, n30 = count_list_queries(officer)
    assert (n1, n30) == (1, 30)
    # 1: the cases joined with unit, topic and handler; 2: their petitioners (prefetch)
    assert one == thirty == 2


def test_case_list_with_text_search_has_constant_queries(world):
    officer = world.user("d1b1.officer")
    CaseFactory(unit=world.unit("d1b1"), registered_by=officer)
    render_rows(case_list(officer))
    one, _ = count_list_queries(officer, q="反映")
    for _ in range(10):
        CaseFactory(unit=world.unit("d1b1"), registered_by=officer)
    many, n = count_list_queries(officer, q="反映")
    assert n == 11 and one == many == 2


def test_case_list_filters(world):
    a = register(world, "d1b1", category=Category.PROPOSAL, topic="penalty", channel="visit")
    b = register(world, "d1b2", received_on=D(2026, 3, 10))
    c = services.case_accept(actor=world.user("d1b1.officer"), case=register(world, "d1b1"), accepted_on=D(2026, 3, 4))
    chief = world.user("d1.chief")

    def ids(**f):
        return {x.pk for x in case_list(chief, today=TODAY, **f)}

    assert ids() == {a.pk, b.pk, c.pk}
    assert ids(status="accepted") == {c.pk}
    assert ids(status=["registered", "accepted"]) == {a.pk, b.pk, c.pk}
    assert ids(unit=world.unit("d1b2")) == {b.pk}
    assert ids(unit=world.unit("d1").pk) == {a.pk, b.pk, c.pk}
    assert ids(category="proposal") == {a.pk}
    assert ids(topic="penalty") == {a.pk}
    assert ids(channel="visit") == {a.pk}
    assert ids(received_from=D(2026, 3, 5)) == {b.pk}
    assert ids(received_to=D(2026, 3, 5)) == {a.pk, c.pk}
    assert ids(q=b.number) == {b.pk}


def test_case_list_searches_petitioners_by_exact_name_id_or_phone_through_hashes(world):
    person = PetitionerDataFactory(name="钱多多", phone="13912345678")
    case = register(world, petitioners=[person])
    register(world)
    chief = world.user("d1.chief")
    assert [c.pk for c in case_list(chief, q="钱多多")] == [case.pk]
    assert [c.pk for c in case_list(chief, q=person.id_number)] == [case.pk]
    assert [c.pk for c in case_list(chief, q="139 1234 5678")] == [case.pk]
    assert not case_list(chief, q="钱多").exists()  # no partial matching of encrypted data


def test_overdue_and_due_state_are_computed_from_dates(world):
    registered = register(world, "d1b1")  # ack due 2026-03-17
    accepted = services.case_accept(
        actor=world.user("d1b1.officer"), case=register(world, "d1b1"), accepted_on=D(2026, 3, 4)
    )  # due 2026-05-06
    chief = world.user("d1.chief")
    assert {c.pk for c in case_list(chief, overdue=True, today=TODAY)} == {registered.pk}
    assert {c.pk for c in case_list(chief, due_state="overdue", today=TODAY)} == {registered.pk}
    assert {c.pk for c in case_list(chief, due_state="ok", today=TODAY)} == {accepted.pk}
    assert {c.pk for c in case_list(chief, due_state="due_3", today=D(2026, 3, 14))} == {registered.pk}
    assert {c.pk for c in case_list(chief, due_state="due_1", today=D(2026, 5, 5))} == {accepted.pk}
    row = case_list(chief, today=TODAY).get(pk=registered.pk)
    assert row.overdue and row.deadline == D(2026, 3, 17)
    assert registered.due_state(TODAY) == "overdue"
    diverted = services.case_divert(
        actor=world.user("d1b1.officer"), case=registered, decided_on=D(2026, 3, 5), art31_item=1, route="诉讼"
    )
    assert diverted.due_state(TODAY) == "none"
    assert {c.pk for c in case_list(chief, due_state="none", today=TODAY)} == {diverted.pk}


def test_case_list_sorting(world):
    a = register(world, received_on=D(2026, 3, 1))
    b = register(world, received_on=D(2026, 3, 5))
    chief = world.user("d1.chief")
    assert [c.pk for c in case_list(chief, sort="received_on")] == [a.pk, b.pk]
    assert [c.pk for c in case_list(chief, sort="-received_on")] == [b.pk, a.pk]
    assert [c.pk for c in case_list(chief, sort="deadline")] == [a.pk, b.pk]
    assert [c.pk for c in case_list(chief, sort="nonsense")] == [b.pk, a.pk]


def test_case_counts_by_status(world):
    register(world)
    advance(world, register(world), Status.ACCEPTED, accepted_on=D(2026, 3, 4))
    counts = case_counts(world.user("d1.chief"))
    assert counts["registered"] == 1 and counts["accepted"] == 1 and counts["total"] == 2
    assert case_counts(world.user("d2.chief"))["total"] == 0


def test_my_work_lists_overdue_and_due_soon_first(world):
    officer = world.user("d1b1.officer")
    later = services.case_accept(
        actor=officer, case=register(world, received_on=D(2026, 3, 10)), accepted_on=D(2026, 3, 11)
    )
    soon = register(world, received_on=D(2026, 3, 9))
    overdue = register(world, received_on=D(2026, 2, 2))
    done = advance(world, register(world), Status.CONCLUDED, accepted_on=D(2026, 3, 4))
    queue = list(my_work(officer, today=TODAY))
    assert [c.pk for c in queue] == [overdue.pk, soon.pk, later.pk]
    assert done not in queue
    # the 支队 officer's queue holds his own unit's cases, not every brigade's
    assert list(my_work(world.user("d1.officer"), today=TODAY)) == []


def test_my_work_shows_opinions_awaiting_approval_to_the_approver(world):
    case = services.case_accept(actor=world.user("d1b1.officer"), case=register(world), accepted_on=D(2026, 3, 4))
    assert case not in my_work(world.user("d1b1.chief"))
    services.opinion_draft(
        actor=world.user("d1b1.officer"), case=case, result="explain", facts="f", opinion="o", legal_basis="b"
    )
    assert case in my_work(world.user("d1b1.chief"))


def test_case_detail_has_the_timeline_and_available_actions(world):
    case = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 4))
    detail = case_detail(world.user("d1b1.officer"), case.pk)
    assert [e.action for e in detail.events] == [
        "register", "accept", "draft_opinion", "approve_opinion", "issue_opinion", "deliver",
    ]  # fmt: skip
    assert {t.action for t in detail.actions} == {"evaluate", "conclude"}
    assert detail.review_request_until == D(2026, 4, 27)  # delivered 03-26 + 30 = Sat 04-25 → Mon 04-27
    # the 支队 takes the 复查 (its officer may also act on the brigade's case: permissions apply downwards)
    assert "request_review" not in {t.action for t in detail.actions}
    assert "request_review" in {t.action for t in case_detail(world.user("d1.officer"), case.pk).actions}
    assert detail.events[1].label == "受理"


def test_access_case_for_action_gives_404_out_of_scope_and_403_without_permission(world):
    case = register(world)
    assert access_case_for_action(world.user("d1b1.officer"), case.pk, "accept") == case
    with pytest.raises(PermissionDenied):
        access_case_for_action(world.user("d1b1.chief"), case.pk, "accept")
    with pytest.raises(Http404):
        access_case_for_action(world.user("d1b2.officer"), case.pk, "accept")
    with pytest.raises(Http404):
        access_case_for_action(world.user("d1b1.officer"), 999999, "accept")


def test_repeat_candidates_find_the_same_petitioner_by_id_number(world):
    person = PetitionerDataFactory()
    first = register(world, "d1b1", petitioners=[person])
    elsewhere = register(world, "d2b1", petitioners=[person])
    found = repeat_candidates(world.user("d1.officer"), id_number=person.id_number.lower())
    assert [r.case for r in found] == [first]  # d2b1 is outside the 支队's scope
    assert found[0].same_petitioner and "身份证" in found[0].reasons[0]
    assert {r.case for r in repeat_candidates(world.user("c.officer"), id_number=person.id_number)} == {
        first,
        elsewhere,
    }


def test_repeat_candidates_find_the_same_petitioner_by_name_and_phone(world):
    first = register(world, petitioners=[{"name": "孙 悟空", "phone": "139-0000-1111"}])
    found = repeat_candidates(world.user("d1b1.officer"), name="孙悟空", phone="13900001111")
    assert [r.case for r in found] == [first] and "姓名+电话" in found[0].reasons[0]
    assert repeat_candidates(world.user("d1b1.officer"), name="孙悟空", phone="13900002222") == []


def test_repeat_candidates_find_similar_content_without_word_segmentation(world):
    first = register(world, content="反映江滨路某商场消防通道长期被占用，多次举报无人处理，请求依法查处。")
    register(world, title="建议增设消防站", content="建议在新区增设一座小型消防站，缩短救援时间。")
    found = repeat_candidates(
        world.user("d1b1.officer"), content="江滨路那家商场的消防通道一直被占用，举报多次都没人处理"
    )
    assert [r.case for r in found] == [first]
    assert not found[0].same_petitioner and found[0].similarity >= 0.3


def test_similarity_of_character_bigrams():
    assert similarity("消防通道被占用", "消防通道被占用") == pytest.approx(1.0)
    assert similarity("消防通道被占用，多次举报无人处理", "多次举报无人处理：消防通道被占用") > 0.8
    assert similarity("消防通道被占用", "专职消防员工资待遇问题") < 0.2
    assert similarity("", "任何内容") == 0.0


def test_supported_opinions_awaiting_carrying_out_are_listed(world):
    supported = advance(world, register(world), Status.DELIVERED, result="support", accepted_on=D(2026, 3, 4))
    advance(world, register(world), Status.DELIVERED, result="reject", accepted_on=D(2026, 3, 4))
    chief = world.user("d1.chief")
    assert [c.pk for c in case_list(chief, awaiting_carry_out=True)] == [supported.pk]
    services.opinion_carried_out(
        actor=world.user("d1b1.officer"), case=supported, carried_out_on=supported.opinion.delivered_on
    )
    assert not case_list(chief, awaiting_carry_out=True).exists()
