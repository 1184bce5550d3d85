"""Scope (R-SEC, REQUIREMENTS §0): walking the whole OpenAPI schema as a user of another branch, no endpoint lists
or shows a unit, a user or a case outside the caller's scope.

The units, users and cases of the d1 branch carry a marker in their names and titles; a caller in the d2 branch
GETs every operation of the schema — every list (with its filters left open, and with `page_size` large), and every
detail / sub-resource with the ids of the d1 objects in each path parameter. The marker must never appear in any
answer, and the detail answers must be "not found" (404), never 200. New endpoints are walked automatically."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from xinfang.cases.models import Attachment, Case
from xinfang.orgs.models import Post, Unit, User

MARKER = "越界标记"
CALLERS = ["d2b1.officer", "d2.chief", "d2.leader"]
OUTSIDE_UNITS = ["d1", "d1b1", "d1b2"]


@pytest.fixture
def marked_world(world: Any, settings: Any, tmp_path: Any) -> dict[str, list[int]]:
    from xinfang.cases.models import Status
    from xinfang.cases.tests.factories import advance, register

    settings.MEDIA_ROOT = tmp_path / "media"
    for code in OUTSIDE_UNITS:
        unit = world.unit(code)
        Unit.objects.filter(pk=unit.pk).update(name=f"{MARKER}{unit.name}")
        User.objects.filter(unit=unit).update(name=Concat_marker())
    cases = []
    for code in ("d1b1", "d1b2", "d1"):
        case = register(
            world,
            code,
            title=f"{MARKER}反映消防通道被占用",
            received_on=datetime.date(2026, 9, 1),
            attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 marker")],
        )
        cases.append(case)
    advance(world, cases[0], Status.DELIVERED, accepted_on=datetime.date(2026, 9, 2))  # letters generated too
    # Something in the caller's own branch, so the lists are not empty.
    register(world, "d2b1", title="本辖区事项", received_on=datetime.date(2026, 9, 1))
    outside_users = list(User.objects.filter(unit__code__in=OUTSIDE_UNITS).values_list("pk", flat=True))
    return {
        "unit": [world.unit(c).pk for c in OUTSIDE_UNITS],
        "user": outside_users,
        "post": list(Post.objects.filter(user_id__in=outside_users).values_list("pk", flat=True)),
        "case": [c.pk for c in cases],
        "attachment": list(Attachment.objects.filter(case__in=cases).values_list("pk", flat=True)),
    }


def Concat_marker() -> Any:
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    return Concat(Value(MARKER), F("name"))


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def operations(schema: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(path, path parameter names) of every GET operation."""
    found = []
    for path, item in schema["paths"].items():
        if "get" in item:
            found.append((path, re.findall(r"{(\w+)}", path)))
    return found


@pytest.mark.parametrize("caller", CALLERS)
def test_no_endpoint_shows_units_users_or_cases_outside_the_callers_scope(world, marked_world, caller):
    client = client_for(world.user(caller))
    schema = client.get("/api/schema/?format=json").json()
    ops = operations(schema)
    assert len(ops) >= 30
    leaks: list[str] = []
    lists = details = 0
    all_outside = sorted({pk for pks in marked_world.values() for pk in pks})
    for path, params in ops:
        if not params:
            lists += 1
            for query in ("", "?page_size=1000", "?include_inactive=true&active=false", "?q=" + MARKER):
                r = client.get(path + query)
                assert r.status_code < 500, (path + query, r.status_code)
                if MARKER in r.content.decode("utf-8", "replace"):
                    leaks.append(f"GET {path}{query} -> {r.status_code}")
            continue
        # Details and sub-resources: every path parameter set to the id of each outside object.
        for pk in all_outside:
            url = path
            for name in params:
                url = url.replace("{" + name + "}", "pdf" if name == "fmt" else str(pk))
            r = client.get(url)
            details += 1
            assert r.status_code < 500, (url, r.status_code)
            body = (
                r.content.decode("utf-8", "replace") if r.get("Content-Type", "").startswith("application/json") else ""
            )
            if MARKER in body or (r.status_code == 200 and _is_outside_object(url, pk, marked_world)):
                leaks.append(f"GET {url} -> {r.status_code}")
    assert lists >= 15 and details >= 50
    assert not leaks, f"{caller} sees objects outside his scope:\n  " + "\n  ".join(leaks)


def _is_outside_object(url: str, pk: int, marked: dict[str, list[int]]) -> bool:
    """A 200 on /units/<pk>/, /users/<pk>/, /cases/<pk>/… for an outside pk of that kind is a leak even when the
    answer happens not to repeat the marker (e.g. a file download)."""
    for kind, prefix in (("unit", "/units/"), ("user", "/users/"), ("case", "/cases/"), ("post", "/posts/")):
        if prefix in url and pk in marked[kind]:
            return True
    return "/attachments/" in url and pk in marked["attachment"]


def test_the_marker_is_visible_to_someone_in_scope(world, marked_world):
    """Guard: the same walk as d1's chief does find the marked objects (so the test above can fail)."""
    client = client_for(world.user("d1.chief"))
    assert MARKER in client.get("/api/v1/units/").content.decode()
    assert MARKER in client.get("/api/v1/cases/").content.decode()
    assert client.get(f"/api/v1/cases/{marked_world['case'][0]}/").status_code == 200
    assert Case.objects.filter(title__startswith=MARKER).count() == 3
