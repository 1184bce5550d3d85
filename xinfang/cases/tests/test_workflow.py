"""The workflow: each rule of 《信访工作条例》 as a named test. A refusal raises DomainError and changes nothing."""

from __future__ import annotations

import datetime

import pytest

from xinfang.cases import services, workflow
from xinfang.cases.models import (
    Case,
    CaseEvent,
    Category,
    Extension,
    Kind,
    Status,
    Transfer,
    TransferKind,
)
from xinfang.cases.tests.factories import advance, register
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent

D = datetime.date


def refused(expected: str, fn, **kwargs) -> DomainError:
    """Call a service expecting refusal; assert the case row did not change."""
    case = kwargs.get("case")
    before = Case.objects.filter(pk=case.pk).values().get() if case is not None else None
    events = CaseEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        fn(**kwargs)
    assert exc.value.code == expected, exc.value.message
    if case is not None:
        assert Case.objects.filter(pk=case.pk).values().get() == before, "a refusal changes nothing"
    assert CaseEvent.objects.count() == events
    return exc.value


def officer(world, code="d1b1"):
    return world.user(f"{code}.officer")


def chief(world, code="d1b1"):
    return world.user(f"{code}.chief")


# ---------------------------------------------------------------------------------------------
# The table


def test_transition_table_has_one_service_per_action_and_known_guards():
    assert set(services.ACTION_SERVICES) == set(workflow.BY_ACTION)
    for t in workflow.TRANSITIONS:
        assert t.perm in {"cases.case.register", "cases.case.handle", "cases.case.approve"}
        assert t.at in {"unit", "sender", "above"}
        assert all(g in workflow.GUARDS for g in t.guards)
        assert t.event.startswith("cases.case.")


def test_every_transition_is_recorded_on_the_timeline_and_in_the_audit_log(world):
    case = advance(world, register(world), Status.CONCLUDED)
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "register",
        "accept",
        "draft_opinion",
        "approve_opinion",
        "issue_opinion",
        "deliver",
        "evaluate",
        "conclude",
    ]
    audited = set(AuditEvent.objects.filter(target_id=str(case.pk)).values_list("action", flat=True))
    assert {"cases.case.accepted", "cases.case.opinion_approved", "cases.case.concluded"} <= audited
    transitions = [(e.from_status, e.to_status) for e in case.events.all()]
    assert transitions[1] == (Status.REGISTERED, Status.ACCEPTED)


def test_an_action_not_allowed_in_the_current_state_is_refused(world):
    case = register(world)
    refused("invalid_state", services.case_deliver, actor=officer(world), case=case, delivered_on=D(2026, 3, 5))
    refused("invalid_state", services.opinion_approve, actor=chief(world), case=case)


def test_handling_needs_the_handle_permission_at_the_unit(world):
    case = register(world)
    refused("forbidden", services.case_accept, actor=officer(world, "d1b2"), case=case, accepted_on=D(2026, 3, 3))
    # the chief approves, he does not handle
    refused("forbidden", services.case_accept, actor=chief(world), case=case, accepted_on=D(2026, 3, 3))


def test_stale_version_is_refused_so_no_update_is_lost(world):
    case = register(world)
    refused(
        "stale",
        services.case_accept,
        actor=officer(world),
        case=case,
        accepted_on=D(2026, 3, 3),
        version=case.version - 1,
    )
    accepted = services.case_accept(actor=officer(world), case=case, accepted_on=D(2026, 3, 3), version=case.version)
    assert accepted.version == case.version + 1


# ---------------------------------------------------------------------------------------------
# Accept / decline / divert (Art 31)


def test_acceptance_runs_the_60_day_clock_for_article_31_item_6(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    assert case.status == Status.ACCEPTED
    assert case.art31_item == 6
    assert case.due == D(2026, 5, 6)  # 03-04 + 60 = 05-03, inside the 劳动节 holiday (05-01…05-05) → 05-06
    assert case.handler == officer(world)
    assert case.first_unit == world.unit("d1b1") and case.first_officer == officer(world)
    assert case.acknowledged_on == D(2026, 3, 4)


def test_acceptance_before_receipt_is_refused(world):
    case = register(world)
    refused("date_too_early", services.case_accept, actor=officer(world), case=case, accepted_on=D(2026, 3, 1))


def test_decline_needs_a_reason_and_runs_no_clock(world):
    case = register(world)
    refused("required", services.case_decline, actor=officer(world), case=case, decided_on=D(2026, 3, 4), reason=" ")
    declined = services.case_decline(
        actor=officer(world), case=case, decided_on=D(2026, 3, 4), reason="不属于消防救援机构职权范围"
    )
    assert declined.status == Status.DECLINED and declined.due is None and declined.deadline is None


def test_diverted_case_names_the_route_and_has_no_petition_clock(world):
    case = register(world)
    diverted = services.case_divert(
        actor=officer(world), case=case, decided_on=D(2026, 3, 4), art31_item=1, route="依法向人民法院提起行政诉讼"
    )
    assert diverted.status == Status.DIVERTED
    assert diverted.art31_item == 1 and diverted.route == "依法向人民法院提起行政诉讼"
    assert diverted.due is None and diverted.deadline is None


def test_divert_is_only_for_article_31_items_1_to_5(world):
    case = register(world)
    for item in (0, 6, 7, "x"):
        refused(
            "invalid_art31_item",
            services.case_divert,
            actor=officer(world),
            case=case,
            decided_on=D(2026, 3, 4),
            art31_item=item,
            route="途径",
        )


def test_divert_without_a_route_is_refused(world):
    refused(
        "required",
        services.case_divert,
        actor=officer(world),
        case=register(world),
        decided_on=D(2026, 3, 4),
        art31_item=2,
        route="",
    )


# ---------------------------------------------------------------------------------------------
# Forwarding, assignment and objection (Art 23, 30)


def test_forward_moves_the_case_and_restarts_the_acknowledgement_period(world):
    case = register(world, "d1")
    transfer = services.case_forward(
        actor=officer(world, "d1"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4)
    )
    case.refresh_from_db()
    assert case.unit == world.unit("d2b1") and case.status == Status.FORWARDED
    assert case.ack_from == D(2026, 3, 4) and case.ack_due == D(2026, 3, 19)
    assert transfer.kind == TransferKind.FORWARD and transfer.from_unit == world.unit("d1")
    # 5 working days: 03-05 Thu, 06 Fri, 09 Mon, 10 Tue, 11 Wed
    assert transfer.objection_due == D(2026, 3, 11)
    # the receiving unit can now accept it; the number stays the registering unit's
    accepted = services.case_accept(actor=officer(world, "d2b1"), case=case, accepted_on=D(2026, 3, 6))
    assert accepted.number.startswith("d1-2026-")


def test_assignment_goes_down_the_tree_with_a_deadline_for_the_result(world):
    case = register(world, "d1")
    refused(
        "result_due_required",
        services.case_forward,
        actor=officer(world, "d1"),
        case=case,
        to_unit=world.unit("d1b1"),
        forwarded_on=D(2026, 3, 4),
        kind=TransferKind.ASSIGN,
    )
    refused(
        "assign_not_below",
        services.case_forward,
        actor=officer(world, "d1"),
        case=case,
        to_unit=world.unit("d2b1"),
        forwarded_on=D(2026, 3, 4),
        kind=TransferKind.ASSIGN,
        result_due=D(2026, 4, 30),
    )
    transfer = services.case_forward(
        actor=officer(world, "d1"),
        case=case,
        to_unit=world.unit("d1b1"),
        forwarded_on=D(2026, 3, 4),
        kind=TransferKind.ASSIGN,
        result_due=D(2026, 4, 30),
    )
    assert transfer.result_due == D(2026, 4, 30)


def test_accusation_cannot_be_forwarded_to_the_accused_unit(world):
    # Art 30
    case = register(world, "d1", category=Category.ACCUSATION, accused_unit=world.unit("d1b1"))
    refused(
        "forward_to_accused",
        services.case_forward,
        actor=officer(world, "d1"),
        case=case,
        to_unit=world.unit("d1b1"),
        forwarded_on=D(2026, 3, 4),
    )
    accused_detachment = register(world, "c", category=Category.ACCUSATION, accused_unit=world.unit("d1"))
    refused(
        "forward_to_accused",
        services.case_forward,
        actor=officer(world, "c"),
        case=accused_detachment,
        to_unit=world.unit("d1b2"),  # inside the accused 支队
        forwarded_on=D(2026, 3, 4),
        kind=TransferKind.ASSIGN,
        result_due=D(2026, 4, 1),
    )


def test_receiving_unit_may_object_within_5_working_days(world):
    case = register(world, "d1")
    services.case_forward(actor=officer(world, "d1"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4))
    transfer = services.case_object(
        actor=officer(world, "d2b1"), case=case, objected_on=D(2026, 3, 11), reason="不属于本大队辖区"
    )
    case.refresh_from_db()
    assert case.status == Status.OBJECTED and transfer.objection_reason == "不属于本大队辖区"
    # the sending unit agrees: the case comes back to it, to be decided again
    services.case_objection_agree(actor=officer(world, "d1"), case=case, decided_on=D(2026, 3, 12))
    case.refresh_from_db()
    assert case.unit == world.unit("d1") and case.status == Status.REGISTERED
    assert case.ack_from == case.received_on


def test_objection_after_5_working_days_is_refused(world):
    case = register(world, "d1")
    services.case_forward(actor=officer(world, "d1"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4))
    refused(
        "objection_late",
        services.case_object,
        actor=officer(world, "d2b1"),
        case=case,
        objected_on=D(2026, 3, 12),
        reason="不属于本大队辖区",
    )


def test_objection_counts_working_days_across_the_national_day_holiday(world):
    case = register(world, "d1", received_on=D(2026, 9, 29))
    transfer = services.case_forward(
        actor=officer(world, "d1"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 9, 30)
    )
    # 10-01…10-07 off; Sat 10-10 is a make-up working day: 10-08, 10-09, 10-10, 10-12, 10-13
    assert transfer.objection_due == D(2026, 10, 13)


def test_only_the_sending_unit_decides_on_an_objection(world):
    case = register(world, "d1")
    services.case_forward(actor=officer(world, "d1"), case=case, to_unit=world.unit("d2b1"), forwarded_on=D(2026, 3, 4))
    services.case_object(actor=officer(world, "d2b1"), case=case, objected_on=D(2026, 3, 5), reason="非本辖区")
    refused(
        "forbidden", services.case_objection_agree, actor=officer(world, "d2b1"), case=case, decided_on=D(2026, 3, 6)
    )
    services.case_objection_reject(actor=officer(world, "d1"), case=case, decided_on=D(2026, 3, 6), note="属于该辖区")
    case.refresh_from_db()
    assert case.status == Status.FORWARDED and case.unit == world.unit("d2b1")
    assert Transfer.objects.get(case=case).objection_decision == "rejected"


def test_every_transfer_stays_in_the_history(world):
    case = register(world, "c")
    services.case_forward(
        actor=officer(world, "c"),
        case=case,
        to_unit=world.unit("d1"),
        forwarded_on=D(2026, 3, 3),
        kind=TransferKind.ASSIGN,
        result_due=D(2026, 5, 30),
    )
    services.case_forward(
        actor=officer(world, "d1"),
        case=case,
        to_unit=world.unit("d1b1"),
        forwarded_on=D(2026, 3, 4),
        kind=TransferKind.ASSIGN,
        result_due=D(2026, 5, 20),
    )
    units = list(case.transfers.order_by("on").values_list("from_unit__code", "to_unit__code"))
    assert units == [("c", "d1"), ("d1", "d1b1")]
    assert case.events.filter(action="forward").count() == 2


# ---------------------------------------------------------------------------------------------
# Extension (Art 34)


NOTIFIED = D(2026, 4, 1)


def extend(world, case, days, *, approver="d1b1.chief", notified_on=NOTIFIED, actor="d1b1.officer"):
    return services.case_extend(
        actor=world.user(actor),
        case=case,
        days=days,
        reason="案情复杂，需要进一步调查取证",
        approved_by=world.user(approver),
        notified_on=notified_on,
    )


def test_extension_lengthens_the_period_counted_from_acceptance(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    ext = extend(world, case, 10)
    case.refresh_from_db()
    assert case.extension_days == 10
    assert ext.due_before == D(2026, 5, 6)
    # 03-04 + 70 days = 05-13 (a Wednesday) — not 05-06 (already shifted) + 10 = 05-16
    assert case.due == D(2026, 5, 13) and ext.due_after == D(2026, 5, 13)


def test_extension_over_30_days_in_total_is_refused(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    extend(world, case, 20)
    err = refused(
        "extension_limit",
        services.case_extend,
        actor=officer(world),
        case=case,
        days=11,
        reason="仍需调查",
        approved_by=chief(world),
        notified_on=D(2026, 4, 2),
    )
    assert "10" in err.message
    extend(world, case, 10, notified_on=D(2026, 4, 2))
    assert Case.objects.get(pk=case.pk).extension_days == 30
    assert Extension.objects.filter(case=case).count() == 2


def test_extension_only_on_an_accepted_case(world):
    case = register(world)
    refused(
        "invalid_state",
        services.case_extend,
        actor=officer(world),
        case=case,
        days=5,
        reason="复杂",
        approved_by=chief(world),
        notified_on=D(2026, 3, 5),
    )


def test_extension_needs_a_reason(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    refused(
        "required",
        services.case_extend,
        actor=officer(world),
        case=case,
        days=5,
        reason="",
        approved_by=chief(world),
        notified_on=D(2026, 3, 5),
    )


def test_extension_must_be_approved_by_the_units_chief_or_leader(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    for approver in ("d1b1.officer", "d1b2.chief", "d1.chief"):  # officer / a sibling chief / a higher chief
        refused(
            "approver_not_leader",
            services.case_extend,
            actor=officer(world),
            case=case,
            days=5,
            reason="复杂",
            approved_by=world.user(approver),
            notified_on=D(2026, 3, 5),
        )
    assert extend(world, case, 5, approver="d1b1.leader").approved_by == world.user("d1b1.leader")


def test_extension_cannot_be_approved_by_the_handling_officer(world):
    from xinfang.core.scope import forget_grants
    from xinfang.orgs.models import Post

    leader = world.user("d1b1.leader")  # a leader who also holds an officer's post and handles the case himself
    Post.objects.create(user=leader, unit=world.unit("d1b1"), role="officer", start_on=D(2020, 1, 1))
    forget_grants(leader)
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4), handler=leader)
    refused(
        "approver_is_handler",
        services.case_extend,
        actor=officer(world),
        case=case,
        days=5,
        reason="复杂",
        approved_by=leader,
        notified_on=D(2026, 3, 5),
    )
    assert extend(world, case, 5, notified_on=D(2026, 3, 5)).approved_by == chief(world)


def test_extension_after_the_period_has_expired_is_refused(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    refused(
        "extension_after_due",
        services.case_extend,
        actor=officer(world),
        case=case,
        days=5,
        reason="复杂",
        approved_by=chief(world),
        notified_on=D(2026, 5, 7),
    )


def test_review_cases_cannot_be_extended(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    review = services.review_request(actor=officer(world, "d1"), case=initial, requested_on=D(2026, 3, 30))
    refused(
        "not_for_review",
        services.case_extend,
        actor=officer(world, "d1"),
        case=review,
        days=5,
        reason="复杂",
        approved_by=chief(world, "d1"),
        notified_on=D(2026, 4, 1),
    )


# ---------------------------------------------------------------------------------------------
# The opinion (Art 32)


def draft(world, case, result="explain", actor="d1b1.officer", **kw):
    return services.opinion_draft(
        actor=world.user(actor),
        case=case,
        result=result,
        facts="经查，该商场疏散通道被占用属实。",
        opinion="已责令限期改正。",
        legal_basis="《中华人民共和国消防法》第二十八条、第六十条",
        **kw,
    )


def test_opinion_cannot_be_approved_by_its_drafter(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    # the leader drafts (he is also given handle rights through a second post) and may not approve his own draft
    from xinfang.orgs.models import Post

    leader = world.user("d1b1.leader")
    Post.objects.create(user=leader, unit=world.unit("d1b1"), role="officer", start_on=D(2020, 1, 1))
    from xinfang.core.scope import forget_grants

    forget_grants(leader)
    draft(world, case, actor="d1b1.leader")
    refused("approver_is_drafter", services.opinion_approve, actor=leader, case=case)
    opinion = services.opinion_approve(actor=chief(world), case=case)
    assert opinion.approved_by == chief(world)


def test_opinion_is_approved_only_by_the_units_chief_or_leader(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    draft(world, case)
    refused("forbidden", services.opinion_approve, actor=officer(world), case=case)
    refused("forbidden", services.opinion_approve, actor=chief(world, "d1b2"), case=case)
    services.opinion_approve(actor=world.user("d1b1.leader"), case=case)
    assert Case.objects.get(pk=case.pk).status == Status.OPINION_APPROVED


def test_opinion_is_not_approved_by_a_higher_units_chief(world):
    """The opinion is issued in the handling unit's name: its own 主官/分管领导 approve it (R2.8)."""
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    draft(world, case)
    refused("approver_not_unit_head", services.opinion_approve, actor=world.user("d1.chief"), case=case)
    assert Case.objects.get(pk=case.pk).status == Status.OPINION_DRAFTED


def test_opinion_result_must_be_support_explain_or_reject(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    refused("invalid_result", draft, world=world, case=case, result="maybe")


def test_returned_opinion_goes_back_to_the_handler(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    draft(world, case)
    services.opinion_return(actor=chief(world), case=case, reason="依据引用不准确")
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    draft(world, case, result="support")
    assert Case.objects.get(pk=case.pk).opinion.result == "support"


def test_planned_issue_date_issues_the_opinion_on_approval(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    draft(world, case, issued_on=D(2026, 4, 1))
    services.opinion_approve(actor=chief(world), case=case)
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.OPINION_ISSUED and case.opinion.issued_on == D(2026, 4, 1)
    assert list(case.events.values_list("action", flat=True))[-2:] == ["approve_opinion", "issue_opinion"]


def test_delivery_before_issue_is_refused(world):
    case = advance(world, register(world), Status.OPINION_ISSUED, accepted_on=D(2026, 3, 4))
    refused(
        "date_too_early",
        services.case_deliver,
        actor=officer(world),
        case=case,
        delivered_on=case.opinion.issued_on - datetime.timedelta(days=1),
    )


def test_supported_request_stays_tracked_until_carried_out(world):
    case = advance(world, register(world), Status.EVALUATED, result="support", accepted_on=D(2026, 3, 4))
    assert case.opinion.awaits_carrying_out
    refused("not_carried_out", services.case_conclude, actor=officer(world), case=case)
    services.opinion_carried_out(
        actor=officer(world), case=case, carried_out_on=case.opinion.delivered_on, note="已完成整改并复查"
    )
    concluded = services.case_conclude(actor=officer(world), case=case)
    assert concluded.status == Status.CONCLUDED


def test_only_supported_opinions_are_carried_out(world):
    case = advance(world, register(world), Status.DELIVERED, result="reject", accepted_on=D(2026, 3, 4))
    refused(
        "not_supported",
        services.opinion_carried_out,
        actor=officer(world),
        case=case,
        carried_out_on=case.opinion.delivered_on,
    )


def test_evaluation_rating_is_recorded(world):
    case = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 4))
    refused("invalid_rating", services.case_evaluate, actor=officer(world), case=case, rating="great")
    evaluation = services.case_evaluate(actor=officer(world), case=case, rating="basically", on=D(2026, 4, 1))
    assert evaluation.get_rating_display() == "基本满意"


def test_petitioner_evaluates_with_the_query_code(world):
    case = register(world)
    code = case.plain_query_code
    case = advance(world, case, Status.DELIVERED, accepted_on=D(2026, 3, 4))
    refused(
        "invalid_query_code", services.case_evaluate_by_petitioner, case=case, query_code="XXXX", rating="satisfied"
    )
    ev = services.case_evaluate_by_petitioner(case=case, query_code=code, rating="dissatisfied")
    assert ev.rating == "dissatisfied" and ev.recorded_by is None


# ---------------------------------------------------------------------------------------------
# 复查 / 复核 (Art 35, 36)


def test_review_goes_to_the_unit_one_level_above_and_is_due_30_days_after_the_request(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    review = services.review_request(actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 1))
    assert review.kind == Kind.REVIEW and review.parent_case == initial
    assert review.unit == world.unit("d1") and review.status == Status.ACCEPTED
    assert review.due == D(2026, 5, 6)  # 04-01 + 30 = 05-01 (劳动节) → 05-06
    assert review.number.startswith("d1-2026-")
    assert review.petitioners.count() == initial.petitioners.count()
    assert initial.events.filter(action="request_review").exists()


def test_review_request_after_30_days_is_refused(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3), delivered_on=D(2026, 3, 26))
    # 03-26 + 30 = 04-25 (Saturday) → the period ends Monday 04-27
    refused(
        "review_late", services.review_request, actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 28)
    )
    assert services.review_request(actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 27))


def test_review_before_delivery_is_refused(world):
    case = advance(world, register(world), Status.OPINION_ISSUED, accepted_on=D(2026, 3, 3))
    refused("not_delivered", services.review_request, actor=officer(world, "d1"), case=case, requested_on=D(2026, 4, 1))


def test_review_is_registered_by_the_unit_above_only(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    refused("forbidden", services.review_request, actor=officer(world), case=initial, requested_on=D(2026, 4, 1))


def test_only_one_review_per_opinion(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    services.review_request(actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 1))
    refused(
        "review_exists", services.review_request, actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 2)
    )


def test_rereview_goes_one_level_above_the_review_unit_and_is_final(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    review = advance(
        world,
        services.review_request(actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 1)),
        Status.DELIVERED,
    )
    rereview = services.review_request(
        actor=officer(world, "c"), case=review, requested_on=review.opinion.delivered_on + datetime.timedelta(days=3)
    )
    assert rereview.kind == Kind.REREVIEW and rereview.unit == world.unit("c") and rereview.parent_case == review
    rereview = advance(world, rereview, Status.DELIVERED)
    refused(
        "rereview_final",
        services.review_request,
        actor=officer(world, "c"),
        case=rereview,
        requested_on=rereview.opinion.delivered_on,
    )


def test_hearing_days_are_not_counted_in_the_review_period(world):
    initial = advance(world, register(world), Status.DELIVERED, accepted_on=D(2026, 3, 3))
    review = services.review_request(actor=officer(world, "d1"), case=initial, requested_on=D(2026, 4, 10))
    assert review.due == D(2026, 5, 11)  # 04-10 + 30 = Sunday 05-10 → Monday 05-11
    services.case_record_hearing(actor=officer(world, "d1"), case=review, days=5, held_on=D(2026, 4, 20))
    assert Case.objects.get(pk=review.pk).due == D(2026, 5, 15)  # 04-10 + 35 days: the hearing is not counted
    refused(
        "not_review",
        services.case_record_hearing,
        actor=officer(world),
        case=services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4)),
        days=3,
        held_on=D(2026, 3, 10),
    )


def test_petitioner_requests_review_with_the_query_code(world):
    case = register(world, received_on=datetime.date.today() - datetime.timedelta(days=40))
    code = case.plain_query_code
    today = datetime.date.today()
    case = advance(
        world,
        case,
        Status.DELIVERED,
        accepted_on=today - datetime.timedelta(days=38),
        issued_on=today - datetime.timedelta(days=10),
        delivered_on=today - datetime.timedelta(days=9),
    )
    review = services.review_request_by_petitioner(case=case, query_code=code, content="对处理意见不服")
    assert review.unit == world.unit("d1") and review.received_on == today and review.handler is None


# ---------------------------------------------------------------------------------------------
# Art 28: recusal and the accused


def test_officer_named_as_accused_cannot_handle_the_case(world):
    accused = world.user("d1b1.officer")
    case = register(world, "d1", category=Category.ACCUSATION, accused_names="某大队干部", accused_officials=[accused])
    # even holding a post at the 支队 he could not act on it
    from xinfang.core.scope import forget_grants
    from xinfang.orgs.models import Post

    Post.objects.create(user=accused, unit=world.unit("d1"), role="officer", start_on=D(2020, 1, 1))
    forget_grants(accused)
    refused("conflict_of_interest", services.case_accept, actor=accused, case=case, accepted_on=D(2026, 3, 3))


def test_officer_with_a_declared_interest_cannot_handle_or_approve(world):
    case = services.case_accept(actor=officer(world), case=register(world), accepted_on=D(2026, 3, 4))
    services.case_declare_interest(actor=officer(world), case=case, user=officer(world), reason="信访人系本人亲属")
    case.refresh_from_db()
    assert case.handler is None
    refused("conflict_of_interest", draft, world=world, case=case)
    services.case_declare_interest(actor=chief(world), case=case, user=chief(world), reason="利害关系")
    refused(
        "conflict_of_interest",
        services.case_assign_handler,
        actor=world.user("d1b1.leader"),
        case=case,
        handler=officer(world),
    )


def test_declaring_someone_elses_interest_needs_rights_at_the_unit(world):
    case = register(world)
    refused(
        "forbidden",
        services.case_declare_interest,
        actor=officer(world, "d1b2"),
        case=case,
        user=officer(world),
        reason="x",
    )


def test_case_update_corrects_registration_until_decided(world):
    case = register(world)
    updated = services.case_update(actor=officer(world), case=case, title="新的事由", topic="penalty")
    assert updated.title == "新的事由" and updated.topic.code == "penalty"
    services.case_accept(actor=officer(world), case=case, accepted_on=D(2026, 3, 3))
    refused("invalid_state", services.case_update, actor=officer(world), case=case, title="再改")


def test_case_transition_dispatches_by_action_name(world):
    case = register(world)
    accepted = services.case_transition(actor=officer(world), case=case, action="accept", accepted_on=D(2026, 3, 3))
    assert accepted.status == Status.ACCEPTED
    refused("unknown_action", services.case_transition, actor=officer(world), case=case, action="explode")


def test_available_actions_follow_state_and_permission(world):
    case = register(world)
    assert {t.action for t in workflow.available_actions(officer(world), case)} == {
        "accept",
        "decline",
        "divert",
        "forward",
    }
    assert workflow.available_actions(chief(world), case) == []
    case = services.case_accept(actor=officer(world), case=case, accepted_on=D(2026, 3, 3))
    draft(world, case)
    case = Case.objects.get(pk=case.pk)
    assert {t.action for t in workflow.available_actions(chief(world), case)} == {"approve_opinion", "return_opinion"}
