"""Per-IP rate limits on submit and query (configurable; counted in Django's cache)."""

from __future__ import annotations

from django.urls import reverse

from xinfang.cases.models import Case
from xinfang.portal import ratelimit
from xinfang.portal.tests.helpers import petition


def test_query_attempts_are_limited_per_ip(world, client, settings):
    settings.XINFANG_PORTAL_QUERY_LIMIT = "3/600"
    data = {"number": "c-2026-0001", "code": "X" * 12, "last4": "1234"}
    codes = [client.post(reverse("portal:query"), data).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post(reverse("portal:query"), data)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "操作过于频繁" in limited.content.decode()
    # another address is not affected
    assert client.post(reverse("portal:query"), data, REMOTE_ADDR="10.0.0.9").status_code == 200
    # reading the form is not counted
    assert client.get(reverse("portal:query")).status_code == 200


def test_submissions_are_limited_per_ip(world, client, settings):
    settings.XINFANG_PORTAL_SUBMIT_LIMIT = "2/3600"
    codes = [client.post(reverse("portal:submit"), petition(world, title=f"事项{i}")).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert Case.objects.count() == 2


def test_a_trusted_proxy_header_names_the_client(rf, settings):
    settings.XINFANG_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = rf.get("/", HTTP_X_REAL_IP="203.0.113.7", REMOTE_ADDR="10.0.0.1")
    assert ratelimit.client_address(request) == "203.0.113.7"


def test_limits_are_parsed_and_can_be_turned_off(settings):
    assert ratelimit.parse_limit("5/3600") == (5, 3600)
    assert ratelimit.parse_limit("") is None and ratelimit.parse_limit("0") is None
    assert ratelimit.parse_limit("x/y") is None
    settings.XINFANG_PORTAL_QUERY_LIMIT = ""
    assert ratelimit.limit_for("query") is None
    settings.TESTING = False
    del settings.XINFANG_PORTAL_QUERY_LIMIT
    assert ratelimit.limit_for("query") == (20, 600)
    assert ratelimit.limit_for("submit") == (5, 3600)
