"""The incidents pages: forms call the services, refusals show on the form, objects are fetched through the scope
(404 outside it, 403 without the permission), lists keep their query counts whatever the number of rows."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xinfang.accountability.tests.helpers import case
from xinfang.incidents import services
from xinfang.incidents.models import ContingencyPlan, Incident, IncidentKind, Referral

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def login(client, world, username: str):
    from xinfang.core.otp_testing import complete_second_factor

    client.force_login(world.user(username))
    complete_second_factor(client, world.user(username))  # admins sign in with their second factor
    return client


def incident(world, kind=IncidentKind.AT_CORPS, code="d1", **kw) -> Incident:
    return services.incident_open(
        actor=world.user("c.officer"),
        unit=world.unit(code),
        kind=kind,
        occurred_on=TODAY,
        summary="到总队反映诉求",
        **kw,
    )


def test_an_officer_records_an_at_corps_incident_and_then_the_leader_on_site(client, world) -> None:
    linked = case(world, "d1b1", title="待关联事项")
    login(client, world, "c.officer")
    response = client.post(
        reverse("incidents:incident-create"),
        {
            "kind": "at_corps",
            "unit": world.unit("d1").pk,
            "occurred_on": TODAY.isoformat(),
            "headcount": "3",
            "summary": "3人到总队反映补偿问题",
            "case_numbers": linked.number,
        },
    )
    created = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:incident-detail", kwargs={"pk": created.pk})
    page = client.get(response["Location"]).content.decode()
    assert "尚未登记分管领导到场" in page
    assert linked.number in page
    assert "甲市消防救援支队分管领导" in page  # the notice's recipient
    response = client.post(
        reverse("incidents:incident-responder", kwargs={"pk": created.pk}),
        {
            "user": world.user("d1.leader").pk,
            "role": "leader",
            "arrived_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert "已登记分管领导到场处置" in client.get(response["Location"]).content.decode()


def test_a_refusal_is_shown_on_the_form_and_nothing_is_saved(client, world) -> None:
    login(client, world, "c.officer")
    response = client.post(
        reverse("incidents:incident-create"),
        {"kind": "in_beijing", "unit": world.unit("d1b1").pk, "occurred_on": TODAY.isoformat(), "headcount": "1",
         "summary": "进京"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "责任单位应为属事支队" in response.content.decode()
    response = client.post(
        reverse("incidents:incident-create"),
        {"kind": "collective", "unit": world.unit("d1b1").pk, "occurred_on": TODAY.isoformat(), "headcount": "1",
         "summary": "集体访", "case_numbers": "NO-SUCH-1"},
    )  # fmt: skip
    assert "NO-SUCH-1" in response.content.decode()
    assert not Incident.objects.exists()


def test_incident_pages_are_scoped(client, world) -> None:
    item = incident(world)
    detail = reverse("incidents:incident-detail", kwargs={"pk": item.pk})
    assert login(client, world, "d2.officer").get(detail).status_code == 404
    assert login(client, world, "d1.officer").get(detail).status_code == 200
    assert login(client, world, "d1b1.officer").get(detail).status_code == 404  # above the brigade
    # in scope without incidents.manage: the department role may look, not act
    from xinfang.accountability.tests.helpers import dept

    client.force_login(dept(world, "d1"))
    assert client.get(detail).status_code == 200
    assert client.post(reverse("incidents:incident-close", kwargs={"pk": item.pk})).status_code == 403
    assert login(client, world, "sysadmin").get(reverse("incidents:incident-list")).status_code == 403


def test_closing_records_handling_and_outcome(client, world) -> None:
    item = incident(world, kind=IncidentKind.IN_BEIJING)
    login(client, world, "d1.officer")
    response = client.post(
        reverse("incidents:incident-close", kwargs={"pk": item.pk}),
        {"handling": "支队主官未赴京，由分管领导带队处置", "outcome": "已协调属地解决", "closed_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已处置完毕" in page and "尚未登记主官到场" in page


def test_plans_and_contacts_pages(client, world) -> None:
    login(client, world, "d1.officer")
    response = client.post(
        reverse("incidents:plan-create"),
        {
            "unit": world.unit("d1").pk,
            "title": "信访突发事件应急处置预案",
            "version": "2023版",
            "last_reviewed_on": (TODAY - datetime.timedelta(days=500)).isoformat(),
            "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan"),
        },
    )
    assert response.status_code == 302
    plan = ContingencyPlan.objects.get()
    page = client.get(reverse("incidents:plan-list")).content.decode()
    assert "逾期未评审" in page
    download = client.get(reverse("incidents:plan-file", kwargs={"pk": plan.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 plan"
    assert (
        login(client, world, "d2.officer").get(reverse("incidents:plan-file", kwargs={"pk": plan.pk})).status_code
        == 404
    )
    login(client, world, "d1.officer")
    response = client.post(
        reverse("incidents:contact-create"),
        {"unit": world.unit("d1").pk, "kind": "street", "name": "甲市某街道办事处", "duty_phone": "0791-8888"},
    )
    assert response.status_code == 302
    assert "甲市某街道办事处" in client.get(reverse("incidents:plan-list")).content.decode()


def test_referral_pages(client, world) -> None:
    grievance = case(world, "d1b1", title="安置待遇问题")
    login(client, world, "d1b1.officer")
    response = client.post(
        reverse("incidents:referral-create"),
        {
            "unit": world.unit("d1b1").pk,
            "case_number": grievance.number,
            "reason": "需属地政府统筹",
            "referred_on": TODAY.isoformat(),
            "recipient_kind": "joint_meeting",
            "recipient": "甲市一区信访工作联席会议",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    response = client.post(
        reverse("incidents:referral-outcome", kwargs={"pk": referral.pk}),
        {"status": "resolved", "outcome": "已化解", "outcome_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert "已化解" in client.get(reverse("incidents:referral-list")).content.decode()


def test_the_incident_list_takes_the_same_queries_for_one_and_thirty_rows(
    client, world, django_assert_num_queries
) -> None:
    incident(world)
    login(client, world, "c.officer")
    client.get(reverse("incidents:incident-list"))

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("incidents:incident-list")).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for _ in range(29):
        incident(world, kind=IncidentKind.COLLECTIVE, code="d1b1")
    assert count() == one
    # session + user + grants + navigation, then: counts, page count, the incidents, their responders
    with django_assert_num_queries(one):
        client.get(reverse("incidents:incident-list"))
