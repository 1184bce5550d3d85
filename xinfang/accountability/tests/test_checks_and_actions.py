"""复查复核核查 against the six standards and the 倒查 a failure opens (R5.2); accountability actions issued by the
总队 leading group, with deadlines, rectification reports, closure and overdue flags (R5.3); recommendations and the
annual report (R5.4)."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.utils import timezone
from docx import Document

from xinfang.accountability import selectors, services
from xinfang.accountability.models import (
    AccountabilityAction,
    ActionStatus,
    Lookback,
    LookbackStatus,
    ReviewCheck,
    Standard,
)
from xinfang.accountability.tests.helpers import D, case, dept, group, opinion, review_of
from xinfang.cases.models import Category, Status
from xinfang.core.errors import DomainError
from xinfang.documents.models import GeneratedDocument
from xinfang.documents.selectors import documents_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def all_pass() -> list[dict]:
    return [{"standard": s, "passed": True, "note": ""} for s in Standard.values]


def reviewed(world):
    """An initial case at d1b1 handled by d1b1.officer, approved by d1b1.chief, and its 复查 at d1."""
    original = case(world, "d1b1", title="原事项", status=Status.CONCLUDED, handler=world.user("d1b1.officer"))
    row = opinion(original, result="reject", issued_on=D(2025, 3, 1), delivered_on=D(2025, 3, 3))
    row.approved_by = world.user("d1b1.chief")
    row.save()
    review = review_of(world, original, "d1", title="复查：原事项", received_on=TODAY - datetime.timedelta(days=5))
    return original, review


# --- the six-standard check and the lookback --------------------------------------------------------------


def test_a_check_with_every_standard_met_opens_no_lookback(world) -> None:
    _original, review = reviewed(world)
    check = services.review_check_record(actor=dept(world, "d1"), case=review, results=all_pass(), note="办理规范")
    assert check.passed
    assert check.items.count() == 6
    assert not Lookback.objects.exists()
    with pytest.raises(DomainError) as e:
        services.review_check_record(actor=dept(world, "d1"), case=review, results=all_pass())
    assert e.value.code == "already_checked"


def test_a_failed_standard_opens_a_lookback_naming_who_handled_the_original(world) -> None:
    original, review = reviewed(world)
    results = all_pass()
    results[2] = {"standard": Standard.CHARACTERISATION, "passed": False, "note": "将申诉求决类定性为建议意见类"}
    check = services.review_check_record(actor=dept(world), case=review, results=results)
    assert not check.passed
    assert check.subject_unit == world.unit("d1b1")
    lookback = Lookback.objects.get(review_check=check)
    assert lookback.case == original and lookback.unit == world.unit("d1b1")
    assert lookback.status == LookbackStatus.OPEN
    assert {u.username for u in lookback.responsible_persons.all()} == {"d1b1.officer", "d1b1.chief"}


def test_every_standard_is_judged_and_a_failure_explained(world) -> None:
    _original, review = reviewed(world)
    checker = dept(world, "d1")
    with pytest.raises(DomainError) as e:
        services.review_check_record(actor=checker, case=review, results=all_pass()[:5])
    assert e.value.code == "standards_missing" and "手续完备" in e.value.message
    failing = all_pass()
    failing[0]["passed"] = False
    with pytest.raises(DomainError) as e:
        services.review_check_record(actor=checker, case=review, results=failing)
    assert e.value.field == "results[0].note"
    assert not ReviewCheck.objects.exists()


def test_only_the_department_of_the_reviewing_level_checks_and_never_the_original_handler(world) -> None:
    original, review = reviewed(world)
    with pytest.raises(DomainError) as e:
        services.review_check_record(actor=world.user("d1.officer"), case=review, results=all_pass())
    assert e.value.code == "forbidden"
    with pytest.raises(DomainError):
        services.review_check_record(actor=dept(world, "d1b1"), case=review, results=all_pass())  # below the review
    with pytest.raises(DomainError) as e:
        services.review_check_record(actor=dept(world), case=original, results=all_pass())
    assert e.value.code == "not_review"
    # a department member who approved the original opinion must step aside
    conflicted = dept(world, "d1")
    row = original.opinion
    row.approved_by = conflicted
    row.save()
    with pytest.raises(DomainError) as e:
        services.review_check_record(actor=conflicted, case=review, results=all_pass())
    assert e.value.code == "conflict_of_interest"


def test_the_lookback_runs_from_findings_to_a_decision_by_the_leading_group(world) -> None:
    _original, review = reviewed(world)
    results = all_pass()
    results[5] = {"standard": Standard.FORMALITIES, "passed": False, "note": "送达回证缺失"}
    check = services.review_check_record(actor=dept(world), case=review, results=results)
    lookback = check.lookback
    with pytest.raises(DomainError) as e:
        services.lookback_decide(actor=group(world), lookback=lookback, decision="批评教育")
    assert e.value.code == "invalid_state"
    with pytest.raises(DomainError) as e:
        services.lookback_propose(
            actor=dept(world), lookback=lookback, responsible_persons=[world.user("d2b1.officer")],
            findings="x", proposed_handling="y",
        )  # fmt: skip
    assert e.value.code == "person_outside_unit"
    proposed = services.lookback_propose(
        actor=dept(world), lookback=lookback, responsible_persons=[world.user("d1b1.officer")],
        findings="承办人未按规定制作送达回证", proposed_handling="对承办人批评教育，组织业务培训",
    )  # fmt: skip
    assert proposed.status == LookbackStatus.PROPOSED
    with pytest.raises(DomainError) as e:
        services.lookback_decide(actor=dept(world), lookback=proposed, decision="批评教育")
    assert e.value.code == "forbidden"
    decided = services.lookback_decide(actor=group(world), lookback=proposed, decision="同意处理意见", decided_on=TODAY)
    assert decided.status == LookbackStatus.DECIDED
    with pytest.raises(DomainError):
        services.lookback_propose(
            actor=dept(world), lookback=decided, responsible_persons=[], responsible_others="x", findings="x",
            proposed_handling="y",
        )  # fmt: skip


def test_checks_and_lookbacks_follow_the_case_scope(world) -> None:
    _original, review = reviewed(world)
    results = all_pass()
    results[0] = {"standard": Standard.FACTS, "passed": False, "note": "未调查核实"}
    services.review_check_record(actor=dept(world), case=review, results=results)
    assert selectors.check_list(world.user("d1.chief")).count() == 1
    assert selectors.check_list(world.user("d2.chief")).count() == 0
    assert selectors.lookback_list(world.user("d1b1.chief")).count() == 1  # the unit under lookback sees it
    assert selectors.lookback_list(world.user("d1b2.chief")).count() == 0


def test_a_confidential_case_keeps_its_check_from_the_accused_unit(world) -> None:
    """Art 30: a 检举控告 case against d1b1 is hidden from d1b1's staff — and so are its check and lookback."""
    original = case(world, "d1b2", category=Category.ACCUSATION, accused_unit=world.unit("d1b1"))
    opinion(original, issued_on=D(2025, 3, 1), delivered_on=D(2025, 3, 2))
    review = review_of(world, original, "d1", category=Category.ACCUSATION, accused_unit=world.unit("d1b1"))
    results = all_pass()
    results[1] = {"standard": Standard.BASIS, "passed": False, "note": "引用依据错误"}
    services.review_check_record(actor=dept(world), case=review, results=results)
    assert selectors.check_list(world.user("d1.officer")).count() == 1
    assert selectors.check_list(world.user("d1b2.chief")).count() == 1  # the unit whose handling was checked
    accused = world.user("d1b1.chief")
    Post = type(accused.posts.first())
    Post.objects.create(user=accused, unit=world.unit("d1b2"), role="member", start_on=D(2020, 1, 1))
    from xinfang.core.scope import forget_grants

    forget_grants(accused)
    assert selectors.check_list(accused).count() == 0
    assert selectors.lookback_list(accused).count() == 0


# --- accountability actions ----------------------------------------------------------------------------------


def issue(world, kind="rectification", **kw) -> AccountabilityAction:
    params = {
        "actor": group(world),
        "kind": kind,
        "target_unit": world.unit("d1"),
        "reason": "2025年度多件信访事项逾期未办结",
        "requirements": "全面清理积案，建立台账",
        "deadline": TODAY + datetime.timedelta(days=30),
        "issued_on": TODAY,
    }
    params.update(kw)
    return services.action_issue(**params)


def test_actions_are_issued_by_the_corps_leading_group_only(world) -> None:
    for actor in (world.user("c.chief"), group(world, "d1"), dept(world)):
        with pytest.raises(DomainError) as e:
            issue(world, actor=actor, target_unit=world.unit("d1b1"))
        assert e.value.code == "forbidden"
    with pytest.raises(DomainError) as e:
        issue(world, target_unit=world.unit("c"))
    assert e.value.code == "invalid_target"
    assert not AccountabilityAction.objects.exists()


def test_rectification_needs_a_deadline_after_issue_and_produces_its_notice(world) -> None:
    with pytest.raises(DomainError) as e:
        issue(world, deadline=None)
    assert e.value.field == "deadline"
    with pytest.raises(DomainError) as e:
        issue(world, deadline=TODAY)
    assert e.value.code == "invalid_deadline"
    linked = case(world, "d1b1", title="逾期事项")
    action = issue(world, cases=[linked])
    assert list(action.cases.all()) == [linked]
    doc = documents_of(action).get()
    assert doc.kind == "rectification_notice" and doc.title == "责令限期整改通知书"
    assert doc.unit == world.unit("c")
    assert "〔" in doc.number
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.docx.read())).paragraphs)
    assert "甲市消防救援支队" in text and "全面清理积案" in text and "逾期事项" not in text  # numbers, not titles
    assert "信访事项" in text


@pytest.mark.parametrize(
    ("kind", "doc_kind"),
    [("admonition", "admonition_notice"), ("bulletin", "bulletin"), ("supervision", "supervision_notice")],
)
def test_each_kind_generates_its_document(world, kind, doc_kind) -> None:
    action = issue(world, kind=kind)
    assert documents_of(action).get().kind == doc_kind


def test_pursuit_needs_no_deadline_and_makes_no_notice(world) -> None:
    person = world.user("d1.leader")
    action = issue(world, kind="pursuit", deadline=None, target_person=person)
    assert action.deadline is None and action.target_person == person
    assert not GeneratedDocument.objects.exists()
    with pytest.raises(DomainError) as e:
        issue(world, kind="pursuit", deadline=None, target_person=world.user("d2.leader"))
    assert e.value.code == "person_outside_unit"


def test_an_unreported_rectification_past_its_deadline_is_overdue(world) -> None:
    action = issue(world, issued_on=TODAY - datetime.timedelta(days=40), deadline=TODAY - datetime.timedelta(days=10))
    corps = group(world)
    assert action.is_overdue(TODAY)
    assert list(selectors.action_list(corps, overdue=True)) == [action]
    # a report after the deadline is recorded, but the rectification was still late
    services.rectification_report(
        actor=world.user("d1.chief"),
        action=action,
        report="已完成积案清理",
        reported_on=TODAY - datetime.timedelta(days=2),
    )
    action = AccountabilityAction.objects.get(pk=action.pk)
    assert action.status == ActionStatus.REPORTED
    assert action.is_overdue(TODAY)
    on_time = issue(world, issued_on=TODAY - datetime.timedelta(days=40), deadline=TODAY - datetime.timedelta(days=10))
    services.rectification_report(
        actor=world.user("d1.officer"), action=on_time, report="已整改", reported_on=TODAY - datetime.timedelta(days=11)
    )
    assert not AccountabilityAction.objects.get(pk=on_time.pk).is_overdue(TODAY)
    assert list(selectors.action_list(corps, overdue=True)) == [action]
    running = issue(world)
    assert not running.is_overdue(TODAY)


def test_reports_come_from_the_unit_and_closure_from_the_issuing_corps(world) -> None:
    action = issue(world)
    with pytest.raises(DomainError) as e:
        services.action_close(actor=group(world), action=action, note="整改到位")
    assert e.value.code == "no_report"
    with pytest.raises(DomainError) as e:
        services.rectification_report(actor=world.user("d2.chief"), action=action, report="x")
    assert e.value.code == "forbidden"
    services.rectification_report(actor=world.user("d1.chief"), action=action, report="已建立积案台账并逐件化解")
    with pytest.raises(DomainError) as e:
        services.action_close(actor=world.user("d1.chief"), action=action, note="x")
    assert e.value.code == "forbidden"
    closed = services.action_close(actor=group(world), action=action, note="整改到位，予以销号")
    assert closed.status == ActionStatus.CLOSED
    with pytest.raises(DomainError) as e:
        services.rectification_report(actor=world.user("d1.chief"), action=closed, report="补充")
    assert e.value.code == "action_closed"
    assert not closed.is_overdue(TODAY + datetime.timedelta(days=365))


def test_actions_are_seen_by_the_target_unit_and_the_corps_not_by_others(world) -> None:
    action = issue(world)
    assert [a.pk for a in selectors.action_list(world.user("d1.officer"))] == [action.pk]
    assert [a.pk for a in selectors.action_list(world.user("d1b1.officer"))] == []  # above the brigade
    assert list(selectors.action_list(world.user("d2.chief"))) == []


def test_linked_records_must_be_visible_to_the_issuer(world) -> None:
    with pytest.raises(DomainError) as e:
        issue(world, cases=[999999])
    assert e.value.field == "cases"


# --- recommendations and the annual report -------------------------------------------------------------------


def test_the_annual_report_is_a_stored_docx_with_tables_and_charts(world) -> None:
    corps = group(world)
    c = case(world, "d1b1", received_on=D(2025, 4, 1), status=Status.DELIVERED)
    opinion(c, issued_on=D(2025, 5, 1), delivered_on=D(2025, 5, 2))
    case(world, "d2b1", received_on=D(2025, 6, 1), category=Category.ACCUSATION, accused_unit=world.unit("d2b2"))
    rec = services.recommendation_create(
        actor=corps, unit=world.unit("c"), year=2025, title="规范消防监督检查告知", content="建议统一检查结果告知书格式",
        addressed_to="防火监督处",
    )  # fmt: skip
    services.recommendation_respond(actor=corps, recommendation=rec, status="adopted", response="已印发统一格式")
    report = services.annual_report_generate(actor=corps, unit=world.unit("c"), year=2025)
    assert report.version == 1
    data = report.file.read()
    assert hashlib.sha256(data).hexdigest() == report.sha256
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2025年度信访工作情况报告" in text and "规范消防监督检查告知" in text
    assert len(doc.tables) >= 5
    assert len(doc.inline_shapes) >= 3  # the bar charts
    ctx = report.context
    assert ctx["received"]["total"] == 2
    assert ctx["units"]["accused"] == [{"unit": "乙市二区大队", "count": 1}]
    assert {r["unit"]: r["count"] for r in ctx["units"]["children"]} == {"甲市消防救援支队": 1, "乙市消防救援支队": 1}
    again = services.annual_report_generate(actor=corps, unit=world.unit("c"), year=2025)
    assert again.version == 2
    with pytest.raises(DomainError) as e:
        services.annual_report_generate(actor=world.user("c.officer"), unit=world.unit("c"), year=2025)
    assert e.value.code == "forbidden"
