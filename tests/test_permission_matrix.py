"""Permission matrix: every URL and API endpoint × role × in/out of scope, with the expected status.

The object-bearing routes point at objects of brigade d1b1, so for them
  d1b1.officer is in scope, d1b2.officer (a sibling brigade) is out of scope -> 404,
  d1.chief is in scope from above, the three admins hold only their own jobs (三员分立).
`test_every_route_is_in_the_matrix` fails when a route is added without a row here.
Each request runs in a savepoint that is rolled back, so POSTs don't change what later rows see.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

USERS = ["anonymous", "d1b1.officer", "d1b2.officer", "d1.chief", "sysadmin", "secadmin", "auditor"]
R = 302  # redirect to the login page (pages) — the API answers 401 instead

Kw = Callable[[Any], dict[str, Any]]


def _none(w: Any) -> dict[str, Any]:
    return {}


def _unit(w: Any) -> dict[str, Any]:
    return {"pk": w.unit("d1b1").pk}


def _user(w: Any) -> dict[str, Any]:
    return {"pk": w.user("d1b1.officer").pk}


def _post(w: Any) -> dict[str, Any]:
    from xinfang.orgs.models import Post

    return {"pk": Post.objects.get(user=w.user("d1b1.officer")).pk}


def _day(w: Any) -> dict[str, Any]:
    return {"day": "2027-01-01"}


def _case(w: Any) -> Any:
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinfang.cases.tests.factories import register

    return register(
        w, "d1b1", received_on=datetime.date.today(), attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")]
    )


def _case_pk(w: Any) -> dict[str, Any]:
    return {"pk": _case(w).pk}


def _case_accept(w: Any) -> dict[str, Any]:
    return {"pk": _case(w).pk, "action": "accept"}


def _attachment(w: Any) -> dict[str, Any]:
    return {"pk": _case(w).attachments.get().pk}


# name: (kwargs, GET statuses, POST statuses) — statuses in the order of USERS.
MATRIX: dict[str, tuple[Kw, list[int], list[int]]] = {
    "home": (_none, [R, 200, 200, 200, 200, 200, 200], [R, 405, 405, 405, 405, 405, 405]),
    "login": (_none, [200, R, R, R, R, R, R], [200, R, R, R, R, R, R]),
    "logout": (_none, [405] * 7, [R] * 7),
    "password-change": (_none, [R, 200, 200, 200, 200, 200, 200], [R, 200, 200, 200, 200, 200, 200]),
    "password-change-done": (_none, [R, 200, 200, 200, 200, 200, 200], [R, 405, 405, 405, 405, 405, 405]),
    "audit-list": (_none, [R, 403, 403, 403, 403, 403, 200], [R, 403, 403, 403, 403, 403, 405]),
    "audit-verify": (_none, [R, 403, 403, 403, 403, 403, 200], [R, 403, 403, 403, 403, 403, 200]),
    "calendar": (_none, [R, 200, 200, 200, 200, 403, 403], [R, 405, 405, 405, 405, 405, 405]),
    "calendar_day_set": (_none, [R, 405, 405, 405, 405, 405, 405], [R, 403, 403, 403, 200, 403, 403]),
    "calendar_day_delete": (_day, [R, 405, 405, 405, 405, 405, 405], [R, 403, 403, 403, 302, 403, 403]),
    "calendar_import": (_none, [R, 405, 405, 405, 405, 405, 405], [R, 403, 403, 403, 200, 403, 403]),
    "orgs:unit-tree": (_none, [R, 200, 200, 200, 200, 200, 403], [R, 405, 405, 405, 405, 405, 405]),
    "orgs:unit-create": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "orgs:unit-import": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "orgs:unit-import-template": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 405, 405, 405, 405, 405, 405]),
    "orgs:unit-detail": (_unit, [R, 200, 404, 200, 200, 200, 404], [R, 405, 405, 405, 405, 405, 405]),
    "orgs:unit-rename": (_unit, [R, 403, 404, 403, 200, 403, 404], [R, 403, 404, 403, 200, 403, 404]),
    "orgs:unit-move": (_unit, [R, 403, 404, 403, 200, 403, 404], [R, 403, 404, 403, 200, 403, 404]),
    "orgs:unit-active": (_unit, [R, 405, 405, 405, 405, 405, 405], [R, 403, 404, 403, 302, 403, 404]),
    "orgs:compliance": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 405, 405, 405]),
    "orgs:user-list": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 405, 403, 403]),
    "orgs:user-create": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "orgs:user-detail": (_user, [R, 403, 404, 403, 200, 403, 404], [R, 405, 405, 405, 405, 405, 405]),
    "orgs:user-edit": (_user, [R, 403, 404, 403, 200, 403, 404], [R, 403, 404, 403, 200, 403, 404]),
    "orgs:user-password": (_user, [R, 403, 404, 403, 200, 403, 404], [R, 403, 404, 403, 200, 403, 404]),
    "orgs:user-active": (_user, [R, 405, 405, 405, 405, 405, 405], [R, 403, 404, 403, 302, 403, 404]),
    "orgs:post-list": (_none, [R, 403, 403, 403, 403, 200, 403], [R, 403, 403, 403, 403, 405, 403]),
    "orgs:post-create": (_none, [R, 403, 403, 403, 403, 200, 403], [R, 403, 403, 403, 403, 200, 403]),
    "orgs:post-end": (_post, [R, 403, 404, 403, 403, 200, 404], [R, 403, 404, 403, 403, 200, 404]),
    # Cases (a case registered at brigade d1b1). The admins hold no case permission at all (三员分立).
    "cases:case-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "cases:case-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "cases:my-work": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "cases:case-register": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "cases:repeat-candidates": (_none, [R, 405, 405, 405, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "cases:case-detail": (_case_pk, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "cases:case-reveal": (_case_pk, [R, 405, 405, 405, 405, 405, 405], [R, 200, 404, 200, 404, 404, 404]),
    "cases:case-action": (_case_accept, [R, 200, 404, 403, 404, 404, 404], [R, 200, 404, 403, 404, 404, 404]),
    "cases:attachment-download": (_attachment, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    # Second factor (TOTP). Sessions here are fully signed in, so verify/enrol send enrolled users on.
    "otp-settings": (_none, [R, 200, 200, 200, 200, 200, 200], [R, 405, 405, 405, 405, 405, 405]),
    "otp-verify": (_none, [R, R, R, R, R, R, R], [R, R, R, R, R, R, R]),
    "otp-enrol": (_none, [R, 200, 200, 200, R, R, R], [R, 200, 200, 200, R, R, R]),
    "otp-recovery-codes": (_none, [R, 405, 405, 405, 405, 405, 405], [R, R, R, R, 200, 200, 200]),
    "otp-disable": (_none, [R, 405, 405, 405, 405, 405, 405], [R, R, R, R, R, R, R]),
    "otp-admin": (_none, [R, 403, 403, 403, 403, 200, 403], [R, 403, 403, 403, 403, 405, 403]),
    "otp-reset": (_user, [R, 403, 403, 403, 403, 405, 403], [R, 403, 403, 403, 403, R, 403]),
    "api:me": (_none, [401, 200, 200, 200, 200, 200, 200], [401, 405, 405, 405, 405, 405, 405]),
    "api:unit-list": (_none, [401, 200, 200, 200, 200, 200, 200], [401, 405, 405, 405, 405, 405, 405]),
    "api:unit-detail": (_unit, [401, 200, 404, 200, 200, 200, 404], [401, 405, 405, 405, 405, 405, 405]),
    "api:schema": (_none, [401, 200, 200, 200, 200, 200, 200], [401, 405, 405, 405, 405, 405, 405]),
    "api:docs": (_none, [401, 200, 200, 200, 200, 200, 200], [401, 405, 405, 405, 405, 405, 405]),
    "api:token": (_none, [405] * 7, [400] * 7),
}

# Rows contributed by later parts, asserted here with the same seven users.
for _rows in ("xinfang.notifications.tests.matrix", "xinfang.portal.tests.matrix", "xinfang.dashboard.tests.matrix"):
    MATRIX.update(importlib.import_module(_rows).ROWS)

# Routes tested elsewhere with their own objects (named here so the coverage check knows them).
ELSEWHERE = {
    "documents:download": "xinfang/documents/tests/test_views.py (download matrix)",
    "api:None": "catch-all JSON 404 for unknown API paths (xinfang/api/tests/test_errors.py)",
}

# The cases API has its own matrix over the same seven users (every route × user, with its own case objects).
from xinfang.api.tests.test_cases_permissions import MATRIX as CASES_API_MATRIX  # noqa: E402

ELSEWHERE.update({n: "xinfang/api/tests/test_cases_permissions.py" for n in CASES_API_MATRIX})

# Each later part asserts its own rows (same seven users, its own objects) in its own matrix module.
for _module, _name in (
    ("xinfang.leadership.tests.test_permissions", "MATRIX"),
    ("xinfang.screening.tests.test_permissions", "ROWS"),
    ("xinfang.accountability.tests.test_permissions", "MATRIX"),
):
    _matrix = getattr(importlib.import_module(_module), _name)
    ELSEWHERE.update({n: _module for n in _matrix})


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], ns: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns))
            elif isinstance(p, URLPattern):
                names.add(f"{ns}:{p.name}" if ns else str(p.name))

    walk(get_resolver().url_patterns, None)
    return names


def test_every_route_is_in_the_matrix() -> None:
    missing = sorted(_route_names() - set(MATRIX) - set(ELSEWHERE))
    assert not missing, f"routes without a permission-matrix row: {missing}"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name: str, method: str, world: Any, client: Any) -> None:
    kwargs, get_codes, post_codes = MATRIX[name]
    url = reverse(name, kwargs=kwargs(world))
    expected = get_codes if method == "get" else post_codes
    got = []
    for username in USERS:
        with transaction.atomic():
            client.logout()
            if username != "anonymous":
                client.force_login(world.user(username))
            response = getattr(client, method)(url)
            got.append(response.status_code)
            transaction.set_rollback(True)
    assert got == expected, f"{method.upper()} {url}: {dict(zip(USERS, got, strict=True))}"
