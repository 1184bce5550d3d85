"""/api/v1/ meetings, reception-days, receptions, ownerships (progress, settle), supervisions (progress, lift),
compliance: the issue's contract, refusals 400 {code, detail}, scope 404, permissions 403, constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.leadership.models import Meeting, Ownership, Reception, Supervision
from xinfang.leadership.tests.factories import case, meeting, ownership, reception, supervision, today

D = datetime.date
V1 = "/api/v1/"


def as_user(api_client, world, username):
    api_client.force_authenticate(world.user(username))
    return api_client


def iso(day: D) -> str:
    return day.isoformat()


def refused(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body


LISTS = ["meetings", "reception-days", "receptions", "ownerships", "supervisions", "compliance"]


@pytest.mark.parametrize("path", LISTS)
def test_lists_need_sign_in_and_the_view_permission(world, api_client, path):
    assert api_client.get(f"{V1}{path}/").status_code == 401
    for admin in ("sysadmin", "secadmin", "auditor"):
        refused(as_user(api_client, world, admin).get(f"{V1}{path}/"), "forbidden", 403)
    assert as_user(api_client, world, "d1b1.officer").get(f"{V1}{path}/").status_code == 200


def test_meetings_contract_scope_and_refusals(world, api_client):
    c = as_user(api_client, world, "d1b1.officer")
    r = c.post(
        f"{V1}meetings/",
        {"unit": world.unit("d1b1").pk, "held_on": iso(today()), "topics": "议题", "decisions": "决定"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["unit"]["code"], body["held_on"], body["topics"], body["decisions"]) == (
        "d1b1",
        iso(today()),
        "议题",
        "决定",
    )
    assert body["minutes_url"] is None
    refused(
        c.post(
            f"{V1}meetings/",
            {
                "unit": world.unit("d1b1").pk,
                "held_on": iso(today() + datetime.timedelta(1)),
                "topics": "议题",
                "decisions": "决定",
            },
            format="json",
        ),
        "date_in_future",
    )
    refused(c.post(f"{V1}meetings/", {}, format="json"), "invalid")
    # A unit out of scope is 404; a unit in scope without the permission 403 (a member may record; an admin not).
    refused(
        c.post(
            f"{V1}meetings/",
            {"unit": world.unit("d1b2").pk, "held_on": iso(today()), "topics": "x", "decisions": "y"},
            format="json",
        ),
        "not_found",
        404,
    )
    refused(as_user(api_client, world, "sysadmin").post(f"{V1}meetings/", {}, format="json"), "forbidden", 403)
    meeting(world, "d1b2", today())
    c = as_user(api_client, world, "d1b1.officer")
    assert [m["unit"]["code"] for m in c.get(f"{V1}meetings/").json()["results"]] == ["d1b1"]
    other = Meeting.objects.get(unit__code="d1b2")
    refused(c.get(f"{V1}meetings/{other.pk}/"), "not_found", 404)
    assert as_user(api_client, world, "d1.chief").get(f"{V1}meetings/{other.pk}/").status_code == 200
    assert len(as_user(api_client, world, "d1.chief").get(f"{V1}meetings/?year={today().year}").json()["results"]) == 2


def test_meeting_minutes_upload_and_download(world, api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = as_user(api_client, world, "d1b1.officer")
    r = c.post(
        f"{V1}meetings/",
        {
            "unit": world.unit("d1b1").pk,
            "held_on": iso(today()),
            "topics": "议题",
            "decisions": "决定",
            "minutes": SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 m", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert r.json()["minutes_url"].endswith(f"/api/v1/meetings/{r.json()['id']}/minutes/")
    download = c.get(f"{V1}meetings/{r.json()['id']}/minutes/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 m"


def test_reception_days_and_receptions_contract(world, api_client):
    c = as_user(api_client, world, "d1.officer")
    day = today() + datetime.timedelta(days=7)
    r = c.post(
        f"{V1}reception-days/",
        {"leader": world.user("d1.chief").pk, "planned_on": iso(day), "place": "接待室", "published": True},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert (r.json()["unit"]["code"], r.json()["role"], r.json()["published"]) == ("d1", "chief", True)
    refused(
        c.post(f"{V1}reception-days/", {"leader": world.user("d1.chief").pk, "planned_on": iso(day)}, format="json"),
        "duplicate_day",
    )
    refused(
        c.post(f"{V1}reception-days/", {"leader": world.user("d2.chief").pk, "planned_on": iso(day)}, format="json"),
        "not_found",
        404,
    )
    k = case(world, "d1b1")
    r = c.post(
        f"{V1}receptions/",
        {
            "leader": world.user("d1.chief").pk,
            "received_on": iso(today()),
            "matter": "反映问题",
            "case": k.pk,
            "visitors": [{"petitioner": k.petitioners.get().pk}, {"name": "李四", "phone": "13900001111"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["leader"]["id"], body["received_on"], body["matter"], body["case"]) == (
        world.user("d1.chief").pk,
        iso(today()),
        "反映问题",
        k.pk,
    )
    assert body["visitors"][1] == {"name": "李*", "phone": "139****1111", "petitioner": None}
    assert body["visitors"][0]["petitioner"] == k.petitioners.get().pk
    refused(
        c.post(
            f"{V1}receptions/",
            {
                "leader": world.user("d1.chief").pk,
                "received_on": iso(today()),
                "matter": "x",
                "case": case(world, "d2b1").pk,
            },
            format="json",
        ),
        "not_found",
        404,
    )
    refused(
        c.post(
            f"{V1}receptions/",
            {"leader": world.user("d1.officer").pk, "received_on": iso(today()), "matter": "x"},
            format="json",
        ),
        "not_found",
        404,
    )
    # Out of scope receptions are 404.
    other = reception(world, "d2", "d2.chief", today())
    refused(c.get(f"{V1}receptions/{other.pk}/"), "not_found", 404)
    assert Reception.objects.count() == 2


def test_ownership_contract_progress_and_settle(world, api_client):
    k = case(world, "d1b1")
    s = supervision(world, k)
    c = as_user(api_client, world, "d1.chief")
    body = {
        "case": k.pk,
        "leader": world.user("d1.leader").pk,
        "tasks": "任务",
        "plan": "方案",
        "deadline": iso(s.deadline),
    }
    refused(c.post(f"{V1}ownerships/", body, format="json"), "supervised_owner")
    r = c.post(f"{V1}ownerships/", {**body, "leader": world.user("d1.chief").pk, "plan_kind": "person"}, format="json")
    assert r.status_code == 201, r.content
    o = r.json()
    assert (o["case"]["id"], o["leader"]["id"], o["tasks"], o["plan"], o["deadline"], o["basis"], o["plan_kind"]) == (
        k.pk,
        world.user("d1.chief").pk,
        "任务",
        "方案",
        iso(s.deadline),
        "supervised",
        "person",
    )
    assert [d["kind"] for d in o["documents"]] == ["ownership_letter"]
    assert [i["key"] for i in o["checklist"]] == ["resolve", "educate", "assist", "legal"]
    # The brigade officer records progress (the case is his unit's) but may not settle.
    b = as_user(api_client, world, "d1b1.officer")
    r = b.post(
        f"{V1}ownerships/{o['id']}/progress/",
        {"on": iso(today()), "note": "约见", "checklist": {"resolve": {"applies": True, "done": True}}},
        format="json",
    )
    assert r.status_code == 200 and len(r.json()["progress"]) == 1 and r.json()["checklist"][0]["done"] is True
    refused(
        b.post(f"{V1}ownerships/{o['id']}/settle/", {"settled": True, "on": iso(today()), "note": "x"}, format="json"),
        "forbidden",
        403,
    )
    c = as_user(api_client, world, "d1.chief")
    refused(c.post(f"{V1}ownerships/{o['id']}/settle/", {}, format="json"), "invalid")
    r = c.post(
        f"{V1}ownerships/{o['id']}/settle/", {"settled": True, "on": iso(today()), "note": "已息访"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "settled"
    refused(
        c.post(f"{V1}ownerships/{o['id']}/progress/", {"on": iso(today()), "note": "x"}, format="json"), "invalid_state"
    )
    # Out of scope: 404 before the body is read; an officer cannot assign (403).
    refused(
        as_user(api_client, world, "d2.officer").post(f"{V1}ownerships/{o['id']}/progress/", {}, format="json"),
        "not_found",
        404,
    )
    refused(as_user(api_client, world, "d1b1.officer").post(f"{V1}ownerships/", body, format="json"), "forbidden", 403)


def test_settling_without_the_checklist_is_refused(world, api_client):
    o = ownership(world, case(world, "d1b1"), "d1b1.chief", "d1b1.chief")
    c = as_user(api_client, world, "d1b1.chief")
    refused(
        c.post(f"{V1}ownerships/{o.pk}/settle/", {"settled": True, "on": iso(today()), "note": "x"}, format="json"),
        "checklist_incomplete",
    )
    assert Ownership.objects.get(pk=o.pk).status == "open"


def test_supervision_contract_progress_and_lift(world, api_client):
    k = case(world, "d1b1")
    body = {"case": k.pk, "level": "corps", "deadline": iso(today() + datetime.timedelta(days=10))}
    refused(as_user(api_client, world, "d1.chief").post(f"{V1}supervisions/", body, format="json"), "supervision_level")
    refused(
        as_user(api_client, world, "d1b1.officer").post(f"{V1}supervisions/", body, format="json"), "forbidden", 403
    )
    c = as_user(api_client, world, "c.chief")
    refused(c.post(f"{V1}supervisions/", {**body, "level": "district"}, format="json"), "invalid")
    r = c.post(f"{V1}supervisions/", body, format="json")
    assert r.status_code == 201, r.content
    s = r.json()
    assert (s["case"]["id"], s["level"], s["deadline"], s["status"]) == (k.pk, "corps", body["deadline"], "active")
    assert s["owner"]["ok"] is False and s["owner"]["required_unit"]["code"] == "d1"
    assert s["owner"]["proposed_leader"]["id"] == world.user("d1.chief").pk
    refused(c.post(f"{V1}supervisions/", body, format="json"), "already_supervised")
    r = as_user(api_client, world, "d1b1.officer").post(
        f"{V1}supervisions/{s['id']}/progress/", {"on": iso(today()), "content": "已约谈"}, format="json"
    )
    assert r.status_code == 200 and len(r.json()["reports"]) == 1
    refused(
        as_user(api_client, world, "d1.chief").post(
            f"{V1}supervisions/{s['id']}/lift/", {"reason": "x"}, format="json"
        ),
        "forbidden",
        403,
    )
    c = as_user(api_client, world, "c.chief")
    refused(c.post(f"{V1}supervisions/{s['id']}/lift/", {}, format="json"), "invalid")
    r = c.post(f"{V1}supervisions/{s['id']}/lift/", {"reason": "已停诉息访"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "lifted" and r.json()["lift_reason"] == "已停诉息访"
    refused(as_user(api_client, world, "d2.officer").get(f"{V1}supervisions/{s['id']}/"), "not_found", 404)
    assert Supervision.objects.count() == 1


def test_compliance_per_visible_unit(world, api_client):
    from xinfang.orgs.models import Unit

    Unit.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    meeting(world, "d1b1", today())
    reception(world, "d1", "d1.chief", today())
    rows = as_user(api_client, world, "d1.officer").get(f"{V1}compliance/?year={today().year}").json()
    assert [r["unit"]["code"] for r in rows] == ["d1", "d1b1", "d1b2"]
    d1, b1 = rows[0], rows[1]
    assert (d1["meetings_held"], d1["meetings_required"], d1["level"]) == (0, 2, "detachment")
    assert isinstance(d1["behind_pace"], bool) and d1["behind_pace"] is True
    assert b1["meetings_held"] == 1
    chief = d1["chief_receptions"][0]
    assert chief["leader"]["id"] == world.user("d1.chief").pk and chief["period"] == "quarter"
    assert [p["period"] for p in chief["periods"]] == [1, 2, 3, 4]
    quarter = (today().month - 1) // 3
    assert chief["periods"][quarter]["days"] == 1 and chief["periods"][quarter]["state"] == "met"
    assert b1["chief_receptions"][0]["period"] is None  # 大队主官: 随时接访
    assert "designation_gaps" in d1 and d1["designation_gaps"] == []
    brigade = as_user(api_client, world, "d1b1.officer").get(f"{V1}compliance/").json()
    assert [r["unit"]["code"] for r in brigade] == ["d1b1"]
    refused(as_user(api_client, world, "d1b1.officer").get(f"{V1}compliance/?year=abc"), "invalid")
    refused(
        as_user(api_client, world, "d1b1.officer").get(f"{V1}compliance/?unit={world.unit('d1').pk}"), "not_found", 404
    )


def _queries(api_client, path, user):
    # A fresh user object per request, as token authentication gives (grants are cached on the user object).
    api_client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        r = api_client.get(path)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_list_endpoint_queries_do_not_grow_with_rows(world, api_client):
    def add(n):
        for _ in range(n):
            k = case(world, "d1b1")
            meeting(world, "d1b1", today())
            reception(world, "d1b1", "d1b1.chief", today(), case=k)
            supervision(world, k)
            ownership(world, case(world, "d1b1"), "d1b1.chief", "d1b1.chief")

    add(1)
    chief = world.user("d1.chief")
    paths = [f"{V1}{p}/" for p in LISTS]
    one = [_queries(api_client, p, chief) for p in paths]
    add(4)
    assert [_queries(api_client, p, chief) for p in paths] == one
