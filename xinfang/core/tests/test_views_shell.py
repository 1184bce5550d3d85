"""The UI shell: navigation as data, the header, the home page, and the 审计员's audit pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.models import AuditEvent
from xinfang.core.navigation import BUILDING, NAVIGATION, OPEN, NavItem, NavSection, navigation_for
from xinfang.orgs.models import Post
from xinfang.orgs.roles import Role

FIVE_PARTS = ["领导责任", "案件办理", "排查预警", "应急联动", "考核问责"]


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- navigation data ----------------------------------------------------------------------------


def test_navigation_has_the_five_parts_then_system_admin():
    assert [s.label for s in NAVIGATION] == [*FIVE_PARTS, "系统管理"]


def test_navigation_lists_the_agreed_pages():
    items = {i.url_name: (s.label, i.perm) for s in NAVIGATION for i in s.items}
    assert items["orgs:compliance"] == ("领导责任", "orgs.compliance.view")
    assert items["cases:case-list"] == ("案件办理", "cases.case.view")
    assert items["orgs:unit-tree"] == ("系统管理", "orgs.unit.view")
    assert items["orgs:user-list"] == ("系统管理", "orgs.user.manage")
    assert items["orgs:post-list"] == ("系统管理", "orgs.post.manage")
    assert items["audit-list"] == ("系统管理", "core.audit.view")


SECTIONS = (
    NavSection("a", "甲", "bi-x", (NavItem("首页", "home", "orgs.user.manage"),)),
    NavSection("b", "乙", "bi-x", (NavItem("将来的页面", "nowhere:page", "orgs.user.manage"),)),
    NavSection("c", "丙", "bi-x"),
    NavSection(
        "d",
        "丁",
        "bi-x",
        (NavItem("首页", "home", "core.audit.view"), NavItem("未来", "nowhere:page", "core.audit.view")),
    ),
)


def test_navigation_shows_items_the_user_may_open(world):
    sections = {s.key: s for s in navigation_for(world.user("sysadmin"), SECTIONS)}
    assert sections["a"].state == OPEN
    assert [(i.label, i.url) for i in sections["a"].items] == [("首页", "/")]


def test_navigation_marks_sections_without_existing_pages_as_building(world):
    sections = {s.key: s for s in navigation_for(world.user("sysadmin"), SECTIONS)}
    # An item whose URL name does not resolve yet is skipped; a section left empty is "建设中".
    assert sections["b"].state == BUILDING and sections["b"].items == []
    assert sections["c"].state == BUILDING


def test_navigation_hides_sections_whose_pages_the_user_may_not_open(world):
    keys = [s.key for s in navigation_for(world.user("sysadmin"), SECTIONS)]
    assert "d" not in keys  # its page exists, but the sysadmin lacks core.audit.view
    auditor = {s.key: s for s in navigation_for(world.user("auditor"), SECTIONS)}
    assert "a" not in auditor
    assert auditor["d"].state == OPEN and [i.label for i in auditor["d"].items] == ["首页"]


def test_navigation_for_admins_follows_separation_of_duties(world):
    def labels(username):
        return {i.label for s in navigation_for(world.user(username)) for i in s.items}

    assert {"用户管理"} <= labels("sysadmin") and not {"岗位任免", "审计记录"} & labels("sysadmin")
    assert {"岗位任免"} <= labels("secadmin") and not {"用户管理", "审计记录"} & labels("secadmin")
    assert labels("auditor") == {"审计记录", "审计链校验"}
    assert not {"用户管理", "岗位任免", "审计记录"} & labels("d1.chief")


# --- the shell (base.html) ----------------------------------------------------------------------


def test_header_shows_name_unit_and_posts(world, client):
    html = _get(client, world.user("d1.chief"), "/").content.decode()
    assert "信访工作管理系统" in html
    assert "甲市消防救援支队主官" in html  # the name
    assert "（d1.chief）" in html
    assert "甲市消防救援支队·主官" in html  # the post


def test_header_shows_every_current_post_and_not_ended_ones(world, client):
    user = world.user("d1.chief")
    Post.objects.create(user=user, unit=world.unit("d1b1"), role=Role.MEMBER, start_on=datetime.date(2020, 1, 1))
    Post.objects.create(
        user=user,
        unit=world.unit("d1b2"),
        role=Role.MEMBER,
        start_on=datetime.date(2020, 1, 1),
        end_on=datetime.date(2021, 1, 1),
    )
    html = _get(client, user, "/").content.decode()
    assert "甲市一区大队·班子成员" in html
    assert "甲市二区大队·班子成员" not in html


def test_header_is_on_every_page(world, client):
    client.force_login(world.user("auditor"))
    for url in ["/", "/audit/", "/audit/verify/", "/password/"]:
        html = client.get(url).content.decode()
        assert "测试省消防救援总队·审计员" in html, url
        assert 'action="/logout/"' in html, url


def test_header_warns_when_user_holds_no_post(world, client):
    user = world.user("d1b1.officer")
    Post.objects.filter(user=user).update(end_on=datetime.date(2021, 1, 1))
    html = _get(client, user, "/").content.decode()
    assert "暂无在岗岗位" in html


def test_shell_shows_five_parts_and_system_admin(world, client):
    html = _get(client, world.user("d1b1.officer"), "/").content.decode()
    nav = html[html.index('id="xf-nav"') : html.index("</nav>")]
    positions = [nav.index(label) for label in [*FIVE_PARTS, "系统管理"]]
    assert positions == sorted(positions)
    # Every part of the seed is built now: none of them shows as under construction.
    assert "（建设中）" not in nav


def test_a_part_without_pages_shows_as_under_construction(world):
    from xinfang.core.navigation import BUILDING, NavItem, NavSection, navigation_for

    sections = (NavSection("future", "未来功能", "bi-x", (NavItem("未建", "no-such-route", "cases.case.view"),)),)
    [section] = navigation_for(world.user("d1b1.officer"), sections)
    assert section.state == BUILDING and section.items == []


def test_shell_logout_is_a_post_form(world, client):
    html = _get(client, world.user("d1.chief"), "/").content.decode()
    form = re.search(r'<form method="post" action="/logout/".*?</form>', html, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(0) and 'type="submit"' in form.group(0)


def test_shell_sends_csrf_token_to_htmx_and_has_no_inline_script(world, client):
    r = _get(client, world.user("d1.chief"), "/")
    html = r.content.decode()
    token = re.search(r"""<body[^>]*hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", html)
    assert token and len(token.group(1)) >= 32
    for tag in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
        assert tag.strip() == ""  # every script comes from a file
    assert "<script" in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers


def test_shell_uses_only_our_own_static_files(world, client):
    html = _get(client, world.user("d1.chief"), "/").content.decode()
    for path in [
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/htmx/htmx.min.js",
        "/static/xinfang/app.js",
        "/static/xinfang/app.css",
    ]:
        assert path in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # no CDN, no external font


def test_shell_is_responsive(world, client):
    html = _get(client, world.user("d1.chief"), "/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "navbar-toggler" in html and "navbar-collapse" in html
    # The user bar is outside the collapsing part, so name/unit/posts stay visible on a phone.
    collapse = html[html.index('id="xf-nav"') : html.index("</nav>")]
    assert "xf-user-posts" not in collapse and "xf-user-posts" in html


def test_messages_show_as_bootstrap_alerts(world, client):
    client.force_login(world.user("d1.chief"))
    client.post("/logout/")
    html = client.get("/login/").content.decode()
    assert re.search(r'class="alert alert-info alert-dismissible[^"]*"[^>]*>\s*您已安全退出', html)


# --- home ---------------------------------------------------------------------------------------


def test_home_requires_sign_in(db, client):
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/login/?next=/"


def test_home_shows_unit_posts_and_what_the_user_can_do(world, client):
    r = _get(client, world.user("sysadmin"), "/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "测试省消防救援总队 · 系统管理员" in html
    assert 'href="/orgs/users/"' in html  # 用户管理, from the navigation data
    assert 'href="/audit/"' not in html
    assert "建设中的功能" not in html  # every part exists; the sysadmin's menu holds only 系统管理


def test_home_links_match_the_navigation(world, client):
    user = world.user("auditor")
    html = _get(client, user, "/").content.decode()
    main = html[html.index('id="main"') :]
    expected = {i.url for s in navigation_for(user) for i in s.items}
    assert expected == {"/audit/", "/audit/verify/"}
    for url in expected:
        assert f'href="{url}"' in main


# --- audit search (审计员) ------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "d1.chief", "d1b1.officer", "c.leader"])
def test_audit_pages_are_403_for_everyone_but_the_auditor(world, client, username):
    client.force_login(world.user(username))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/verify/").status_code == 403
    assert client.post("/audit/verify/").status_code == 403


@pytest.mark.parametrize("url", ["/audit/", "/audit/verify/"])
def test_audit_pages_redirect_anonymous_to_login(db, client, url):
    r = client.get(url)
    assert r.status_code == 302 and r["Location"] == f"/login/?next={url}"


def test_audit_list_is_read_only(world, client):
    client.force_login(world.user("auditor"))
    assert client.get("/audit/").status_code == 200
    for method in (client.post, client.put, client.delete, client.patch):
        assert method("/audit/").status_code == 405


def test_auditor_sees_every_users_rows(world, client):
    audit_record(actor=world.user("d2b2.officer"), action="test.thing.done", unit=world.unit("d2b2"))
    audit_record(actor=world.user("sysadmin"), action="test.thing.done", unit=world.unit("c"))
    audit_record(actor=None, actor_username="ghost", action="test.thing.done")
    html = _get(client, world.user("auditor"), "/audit/?action=test.thing").content.decode()
    assert "d2b2.officer" in html and "sysadmin" in html and "ghost" in html
    assert "乙市二区大队" in html


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "没有符合条件" not in r]


def test_audit_list_shows_time_actor_unit_action_target_ip_and_changes(world, client):
    target = world.user("d1b1.officer")
    audit_record(
        actor=world.user("sysadmin"),
        action="orgs.user.updated",
        target=target,
        unit=world.unit("d1b1"),
        before={"name": "旧名字"},
        after={"name": "新名字"},
        ip="10.1.2.3",
    )
    html = _get(client, world.user("auditor"), "/audit/?action=orgs.user.updated").content.decode()
    rows = _rows(html)
    assert len(rows) == 1
    row = rows[0]
    assert timezone.localtime().strftime("%Y-%m-%d") in row
    for text in ["sysadmin", "甲市一区大队", "orgs.user.updated", str(target), f"orgs.user #{target.pk}", "10.1.2.3"]:
        assert text in row, text
    details = re.search(r"<details>.*?</details>", row, re.S)
    assert details and "旧名字" in details.group(0) and "新名字" in details.group(0)


def test_audit_list_has_no_edit_or_delete_controls(world, client):
    audit_record(actor=world.user("sysadmin"), action="test.thing.done", before={"a": 1})
    html = _get(client, world.user("auditor"), "/audit/").content.decode()
    main = html[html.index('id="main"') :]
    controls = re.findall(r"<(?:a|button)\b[^>]*>(.*?)</(?:a|button)>", main, re.S)
    assert controls and not [c for c in controls if re.search("删除|编辑|修改", c)]
    forms = re.findall(r"<form[^>]*>", main)
    assert all('method="get"' in f for f in forms)


@pytest.fixture
def trail(world):
    """A few known events on top of the world's own."""
    sys, chief = world.user("sysadmin"), world.user("d1.chief")
    events = {
        "a": audit_record(actor=sys, action="orgs.unit.renamed", target=world.unit("d1b1"), unit=world.unit("d1b1")),
        "b": audit_record(actor=sys, action="orgs.user.created", target=chief, unit=world.unit("d1")),
        "c": audit_record(actor=chief, action="cases.case.accepted", unit=world.unit("d2b1")),
    }
    # An old event, three days back (created_at is written by audit_record; set it through SQL for the test).
    old = audit_record(actor=chief, action="cases.case.registered", unit=world.unit("d1b2"))
    when = timezone.now() - datetime.timedelta(days=3)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET created_at = %s WHERE id = %s", [when, old.pk])
    events["old"] = old
    return events


def _ids(client, query: str) -> set[int]:
    html = client.get("/audit/?" + query).content.decode()
    return {int(re.search(r"<td>(\d+)</td>", r).group(1)) for r in _rows(html)}


def test_audit_filters(world, client, trail):
    client.force_login(world.user("auditor"))
    t = {k: v.pk for k, v in trail.items()}
    assert _ids(client, "actor=d1.chief&action=cases") == {t["c"], t["old"]}
    assert _ids(client, "action=orgs.u") == {t["a"], t["b"]}
    assert _ids(client, "action=orgs.user.created") == {t["b"]}
    assert _ids(client, f"target_type=orgs.unit&target_id={world.unit('d1b1').pk}") == {t["a"]}
    assert _ids(client, f"action=cases&unit={world.unit('d1').pk}") == {t["old"]}  # d1 and below
    assert _ids(client, f"action=orgs&unit={world.unit('d1').pk}") == {t["a"], t["b"]}
    today = timezone.localdate()
    three_days_ago = (today - datetime.timedelta(days=3)).isoformat()
    assert _ids(client, f"action=cases&date_from={today.isoformat()}") == {t["c"]}
    assert _ids(client, f"action=cases&date_to={three_days_ago}") == {t["old"]}
    assert _ids(client, f"action=cases&date_from={three_days_ago}&date_to={three_days_ago}") == {t["old"]}


def test_audit_filter_errors_are_shown_in_chinese(world, client):
    client.force_login(world.user("auditor"))
    html = client.get("/audit/?date_from=2026-02-01&date_to=2026-01-01").content.decode()
    assert "截止日期不能早于起始日期" in html
    assert _rows(html) == []


def test_audit_list_paginates_by_50(world, client):
    actor = world.user("sysadmin")
    for _ in range(51):
        audit_record(actor=actor, action="test.page.event")
    client.force_login(world.user("auditor"))
    first = client.get("/audit/?action=test.page").content.decode()
    assert len(_rows(first)) == 50
    assert "第 1 / 2 页" in first
    assert 'href="?action=test.page&amp;page=2"' in first  # the filters stay in the page links
    assert len(_rows(client.get("/audit/?action=test.page&page=2").content.decode())) == 1


def _audit_page_queries(client, world, n: int) -> int:
    actor = world.user("d1.chief")
    for i in range(n):
        audit_record(actor=actor, action=f"test.count{n}.event", unit=world.unit("d1"), after={"i": i})
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/audit/?action=test.count{n}.")
    assert r.status_code == 200 and len(_rows(r.content.decode())) == n
    return len(ctx.captured_queries)


def test_audit_list_query_count_is_constant(world, client, django_assert_num_queries):
    client.force_login(world.user("auditor"))
    client.get("/audit/")  # warm up: content types, session
    assert _audit_page_queries(client, world, 1) == _audit_page_queries(client, world, 30)
    # session, session user, the user's posts (grants and the header's list), the unit filter's choices, COUNT,
    # the page of events (unit joined), the header's unit, the header's unread-notification count. (The session
    # is written at most once a minute: no save here.)
    with django_assert_num_queries(8):
        client.get("/audit/?action=test.count30.")


# --- audit chain verification -------------------------------------------------------------------


def test_audit_verify_page_runs_on_post_and_reports_an_intact_chain(world, client):
    client.force_login(world.user("auditor"))
    r = client.get("/audit/verify/")
    assert r.status_code == 200 and "开始校验" in r.content.decode() and "校验通过" not in r.content.decode()
    count = AuditEvent.objects.count()
    html = client.post("/audit/verify/").content.decode()
    assert f"校验通过：共检查 {count} 条记录" in html
    event = AuditEvent.objects.latest("id")
    assert event.action == "core.audit.verified" and event.actor == world.user("auditor")
    assert event.after == {"checked": count, "broken_id": None, "reason": ""}


def test_audit_verify_page_names_the_first_broken_link(world, client):
    audit_record(actor=world.user("sysadmin"), action="test.thing.done")
    victim = audit_record(actor=world.user("sysadmin"), action="test.thing.done")
    audit_record(actor=world.user("sysadmin"), action="test.thing.done")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s", ["x.y.z", victim.pk])
    client.force_login(world.user("auditor"))
    html = client.post("/audit/verify/").content.decode()
    assert "校验未通过" in html
    assert f"第一处断点在编号 {victim.pk} 的记录" in html
    assert "本条记录被修改" in html


# --- error pages --------------------------------------------------------------------------------


def test_error_pages_are_chinese(world, rf):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from xinfang.core.views import error_403, error_404

    request = rf.get("/somewhere/")
    request.user = world.user("d1.chief")
    request.session = {}
    request._messages = FallbackStorage(request)
    r = error_403(request, PermissionDenied("您无权访问此页面"))
    assert r.status_code == 403
    html = r.content.decode()
    assert "无权访问" in html and "您无权访问此页面" in html and "甲市消防救援支队·主官" in html
    r = error_404(request, Http404("No Unit matches the given query."))
    assert r.status_code == 404
    html = r.content.decode()
    assert "页面不存在" in html and "No Unit" not in html
