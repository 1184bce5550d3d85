"""The screening API (issue item 8): the contract's paths and fields, refusals 400 with a code and a Chinese detail,
out of scope 404, in scope without permission 403."""

from __future__ import annotations

import datetime

import pytest

from xinfang.screening.models import ScreeningReport
from xinfang.screening.tests.conftest import at, conflict

D = datetime.date


@pytest.fixture
def api(api_client, world):
    def as_user(username):
        api_client.force_authenticate(world.user(username))
        return api_client

    return as_user


def test_status_rows_per_visible_unit(world, api, clock):
    clock(D(2026, 1, 6))
    api("d1b1.officer").post(
        "/api/v1/screening-reports/",
        {"unit": world.unit("d1b1").pk, "period": "week", "period_start": "2025-12-29", "zero": True},
        format="json",
    )
    response = api("d1.chief").get("/api/v1/screening-status/?date=2026-01-06")
    assert response.status_code == 200
    rows = {r["unit"]["code"]: r for r in response.json()}
    assert set(rows) == {"d1", "d1b1", "d1b2"}
    assert rows["d1b1"] == {
        "unit": {"id": world.unit("d1b1").pk, "code": "d1b1", "name": "甲市一区大队", "level": "brigade"},
        "period": "week",
        "period_start": "2025-12-29",
        "period_end": "2026-01-04",
        "due_on": "2026-01-05",
        "state": "late",
        "report": ScreeningReport.objects.get().pk,
        "zero": True,
    }
    assert (rows["d1b2"]["state"], rows["d1"]["state"], rows["d1"]["period"]) == ("missing", "missing", "month")
    assert api("d1.chief").get("/api/v1/screening-status/?date=2026-13-01").status_code == 400
    assert api("sysadmin").get("/api/v1/screening-status/").status_code == 403


def test_reports_contract_and_refusals(world, api, clock):
    clock(D(2026, 3, 9))
    c = conflict(world)
    client = api("d1b1.officer")
    base = {"unit": world.unit("d1b1").pk, "period": "week", "period_start": "2026-03-02"}
    empty = client.post("/api/v1/screening-reports/", {**base, "zero": False}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "empty_report" and "零报告" in empty.json()["detail"]
    ok = client.post("/api/v1/screening-reports/", {**base, "zero": False, "items": [c.pk]}, format="json")
    assert ok.status_code == 201
    body = ok.json()
    assert (body["zero"], body["late"], body["state"], body["items"], body["due_on"]) == (
        False,
        False,
        "submitted",
        [c.pk],
        "2026-03-09",
    )
    assert body["item_details"][0]["is_new"] is True
    again = client.post("/api/v1/screening-reports/", {**base, "zero": True}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "duplicate_report"
    assert "不能重复报送" in again.json()["detail"]
    future = client.post(
        "/api/v1/screening-reports/", {**base, "period_start": "2026-03-16", "zero": True}, format="json"
    )
    assert future.status_code == 400 and future.json()["code"] == "future_period"
    listing = client.get("/api/v1/screening-reports/?period=week").json()
    assert listing["count"] == 1 and listing["results"][0]["items"] == [c.pk]
    assert client.get(f"/api/v1/screening-reports/{body['id']}/").json()["rollup_at_submission"] == {}


def test_report_permissions(world, api, clock):
    clock(D(2026, 3, 9))
    data = {"unit": world.unit("d1b1").pk, "period": "week", "period_start": "2026-03-02", "zero": True}
    assert api("d1b2.officer").post("/api/v1/screening-reports/", data, format="json").status_code == 404
    assert api("d1b1.chief").post("/api/v1/screening-reports/", data, format="json").status_code == 201
    report = ScreeningReport.objects.get()
    assert api("d2.chief").get(f"/api/v1/screening-reports/{report.pk}/").status_code == 404
    assert api("d1.chief").get(f"/api/v1/screening-reports/{report.pk}/").status_code == 200
    # d1.officer holds screening.report at d1; secadmin sees no unit of the screening scope
    assert api("secadmin").post("/api/v1/screening-reports/", data, format="json").status_code == 404


def test_rollup_endpoint(world, api, clock):
    clock(D(2026, 3, 9))
    c = conflict(world, risk_level="major")
    api("d1b1.officer").post(
        "/api/v1/screening-reports/",
        {"unit": world.unit("d1b1").pk, "period": "week", "period_start": "2026-03-02", "zero": False, "items": [c.pk]},
        format="json",
    )
    clock(D(2026, 4, 3))
    d1 = api("d1.officer").post(
        "/api/v1/screening-reports/",
        {"unit": world.unit("d1").pk, "period": "month", "period_start": "2026-03-01", "zero": True},
        format="json",
    )
    assert d1.status_code == 201
    snap = d1.json()["rollup_at_submission"]
    assert snap["items"]["total"] == 1 and snap["items"]["by_risk"]["major"] == 1
    rollup = api("d1.chief").get(f"/api/v1/screening-reports/{d1.json()['id']}/rollup/?date=2026-04-10").json()
    units = {u["unit"]["code"]: u for u in rollup["units"]}
    assert (units["d1b1"]["expected"], units["d1b1"]["submitted"], units["d1b1"]["missing"]) == (5, 1, 4)
    assert (units["d1b2"]["missing"], rollup["as_of"], rollup["items"]["new"]) == (5, "2026-04-10", 1)
    assert {m["unit"]["code"] for m in rollup["missing"]} == {"d1b1", "d1b2"}


def test_special_periods_and_duty_shifts(world, api, clock):
    clock(D(2026, 9, 1))
    corps = api("c.chief")
    listed = corps.get("/api/v1/special-periods/suggestions/?year=2026").json()
    key = next(s["key"] for s in listed if s["name"] == "2026年国庆节期间")
    made = corps.post("/api/v1/special-periods/", {"unit": world.unit("c").pk, "holiday_key": key}, format="json")
    assert made.status_code == 201 and made.json()["start_on"] == "2026-09-30"
    dup = corps.post("/api/v1/special-periods/", {"unit": world.unit("c").pk, "holiday_key": key}, format="json")
    assert dup.status_code == 400 and dup.json()["code"] == "duplicate_period"
    manual = api("d1.chief").post(
        "/api/v1/special-periods/",
        {"unit": world.unit("d1").pk, "name": "重要活动", "kind": "event", "start_on": "2026-09-10", "end_on": "2026-09-12",
         "scope_units": [world.unit("d1b1").pk]},
        format="json",
    )  # fmt: skip
    assert manual.status_code == 201 and [u["code"] for u in manual.json()["scope_units"]] == ["d1b1"]
    bad_kind = api("d1.chief").post(
        "/api/v1/special-periods/",
        {"unit": world.unit("d1").pk, "name": "x", "kind": "party", "start_on": "2026-09-10", "end_on": "2026-09-12"},
        format="json",
    )
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["fields"]
    assert (
        api("d1b1.chief")
        .post("/api/v1/special-periods/", {"unit": world.unit("d1b1").pk, "holiday_key": key}, format="json")
        .json()["code"]
        == "level_cannot_declare"
    )
    period_id = made.json()["id"]
    assert {p["id"] for p in api("d1b1.officer").get("/api/v1/special-periods/").json()["results"]} >= {period_id}
    shift = api("d1b1.officer").post(
        "/api/v1/duty-shifts/",
        {"special_period": period_id, "unit": world.unit("d1b1").pk, "starts_at": at(D(2026, 10, 1), 0).isoformat(),
         "ends_at": at(D(2026, 10, 2), 0).isoformat(), "officer": world.user("d1b1.officer").pk, "phone": "0791-1234567"},
        format="json",
    )  # fmt: skip
    assert shift.status_code == 201, shift.json()
    day = api("d1.chief").get("/api/v1/duty-shifts/?date=2026-10-01").json()
    assert day["count"] == 1 and day["results"][0]["phone"] == "0791-1234567"
    assert api("d2.chief").get(f"/api/v1/duty-shifts/{shift.json()['id']}/").status_code == 404


def test_conflicts(world, api, clock):
    clock(D(2026, 3, 9))
    client = api("d1b1.officer")
    made = client.post(
        "/api/v1/conflicts/",
        {"unit": world.unit("d1b1").pk, "title": "物业纠纷", "description": "业主与物业因消防设施维修费用发生纠纷",
         "topic": "supervision", "risk_level": "serious", "collective_risk": True, "headcount": 15,
         "leader": world.user("d1b1.chief").pk, "measures": "组织三方调解", "found_on": "2026-03-01"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201
    cid = made.json()["conflict"]["id"]
    assert made.json()["conflict"]["status"] == "pending"
    step = client.post(
        f"/api/v1/conflicts/{cid}/progress/",
        {"on": "2026-03-05", "note": "调解成功", "status": "resolved"},
        format="json",
    )
    assert step.status_code == 200 and step.json()["conflict"]["status"] == "resolved"
    again = client.post(f"/api/v1/conflicts/{cid}/progress/", {"on": "2026-03-06", "note": "x"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_resolved"
    bad = client.post(
        f"/api/v1/conflicts/{cid}/progress/", {"on": "2026-03-06", "note": "x", "status": "done"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert api("d1b2.officer").get(f"/api/v1/conflicts/{cid}/").status_code == 404
    assert api("d1.chief").get("/api/v1/conflicts/?open=true").json()["count"] == 0
    bad_leader = client.post(
        "/api/v1/conflicts/",
        {"unit": world.unit("d1b1").pk, "title": "x", "description": "x", "topic": "supervision", "risk_level": "general",
         "leader": world.user("d1b1.officer").pk, "measures": "x", "found_on": "2026-03-01"},
        format="json",
    )  # fmt: skip
    assert bad_leader.status_code == 400 and bad_leader.json()["code"] == "invalid_leader"


def test_warnings_acknowledge_level_by_level(world, api, clock):
    clock(at(D(2026, 5, 6), 9))
    made = api("d1b1.officer").post(
        "/api/v1/warnings/",
        {
            "unit": world.unit("d1b1").pk,
            "title": "拟集体上访",
            "description": "约30人",
            "risk": "collective",
            "headcount": 30,
        },
        format="json",
    )
    assert made.status_code == 201
    wid = made.json()["warning"]["id"]
    assert made.json()["warning"]["stage"] == "reported"
    assert [h["to_unit"]["code"] for h in made.json()["hops"]] == ["d1"]
    assert api("d1b1.chief").post(f"/api/v1/warnings/{wid}/acknowledge/", {}, format="json").status_code == 403
    assert api("d2.chief").post(f"/api/v1/warnings/{wid}/acknowledge/", {}, format="json").status_code == 404
    ack = api("d1.officer").post(f"/api/v1/warnings/{wid}/acknowledge/", {"note": "已掌握"}, format="json")
    assert ack.status_code == 200
    assert [(h["to_unit"]["code"], h["acknowledged_at"] is not None) for h in ack.json()["hops"]] == [
        ("d1", True),
        ("c", False),
    ]
    clock(at(D(2026, 5, 7), 9))
    detail = api("c.officer").get(f"/api/v1/warnings/{wid}/").json()
    assert detail["hops"][1]["holder"]["code"] == "c"
    api("c.officer").post(f"/api/v1/warnings/{wid}/acknowledge/", {}, format="json")
    none_left = api("c.officer").post(f"/api/v1/warnings/{wid}/acknowledge/", {}, format="json")
    assert none_left.status_code == 400 and none_left.json()["code"] == "nothing_to_acknowledge"
    early = api("d1b1.officer").post(f"/api/v1/warnings/{wid}/resolve/", {"note": "x"}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "invalid_stage"
    assert (
        api("d1b1.officer").post(f"/api/v1/warnings/{wid}/control/", {"note": "约谈代表"}, format="json").status_code
        == 200
    )
    done = api("d1b1.officer").post(f"/api/v1/warnings/{wid}/resolve/", {"note": "诉求解决"}, format="json")
    assert done.status_code == 200 and done.json()["warning"]["stage"] == "resolved"


def test_inspections_and_trainings(world, api, clock):
    clock(D(2026, 5, 12))
    made = api("d1.leader").post(
        "/api/v1/inspections/",
        {"unit": world.unit("d1").pk, "on": "2026-05-12", "inspectors": "陈、杨", "units_visited": [world.unit("d1b2").pk],
         "findings": "总体正常", "problems": "台账不全",
         "items": [{"description": "补齐台账", "owner_unit": world.unit("d1b2").pk, "owner": world.user("d1b2.chief").pk,
                    "deadline": "2026-06-12"}]},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["closed_on"] is None and len(body["items"]) == 1
    closed = api("d1.leader").post(
        f"/api/v1/inspections/{body['id']}/close-item/",
        {"item": body["items"][0]["id"], "closed_on": "2026-05-12", "note": "已补齐"},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["closed_on"] == "2026-05-12"
    assert (
        api("d1.officer")
        .post(
            f"/api/v1/inspections/{body['id']}/close-item/",
            {"item": body["items"][0]["id"], "closed_on": "2026-05-12", "note": "x"},
            format="json",
        )
        .status_code
        == 403
    )  # 信访干部 holds no screening.inspection.manage
    t = api("d1.officer").post(
        "/api/v1/trainings/",
        {
            "unit": world.unit("d1").pk,
            "on": "2026-05-10",
            "topic": "条例",
            "hours": "4.0",
            "trainees": [world.user("d1b1.officer").pk],
        },
        format="json",
    )
    assert t.status_code == 201 and [u["username"] for u in t.json()["trainees"]] == ["d1b1.officer"]
    bad = api("d1b1.officer").post(
        "/api/v1/trainings/",
        {"unit": world.unit("d1b1").pk, "on": "2026-05-10", "topic": "x", "hours": "1"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "level_cannot_train"
    assert api("d1.chief").get("/api/v1/trainings/?year=2026").json()["count"] == 1


def test_anonymous_gets_401(api_client):
    for url in ["/api/v1/screening-status/", "/api/v1/screening-reports/", "/api/v1/conflicts/", "/api/v1/warnings/"]:
        assert api_client.get(url).status_code == 401
