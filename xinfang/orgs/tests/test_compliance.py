"""R1.1 designation compliance: every 支队/大队 has one 主官, every 支队 exactly one 分管领导."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role
from xinfang.orgs.selectors import compliance_list

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def by_code(rows):
    return {r.unit.code: r for r in rows}


def test_the_fixed_world_is_compliant(world):
    rows = compliance_list(world.user("c.chief"))
    assert [r.unit.code for r in rows] == ["d1", "d1b1", "d1b2", "d2", "d2b1", "d2b2"]  # no corps, tree order
    assert all(not r.problems for r in rows)
    assert [u.username for u in by_code(rows)["d1"].chiefs] == ["d1.chief"]
    assert [u.username for u in by_code(rows)["d1"].leaders] == ["d1.leader"]


def test_units_without_a_chief_and_detachments_without_exactly_one_leader(world):
    Post.objects.filter(unit=world.unit("d1b1"), role=Role.CHIEF).update(end_on=YESTERDAY)
    Post.objects.filter(unit=world.unit("d1"), role=Role.LEADER).update(end_on=YESTERDAY)
    Post.objects.filter(unit=world.unit("d1b2"), role=Role.LEADER).update(end_on=YESTERDAY)  # fine for a 大队
    Post.objects.create(
        user=world.user("d2.officer"), unit=world.unit("d2"), role=Role.LEADER, start_on=datetime.date(2020, 1, 1)
    )
    Post.objects.create(
        user=world.user("d2b1.officer"), unit=world.unit("d2b1"), role=Role.CHIEF, start_on=datetime.date(2020, 1, 1)
    )
    rows = by_code(compliance_list(world.user("c.chief")))
    assert rows["d1b1"].problems == ["未明确主官（第一责任人）"]
    assert rows["d1"].problems == ["未明确分管领导"]
    assert rows["d1b2"].problems == []
    assert rows["d2"].problems == ["分管领导应为一名，现有2名"]
    assert rows["d2b1"].problems == ["主官多于一名（2名）"]
    assert rows["d2b2"].problems == []


def test_only_problem_units(world):
    Post.objects.filter(unit=world.unit("d2b2"), role=Role.CHIEF).delete()
    rows = compliance_list(world.user("c.chief"), only_problems=True)
    assert [r.unit.code for r in rows] == ["d2b2"]


def test_evaluated_on_a_date(world):
    Post.objects.filter(unit=world.unit("d1b1"), role=Role.CHIEF).update(end_on=datetime.date(2024, 6, 30))
    chief = world.user("c.chief")
    assert by_code(compliance_list(chief, datetime.date(2024, 6, 30)))["d1b1"].problems == []
    assert by_code(compliance_list(chief, datetime.date(2024, 7, 1)))["d1b1"].problems == ["未明确主官（第一责任人）"]
    # before anyone took office, nobody is designated
    assert all("未明确主官（第一责任人）" in r.problems for r in compliance_list(chief, datetime.date(2019, 12, 31)))


def test_deactivated_accounts_and_units_do_not_count(world):
    User.objects.filter(username="d1b1.chief").update(is_active=False)
    d2b2 = world.unit("d2b2")
    Post.objects.filter(unit=d2b2).update(end_on=YESTERDAY)
    Unit.objects.filter(pk=d2b2.pk).update(is_active=False)
    rows = by_code(compliance_list(world.user("c.chief")))
    assert rows["d1b1"].problems == ["未明确主官（第一责任人）"]
    assert "d2b2" not in rows


def test_scope_follows_the_compliance_permission(world):
    assert [r.unit.code for r in compliance_list(world.user("d1.chief"))] == ["d1", "d1b1", "d1b2"]
    assert [r.unit.code for r in compliance_list(world.user("d2b1.officer"))] == ["d2b1"]
    # the system administrator manages units but does not hold orgs.compliance.view
    assert compliance_list(world.user("sysadmin")) == []


def test_page_permissions(world, client):
    url = reverse("orgs:compliance")
    assert client.get(url).status_code == 302
    for username in ("sysadmin", "secadmin", "auditor"):
        client.force_login(world.user(username))
        assert client.get(url).status_code == 403, username
    client.force_login(world.user("d1b1.officer"))
    response = client.get(url)
    assert response.status_code == 200
    assert [r.unit.code for r in response.context["rows"]] == ["d1b1"]


def test_page_filters_and_date(world, client):
    Post.objects.filter(unit=world.unit("d1"), role=Role.LEADER).update(end_on=datetime.date(2024, 6, 30))
    client.force_login(world.user("c.chief"))
    url = reverse("orgs:compliance")
    response = client.get(url)
    html = response.content.decode()
    assert response.context["on"] == timezone.localdate()
    assert response.context["problem_count"] == 1
    assert "未明确分管领导" in html and "只看问题单位" in html
    response = client.get(url, {"problems": "on"})
    assert [r.unit.code for r in response.context["rows"]] == ["d1"]
    response = client.get(url, {"on": "2024-06-30", "problems": "on"})
    assert response.context["rows"] == []
    assert "没有存在问题的单位" in response.content.decode()
    response = client.get(url, {"on": "not-a-date"})
    assert response.context["on"] == timezone.localdate()
    assert "on" in response.context["form"].errors


def _page_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:compliance"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_page_query_count_is_the_same_for_3_and_30_units(world, client):
    client.force_login(world.user("d1.chief"))
    _page_queries(client)  # warm per-process caches
    small, response = _page_queries(client)
    assert len(response.context["rows"]) == 3
    d1 = world.unit("d1")
    for i in range(27):
        u = Unit.objects.create(code=f"n{i}", name=f"新大队{i}", level=Level.BRIGADE, parent=d1)
        u.path, u.depth = f"{d1.path}{u.pk}/", 2
        u.save(update_fields=["path", "depth"])
        if i % 2:
            chief = User.objects.create_user(username=f"n{i}.chief", password="x", name=f"主官{i}", unit=u)
            Post.objects.create(user=chief, unit=u, role=Role.CHIEF, start_on=datetime.date(2020, 1, 1))
    big, response = _page_queries(client)
    assert len(response.context["rows"]) == 30
    assert response.context["problem_count"] == 14
    # session, user, grants, shares, header posts; then the units and their chief/leader posts
    assert big == small


def test_selector_is_two_queries(world, django_assert_num_queries):
    user = world.user("c.chief")
    compliance_list(user)  # grants and shares are cached on the user, as within a request
    with django_assert_num_queries(2):
        compliance_list(user)
