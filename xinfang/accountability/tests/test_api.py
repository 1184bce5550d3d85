"""/api/v1/assessments/, /assessment-schemes/, /assessment-adjustments/, /review-checks/, /lookbacks/,
/accountability-actions/: the contract fields, refusals as 400 {code, detail}, scope (404), permissions (403)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accountability.models import Standard
from xinfang.accountability.tests.helpers import D, case, dept, group, opinion, review_of, token_client
from xinfang.cases.models import Status

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year - 1


def last_year(world) -> None:
    case(world, "d1b1", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED)
    case(world, "d1b1", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 3, 9), status=Status.ACCEPTED)


def test_assessments_give_each_indicator_with_numerator_denominator_value_and_score_and_rank(world) -> None:
    last_year(world)
    api = token_client(group(world))
    r = api.get("/api/v1/assessments/", {"year": YEAR})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["year"] == YEAR and body["level"] == "detachment" and body["scheme"] is None
    rows = {row["unit"]["code"]: row for row in body["results"]}
    assert set(rows) == {"d1", "d2"}
    assert rows["d1"]["indicators"]["timely_ack"] == {
        "numerator": 1, "denominator": 2, "value": 0.5, "applicable": True, "available": True, "note": "",
    }  # fmt: skip
    assert rows["d2"]["indicators"]["timely_ack"]["value"] is None  # no cases: not applicable, not 0 %
    assert rows["d2"]["score"] is None and rows["d2"]["rank"] is None
    assert rows["d1"]["rank"] == 1 and rows["d1"]["score"] is not None
    assert rows["d1"]["indicators"]["overdue_cases"]["numerator"] == 1
    assert api.get("/api/v1/assessments/").status_code == 400  # the year is required
    mine = token_client(world.user("d2.chief")).get("/api/v1/assessments/", {"year": YEAR}).json()["results"]
    assert [row["unit"]["code"] for row in mine] == ["d2"]
    assert token_client(world.user("sysadmin")).get("/api/v1/assessments/", {"year": YEAR}).status_code == 403


def test_the_assessment_endpoint_takes_the_same_queries_for_few_and_many_cases(world) -> None:
    last_year(world)
    api = token_client(group(world))
    api.get("/api/v1/assessments/", {"year": YEAR})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/assessments/", {"year": YEAR, "level": "brigade"}).status_code == 200
        return len(ctx.captured_queries)

    case(world, "d2b1", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED)
    after_one = count()  # the first read after a change (the tally recomputes the changed unit: constant too)
    before = count()
    for _ in range(30):
        case(world, "d2b1", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED)
    assert count() == after_one
    assert count() == before


def test_schemes_are_versioned_per_year_through_the_api(world) -> None:
    api = token_client(world.user("sysadmin"))
    data = {"items": [{"indicator": "timely_ack", "weight": 100}], "deductions": [], "max_score": 100}
    r = api.post("/api/v1/assessment-schemes/", {"year": YEAR, "data": data}, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["year"], r.json()["version"]) == (YEAR, 1)
    r = api.post("/api/v1/assessment-schemes/", {"year": YEAR, "data": data}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = api.post("/api/v1/assessment-schemes/", {"year": YEAR, "data": data, "note": "调整"}, format="json")
    assert r.json()["version"] == 2
    bad = {"items": [{"indicator": "overdue_cases", "weight": 5}]}
    r = api.post("/api/v1/assessment-schemes/", {"year": YEAR, "data": bad, "note": "x"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_scheme"
    assert [s["version"] for s in api.get("/api/v1/assessment-schemes/", {"year": YEAR}).json()["results"]] == [2, 1]
    assert (
        token_client(world.user("d1.chief"))
        .post("/api/v1/assessment-schemes/", {"year": YEAR, "data": data}, format="json")
        .status_code
        == 403
    )
    last_year(world)
    assert token_client(group(world)).get("/api/v1/assessments/", {"year": YEAR}).json()["scheme"]["version"] == 2


def test_adjustments_through_the_api(world) -> None:
    api = token_client(group(world))
    r = api.post(
        "/api/v1/assessment-adjustments/",
        {"year": YEAR, "unit": world.unit("d1").pk, "points": "-2.5", "reason": "迟报"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["points"] == "-2.50"
    r = token_client(world.user("d1.chief")).post(
        "/api/v1/assessment-adjustments/", {"year": YEAR, "unit": world.unit("d1").pk, "points": "9", "reason": "x"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 403


def test_a_review_check_opens_a_lookback_that_is_decided_through_the_api(world) -> None:
    original = case(world, "d1b1", status=Status.CONCLUDED, handler=world.user("d1b1.officer"))
    opinion(original, issued_on=D(YEAR, 3, 1), delivered_on=D(YEAR, 3, 2))
    review = review_of(world, original, "d1", received_on=TODAY - datetime.timedelta(days=2))
    results = [{"standard": s, "passed": s != Standard.FACTS, "note": "未核实关键事实" if s == Standard.FACTS else ""}
               for s in Standard.values]  # fmt: skip
    checker = token_client(dept(world))
    assert (
        token_client(world.user("d1.officer"))
        .post("/api/v1/review-checks/", {"case": review.pk, "results": results}, format="json")
        .status_code
        == 403
    )
    r = checker.post("/api/v1/review-checks/", {"case": review.pk, "results": results[:5]}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "standards_missing"
    r = checker.post("/api/v1/review-checks/", {"case": review.pk, "results": results}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["passed"] is False and r.json()["subject_case"] == original.pk
    lookback = r.json()["lookback"]
    assert lookback
    r = checker.post(
        f"/api/v1/lookbacks/{lookback}/findings/",
        {"responsible_persons": [world.user("d1b1.officer").pk], "findings": "未调查", "proposed_handling": "诫勉谈话"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "proposed"
    assert checker.post(f"/api/v1/lookbacks/{lookback}/decide/", {"decision": "同意"}, format="json").status_code == 403
    r = token_client(group(world)).post(f"/api/v1/lookbacks/{lookback}/decide/", {"decision": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "decided"
    assert token_client(world.user("d2.chief")).get(f"/api/v1/lookbacks/{lookback}/").status_code == 404


def test_an_action_with_its_rectification_and_closure_through_the_api(world) -> None:
    corps = token_client(group(world))
    body = {
        "kind": "rectification",
        "target_unit": world.unit("d1").pk,
        "reason": "积案化解不力",
        "deadline": (TODAY + datetime.timedelta(days=20)).isoformat(),
    }
    r = corps.post("/api/v1/accountability-actions/", body, format="json")
    assert r.status_code == 201, r.json()
    action = r.json()
    assert action["status"] == "issued" and action["overdue"] is False
    assert [d["kind"] for d in action["documents"]] == ["rectification_notice"]
    aid = action["id"]
    unit = token_client(world.user("d1.chief"))
    doc = action["documents"][0]["id"]
    download = unit.get(f"/api/v1/accountability-actions/{aid}/documents/{doc}/docx/")
    assert download.status_code == 200
    assert (
        corps.post(f"/api/v1/accountability-actions/{aid}/close/", {"note": "x"}, format="json").json()["code"]
        == "no_report"
    )
    r = unit.post(f"/api/v1/accountability-actions/{aid}/rectification/", {"report": "已化解"}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "reported"
    assert unit.post(f"/api/v1/accountability-actions/{aid}/close/", {"note": "x"}, format="json").status_code == 403
    r = corps.post(f"/api/v1/accountability-actions/{aid}/close/", {"note": "整改到位"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert token_client(world.user("d2.chief")).get(f"/api/v1/accountability-actions/{aid}/").status_code == 404
    r = corps.post("/api/v1/accountability-actions/", {**body, "deadline": None}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "deadline"
    r = token_client(group(world, "d1")).post(
        "/api/v1/accountability-actions/", {**body, "target_unit": world.unit("d1b1").pk}, format="json"
    )
    assert r.status_code == 403


def test_overdue_actions_are_flagged_in_the_list(world) -> None:
    from xinfang.accountability import services

    services.action_issue(
        actor=group(world), kind="rectification", target_unit=world.unit("d2"), reason="整改",
        issued_on=TODAY - datetime.timedelta(days=30), deadline=TODAY - datetime.timedelta(days=3),
    )  # fmt: skip
    r = token_client(world.user("d2.officer")).get("/api/v1/accountability-actions/", {"overdue": "true"})
    assert [a["overdue"] for a in r.json()["results"]] == [True]
