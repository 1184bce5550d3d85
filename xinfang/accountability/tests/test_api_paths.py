"""Issue 6, item 8: every API path exactly as the issue writes it, through the test client — list (GET) and create
(POST) where the issue names them, the action routes, the fields of the contract, and each endpoint's refusal as 400
with a `code` and a Chinese `detail`."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from xinfang.accountability.models import Standard
from xinfang.accountability.tests.helpers import D, case, dept, group, opinion, review_of, token_client
from xinfang.cases.models import Status

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOW = timezone.now
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def refused(r, code: str | None = None) -> dict:
    """400 {code, detail} with the detail in Chinese."""
    assert r.status_code == 400, (r.status_code, r.content)
    body = r.json()
    assert body["code"] and CHINESE.search(body["detail"]), body
    if code:
        assert body["code"] == code, body
    return body


def test_contingency_plans_get_and_post(world) -> None:
    api = token_client(world.user("d1.officer"))
    r = api.post(
        "/api/v1/contingency-plans/",
        {"unit": world.unit("d1").pk, "title": "到总队上访应急处置预案", "version": "2025版",
         "last_reviewed_on": TODAY.isoformat()},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    assert r.json()["review_overdue"] is False
    listed = api.get("/api/v1/contingency-plans/")
    assert listed.status_code == 200 and [p["id"] for p in listed.json()["results"]] == [r.json()["id"]]
    refused(api.post("/api/v1/contingency-plans/", {"unit": world.unit("d1").pk, "title": ""}, format="json"))


@pytest.mark.parametrize("kind", ["at_corps", "in_beijing", "collective", "other"])
def test_incidents_of_every_kind_with_unit_occurred_on_and_case(world, kind) -> None:
    linked = case(world, "d1b1", title="关联事项")
    api = token_client(world.user("c.officer"))
    unit = world.unit("d1")
    r = api.post(
        "/api/v1/incidents/",
        {"kind": kind, "unit": unit.pk, "occurred_on": TODAY.isoformat(), "case": linked.pk, "summary": "来访"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["kind"], body["unit"], body["occurred_on"], body["case"]) == (
        kind,
        unit.pk,
        TODAY.isoformat(),
        linked.pk,
    )
    required = {"at_corps": ("leader", "d1.leader"), "in_beijing": ("chief", "d1.chief")}.get(kind)
    assert body["compliant"] is (required is None)
    iid = body["id"]
    assert iid in [i["id"] for i in api.get("/api/v1/incidents/").json()["results"]]
    if required is not None:
        role, who = required
        r = api.post(
            f"/api/v1/incidents/{iid}/responder/",
            {"user": world.user(who).pk, "role": role, "arrived_at": NOW().isoformat()},
            format="json",
        )
        assert r.status_code == 201 and r.json()["compliant"] is True
    r = api.post(f"/api/v1/incidents/{iid}/close/", {"handling": "接待", "outcome": "已息诉"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    refused(api.post(f"/api/v1/incidents/{iid}/close/", {"handling": "x", "outcome": "y"}, format="json"))


def test_the_responder_route_refuses_the_wrong_official_for_each_kind(world) -> None:
    api = token_client(world.user("c.officer"))
    for kind, wrong_role, who in (("at_corps", "leader", "d1.chief"), ("in_beijing", "chief", "d1.leader")):
        iid = api.post(
            "/api/v1/incidents/",
            {"kind": kind, "unit": world.unit("d1").pk, "occurred_on": TODAY.isoformat(), "summary": "来访"},
            format="json",
        ).json()["id"]
        r = api.post(
            f"/api/v1/incidents/{iid}/responder/",
            {"user": world.user(who).pk, "role": wrong_role, "arrived_at": NOW().isoformat()},
            format="json",
        )
        refused(r, "role_mismatch")
        assert api.get(f"/api/v1/incidents/{iid}/").json()["compliant"] is False


def test_referrals_get_and_post(world) -> None:
    api = token_client(world.user("d1.officer"))
    grievance = case(world, "d1b1", title="补偿纠纷")
    r = api.post(
        "/api/v1/referrals/",
        {"unit": world.unit("d1").pk, "case": grievance.pk, "reason": "涉及地方政府职责", "referred_on": TODAY.isoformat(),
         "recipient_kind": "joint_meeting", "recipient": "甲市信访工作联席会议"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    assert [x["id"] for x in api.get("/api/v1/referrals/").json()["results"]] == [r.json()["id"]]
    refused(
        api.post(
            "/api/v1/referrals/",
            {
                "unit": world.unit("d1").pk,
                "case": grievance.pk,
                "reason": "",
                "referred_on": TODAY.isoformat(),
                "recipient_kind": "joint_meeting",
                "recipient": "x",
            },
            format="json",
        )
    )


def test_assessments_per_visible_unit_with_each_indicator_score_and_rank(world) -> None:
    year = TODAY.year - 1
    case(world, "d1b1", ack_due=D(year, 3, 1), decided_on=D(year, 2, 27), status=Status.ACCEPTED)
    r = token_client(group(world)).get(f"/api/v1/assessments/?year={year}")
    assert r.status_code == 200
    for row in r.json()["results"]:
        assert {"score", "rank", "indicators", "unit"} <= set(row)
        for figure in row["indicators"].values():
            assert {"numerator", "denominator", "value"} <= set(figure)
    refused(token_client(group(world)).get("/api/v1/assessments/?year=abc"))


def test_assessment_schemes_get_and_post(world) -> None:
    api = token_client(world.user("sysadmin"))
    data = {"items": [{"indicator": "on_time", "weight": 100}], "deductions": [], "max_score": 100}
    r = api.post("/api/v1/assessment-schemes/", {"year": TODAY.year, "data": data}, format="json")
    assert r.status_code == 201 and r.json()["version"] == 1
    assert [s["id"] for s in api.get("/api/v1/assessment-schemes/").json()["results"]] == [r.json()["id"]]
    refused(api.post("/api/v1/assessment-schemes/", {"year": TODAY.year, "data": {"items": []}}, format="json"))


def test_review_checks_lookbacks_and_actions(world) -> None:
    original = case(world, "d1b1", status=Status.CONCLUDED, handler=world.user("d1b1.officer"))
    opinion(original, issued_on=TODAY - datetime.timedelta(days=40), delivered_on=TODAY - datetime.timedelta(days=38))
    review = review_of(world, original, "d1", received_on=TODAY - datetime.timedelta(days=5))
    checker = token_client(dept(world))
    results = [
        {"standard": s, "passed": s != Standard.PROCEDURE, "note": "未送达" if s == Standard.PROCEDURE else ""}
        for s in Standard.values
    ]
    r = checker.post("/api/v1/review-checks/", {"case": review.pk, "results": results}, format="json")
    assert r.status_code == 201, r.json()
    lookback = r.json()["lookback"]
    assert [c["id"] for c in checker.get("/api/v1/review-checks/").json()["results"]] == [r.json()["id"]]
    assert [x["id"] for x in checker.get("/api/v1/lookbacks/").json()["results"]] == [lookback]
    refused(checker.post("/api/v1/review-checks/", {"case": review.pk, "results": results}, format="json"))
    refused(checker.post(f"/api/v1/lookbacks/{lookback}/findings/", {"findings": ""}, format="json"))

    corps = token_client(group(world))
    body = {
        "kind": "rectification",
        "target_unit": world.unit("d1").pk,
        "reason": "复查发现程序问题",
        "deadline": (TODAY + datetime.timedelta(days=15)).isoformat(),
    }
    r = corps.post("/api/v1/accountability-actions/", body, format="json")
    assert r.status_code == 201, r.json()
    aid = r.json()["id"]
    assert aid in [a["id"] for a in corps.get("/api/v1/accountability-actions/").json()["results"]]
    unit = token_client(world.user("d1.chief"))
    r = unit.post(f"/api/v1/accountability-actions/{aid}/rectification/", {"report": "已整改"}, format="json")
    assert r.status_code == 201
    r = corps.post(f"/api/v1/accountability-actions/{aid}/close/", {"note": "整改到位"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    refused(corps.post(f"/api/v1/accountability-actions/{aid}/close/", {"note": "再次"}, format="json"))
    refused(unit.post(f"/api/v1/accountability-actions/{aid}/rectification/", {"report": "补充"}, format="json"))
