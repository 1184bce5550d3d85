"""GET /api/v1/me/."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import ROLE_PERMISSIONS, Role

ME_URL = "/api/v1/me/"


def test_me_shows_the_user_his_unit_posts_and_permissions(world, token_client):
    user = world.user("d1b1.officer")
    d1b1 = world.unit("d1b1")
    post = Post.objects.get(user=user)

    response = token_client(user).get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "d1b1.officer",
        "name": "甲市一区大队信访干部",
        "unit": {"id": d1b1.pk, "code": "d1b1", "name": "甲市一区大队"},
        "posts": [
            {
                "id": post.pk,
                "unit": {"id": d1b1.pk, "code": "d1b1", "name": "甲市一区大队", "level": "brigade"},
                "role": "officer",
                "role_label": "信访干部",
                "start_on": "2020-01-01",
                "end_on": None,
            }
        ],
        "permissions": sorted(ROLE_PERMISSIONS[Role.OFFICER]),
    }


def test_me_lists_only_current_posts_and_their_combined_permissions(world, token_client):
    user = world.user("d1b1.officer")
    today = timezone.localdate()
    Post.objects.create(user=user, unit=world.unit("d1"), role=Role.LEADER, start_on=today)
    Post.objects.create(
        user=user,
        unit=world.unit("c"),
        role=Role.SYSADMIN,
        start_on=datetime.date(2020, 1, 1),
        end_on=today - datetime.timedelta(days=1),
    )
    Post.objects.create(user=user, unit=world.unit("c"), role=Role.AUDITOR, start_on=today + datetime.timedelta(days=1))

    body = token_client(user).get(ME_URL).json()

    assert [(p["unit"]["code"], p["role"], p["role_label"]) for p in body["posts"]] == [
        ("d1", "leader", "分管领导"),
        ("d1b1", "officer", "信访干部"),
    ]
    assert body["posts"][0]["start_on"] == today.isoformat()
    assert body["permissions"] == sorted(ROLE_PERMISSIONS[Role.OFFICER] | ROLE_PERMISSIONS[Role.LEADER])
    assert "orgs.unit.manage" not in body["permissions"]  # the ended sysadmin post grants nothing


def test_auditor_permissions(world, token_client):
    body = token_client(world.user("auditor")).get(ME_URL).json()

    assert [p["role"] for p in body["posts"]] == ["auditor"]
    assert body["posts"][0]["role_label"] == "审计员"
    assert body["permissions"] == ["core.audit.view"]


def test_user_without_unit_or_posts(world, token_client):
    user = User.objects.create_user(username="loner", password="Xinfang-Test-2026")

    body = token_client(user).get(ME_URL).json()

    assert body["unit"] is None
    assert body["posts"] == []
    assert body["permissions"] == []
    assert body["name"] == ""
