"""GET /api/v1/units/ and /api/v1/units/{id}/: the scope engine through the API."""

from __future__ import annotations

import pytest

from xinfang.orgs.models import Level, Unit
from xinfang.orgs.roles import ROLE_PERMISSIONS, Role

UNITS_URL = "/api/v1/units/"


def unit_url(unit_id) -> str:
    return f"{UNITS_URL}{unit_id}/"


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def add_stations(parent: Unit, count: int) -> None:
    for i in range(count):
        unit = Unit.objects.create(
            code=f"{parent.code}s{i}", name=f"{parent.name}{i}站", level=Level.STATION, parent=parent
        )
        unit.path = f"{parent.path}{unit.pk}/"
        unit.depth = parent.depth + 1
        unit.save(update_fields=["path", "depth"])


def test_brigade_officer_sees_only_his_brigade(world, token_client):
    response = token_client(world.user("d1b1.officer")).get(UNITS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    d1b1 = world.unit("d1b1")
    assert body["results"] == [
        {
            "id": d1b1.pk,
            "code": "d1b1",
            "name": "甲市一区大队",
            "level": "brigade",
            "level_label": "大队",
            "parent": world.unit("d1").pk,
            "is_active": True,
            "path": d1b1.path,
        }
    ]


def test_brigade_officer_gets_404_for_sibling_and_parent_units(world, token_client):
    client = token_client(world.user("d1b1.officer"))

    assert client.get(unit_url(world.unit("d1b1").pk)).status_code == 200
    for code in ("d1b2", "d1", "c", "d2b1"):
        response = client.get(unit_url(world.unit(code).pk))
        assert response.status_code == 404, code
        assert response.json() == {"code": "not_found", "detail": "对象不存在或不在您的权限范围内"}


@pytest.mark.parametrize("pk", ["999999", "abc"])
def test_nonexistent_unit_is_404_like_an_out_of_scope_one(world, token_client, pk):
    response = token_client(world.user("c.chief")).get(unit_url(pk))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detachment_chief_sees_his_detachment_and_its_brigades(world, token_client):
    client = token_client(world.user("d1.chief"))

    assert codes(client.get(UNITS_URL)) == ["d1", "d1b1", "d1b2"]
    assert client.get(unit_url(world.unit("d1b2").pk)).json()["code"] == "d1b2"
    assert client.get(unit_url(world.unit("d2").pk)).status_code == 404


def test_top_level_unit_has_null_parent(world, token_client):
    response = token_client(world.user("c.chief")).get(unit_url(world.unit("c").pk))

    assert response.json()["parent"] is None


def test_auditor_holds_only_the_audit_permission_and_sees_no_units(world, token_client):
    assert ROLE_PERMISSIONS[Role.AUDITOR] == frozenset({"core.audit.view"})
    client = token_client(world.user("auditor"))

    response = client.get(UNITS_URL)

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get(unit_url(world.unit("c").pk)).status_code == 404


def test_filter_by_level(world, token_client):
    response = token_client(world.user("d1.chief")).get(UNITS_URL, {"level": "brigade"})

    assert codes(response) == ["d1b1", "d1b2"]


def test_filter_by_name_or_code(world, token_client):
    client = token_client(world.user("c.chief"))

    assert codes(client.get(UNITS_URL, {"q": "乙市"})) == ["d2", "d2b1", "d2b2"]
    assert codes(client.get(UNITS_URL, {"q": "D1B"})) == ["d1b1", "d1b2"]


def test_filter_by_active_flag(world, token_client):
    Unit.objects.filter(code="d1b2").update(is_active=False)
    client = token_client(world.user("d1.chief"))

    assert codes(client.get(UNITS_URL)) == ["d1", "d1b1", "d1b2"]
    assert codes(client.get(UNITS_URL, {"active": "true"})) == ["d1", "d1b1"]
    assert codes(client.get(UNITS_URL, {"active": "false"})) == ["d1b2"]


def test_bad_filter_is_a_400_with_field_errors(world, token_client):
    response = token_client(world.user("d1.chief")).get(UNITS_URL, {"level": "galaxy", "active": "maybe"})

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["detail"] == "提交的数据有误，请检查后重试"
    assert set(body["fields"]) == {"level", "active"}
    assert body["fields"]["level"] == ["“galaxy” 不是合法选项。"]


def test_list_is_paginated_by_fifty(world, token_client):
    add_stations(world.unit("d1b1"), 54)
    client = token_client(world.user("d1b1.officer"))

    first = client.get(UNITS_URL).json()
    second = client.get(UNITS_URL, {"page": 2}).json()

    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert first["next"].endswith("?page=2")
    assert len(second["results"]) == 5
    assert second["next"] is None


@pytest.mark.parametrize("units", [3, 30])
def test_list_query_count_does_not_grow_with_units(world, token_client, django_assert_num_queries, units):
    add_stations(world.unit("d1b1"), units - 1)  # d1b1 itself plus its stations
    client = token_client(world.user("d1b1.officer"))
    client.get(UNITS_URL)  # warms Django's process-wide ContentType cache, as in a running server

    # 1 token + user, 2 the user's active posts (grants), 3 explicit shares of units,
    # 4 count for the paginator, 5 the page of units.
    with django_assert_num_queries(5):
        response = client.get(UNITS_URL)

    assert response.json()["count"] == units
    assert len(response.json()["results"]) == units


def _subtree(code: str) -> set[str]:
    from conftest import UNIT_TREE

    children: dict[str, list[str]] = {}
    for child, _name, _level, parent in UNIT_TREE:
        if parent:
            children.setdefault(parent, []).append(child)
    found, todo = set(), [code]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def test_permission_matrix_every_user_by_every_unit(world, token_client):
    """Business roles see their unit's subtree; sysadmin and secadmin all units; the auditor none."""
    for username, user in world.users.items():
        home, _, role = username.rpartition(".")
        if username in ("sysadmin", "secadmin"):
            expected = _subtree("c")
        elif username == "auditor":
            expected = set()
        else:
            assert role in ("officer", "chief", "leader")
            expected = _subtree(home)
        client = token_client(user)

        assert set(codes(client.get(UNITS_URL))) == expected, username
        for code, unit in world.units.items():
            status = client.get(unit_url(unit.pk)).status_code
            assert status == (200 if code in expected else 404), (username, code, status)
