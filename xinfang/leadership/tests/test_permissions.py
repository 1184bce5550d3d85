"""Permission matrix of every leadership page and endpoint × the seven users of tests/test_permission_matrix.py, with
objects of brigade d1b1: d1b1.officer in scope, d1b2.officer beside it (404), d1.chief above it, the three admins
(with their second factor verified) holding no leadership permission (403; the 系统管理员 keeps the quotas page).
Empty POSTs: a form page answers 200 with its errors, the API 400; a write without the permission at that object is
403. These rows are also handed to the project-wide matrix."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix import R, Row, app_routes, assert_row
from tests.matrix import no_kwargs as _none
from xinfang.leadership import services
from xinfang.leadership.tests.factories import case, meeting, ownership, reception, sign_in, supervision, today


def _unit(w: Any) -> dict[str, Any]:
    return {"pk": w.unit("d1b1").pk}


def _meeting(w: Any) -> dict[str, Any]:
    return {"pk": meeting(w, "d1b1", today()).pk}


def _minutes(w: Any) -> dict[str, Any]:
    m = services.meeting_record(
        actor=w.user("d1b1.officer"),
        unit=w.unit("d1b1"),
        held_on=today(),
        topics="议题",
        decisions="决定",
        minutes=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 m"),
    )
    return {"pk": m.pk}


def _day(w: Any) -> dict[str, Any]:
    day = services.reception_day_plan(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), leader=w.user("d1b1.chief"), planned_on=today()
    )
    return {"pk": day.pk}


def _day_action(w: Any) -> dict[str, Any]:
    return {**_day(w), "action": "publish"}


def _reception(w: Any) -> dict[str, Any]:
    return {"pk": reception(w, "d1b1", "d1b1.chief", today()).pk}


def _ownership(w: Any) -> dict[str, Any]:
    return {"pk": ownership(w, case(w, "d1b1"), "d1b1.chief", "d1b1.chief").pk}


def _supervision(w: Any) -> dict[str, Any]:
    return {"pk": supervision(w, case(w, "d1b1")).pk}


# name: (kwargs, GET statuses, POST statuses) in the order of tests.matrix.USERS.
MATRIX: dict[str, Row] = {
    "leadership:board": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:board-unit": (_unit, [R, 200, 404, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:compliance": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:compliance-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:quotas": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "leadership:meeting-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:meeting-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:meeting-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "leadership:meeting-detail": (_meeting, [R, 200, 404, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:meeting-minutes": (_minutes, [R, 200, 404, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:day-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:day-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:day-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "leadership:day-detail": (_day, [R, 200, 404, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:day-action": (_day_action, [R, 405, 405, 405, 403, 403, 403], [R, 302, 404, 302, 403, 403, 403]),
    "leadership:reception-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:reception-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:reception-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "leadership:reception-detail": (_reception, [R, 200, 404, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:reception-link-case": (
        _reception,
        [R, 405, 405, 405, 403, 403, 403],
        [R, 200, 404, 200, 403, 403, 403],
    ),
    "leadership:ownership-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:ownership-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:ownership-create": (_none, [R, 403, 403, 200, 403, 403, 403], [R, 403, 403, 200, 403, 403, 403]),
    "leadership:ownership-detail": (_ownership, [R, 200, 404, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:ownership-progress": (_ownership, [R, 405, 405, 405, 403, 403, 403], [R, 200, 404, 200, 403, 403, 403]),
    "leadership:ownership-settle": (_ownership, [R, 405, 405, 405, 403, 403, 403], [R, 403, 404, 200, 403, 403, 403]),
    "leadership:ownership-letter": (_ownership, [R, 405, 405, 405, 403, 403, 403], [R, 302, 404, 302, 403, 403, 403]),
    "leadership:supervision-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:supervision-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "leadership:supervision-create": (_none, [R, 403, 403, 200, 403, 403, 403], [R, 403, 403, 200, 403, 403, 403]),
    "leadership:supervision-detail": (
        _supervision,
        [R, 200, 404, 200, 403, 403, 403],
        [R, 405, 405, 405, 403, 403, 403],
    ),
    "leadership:supervision-progress": (
        _supervision,
        [R, 405, 405, 405, 403, 403, 403],
        [R, 200, 404, 200, 403, 403, 403],
    ),
    "leadership:supervision-lift": (_supervision, [R, 405, 405, 405, 403, 403, 403], [R, 403, 404, 403, 403, 403, 403]),
    "api:meeting-list": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 400, 400, 400, 403, 403, 403]),
    "api:meeting-detail": (_meeting, [401, 200, 404, 200, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:meeting-minutes": (_minutes, [401, 200, 404, 200, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:reception-day-list": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 400, 400, 400, 403, 403, 403]),
    "api:reception-day-detail": (_day, [401, 200, 404, 200, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:reception-list": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 400, 400, 400, 403, 403, 403]),
    "api:reception-detail": (_reception, [401, 200, 404, 200, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:ownership-list": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 403, 403, 400, 403, 403, 403]),
    "api:ownership-detail": (_ownership, [401, 200, 404, 200, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:ownership-progress": (_ownership, [401, 405, 405, 405, 403, 403, 403], [401, 400, 404, 400, 403, 403, 403]),
    "api:ownership-settle": (_ownership, [401, 405, 405, 405, 403, 403, 403], [401, 403, 404, 400, 403, 403, 403]),
    "api:supervision-list": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 403, 403, 400, 403, 403, 403]),
    "api:supervision-detail": (_supervision, [401, 200, 404, 200, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:supervision-progress": (
        _supervision,
        [401, 405, 405, 405, 403, 403, 403],
        [401, 400, 404, 400, 403, 403, 403],
    ),
    "api:supervision-lift": (_supervision, [401, 405, 405, 405, 403, 403, 403], [401, 403, 404, 403, 403, 403, 403]),
    "api:compliance": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 405, 405, 405, 405, 405, 405]),
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def test_every_leadership_route_is_in_the_matrix() -> None:
    api = ("meeting-", "reception-", "ownership-", "supervision-", "compliance")
    assert app_routes(namespaces=("leadership",), api_prefixes=api) == set(MATRIX)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name: str, method: str, world: Any, client: Any) -> None:
    assert_row(client, world, name, method, MATRIX[name], sign_in=sign_in, objects_per_user=True)
