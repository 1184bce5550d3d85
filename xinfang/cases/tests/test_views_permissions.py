"""Permission matrix of the case pages: anonymous → sign-in page; a sibling brigade's officer → 404 on every
case page (as if the case did not exist); an in-scope user without the needed permission → 403. And Art 30:
an accusation against d1b1 is absent for d1b1's staff everywhere."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.cases.models import Category, Status
from xinfang.cases.tests.factories import advance, register
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date
TODAY = datetime.date.today


def member(world, code):
    user = User.objects.create_user(username=f"{code}.member", password="x" * 12, unit=world.unit(code))
    Post.objects.create(user=user, unit=world.unit(code), role=Role.MEMBER, start_on=D(2020, 1, 1))
    return user


@pytest.fixture
def case(world):
    scan = SimpleUploadedFile("来信.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    return register(world, "d1b1", received_on=TODAY() - datetime.timedelta(days=5), attachments=[scan])


def case_urls(case):
    a = case.attachments.get()
    return [
        ("get", f"/cases/{case.pk}/"),
        ("post", f"/cases/{case.pk}/reveal/"),
        ("get", f"/cases/{case.pk}/act/accept/"),
        ("post", f"/cases/{case.pk}/act/accept/"),
        ("get", f"/cases/{case.pk}/act/assign_handler/"),
        ("get", f"/cases/{case.pk}/act/add_attachment/"),
        ("get", f"/cases/{case.pk}/act/declare_interest/"),
        ("get", f"/cases/attachments/{a.pk}/"),
    ]


PAGE_URLS = [
    ("get", "/cases/"),
    ("get", "/cases/my/"),
    ("get", "/cases/new/"),
    ("post", "/cases/new/"),
    ("post", "/cases/new/repeats/"),
    ("get", "/cases/export/"),
]


def test_anonymous_is_sent_to_the_sign_in_page_everywhere(world, client, case):
    for method, url in PAGE_URLS + case_urls(case):
        r = getattr(client, method)(url)
        assert r.status_code == 302, url
        assert r["Location"].startswith("/login/?next="), url


def test_a_sibling_brigades_officer_gets_404_on_every_case_page(world, client, case):
    client.force_login(world.outsider("d1b1"))  # d1b2.officer
    for method, url in case_urls(case):
        assert getattr(client, method)(url).status_code == 404, url
    assert f'data-case="{case.pk}"' not in client.get("/cases/").content.decode()


def test_pages_need_their_permission_somewhere(world, client):
    client.force_login(world.user("auditor"))  # 三员分立: no business menu, no case pages
    for method, url in PAGE_URLS:
        assert getattr(client, method)(url).status_code == 403, url
    client.force_login(member(world, "d1b1"))  # views cases, registers and exports nothing
    assert client.get("/cases/").status_code == 200
    assert client.get("/cases/my/").status_code == 200
    for method, url in [
        ("get", "/cases/new/"),
        ("post", "/cases/new/"),
        ("post", "/cases/new/repeats/"),
        ("get", "/cases/export/"),
    ]:
        assert getattr(client, method)(url).status_code == 403, url


def test_in_scope_without_the_permission_is_403(world, client, case):
    client.force_login(member(world, "d1b1"))
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert client.get(f"/cases/attachments/{case.attachments.get().pk}/").status_code == 200
    assert client.post(f"/cases/{case.pk}/reveal/").status_code == 403
    for action in ("accept", "decline", "divert", "forward", "assign_handler", "add_attachment"):
        assert client.get(f"/cases/{case.pk}/act/{action}/").status_code == 403, action
        assert client.post(f"/cases/{case.pk}/act/{action}/").status_code == 403, action
    # the chief approves and registers, but does not handle
    client.force_login(world.user("d1b1.chief"))
    assert client.post(f"/cases/{case.pk}/act/accept/", {"accepted_on": TODAY().isoformat()}).status_code == 403
    assert client.get(f"/cases/{case.pk}/act/accept/").status_code == 403


def test_approving_needs_the_approve_permission_and_review_the_unit_above(world, client, case):
    drafted = advance(world, case, Status.OPINION_DRAFTED, accepted_on=TODAY() - datetime.timedelta(days=4))
    client.force_login(world.user("d1b1.officer"))
    assert client.get(f"/cases/{drafted.pk}/act/approve_opinion/").status_code == 403
    assert client.post(f"/cases/{drafted.pk}/act/approve_opinion/").status_code == 403
    assert client.get(f"/cases/{drafted.pk}/act/return_opinion/").status_code == 403
    # 复查 is requested at the unit above: the brigade cannot register it
    assert client.get(f"/cases/{drafted.pk}/act/request_review/").status_code == 403
    assert drafted.__class__.objects.get(pk=drafted.pk).status == Status.OPINION_DRAFTED


# ---------------------------------------------------------------------------------------------------
# Art 30 confidentiality


@pytest.fixture
def accusation(world):
    scan = SimpleUploadedFile("证据.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    return register(
        world,
        "d1",
        category=Category.ACCUSATION,
        topic="conduct",
        title="检举甲市一区大队干部吃拿卡要",
        content="检举甲市一区大队在消防检查中吃拿卡要。",
        accused_unit=world.unit("d1b1"),
        received_on=TODAY() - datetime.timedelta(days=3),
        attachments=[scan],
    )


@pytest.fixture
def d1b1_staff_with_a_post_at_d1(world):
    """d1b1's officer also holds an officer post at the 支队: d1's cases are in his scope — but not this one."""
    user = world.user("d1b1.officer")
    Post.objects.create(user=user, unit=world.unit("d1"), role=Role.OFFICER, start_on=D(2020, 1, 1))
    return user


def test_an_accusation_against_d1b1_is_absent_for_d1b1_staff(world, client, accusation, d1b1_staff_with_a_post_at_d1):
    other = register(world, "d1", title="支队的普通事项", received_on=TODAY() - datetime.timedelta(days=3))
    client.force_login(d1b1_staff_with_a_post_at_d1)
    html = client.get("/cases/").content.decode()
    assert f'data-case="{other.pk}"' in html
    assert f'data-case="{accusation.pk}"' not in html and "吃拿卡要" not in html
    assert f'data-case="{accusation.pk}"' not in client.get("/cases/?q=吃拿卡要").content.decode()
    assert f'data-case="{accusation.pk}"' not in client.get("/cases/my/").content.decode()
    for method, url in case_urls(accusation):
        assert getattr(client, method)(url).status_code == 404, url
    for name in ("d1b1.chief", "d1b1.leader"):
        client.force_login(world.user(name))
        assert "吃拿卡要" not in client.get("/cases/").content.decode()
        assert client.get(f"/cases/{accusation.pk}/").status_code == 404
    # the 支队's own staff handle it
    client.force_login(world.user("d1.officer"))
    assert f'data-case="{accusation.pk}"' in client.get("/cases/").content.decode()
    assert client.get(f"/cases/{accusation.pk}/").status_code == 200


def test_an_accusation_is_absent_from_the_repeat_panel_of_the_accused_unit(
    world, client, accusation, d1b1_staff_with_a_post_at_d1
):
    client.force_login(d1b1_staff_with_a_post_at_d1)
    html = client.post(
        "/cases/new/repeats/", {"title": accusation.title, "content": accusation.content}
    ).content.decode()
    assert accusation.number not in html
    client.force_login(world.user("d1.officer"))
    html = client.post(
        "/cases/new/repeats/", {"title": accusation.title, "content": accusation.content}
    ).content.decode()
    assert accusation.number in html
