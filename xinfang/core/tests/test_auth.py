"""Sign-in (issue 2 item 5, R-SEC): Chinese login page, lockout, audit of logins, one live sign-in,
password policy, idle expiry."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from xinfang.core.models import AuditEvent

LOGIN = "/login/"


def _login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def _field_errors(html: str) -> list[str]:
    return [e.strip() for e in re.findall(r'class="invalid-feedback d-block">(.*?)</div>', html, re.S)]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


# --- the login page -----------------------------------------------------------------------------


def test_urls_have_the_agreed_names():
    assert reverse("login") == "/login/"
    assert reverse("logout") == "/logout/"
    assert reverse("password-change") == "/password/"
    assert reverse("home") == "/"


def test_login_page_is_chinese(db, client):
    r = client.get(LOGIN)
    assert r.status_code == 200
    html = r.content.decode()
    assert "信访工作管理系统" in html
    assert "账号" in html and "密码" in html and "登录" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert html.count('type="submit"') == 1  # the browser tests click the only submit button


def test_anonymous_home_redirects_to_login(db, client):
    r = client.get("/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?next=/")


def test_successful_login_goes_home_and_is_audited(world, client):
    r = _login(client, "d1b1.officer", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/"
    assert _signed_in(client)
    event = AuditEvent.objects.filter(action="core.auth.logged_in").latest("id")
    assert event.actor == world.user("d1b1.officer")
    assert event.unit == world.unit("d1b1")
    assert event.ip == "127.0.0.1"


def test_login_redirects_to_next(world, client):
    r = client.post(LOGIN + "?next=/cases/", {"username": "d1b1.officer", "password": PASSWORD, "next": "/cases/"})
    assert r.status_code == 302 and r["Location"] == "/cases/"


def test_an_admin_login_goes_through_the_second_factor_first(world, client):
    r = client.post(LOGIN + "?next=/audit/", {"username": "auditor", "password": PASSWORD, "next": "/audit/"})
    assert r.status_code == 302 and r["Location"] == "/otp/enrol/?next=%2Faudit%2F"


def test_failed_login_is_refused_in_chinese_and_audited(world, client):
    r = _login(client, "d1b1.officer", "wrong-Password-1")
    assert r.status_code == 200
    assert "账号或密码不正确" in r.content.decode()
    assert not _signed_in(client)
    event = AuditEvent.objects.filter(action="core.auth.login_failed").latest("id")
    assert event.actor is None
    assert event.actor_username == "d1b1.officer"
    assert event.target_id == str(world.user("d1b1.officer").pk)


def test_failed_login_for_unknown_account_is_audited(db, client):
    _login(client, "nobody", "wrong-Password-1")
    event = AuditEvent.objects.filter(action="core.auth.login_failed").latest("id")
    assert event.actor_username == "nobody"
    assert event.target_id == ""


def test_inactive_account_cannot_sign_in(world, client):
    user = world.user("d1b1.officer")
    user.is_active = False
    user.save(update_fields=["is_active"])
    r = _login(client, "d1b1.officer", PASSWORD)
    assert r.status_code == 200
    assert not _signed_in(client)


# --- lockout (django-axes): 5 failures -> 15 minutes ---------------------------------------------


def test_five_failures_lock_the_account(world, client):
    for _ in range(4):
        r = _login(client, "d1b1.officer", "wrong-Password-1")
        assert r.status_code == 200
    r = _login(client, "d1b1.officer", "wrong-Password-1")  # the 5th failure locks
    assert r.status_code == 429
    # The 6th attempt, with the right password, is refused too.
    r = _login(client, "d1b1.officer", PASSWORD)
    assert r.status_code == 429
    assert not _signed_in(client)
    html = r.content.decode()
    assert "账号已被锁定" in html
    assert "15分钟" in html
    assert "d1b1.officer" in html
    assert "registration/locked.html" in [t.name for t in r.templates]


def test_lockout_is_per_account(world, client):
    for _ in range(5):
        _login(client, "d1b1.officer", "wrong-Password-1")
    r = _login(client, "d1b2.officer", PASSWORD)
    assert r.status_code == 302
    assert _signed_in(client)


def test_lockout_ends_after_15_minutes(world, client):
    for _ in range(5):
        _login(client, "d1b1.officer", "wrong-Password-1")
    attempt = AccessAttempt.objects.get(username="d1b1.officer")
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert _login(client, "d1b1.officer", PASSWORD).status_code == 429
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    r = _login(client, "d1b1.officer", PASSWORD)
    assert r.status_code == 302
    assert _signed_in(client)


def test_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_TEMPLATE == "registration/locked.html"


# --- one account, one live sign-in ---------------------------------------------------------------


def test_second_sign_in_ends_the_first_session(world):
    first, second = Client(), Client()
    assert _login(first, "d1.chief", PASSWORD).status_code == 302
    assert first.get("/").status_code == 200
    assert _login(second, "d1.chief", PASSWORD).status_code == 302

    r = first.get("/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    r = first.get(r["Location"])
    assert "该账号已在其他地方登录" in r.content.decode()
    assert not _signed_in(first)
    assert second.get("/").status_code == 200


# --- logout -------------------------------------------------------------------------------------


def test_logout_is_post_only_and_audited(world, client):
    _login(client, "d1.chief", PASSWORD)
    assert client.get("/logout/").status_code == 405
    assert _signed_in(client)
    r = client.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="core.auth.logged_out", actor=world.user("d1.chief")).exists()
    assert "您已安全退出" in client.get("/login/").content.decode()


# --- password change ----------------------------------------------------------------------------


NEW_PASSWORD = "Brand-New-Pass-42"


def _change(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        "/password/", {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    )


def test_password_change_requires_sign_in(db, client):
    r = client.get("/password/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_password_change_page_is_chinese(world, client):
    _login(client, "d1.chief", PASSWORD)
    html = client.get("/password/").content.decode()
    assert "修改密码" in html and "原密码" in html and "新密码" in html


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("Ab1!xyz", "10"),  # 7 characters, four classes
        ("abcdefghijkl", "3类"),  # one character class
        ("abcdefgh1234", "3类"),  # two classes
    ],
)
def test_weak_password_is_refused_on_change(world, client, weak, reason):
    _login(client, "d1.chief", PASSWORD)
    r = _change(client, PASSWORD, weak)
    assert r.status_code == 200
    errors = _field_errors(r.content.decode())
    assert errors, "the weak password must be refused with a field error"
    assert any(reason in e for e in errors)
    assert all(_chinese(e) for e in errors), errors  # the UI is Chinese, errors included
    user = world.user("d1.chief")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="orgs.user.password_set").exists()


def test_password_change_with_wrong_old_password_is_refused(world, client):
    _login(client, "d1.chief", PASSWORD)
    r = _change(client, "Not-The-Password-1", NEW_PASSWORD)
    assert r.status_code == 200
    assert "原密码不正确" in r.content.decode()


def test_password_change_mismatch_is_refused(world, client):
    _login(client, "d1.chief", PASSWORD)
    r = _change(client, PASSWORD, NEW_PASSWORD, "Another-Pass-4242")
    assert r.status_code == 200
    assert "两次输入的新密码不一致" in r.content.decode()


def test_password_change_keeps_this_session_and_is_audited(world, client):
    _login(client, "d1.chief", PASSWORD)
    r = _change(client, PASSWORD, NEW_PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/password/done/"
    assert "密码已修改" in client.get(r["Location"]).content.decode()
    # The session key was cycled; the account's live session follows it, so this client stays signed in.
    assert client.get("/").status_code == 200
    user = world.user("d1.chief")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="orgs.user.password_set", actor=user, target_id=str(user.pk)).exists()
    client.post("/logout/")
    assert _login(client, "d1.chief", NEW_PASSWORD).status_code == 302


# --- idle expiry --------------------------------------------------------------------------------


def test_session_settings_give_30_minute_idle_expiry():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # renewal is throttled by SessionRenewalMiddleware
    assert 0 < settings.SESSION_RENEW_SECONDS <= 60


def _age_renewal(client, seconds):
    """Pretend the session's last renewal was `seconds` ago."""
    from xinfang.core.middleware import RENEWED_KEY

    session = client.session
    session[RENEWED_KEY] = int(time.time()) - seconds
    session.save()


def test_a_request_renews_a_session_last_renewed_a_minute_ago_and_an_expired_one_signs_out(world, client):
    _login(client, "d1.chief", PASSWORD)
    key = client.session.session_key
    _age_renewal(client, settings.SESSION_RENEW_SECONDS)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + datetime.timedelta(minutes=29)

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_a_request_soon_after_a_renewal_does_not_write_the_session(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _login(client, "d1.chief", PASSWORD)
    assert client.get("/").status_code == 200  # renews (the login itself counts as the first renewal)
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert not [
        q for q in ctx.captured_queries if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    ]
    assert Session.objects.get(session_key=key).expire_date == before
    _age_renewal(client, settings.SESSION_RENEW_SECONDS + 1)
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date > before
