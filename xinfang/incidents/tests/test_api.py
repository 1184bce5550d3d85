"""/api/v1/contingency-plans/, /linkage-contacts/, /incidents/ (+ responder, close, link-case), /referrals/: the
contract fields, refusals as 400 {code, detail}, scope (404), permissions (403), constant list queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accountability.tests.helpers import case, dept, token_client
from xinfang.incidents import services
from xinfang.incidents.models import Incident, IncidentKind

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()
INCIDENTS = "/api/v1/incidents/"


def test_an_at_corps_incident_through_the_api(world) -> None:
    linked = case(world, "d1b1")
    api = token_client(world.user("c.officer"))
    r = api.post(
        INCIDENTS,
        {
            "kind": "at_corps",
            "unit": world.unit("d1").pk,
            "occurred_on": TODAY,
            "summary": "到总队反映",
            "case": linked.pk,
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["kind"], body["unit"], body["occurred_on"], body["case"]) == (
        "at_corps",
        world.unit("d1").pk,
        TODAY,
        linked.pk,
    )
    assert body["required_role"] == "leader" and body["compliant"] is False
    iid = body["id"]
    r = api.post(
        f"{INCIDENTS}{iid}/responder/",
        {"user": world.user("d1.chief").pk, "role": "leader", "arrived_at": timezone.now().isoformat()},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "role_mismatch" and "分管领导" in r.json()["detail"]
    r = api.post(
        f"{INCIDENTS}{iid}/responder/",
        {"user": world.user("d1.leader").pk, "role": "leader", "arrived_at": timezone.now().isoformat()},
        format="json",
    )
    assert r.status_code == 201
    assert r.json()["compliant"] is True
    assert [x["user"] for x in r.json()["responders"]] == [world.user("d1.leader").pk]
    r = api.post(f"{INCIDENTS}{iid}/close/", {"handling": "分管领导到场接待", "outcome": "已返回属地"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = api.post(f"{INCIDENTS}{iid}/close/", {"handling": "x", "outcome": "y"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "incident_closed"


def test_refusals_are_400_with_a_code_and_change_nothing(world) -> None:
    api = token_client(world.user("c.officer"))
    r = api.post(
        INCIDENTS,
        {"kind": "in_beijing", "unit": world.unit("d1b1").pk, "occurred_on": TODAY, "summary": "x"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "unit_not_detachment"
    r = api.post(
        INCIDENTS, {"kind": "flying", "unit": world.unit("d1").pk, "occurred_on": TODAY, "summary": "x"}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "kind" in r.json()["fields"]
    assert not Incident.objects.exists()


def test_scope_and_permissions(world) -> None:
    item = services.incident_open(
        actor=world.user("c.officer"), unit=world.unit("d1"), kind=IncidentKind.AT_CORPS, occurred_on=TODAY, summary="x"
    )
    assert token_client(world.user("d2.officer")).get(f"{INCIDENTS}{item.pk}/").status_code == 404
    assert token_client(world.user("d1.officer")).get(f"{INCIDENTS}{item.pk}/").status_code == 200
    assert (
        token_client(world.user("d2.officer"))
        .post(
            INCIDENTS,
            {"kind": "other", "unit": world.unit("d1").pk, "occurred_on": TODAY, "summary": "x"},
            format="json",
        )
        .status_code
        == 404
    )
    department = token_client(dept(world, "d1"))
    assert (
        department.post(f"{INCIDENTS}{item.pk}/close/", {"handling": "x", "outcome": "y"}, format="json").status_code
        == 403
    )
    assert (
        department.post(
            INCIDENTS,
            {"kind": "other", "unit": world.unit("d1").pk, "occurred_on": TODAY, "summary": "x"},
            format="json",
        ).status_code
        == 403
    )
    assert token_client(world.user("auditor")).get(INCIDENTS).status_code == 403


def test_the_incident_list_takes_the_same_queries_for_one_and_thirty_rows(world) -> None:
    api = token_client(world.user("c.officer"))

    def make() -> None:
        services.incident_open(
            actor=world.user("c.officer"), unit=world.unit("d1"), kind=IncidentKind.AT_CORPS, occurred_on=TODAY,
            summary="x", cases=[case(world, "d1b1")],
        )  # fmt: skip

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(INCIDENTS).status_code == 200
        return len(ctx.captured_queries)

    make()
    api.get(INCIDENTS)
    one = count()
    for _ in range(29):
        make()
    assert count() == one
    assert len(api.get(INCIDENTS).json()["results"]) == 30


def test_plans_contacts_and_referrals(world) -> None:
    api = token_client(world.user("d1b1.officer"))
    r = api.post(
        "/api/v1/contingency-plans/",
        {"unit": world.unit("d1b1").pk, "title": "应急处置预案", "version": "2024版", "last_reviewed_on": "2024-01-05"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["review_overdue"] is True
    assert api.get("/api/v1/contingency-plans/").json()["count"] == 1
    assert (
        token_client(world.user("d1b2.officer")).get(f"/api/v1/contingency-plans/{r.json()['id']}/").status_code == 404
    )
    r = api.post(
        "/api/v1/linkage-contacts/",
        {"unit": world.unit("d1b1").pk, "kind": "petition", "name": "甲市一区信访局", "duty_phone": "0791-12345"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["kind"] == "petition"
    grievance = case(world, "d1b1", title="拖欠补偿")
    r = api.post(
        "/api/v1/referrals/",
        {"unit": world.unit("d1b1").pk, "case": grievance.pk, "reason": "需属地统筹", "referred_on": TODAY,
         "recipient_kind": "joint_meeting", "recipient": "甲市一区信访工作联席会议"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    assert (r.json()["case"], r.json()["subject"], r.json()["status"]) == (grievance.pk, "拖欠补偿", "pending")
    rid = r.json()["id"]
    r = api.post(f"/api/v1/referrals/{rid}/outcome/", {"status": "unresolved", "outcome": "协调未果"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "unresolved"
    r = api.post(
        "/api/v1/referrals/",
        {"unit": world.unit("d1b1").pk, "ledger_entry": 5, "reason": "x", "referred_on": TODAY,
         "recipient_kind": "department", "recipient": "y", "subject": "z"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] in ("ledger_unavailable", "ledger_not_found")
