"""Incidents, plans, contacts and referrals (seed 四, R4.1–R4.3) — the rules as the seed states them."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.accountability.tests.helpers import case
from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.incidents import selectors, services
from xinfang.incidents.models import (
    ContingencyPlan,
    Incident,
    IncidentKind,
    IncidentNotice,
    Referral,
    ReferralStatus,
    ResponderRole,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOW = timezone.now()


def open_incident(world, kind=IncidentKind.AT_CORPS, code="d1", by="c.officer", **kw) -> Incident:
    return services.incident_open(
        actor=world.user(by),
        unit=world.unit(code),
        kind=kind,
        occurred_on=kw.pop("occurred_on", TODAY),
        summary=kw.pop("summary", "信访人到总队反映诉求"),
        **kw,
    )


def fresh(incident: Incident) -> Incident:
    return Incident.objects.with_compliance().get(pk=incident.pk)


# --- responders: the seed's two rules ---------------------------------------------------------------


def test_at_corps_incident_is_noncompliant_until_the_detachments_leader_is_recorded_on_site(world) -> None:
    incident = open_incident(world, IncidentKind.AT_CORPS)
    assert fresh(incident).is_compliant is False
    assert not incident.compliant()
    # the chief going does not discharge the 分管领导's duty, and someone standing in as "leader" is refused
    services.responder_record(
        actor=world.user("c.officer"), incident=incident, user=world.user("d1.chief"), role=ResponderRole.CHIEF,
        arrived_at=NOW,
    )  # fmt: skip
    assert fresh(incident).is_compliant is False
    with pytest.raises(DomainError) as e:
        services.responder_record(
            actor=world.user("c.officer"), incident=incident, user=world.user("d1.officer"),
            role=ResponderRole.LEADER, arrived_at=NOW,
        )  # fmt: skip
    assert e.value.code == "role_mismatch"
    services.responder_record(
        actor=world.user("d1.officer"), incident=incident, user=world.user("d1.leader"), role=ResponderRole.LEADER,
        arrived_at=NOW,
    )  # fmt: skip
    assert fresh(incident).is_compliant is True
    assert Incident.objects.get(pk=incident.pk).compliant()


def test_in_beijing_incident_needs_the_detachment_chief_dispatched(world) -> None:
    incident = open_incident(world, IncidentKind.IN_BEIJING, code="d2", by="c.officer")
    services.responder_record(
        actor=world.user("c.officer"), incident=incident, user=world.user("d2.leader"), role=ResponderRole.LEADER,
        arrived_at=NOW,
    )  # fmt: skip
    assert fresh(incident).is_compliant is False
    services.responder_record(
        actor=world.user("c.officer"), incident=incident, user=world.user("d2.chief"), role=ResponderRole.CHIEF,
        arrived_at=NOW,
    )  # fmt: skip
    assert fresh(incident).is_compliant is True
    assert incident.required_role == ResponderRole.CHIEF


def test_the_required_officials_are_told_when_the_incident_opens(world) -> None:
    at_corps = open_incident(world, IncidentKind.AT_CORPS)
    in_beijing = open_incident(world, IncidentKind.IN_BEIJING)
    assert [(n.user.username, n.role) for n in at_corps.notices.all()] == [("d1.leader", "leader")]
    assert [(n.user.username, n.role) for n in in_beijing.notices.all()] == [("d1.chief", "chief")]
    notice = at_corps.notices.get()
    assert "分管领导到场处置" in notice.message
    collective = open_incident(world, IncidentKind.COLLECTIVE, code="d1b1", by="d1b1.officer")
    assert not IncidentNotice.objects.filter(incident=collective).exists()
    assert fresh(collective).is_compliant is True  # nobody is required for a collective visit


def test_at_corps_and_beijing_incidents_name_the_responsible_detachment(world) -> None:
    with pytest.raises(DomainError) as e:
        open_incident(world, IncidentKind.AT_CORPS, code="d1b1")
    assert e.value.code == "unit_not_detachment"
    with pytest.raises(DomainError):
        open_incident(world, IncidentKind.IN_BEIJING, code="c")
    assert not Incident.objects.exists()


def test_recording_needs_incidents_manage_at_the_responsible_unit(world) -> None:
    with pytest.raises(DomainError) as e:
        open_incident(world, IncidentKind.AT_CORPS, code="d1", by="d1b1.officer")
    assert e.value.code == "forbidden"
    with pytest.raises(DomainError):
        open_incident(world, IncidentKind.COLLECTIVE, code="d2b1", by="d1.officer")


def test_arrival_cannot_precede_the_incident_nor_lie_in_the_future(world) -> None:
    incident = open_incident(world, occurred_on=TODAY - datetime.timedelta(days=3))
    leader = world.user("d1.leader")
    with pytest.raises(DomainError) as e:
        services.responder_record(
            actor=world.user("c.officer"), incident=incident, user=leader, role=ResponderRole.LEADER,
            arrived_at=NOW - datetime.timedelta(days=5),
        )  # fmt: skip
    assert e.value.code == "date_too_early"
    with pytest.raises(DomainError) as e:
        services.responder_record(
            actor=world.user("c.officer"), incident=incident, user=leader, role=ResponderRole.LEADER,
            arrived_at=NOW + datetime.timedelta(days=1),
        )  # fmt: skip
    assert e.value.code == "datetime_in_future"


def test_a_closed_incident_keeps_its_missing_official_on_the_record(world) -> None:
    incident = open_incident(world, IncidentKind.IN_BEIJING)
    with pytest.raises(DomainError) as e:
        services.incident_close(actor=world.user("c.officer"), incident=incident, handling="", outcome="已劝返")
    assert e.value.field == "handling"
    closed = services.incident_close(
        actor=world.user("c.officer"), incident=incident, handling="支队派员赴京接回并做好解释工作",
        outcome="诉求已纳入属地协调解决", closed_on=TODAY,
    )  # fmt: skip
    assert closed.status == "closed"
    assert fresh(closed).is_compliant is False
    with pytest.raises(DomainError) as e:
        services.responder_record(
            actor=world.user("c.officer"), incident=closed, user=world.user("d1.chief"), role=ResponderRole.CHIEF,
            arrived_at=NOW,
        )  # fmt: skip
    assert e.value.code == "incident_closed"
    with pytest.raises(DomainError):
        services.incident_close(actor=world.user("c.officer"), incident=closed, handling="x", outcome="y")


def test_linking_a_case_needs_sight_of_it_and_leaves_the_case_untouched(world) -> None:
    mine = case(world, "d1b1", title="本支队事项")
    theirs = case(world, "d2b1", title="乙支队事项")
    before = Case.objects.filter(pk=mine.pk).values().get()
    incident = open_incident(world, IncidentKind.COLLECTIVE, code="d1", by="d1.officer", cases=[mine])
    assert list(incident.cases.all()) == [mine]
    with pytest.raises(DomainError) as e:
        services.incident_link_case(actor=world.user("d1.officer"), incident=incident, case=theirs)
    assert e.value.code == "case_not_found"
    with pytest.raises(DomainError) as e:
        services.incident_link_case(actor=world.user("d1.officer"), incident=incident, case=mine)
    assert e.value.code == "already_linked"
    assert Case.objects.filter(pk=mine.pk).values().get() == before


def test_incidents_are_scoped_and_audited(world) -> None:
    incident = open_incident(world, IncidentKind.AT_CORPS, code="d1")
    assert list(selectors.incident_list(world.user("d1b1.officer"))) == []  # above the brigade
    assert list(selectors.incident_list(world.user("d2.officer"))) == []
    assert [i.pk for i in selectors.incident_list(world.user("d1.officer"))] == [incident.pk]
    assert [i.pk for i in selectors.incident_list(world.user("c.chief"), compliant=False)] == [incident.pk]
    assert AuditEvent.objects.filter(action="incidents.incident.opened", target_id=str(incident.pk)).exists()


def test_linked_cases_are_shown_only_as_far_as_the_reader_sees_them(world) -> None:
    visible = case(world, "d1b1")
    incident = open_incident(world, IncidentKind.COLLECTIVE, code="d1", by="c.officer", cases=[visible])
    other = case(world, "d1b2")
    services.incident_link_case(actor=world.user("c.officer"), incident=incident, case=other)
    seen, hidden = selectors.incident_cases(world.user("d1b1.officer"), incident)
    assert (seen, hidden) == ([visible], 1)


# --- plans and contacts ---------------------------------------------------------------------------------


def test_a_plan_is_overdue_for_review_a_year_after_its_last_review(world) -> None:
    officer = world.user("d1.officer")
    old = services.plan_create(
        actor=officer, unit=world.unit("d1"), title="信访突发事件应急处置预案", version="2023版",
        last_reviewed_on=TODAY - datetime.timedelta(days=400),
        file=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 test"),
    )  # fmt: skip
    assert old.review_overdue(TODAY)
    assert old.sha256 and old.original_name == "plan.pdf"
    assert [p.pk for p in selectors.plan_list(officer, overdue=True)] == [old.pk]
    reviewed = services.plan_review(actor=officer, plan=old, reviewed_on=TODAY, version="2025版")
    assert not reviewed.review_overdue(TODAY)
    assert reviewed.review_due == TODAY.replace(year=TODAY.year + 1) or TODAY.month == 2
    assert list(selectors.plan_list(officer, overdue=True)) == []
    with pytest.raises(DomainError) as e:
        services.plan_review(actor=officer, plan=old, reviewed_on=TODAY - datetime.timedelta(days=10))
    assert e.value.code == "date_too_early"


def test_a_plan_file_must_be_what_its_name_says(world) -> None:
    with pytest.raises(DomainError) as e:
        services.plan_create(
            actor=world.user("d1.officer"), unit=world.unit("d1"), title="预案", version="1",
            last_reviewed_on=TODAY, file=SimpleUploadedFile("plan.pdf", b"not a pdf"),
        )  # fmt: skip
    assert e.value.field == "file"
    assert not ContingencyPlan.objects.exists()


def test_linkage_contacts_are_organisations_with_a_duty_phone(world) -> None:
    officer = world.user("d1b1.officer")
    contact = services.contact_create(
        actor=officer, unit=world.unit("d1b1"), kind="police", name="甲市公安局一区分局指挥中心", duty_phone="0791-110"
    )
    assert contact.get_kind_display() == "公安机关"
    with pytest.raises(DomainError) as e:
        services.contact_create(actor=officer, unit=world.unit("d1b1"), kind="police", name="x", duty_phone="无")
    assert e.value.code == "invalid_phone"
    with pytest.raises(DomainError) as e:
        services.contact_create(actor=officer, unit=world.unit("d1b1"), kind="friends", name="x", duty_phone="110")
    assert e.value.code == "invalid_kind"
    services.contact_set_active(actor=officer, contact=contact, active=False)
    assert list(selectors.contact_list(officer)) == []


# --- referrals ------------------------------------------------------------------------------------------


def test_a_referral_to_the_joint_meeting_records_reason_date_recipient_and_outcome(world) -> None:
    grievance = case(world, "d1b1", title="多年未解决的安置问题")
    officer = world.user("d1b1.officer")
    referral = services.referral_create(
        actor=officer, unit=world.unit("d1b1"), subject="", reason="涉及多个部门职责，需属地政府统筹协调",
        referred_on=TODAY, recipient_kind="joint_meeting", recipient="甲市一区信访工作联席会议", case=grievance,
    )  # fmt: skip
    assert referral.subject == "多年未解决的安置问题"
    assert referral.status == ReferralStatus.PENDING
    done = services.referral_record_outcome(
        actor=officer,
        referral=referral,
        status=ReferralStatus.RESOLVED,
        outcome="联席会议协调落实安置",
        outcome_on=TODAY,
    )
    assert done.status == "resolved"
    with pytest.raises(DomainError) as e:
        services.referral_record_outcome(actor=officer, referral=done, status="unresolved", outcome="x")
    assert e.value.code == "referral_decided"
    with pytest.raises(DomainError) as e:
        services.referral_create(
            actor=officer, unit=world.unit("d1b1"), subject="x", reason="y", referred_on=TODAY,
            recipient_kind="joint_meeting", recipient="z", case=case(world, "d2b1"),
        )  # fmt: skip
    assert e.value.code == "case_not_found"
    assert Referral.objects.count() == 1


def test_the_required_official_gets_an_in_app_message_after_commit(world, django_capture_on_commit_callbacks) -> None:
    notifications = pytest.importorskip("xinfang.notifications.models")
    with django_capture_on_commit_callbacks(execute=True):
        incident = open_incident(world, IncidentKind.IN_BEIJING, code="d2")
    message = notifications.Notification.objects.get()
    assert message.recipient == world.user("d2.chief")
    assert message.kind == "incidents.incident" and "赴京处置" in message.body
    assert message.url == f"/incidents/{incident.pk}/"
    assert incident.notices.get().sent is True


def test_a_conflict_ledger_entry_can_be_referred_when_the_ledger_exists(world) -> None:
    from xinfang.incidents.integration import ledger_model

    model = ledger_model()
    if model is None:
        pytest.skip("the screening app has no conflict ledger")
    from xinfang.cases.models import Topic

    entry = model.objects.create(
        unit=world.unit("d1b1"), title="征地补偿纠纷", description="多户居民反映补偿标准", topic=Topic.objects.get(code="other"),
        risk_level=model._meta.get_field("risk_level").choices[0][0], measures="属地协调", found_on=TODAY, leader=world.user("d1b1.chief"),
        created_by=world.user("d1b1.officer"),
    )  # fmt: skip
    officer = world.user("d1b1.officer")
    referral = services.referral_create(
        actor=officer, unit=world.unit("d1b1"), subject="", reason="需属地政府统筹", referred_on=TODAY,
        recipient_kind="department", recipient="甲市一区人民政府", ledger_entry=entry.pk,
    )  # fmt: skip
    assert (referral.ledger_entry_id, referral.subject) == (entry.pk, "征地补偿纠纷")
    with pytest.raises(DomainError) as e:
        services.referral_create(
            actor=world.user("d1b2.officer"), unit=world.unit("d1b2"), subject="x", reason="y", referred_on=TODAY,
            recipient_kind="department", recipient="z", ledger_entry=entry.pk,
        )  # fmt: skip
    assert e.value.code == "ledger_not_found"
