"""Per-IP rate limits of the portal (abuse limits, R6.6), counted in Django's default cache through the shared
helper xinfang.core.security.rate_limit (the sign-in page and the token endpoint use the same one).

Configurable in settings as "count/seconds" strings; "" or "0" turns a limit off:
    XINFANG_PORTAL_SUBMIT_LIMIT   default "5/3600"  (petitions submitted per address per hour)
    XINFANG_PORTAL_QUERY_LIMIT    default "20/600"  (progress queries per address per 10 minutes, right or wrong)
Under the test runner (settings.TESTING) the defaults are off unless a test sets them.

The client address is REMOTE_ADDR, or the header named by XINFANG_CLIENT_IP_HEADER when a trusted reverse
proxy sets it. The counters are shared by all worker processes when the default cache is (settings: a
file-based cache outside tests).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from xinfang.core.security import client_address, parse_limit, rate_limit

DEFAULTS = {"submit": "5/3600", "query": "20/600"}

__all__ = ["DEFAULTS", "client_address", "hit", "limit_for", "parse_limit"]


def _raw(name: str) -> str:
    raw = getattr(settings, f"XINFANG_PORTAL_{name.upper()}_LIMIT", None)
    if raw is None:
        raw = "" if getattr(settings, "TESTING", False) else DEFAULTS.get(name, "")
    return str(raw)


def limit_for(name: str) -> tuple[int, int] | None:
    return parse_limit(_raw(name))


def hit(request: Any, name: str) -> int | None:
    """Count one attempt of `name` from the request's address. None when allowed, else the seconds until the
    window ends (the attempt is refused)."""
    return rate_limit(request, f"portal:{name}", _raw(name))
