import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from xinfang.core.audit import audit_verify
from xinfang.core.models import AuditEvent
from xinfang.core.scope import has_perm
from xinfang.orgs.demo import DEMO_PASSWORD, demo_usernames
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role

pytestmark = pytest.mark.django_db


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_loading_twice_changes_nothing():
    first = load()
    assert "新建单位 14 个，账号 47 个，岗位 47 个" in first
    after_first = counts()
    snapshot = sorted(User.objects.values_list("username", "password", "name", "unit__code"))
    second = load()
    assert "演示数据已存在，未作改动" in second
    assert counts() == after_first
    assert sorted(User.objects.values_list("username", "password", "name", "unit__code")) == snapshot


def test_tree_shape():
    load()
    corps = Unit.objects.get(level=Level.CORPS)
    assert (corps.code, corps.name, corps.parent, corps.depth, corps.path) == (
        "sf",
        "示范省消防救援总队",
        None,
        0,
        f"/{corps.pk}/",
    )
    detachments = Unit.objects.filter(level=Level.DETACHMENT).order_by("code")
    assert [(d.code, d.name) for d in detachments] == [
        ("jz", "江州市消防救援支队"),
        ("lc", "临川市消防救援支队"),
        ("qs", "青山市消防救援支队"),
    ]
    for d in detachments:
        assert d.parent == corps
        assert d.path == f"{corps.path}{d.pk}/"
        brigades = Unit.objects.filter(parent=d)
        assert 3 <= brigades.count() <= 4
        for b in brigades:
            assert b.level == Level.BRIGADE
            assert b.code.startswith(d.code)
            assert b.name.startswith(d.name[:3]) and b.name.endswith("消防救援大队")
            assert (b.depth, b.path) == (2, f"{d.path}{b.pk}/")
            assert set(Unit.objects.subtree_of(b).values_list("code", flat=True)) == {b.code}
    assert Unit.objects.subtree_of(corps).count() == Unit.objects.count() == 14
    assert not Unit.objects.filter(level__in=[Level.BUREAU, Level.STATION]).exists()


def test_every_unit_has_its_three_posts_and_the_admins_sit_at_the_corps():
    load()
    for unit in Unit.objects.all():
        for suffix, role in (("chief", Role.CHIEF), ("leader", Role.LEADER), ("officer", Role.OFFICER)):
            user = User.objects.get(username=f"{unit.code}.{suffix}")
            assert user.unit == unit
            assert user.name and not user.name.isascii()
            assert list(Post.objects.active().filter(user=user).values_list("unit__code", "role")) == [
                (unit.code, role)
            ]
    corps = Unit.objects.get(code="sf")
    for username, role in (("sysadmin", Role.SYSADMIN), ("secadmin", Role.SECADMIN), ("auditor", Role.AUDITOR)):
        user = User.objects.get(username=username)
        assert list(Post.objects.active().filter(user=user).values_list("unit", "role")) == [(corps.pk, role)]
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(is_staff=True).exists()
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(demo_usernames())


def test_every_demo_account_signs_in_with_the_demo_password():
    load()
    request = RequestFactory().post("/login/")
    usernames = demo_usernames()
    assert len(usernames) == 14 * 3 + 3 + 2  # + the 总队's 领导小组 member and 业务处室 officer
    for username in usernames:
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None, username
    assert authenticate(request, username="jz01.officer", password="Xinfang-Demo-2025") is None


def test_demo_roles_grant_the_expected_scope():
    load()
    officer = User.objects.get(username="jz01.officer")
    assert has_perm(officer, "cases.case.register", Unit.objects.get(code="jz01"))
    assert not has_perm(officer, "cases.case.view", Unit.objects.get(code="jz02"))
    assert has_perm(User.objects.get(username="jz.chief"), "cases.case.approve", Unit.objects.get(code="jz04"))
    assert has_perm(User.objects.get(username="sysadmin"), "orgs.unit.manage", Unit.objects.get(code="qs03"))
    assert not has_perm(User.objects.get(username="sysadmin"), "cases.case.view", None)


def test_demo_load_is_audited_and_the_chain_holds():
    load()
    assert AuditEvent.objects.filter(action="orgs.unit.created").count() == 14
    assert AuditEvent.objects.filter(action="orgs.user.created").count() == 47
    assert AuditEvent.objects.filter(action="orgs.post.created").count() == 47
    # The org tree is written by the loader itself; demo cases are worked by the demo officers (real services).
    org_actions = AuditEvent.objects.filter(action__startswith="orgs.")
    assert set(org_actions.values_list("actor_username", flat=True)) == {"load_demo"}
    assert AuditEvent.objects.filter(action__startswith="cases.").exists()
    result = audit_verify()
    assert result.ok and result.checked == AuditEvent.objects.count()


def test_loading_fills_in_what_is_missing(world):
    """An existing database (here the test world) keeps its rows; the demo adds only its own."""
    before = counts()
    load()
    assert Unit.objects.count() == before["units"] + 14
    assert User.objects.count() == before["users"] + 44  # sysadmin, secadmin and auditor exist already
    assert Unit.objects.filter(code="c").get().name == "测试省消防救援总队"
    # An account that lost its post gets it back on the next load, nothing else changes.
    Post.objects.filter(user__username="qs02.leader").delete()
    out = load()
    assert "岗位 1 个" in out
    assert Post.objects.active().filter(user__username="qs02.leader", role=Role.LEADER).count() == 1
