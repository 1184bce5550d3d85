"""POST /api/v1/auth/token/, Token header and session authentication."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import PASSWORD
from xinfang.core.models import AuditEvent

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


def post_token(client: APIClient, username: str, password: str):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_valid_credentials_get_the_users_token_and_an_audit_event(world, api_client):
    user = world.user("d1b1.officer")

    response = post_token(api_client, "d1b1.officer", PASSWORD)

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    event = AuditEvent.objects.get(action="core.auth.token_issued")
    assert event.actor_id == user.pk
    assert event.unit_id == world.unit("d1b1").pk
    assert event.target_id == str(user.pk)


def test_second_request_returns_the_same_token(world, api_client):
    first = post_token(api_client, "d1.chief", PASSWORD).json()["token"]
    second = post_token(api_client, "d1.chief", PASSWORD).json()["token"]

    assert first == second
    assert AuditEvent.objects.filter(action="core.auth.token_issued").count() == 2


def test_wrong_password_is_refused_counted_by_axes_and_audited(world, api_client):
    response = post_token(api_client, "d1b1.officer", "Wrong-Password-1")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_credentials", "detail": "用户名或密码错误"}
    assert AccessAttempt.objects.get(username="d1b1.officer").failures_since_start == 1
    assert AuditEvent.objects.filter(action="core.auth.login_failed", actor_username="d1b1.officer").exists()
    assert not Token.objects.exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(world, api_client):
    response = post_token(api_client, "nobody", PASSWORD)

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_credentials", "detail": "用户名或密码错误"}


def test_missing_password_is_a_validation_error_with_field_messages(world, api_client):
    response = api_client.post(TOKEN_URL, {"username": "d1b1.officer"}, format="json")

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["detail"] == "提交的数据有误，请检查后重试"
    assert list(body["fields"]) == ["password"]
    assert body["fields"]["password"] == ["该字段是必填项。"]
    assert not AccessAttempt.objects.exists()  # not an authentication attempt


def test_inactive_user_is_refused(world, api_client):
    user = world.user("d1b1.officer")
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = post_token(api_client, "d1b1.officer", PASSWORD)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not Token.objects.exists()


def test_five_failures_lock_the_account_even_for_the_right_password(world, api_client):
    for _ in range(4):
        assert post_token(api_client, "d1b1.officer", "Wrong-Password-1").status_code == 400

    fifth = post_token(api_client, "d1b1.officer", "Wrong-Password-1")
    right = post_token(api_client, "d1b1.officer", PASSWORD)

    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Content-Type"] == "application/json"  # not axes' HTML lockout page
        body = response.json()
        assert body["code"] == "account_locked"
        assert body["detail"] == "登录失败次数过多，账号已被锁定 15 分钟，请稍后再试或联系系统管理员"
    assert not Token.objects.exists()
    # Other accounts are not affected (lockout is per account).
    assert post_token(api_client, "d1b2.officer", PASSWORD).status_code == 200


def test_lock_ends_after_fifteen_minutes(world, api_client):
    for _ in range(5):
        post_token(api_client, "d1b1.officer", "Wrong-Password-1")
    assert post_token(api_client, "d1b1.officer", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert post_token(api_client, "d1b1.officer", PASSWORD).status_code == 200


def test_success_resets_the_failure_count(world, api_client):
    for _ in range(4):
        post_token(api_client, "d1b1.officer", "Wrong-Password-1")
    assert post_token(api_client, "d1b1.officer", PASSWORD).status_code == 200

    for _ in range(4):
        assert post_token(api_client, "d1b1.officer", "Wrong-Password-1").status_code == 400
    assert post_token(api_client, "d1b1.officer", PASSWORD).status_code == 200


def test_token_header_authenticates(world, api_client):
    token = post_token(api_client, "d1b1.officer", PASSWORD).json()["token"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["username"] == "d1b1.officer"


def test_unknown_token_is_401_json(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["detail"]


def test_token_of_a_deactivated_user_stops_working(world, token_client):
    user = world.user("d1b1.officer")
    client = token_client(user)
    assert client.get(ME_URL).status_code == 200

    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [ME_URL, "/api/v1/units/", "/api/v1/units/1/", "/api/schema/"])
def test_anonymous_gets_401_json_with_code(world, api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "未登录或登录已失效，请先登录或提供有效的令牌"}


def test_session_authenticates_the_browser(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.user("d1.chief"))

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["username"] == "d1.chief"


def test_session_requests_that_change_state_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.user("d1.chief"))

    response = client.post(ME_URL, {}, format="json")

    assert response.status_code == 403
    assert response.json() == {"code": "csrf_failed", "detail": "CSRF 校验失败，请刷新页面后重试"}


def test_token_endpoint_works_from_a_signed_in_browser_without_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.user("d1.chief"))

    response = post_token(client, "d1.chief", PASSWORD)

    assert response.status_code == 200
