"""Shared pieces of the per-app permission-matrix tests (xinfang/<app>/tests/test_permissions.py).

A row is `name: (kwargs, GET statuses, POST statuses)`, statuses in the order of USERS — the same seven users as
tests/test_permission_matrix.py: anonymous, an officer of brigade d1b1 (in scope), an officer of the sibling brigade
d1b2 (out of scope: 404), the detachment chief above (in scope), and the three admins (三员分立). `kwargs(world)`
builds the row's object (of brigade d1b1) and answers the URL keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse

USERS = ["anonymous", "d1b1.officer", "d1b2.officer", "d1.chief", "sysadmin", "secadmin", "auditor"]
R = 302  # to the sign-in page (pages); the API answers 401

Kw = Callable[[Any], dict[str, Any]]
Row = tuple[Kw, list[int], list[int]]
SignIn = Callable[[Any, Any], None]


def no_kwargs(w: Any) -> dict[str, Any]:
    """The kwargs of a route without an object."""
    return {}


def _force_login(client: Any, user: Any) -> None:
    client.force_login(user)  # the second factor too (xinfang.core.otp_testing)


def assert_row(
    client: Any,
    world: Any,
    name: str,
    method: str,
    row: Row,
    *,
    sign_in: SignIn = _force_login,
    objects_per_user: bool = False,
) -> None:
    """Request route `name` with `method` as each of USERS and compare the statuses with the row's.

    Each request runs in a savepoint that is rolled back, so a POST changes nothing the next user sees. The row's
    objects are built once, before the first request; with `objects_per_user`, again inside each savepoint."""
    kwargs, get_codes, post_codes = row
    expected = get_codes if method == "get" else post_codes
    url = "" if objects_per_user else reverse(name, kwargs=kwargs(world))
    got = []
    for username in USERS:
        with transaction.atomic():
            target = url or reverse(name, kwargs=kwargs(world))
            client.logout()
            if username != "anonymous":
                sign_in(client, world.user(username))
            got.append(getattr(client, method)(target).status_code)
            transaction.set_rollback(True)
    assert got == expected, f"{method.upper()} {url or name}: {dict(zip(USERS, got, strict=True))}"


def app_routes(*, namespaces: tuple[str, ...] = (), api_prefixes: tuple[str, ...] = ()) -> set[str]:
    """The URL names of these namespaces' pages and of the API routes whose names start with one of `api_prefixes`
    (for the check that every route of an app has a row)."""
    from tests.test_permission_matrix import _route_names

    pages = tuple(f"{ns}:" for ns in namespaces)
    return {
        n
        for n in _route_names()
        if n.startswith(pages) or (n.startswith("api:") and n.removeprefix("api:").startswith(api_prefixes))
    }
