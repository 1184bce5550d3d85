"""Rate limits (R-SEC): per source address on the sign-in page and the API token endpoint, on top of
django-axes' per-account lockout (5 failures -> 15 minutes). Counted in Django's cache; "count/seconds" settings.
The portal's submit and query limits are tested in xinfang/portal/tests/test_ratelimit.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from conftest import PASSWORD
from xinfang.core.security import parse_limit, rate_limit

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def clean_counters():
    cache.clear()
    yield
    cache.clear()


def test_sign_in_is_limited_per_address_across_accounts(world, client, settings):
    settings.XINFANG_LOGIN_RATE_LIMIT = "4/300"
    # Four different accounts (so axes' per-account lockout never triggers), one address.
    for name in ("d1b1.officer", "d1b2.officer", "d2b1.officer", "d2b2.officer"):
        r = client.post("/login/", {"username": name, "password": "Wrong-Pass-123"}, REMOTE_ADDR="10.0.0.7")
        assert r.status_code == 200
    r = client.post("/login/", {"username": "d1.officer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 429
    assert "过于频繁" in r.content.decode() and int(r["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session  # even the right password does not sign in now
    # Another address is not affected.
    r = client.post("/login/", {"username": "d1.officer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert r.status_code == 302


def test_viewing_the_sign_in_page_is_not_counted(world, client, settings):
    settings.XINFANG_LOGIN_RATE_LIMIT = "1/300"
    for _ in range(5):
        assert client.get("/login/").status_code == 200
    assert client.post("/login/", {"username": "d1.officer", "password": PASSWORD}).status_code == 302


def test_the_token_endpoint_is_limited_per_address(world, api_client, settings):
    settings.XINFANG_TOKEN_RATE_LIMIT = "3/300"
    for name in ("d1b1.officer", "d1b2.officer", "d2b1.officer"):
        r = api_client.post(TOKEN_URL, {"username": name, "password": "Wrong-Pass-123"}, format="json")
        assert r.status_code == 400
    r = api_client.post(TOKEN_URL, {"username": "d1.officer", "password": PASSWORD}, format="json")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited" and int(r["Retry-After"]) > 0
    r = api_client.post(
        TOKEN_URL, {"username": "d1.officer", "password": PASSWORD}, format="json", REMOTE_ADDR="10.9.9.9"
    )
    assert r.status_code == 200


def test_a_trusted_proxy_header_names_the_client(world, client, settings):
    settings.XINFANG_LOGIN_RATE_LIMIT = "1/300"
    settings.XINFANG_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client.post("/login/", {"username": "x", "password": "y"}, HTTP_X_REAL_IP="192.0.2.1")
    assert client.post("/login/", {"username": "x", "password": "y"}, HTTP_X_REAL_IP="192.0.2.1").status_code == 429
    assert client.post("/login/", {"username": "x", "password": "y"}, HTTP_X_REAL_IP="192.0.2.2").status_code == 200


def test_the_window_ends(rf, settings, monkeypatch):
    import xinfang.core.security as security

    now = [1_000_000.0]
    monkeypatch.setattr(security.time, "time", lambda: now[0])
    request = rf.post("/login/")
    assert rate_limit(request, "t", "2/60") is None
    assert rate_limit(request, "t", "2/60") is None
    assert rate_limit(request, "t", "2/60") == 20  # 1_000_000 is 40 s into its 60 s window
    now[0] += 60
    assert rate_limit(request, "t", "2/60") is None


@pytest.mark.parametrize(
    ("raw", "parsed"), [("30/300", (30, 300)), ("5", (5, 60)), ("", None), ("0", None), ("x/y", None), ("-1/5", None)]
)
def test_limit_settings_are_parsed(raw, parsed):
    assert parse_limit(raw) == parsed


def test_the_account_lockout_still_applies_from_many_addresses(world, client, settings):
    settings.XINFANG_LOGIN_RATE_LIMIT = ""
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "d1b1.officer", "password": "Wrong-Pass-123"}, REMOTE_ADDR=f"10.1.0.{i}")
    r = client.post("/login/", {"username": "d1b1.officer", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert "_auth_user_id" not in client.session and r.status_code in (200, 403, 429)


def test_the_counters_hold_no_address(rf, monkeypatch):
    """The counters live in a file cache under var/cache: the address enters a cache key only as a keyed hash."""
    import xinfang.core.security as security

    keys: list[str] = []
    real_add = security.cache.add

    def spy(key: str, *args: Any, **kwargs: Any) -> Any:
        keys.append(key)
        return real_add(key, *args, **kwargs)

    monkeypatch.setattr(security.cache, "add", spy)
    first = rf.post("/login/", REMOTE_ADDR="198.51.100.23")
    assert rate_limit(first, "login", "1/300") is None
    assert rate_limit(rf.post("/login/", REMOTE_ADDR="198.51.100.23"), "login", "1/300") is not None  # same counter
    assert rate_limit(rf.post("/login/", REMOTE_ADDR="198.51.100.24"), "login", "1/300") is None  # another one
    assert len(set(keys)) == 2
    assert not [k for k in keys if "198.51.100" in k]
