"""GET /api/v1/notifications/ (+ POST …/{id}/read/, …/read-all/)."""

from __future__ import annotations

from xinfang.notifications import services


def test_list_read_and_read_all(world, api_client):
    officer = world.user("d1b1.officer")
    a = services.notify(recipients=[officer], kind="case.overdue", title="逾期", url="/cases/1/")[0]
    services.notify(recipients=[officer], kind="t", title="二")
    services.notify(recipients=[world.user("d1b2.officer")], kind="t", title="别人的")
    api_client.force_authenticate(officer)
    listed = api_client.get("/api/v1/notifications/")
    assert listed.status_code == 200
    assert [n["title"] for n in listed.json()["results"]] == ["二", "逾期"]
    assert listed.json()["results"][1]["read"] is False

    read = api_client.post(f"/api/v1/notifications/{a.pk}/read/")
    assert read.status_code == 200 and read.json()["read"] is True and read.json()["read_at"]
    unread = api_client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["title"] for n in unread] == ["二"]
    assert api_client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}


def test_another_users_message_is_404_and_anonymous_is_401(world, api_client):
    other = services.notify(recipients=[world.user("d1b2.officer")], kind="t", title="别人的")[0]
    assert api_client.get("/api/v1/notifications/").status_code == 401
    api_client.force_authenticate(world.user("d1b1.officer"))
    response = api_client.post(f"/api/v1/notifications/{other.pk}/read/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_list_endpoint_costs_the_same_queries_with_1_and_30_messages(world, api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = world.user("d1b1.officer")
    api_client.force_authenticate(officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get("/api/v1/notifications/").status_code == 200
        return len(ctx.captured_queries)

    services.notify(recipients=[officer], kind="t", title="一")
    one = count()
    for i in range(29):
        services.notify(recipients=[officer], kind="t", title=f"第{i}条")
    assert count() == one == 2  # the page's count, its rows
