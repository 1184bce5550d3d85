"""User pages (系统管理员) and post pages (安全管理员): scope, permissions, 三员分立, services' errors."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import PASSWORD
from xinfang.core.models import AuditEvent
from xinfang.core.scope import has_perm
from xinfang.orgs.models import Post, Unit, User
from xinfang.orgs.roles import Role

START = datetime.date(2020, 1, 1)
NEW_PASSWORD = "Brand-New-Pass-42"


def make_user(world, username: str, unit_code: str, role: str | None = None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, name=f"{username}姓名", unit=world.unit(unit_code)
    )
    if role:
        Post.objects.create(user=user, unit=world.unit(unit_code), role=role, start_on=START)
    return user


@pytest.fixture
def d1_sysadmin(world) -> User:
    """A 系统管理员 posted at 支队 d1: his scope is d1 and its brigades."""
    return make_user(world, "d1.sysadmin", "d1", Role.SYSADMIN)


@pytest.fixture
def d1_secadmin(world) -> User:
    return make_user(world, "d1.secadmin", "d1", Role.SECADMIN)


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "没有符合条件" not in r]


def _errors(html: str) -> list[str]:
    field = re.findall(r'class="invalid-feedback d-block">(.*?)</div>', html, re.S)
    top = re.findall(r'<div class="alert alert-danger" role="alert">(.*?)</div>\s*</div>', html, re.S)
    return [re.sub(r"<[^>]+>", " ", e).strip() for e in field + top]


def user_urls(world) -> dict[str, str]:
    pk = world.user("d1b1.officer").pk
    return {
        "detail": f"/orgs/users/{pk}/",
        "edit": f"/orgs/users/{pk}/edit/",
        "password": f"/orgs/users/{pk}/password/",
    }


# --- anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/orgs/users/",
        "/orgs/users/new/",
        "/orgs/users/{user}/",
        "/orgs/users/{user}/edit/",
        "/orgs/users/{user}/password/",
        "/orgs/posts/",
        "/orgs/posts/new/",
        "/orgs/posts/{post}/end/",
    ],
)
def test_anonymous_is_sent_to_login(world, client, path):
    user = world.user("d1b1.officer")
    url = path.format(user=user.pk, post=user.posts.first().pk)
    r = client.get(url)
    assert r.status_code == 302 and r["Location"] == f"/login/?next={url}"


def test_anonymous_post_actions_are_sent_to_login(world, client):
    user = world.user("d1b1.officer")
    r = client.post(f"/orgs/users/{user.pk}/active/", {"active": "0"})
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    r = client.post(f"/orgs/posts/{user.posts.first().pk}/end/", {"end_on": "2026-01-01"})
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    user.refresh_from_db()
    assert user.is_active and user.posts.first().end_on is None


# --- 三员分立 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "users_page", "posts_page"),
    [
        ("sysadmin", 200, 403),
        ("secadmin", 403, 200),
        ("auditor", 403, 403),
        ("c.chief", 403, 403),
        ("d1.leader", 403, 403),
        ("d1b1.officer", 403, 403),
    ],
)
def test_separation_of_duties_on_list_and_create_pages(world, client, username, users_page, posts_page):
    client.force_login(world.user(username))
    assert client.get("/orgs/users/").status_code == users_page
    assert client.get("/orgs/users/new/").status_code == users_page
    assert client.get("/orgs/posts/").status_code == posts_page
    assert client.get("/orgs/posts/new/").status_code == posts_page


def test_sysadmin_cannot_manage_posts(world, client):
    client.force_login(world.user("sysadmin"))
    post = world.user("d1b1.officer").posts.get()
    assert client.get(f"/orgs/posts/{post.pk}/end/").status_code == 403
    assert client.post(f"/orgs/posts/{post.pk}/end/", {"end_on": "2026-01-01"}).status_code == 403
    r = client.post(
        "/orgs/posts/new/",
        {
            "user": world.user("d1b1.officer").pk,
            "unit": world.unit("d1b1").pk,
            "role": "chief",
            "start_on": "2026-01-01",
        },
    )
    assert r.status_code == 403
    post.refresh_from_db()
    assert post.end_on is None
    assert not Post.objects.filter(user=world.user("d1b1.officer"), role="chief").exists()


def test_secadmin_cannot_manage_users_or_units(world, client):
    secadmin = world.user("secadmin")
    client.force_login(secadmin)
    target = world.user("d1b1.officer")
    for url in user_urls(world).values():
        assert client.get(url).status_code == 403
    assert client.post(f"/orgs/users/{target.pk}/active/", {"active": "0"}).status_code == 403
    assert (
        client.post(
            f"/orgs/users/{target.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        ).status_code
        == 403
    )
    r = client.post(
        "/orgs/users/new/",
        {
            "username": "x",
            "name": "x",
            "unit": world.unit("c").pk,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert r.status_code == 403
    assert not User.objects.filter(username="x").exists()
    target.refresh_from_db()
    assert target.is_active and target.check_password(PASSWORD)
    assert not has_perm(secadmin, "orgs.unit.manage", world.unit("d1"))


def test_auditor_sees_only_audit(world, client):
    client.force_login(world.user("auditor"))
    assert client.get("/audit/").status_code == 200
    post = world.user("d1b1.officer").posts.get()
    for url in user_urls(world).values():
        assert client.get(url).status_code == 404  # nothing of the unit tree is visible to him
    assert client.get(f"/orgs/posts/{post.pk}/end/").status_code == 404


# --- object pages: out of scope 404, in scope without permission 403 ----------------------------


@pytest.mark.parametrize("page", ["detail", "edit", "password"])
def test_user_pages_out_of_scope_are_404(world, client, d1_sysadmin, page):
    client.force_login(d1_sysadmin)
    assert client.get(user_urls(world)[page]).status_code == 200  # d1b1 is below d1
    other = world.user("d2b1.officer").pk
    url = user_urls(world)[page].replace(str(world.user("d1b1.officer").pk), str(other))
    assert client.get(url).status_code == 404
    assert client.get(user_urls(world)[page].replace(str(world.user("d1b1.officer").pk), "999999")).status_code == 404


@pytest.mark.parametrize("page", ["detail", "edit", "password"])
def test_user_pages_for_a_sibling_brigade_officer_are_404(world, client, page):
    client.force_login(world.outsider("d1b1"))  # d1b2.officer
    assert client.get(user_urls(world)[page]).status_code == 404


@pytest.mark.parametrize("page", ["detail", "edit", "password"])
def test_user_pages_in_scope_without_permission_are_403(world, client, page):
    client.force_login(world.user("d1.chief"))  # d1b1 is in his scope, but he manages no accounts
    assert client.get(user_urls(world)[page]).status_code == 403


def test_user_active_scope_and_permission(world, client, d1_sysadmin):
    target = world.user("d2b1.officer")
    client.force_login(d1_sysadmin)
    assert client.post(f"/orgs/users/{target.pk}/active/", {"active": "0"}).status_code == 404
    client.force_login(world.user("d2.chief"))
    assert client.post(f"/orgs/users/{target.pk}/active/", {"active": "0"}).status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_post_end_scope_and_permission(world, client, d1_secadmin):
    inside = world.user("d1b1.officer").posts.get()
    outside = world.user("d2b1.officer").posts.get()
    client.force_login(d1_secadmin)
    assert client.get(f"/orgs/posts/{inside.pk}/end/").status_code == 200
    assert client.get(f"/orgs/posts/{outside.pk}/end/").status_code == 404
    assert client.post(f"/orgs/posts/{outside.pk}/end/", {"end_on": "2026-01-01"}).status_code == 404
    client.force_login(world.outsider("d1b1"))
    assert client.get(f"/orgs/posts/{inside.pk}/end/").status_code == 404
    client.force_login(world.user("d1.chief"))
    assert client.get(f"/orgs/posts/{inside.pk}/end/").status_code == 403
    assert client.post(f"/orgs/posts/{inside.pk}/end/", {"end_on": "2026-01-01"}).status_code == 403
    outside.refresh_from_db()
    inside.refresh_from_db()
    assert outside.end_on is None and inside.end_on is None


# --- users: list ----------------------------------------------------------------------------------


def test_user_list_shows_units_and_active_posts(world, client):
    Post.objects.create(
        user=world.user("d1.chief"),
        unit=world.unit("d1b1"),
        role=Role.MEMBER,
        start_on=START,
        end_on=datetime.date(2021, 1, 1),
    )
    client.force_login(world.user("sysadmin"))
    html = client.get("/orgs/users/?q=d1.chief").content.decode()
    rows = _rows(html)
    assert len(rows) == 1
    assert "甲市消防救援支队" in rows[0]
    assert "甲市消防救援支队·主官" in rows[0]
    assert "班子成员" not in rows[0]  # an ended post is not shown


def test_user_list_is_scoped(world, client, d1_sysadmin):
    client.force_login(d1_sysadmin)
    html = client.get("/orgs/users/").content.decode()
    names = set(re.findall(r'href="/orgs/users/\d+/">([^<]+)</a>', html))
    expected = {f"{u}.{r}" for u in ("d1", "d1b1", "d1b2") for r in ("officer", "chief", "leader")} | {"d1.sysadmin"}
    assert names == expected


def test_user_list_search(world, client):
    client.force_login(world.user("sysadmin"))
    html = client.get("/orgs/users/?q=d2b2").content.decode()
    names = set(re.findall(r'href="/orgs/users/\d+/">([^<]+)</a>', html))
    assert names == {"d2b2.officer", "d2b2.chief", "d2b2.leader"}
    html = client.get("/orgs/users/?q=乙市二区大队主官").content.decode()
    assert set(re.findall(r'href="/orgs/users/\d+/">([^<]+)</a>', html)) == {"d2b2.chief"}


def test_user_list_paginates_by_50(world, client):
    for i in range(51):
        make_user(world, f"bulkp{i:02d}", "d2b2")
    client.force_login(world.user("sysadmin"))
    first = client.get("/orgs/users/?q=bulkp").content.decode()
    assert len(_rows(first)) == 50
    assert 'href="?q=bulkp&amp;page=2"' in first
    assert len(_rows(client.get("/orgs/users/?q=bulkp&page=2").content.decode())) == 1


def _user_list_queries(client, world, n: int) -> int:
    for i in range(n):
        make_user(world, f"bulk{n}x{i:02d}", "d2b2", Role.OFFICER)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/orgs/users/?q=bulk{n}x")
    assert r.status_code == 200 and len(_rows(r.content.decode())) == n
    return len(ctx.captured_queries)


def test_user_list_query_count_is_constant(world, client, django_assert_num_queries):
    client.force_login(world.user("sysadmin"))
    client.get("/orgs/users/")
    assert _user_list_queries(client, world, 1) == _user_list_queries(client, world, 30)
    # session, session user, posts (grants and the header's list), explicit shares (all kinds), COUNT, the page of
    # users (unit joined), their active posts (one prefetch, unit joined), the header's unit.
    with django_assert_num_queries(9):  # + the header's unread-notification count
        client.get("/orgs/users/?q=bulk30x")


# --- users: create, edit, password, activate ------------------------------------------------------


def _create(client, world, **overrides):
    data = {
        "username": "new.officer",
        "name": "张三",
        "unit": world.unit("d1b1").pk,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return client.post("/orgs/users/new/", data)


def test_create_user(world, client):
    client.force_login(world.user("sysadmin"))
    r = _create(client, world)
    user = User.objects.get(username="new.officer")
    assert r.status_code == 302 and r["Location"] == f"/orgs/users/{user.pk}/"
    assert user.name == "张三" and user.unit == world.unit("d1b1") and user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.filter(action="orgs.user.created").latest("id")
    assert event.actor == world.user("sysadmin") and event.target_id == str(user.pk)
    html = client.get(r["Location"]).content.decode()
    assert "已创建账号“new.officer”" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "d1.chief"}, "账号“d1.chief”已存在"),  # a DomainError from the service, on its field
        ({"password1": "short", "password2": "short"}, "10"),
        ({"password1": "abcdefghijkl", "password2": "abcdefghijkl"}, "3类"),
        ({"password2": "Another-Pass-4242"}, "两次输入的密码不一致"),
        ({"unit": ""}, "该字段是必填项"),
    ],
)
def test_create_user_errors_are_shown_on_the_form(world, client, overrides, message):
    client.force_login(world.user("sysadmin"))
    before = User.objects.count()
    r = _create(client, world, **overrides)
    assert r.status_code == 200
    errors = _errors(r.content.decode())
    assert any(message in e for e in errors), errors
    assert User.objects.count() == before


def test_create_user_unit_choices_are_the_actors_scope(world, client, d1_sysadmin):
    client.force_login(d1_sysadmin)
    html = client.get("/orgs/users/new/").content.decode()
    select = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
    assert "甲市一区大队" in select and "甲市消防救援支队" in select
    assert "乙市" not in select and "测试省消防救援总队" not in select
    r = _create(client, world, unit=world.unit("d2b1").pk)
    assert r.status_code == 200
    assert any("选择一个有效的选项" in e for e in _errors(r.content.decode()))
    assert not User.objects.filter(username="new.officer").exists()


def test_edit_user(world, client):
    target = world.user("d1b1.officer")
    client.force_login(world.user("sysadmin"))
    html = client.get(f"/orgs/users/{target.pk}/edit/").content.decode()
    assert f'value="{target.name}"' in html
    r = client.post(f"/orgs/users/{target.pk}/edit/", {"name": "李四", "unit": world.unit("d1b2").pk})
    assert r.status_code == 302 and r["Location"] == f"/orgs/users/{target.pk}/"
    target.refresh_from_db()
    assert target.name == "李四" and target.unit == world.unit("d1b2")
    event = AuditEvent.objects.filter(action="orgs.user.updated").latest("id")
    assert event.before["name"] != "李四" and event.after["name"] == "李四"


def test_edit_user_cannot_move_him_out_of_scope(world, client, d1_sysadmin):
    target = world.user("d1b1.officer")
    client.force_login(d1_sysadmin)
    r = client.post(f"/orgs/users/{target.pk}/edit/", {"name": "李四", "unit": world.unit("d2b1").pk})
    assert r.status_code == 200
    target.refresh_from_db()
    assert target.unit == world.unit("d1b1")


def test_reset_password(world, client):
    target = world.user("d1b1.officer")
    client.force_login(world.user("sysadmin"))
    r = client.post(f"/orgs/users/{target.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="orgs.user.password_set", target_id=str(target.pk)).exists()


def test_reset_password_refuses_a_weak_one(world, client):
    target = world.user("d1b1.officer")
    client.force_login(world.user("sysadmin"))
    r = client.post(f"/orgs/users/{target.pk}/password/", {"password1": "abcdefghijkl", "password2": "abcdefghijkl"})
    assert r.status_code == 200
    assert any("3类" in e for e in _errors(r.content.decode()))
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_deactivate_and_activate_user(world, client):
    target = world.user("d1b1.officer")
    client.force_login(world.user("sysadmin"))
    assert client.get(f"/orgs/users/{target.pk}/active/").status_code == 405
    r = client.post(f"/orgs/users/{target.pk}/active/", {"active": "0"})
    assert r.status_code == 302 and r["Location"] == f"/orgs/users/{target.pk}/"
    target.refresh_from_db()
    assert not target.is_active
    assert "已停用账号“d1b1.officer”" in client.get(r["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="orgs.user.deactivated", target_id=str(target.pk)).exists()
    client.post(f"/orgs/users/{target.pk}/active/", {"active": "1"})
    target.refresh_from_db()
    assert target.is_active


def test_deactivating_oneself_is_refused_with_a_message(world, client):
    me = world.user("sysadmin")
    client.force_login(me)
    r = client.post(f"/orgs/users/{me.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in r.content.decode()
    me.refresh_from_db()
    assert me.is_active


def test_user_detail_shows_posts_including_ended(world, client):
    target = world.user("d1.chief")
    Post.objects.create(
        user=target, unit=world.unit("d1b1"), role=Role.MEMBER, start_on=START, end_on=datetime.date(2021, 1, 1)
    )
    client.force_login(world.user("sysadmin"))
    html = client.get(f"/orgs/users/{target.pk}/").content.decode()
    assert "主官" in html and "班子成员" in html and "2021-01-01" in html
    assert f'action="/orgs/users/{target.pk}/active/"' in html


# --- posts ----------------------------------------------------------------------------------------


def test_post_list_filters(world, client):
    officer = world.user("d1b1.officer")
    Post.objects.create(
        user=officer, unit=world.unit("d1b1"), role=Role.MEMBER, start_on=START, end_on=datetime.date(2021, 1, 1)
    )
    client.force_login(world.user("secadmin"))
    all_rows = _rows(client.get("/orgs/posts/").content.decode())
    assert len(all_rows) == Post.objects.active().count()
    rows = _rows(client.get(f"/orgs/posts/?unit={world.unit('d1b1').pk}").content.decode())
    assert len(rows) == 3 and all("甲市一区大队" in r for r in rows)
    rows = _rows(client.get(f"/orgs/posts/?unit={world.unit('d1b1').pk}&include_ended=on").content.decode())
    assert len(rows) == 4 and any("2021-01-01" in r for r in rows)
    rows = _rows(client.get(f"/orgs/posts/?user={officer.pk}&include_ended=on").content.decode())
    assert len(rows) == 2


def test_post_list_is_scoped(world, client, d1_secadmin):
    client.force_login(d1_secadmin)
    rows = _rows(client.get("/orgs/posts/").content.decode())
    assert rows and all("甲市" in r for r in rows)
    assert client.get(f"/orgs/posts/?user={world.user('d2b1.officer').pk}").status_code == 404
    r = client.get(f"/orgs/posts/?unit={world.unit('d2b1').pk}")
    assert r.status_code == 200 and _rows(r.content.decode()) == []


def _post_list_queries(client, world, n: int) -> int:
    """n posts at a new brigade of their own, listed through the unit filter."""
    d2 = world.unit("d2")
    unit = Unit.objects.create(code=f"e{n}", name=f"新设{n}大队", level="brigade", parent=d2)
    Unit.objects.filter(pk=unit.pk).update(path=f"{d2.path}{unit.pk}/", depth=d2.depth + 1)
    for i in range(n):
        user = User.objects.create_user(username=f"pbulk{n}x{i:02d}", password=PASSWORD, unit=unit)
        Post.objects.create(user=user, unit=unit, role=Role.MEMBER, start_on=START)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/orgs/posts/?unit={unit.pk}")
    assert r.status_code == 200 and len(_rows(r.content.decode())) == n
    return len(ctx.captured_queries)


def test_post_list_query_count_is_constant(world, client, django_assert_num_queries):
    client.force_login(world.user("secadmin"))
    client.get("/orgs/posts/")
    assert _post_list_queries(client, world, 1) == _post_list_queries(client, world, 30)
    # session, session user, posts (grants and the header's list), explicit shares (all kinds), the filter's unit
    # (validating ?unit), COUNT, the page of posts (unit and user joined), the unit choices, the header's unit.
    with django_assert_num_queries(10):  # + the header's unread-notification count
        client.get(f"/orgs/posts/?unit={world.unit('d2b2').pk}")


def _create_post(client, world, **overrides):
    data = {
        "user": world.user("d1b1.officer").pk,
        "unit": world.unit("d1b1").pk,
        "role": Role.MEMBER,
        "start_on": "2026-01-05",
        "end_on": "",
        "remit": "后勤保障",
    }
    data.update(overrides)
    return client.post("/orgs/posts/new/", data)


def test_create_post(world, client):
    client.force_login(world.user("secadmin"))
    officer = world.user("d1b1.officer")
    r = _create_post(client, world)
    assert r.status_code == 302 and r["Location"] == f"/orgs/posts/?user={officer.pk}"
    post = Post.objects.get(user=officer, role=Role.MEMBER)
    assert post.unit == world.unit("d1b1") and post.start_on == datetime.date(2026, 1, 5) and post.remit == "后勤保障"
    assert AuditEvent.objects.filter(action="orgs.post.created", target_id=str(post.pk)).exists()
    assert "已任命" in client.get(r["Location"]).content.decode()


def test_create_post_prefills_user_and_unit(world, client):
    client.force_login(world.user("secadmin"))
    officer = world.user("d1b1.officer")
    html = client.get(f"/orgs/posts/new/?user={officer.pk}&unit={world.unit('d1b1').pk}").content.decode()
    assert re.search(rf'<option value="{officer.pk}" selected>', html)
    assert re.search(rf'<option value="{world.unit("d1b1").pk}" selected>', html)
    assert f'value="{timezone.localdate().isoformat()}"' in html  # start date defaults to today


def test_create_post_choices_are_the_actors_scope(world, client, d1_secadmin):
    client.force_login(d1_secadmin)
    html = client.get("/orgs/posts/new/").content.decode()
    users = re.search(r'<select name="user".*?</select>', html, re.S).group(0)
    units = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
    assert "d1b1.officer" in users and "d2b1.officer" not in users and "（sysadmin）" not in users
    assert "甲市一区大队" in units and "乙市" not in units
    assert client.get(f"/orgs/posts/new/?user={world.user('d2b1.officer').pk}").status_code == 404
    assert client.get(f"/orgs/posts/new/?unit={world.unit('d2b1').pk}").status_code == 404
    r = _create_post(client, world, user=world.user("d2b1.officer").pk, unit=world.unit("d2b1").pk)
    assert r.status_code == 200
    assert not Post.objects.filter(user=world.user("d2b1.officer"), role=Role.MEMBER).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"role": Role.AUDITOR}, "三员分立"),  # service DomainError on the role field
        ({"role": Role.OFFICER}, "已担任此岗位"),
        ({"end_on": "2025-01-01"}, "任职止日期不能早于任职起日期"),
        ({"role": ""}, "该字段是必填项"),
    ],
)
def test_create_post_errors_are_shown_on_the_form(world, client, overrides, message):
    client.force_login(world.user("secadmin"))
    before = Post.objects.count()
    r = _create_post(client, world, **overrides)
    assert r.status_code == 200
    errors = _errors(r.content.decode())
    assert any(message in e for e in errors), errors
    assert Post.objects.count() == before


def test_secadmin_cannot_give_himself_a_post(world, client):
    me = world.user("secadmin")
    client.force_login(me)
    r = _create_post(client, world, user=me.pk, unit=world.unit("c").pk, role=Role.SECADMIN)
    assert r.status_code == 200
    assert Post.objects.filter(user=me).count() == 1


def test_end_post(world, client):
    post = world.user("d1b1.officer").posts.get()
    client.force_login(world.user("secadmin"))
    html = client.get(f"/orgs/posts/{post.pk}/end/").content.decode()
    assert "免职" in html and "甲市一区大队" in html
    r = client.post(f"/orgs/posts/{post.pk}/end/", {"end_on": "2026-01-31"})
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.end_on == datetime.date(2026, 1, 31)
    assert AuditEvent.objects.filter(action="orgs.post.ended", target_id=str(post.pk)).exists()


def test_end_post_before_its_start_is_refused(world, client):
    post = world.user("d1b1.officer").posts.get()
    client.force_login(world.user("secadmin"))
    r = client.post(f"/orgs/posts/{post.pk}/end/", {"end_on": "2019-12-31"})
    assert r.status_code == 200
    assert any("免职日期不能早于任职起日期" in e for e in _errors(r.content.decode()))
    post.refresh_from_db()
    assert post.end_on is None


def test_ended_post_takes_effect_on_permissions(world, client):
    officer = world.user("d1b1.officer")
    post = officer.posts.get()
    client.force_login(world.user("secadmin"))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    client.post(f"/orgs/posts/{post.pk}/end/", {"end_on": yesterday.isoformat()})
    client.force_login(officer)
    assert "暂无在岗岗位" in client.get("/").content.decode()
