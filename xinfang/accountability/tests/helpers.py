"""Test helpers shared by the incidents and accountability tests: rows built directly (a hand-built year of cases
with exactly the dates a test needs) and extra posts (领导小组、业务处室) the root world does not have."""

from __future__ import annotations

import datetime
from typing import Any

from xinfang.cases.models import Case, Evaluation, Kind, Opinion, Status
from xinfang.cases.tests.factories import CaseFactory
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date
OUTSIDE = D(2023, 6, 1)  # a date outside every year the tests assess


def person(world: Any, username: str, role: str, code: str) -> User:
    """A user with one post `role` at unit `code` (created once; e.g. "c.group" 领导小组, "c.dept" 业务处室)."""
    unit = world.unit(code)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password="x", name=username, unit=unit)
        world.users[username] = user
    Post.objects.get_or_create(user=user, unit=unit, role=role, defaults={"start_on": D(2020, 1, 1)})
    return user


def group(world: Any, code: str = "c") -> User:
    return person(world, f"{code}.group", Role.GROUP, code)


def dept(world: Any, code: str = "c") -> User:
    return person(world, f"{code}.dept", Role.DEPARTMENT, code)


def case(world: Any, code: str, **fields: Any) -> Case:
    """A case row at unit `code` with the given fields; every date not given lies outside the assessed years."""
    defaults: dict[str, Any] = {
        "unit": world.unit(code),
        "registered_by": world.user(f"{code}.officer"),
        "received_on": OUTSIDE,
        "ack_from": OUTSIDE,
        "ack_due": OUTSIDE,
        "status": Status.REGISTERED,
    }
    defaults.update(fields)
    return CaseFactory(**defaults)


def opinion(
    c: Case,
    *,
    result: str = "explain",
    issued_on: D | None = None,
    delivered_on: D | None = None,
    disposition: str = "",
) -> Opinion:
    """An opinion row; a 复查/复核 opinion's `disposition` (uphold/change/revoke) of the opinion it reviews."""
    officer = c.registered_by
    return Opinion.objects.create(
        case=c,
        result=result,
        disposition=disposition,
        request_summary=c.title,
        facts="事实",
        opinion="意见",
        legal_basis="依据",
        drafted_by=officer,
        drafted_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        issued_on=issued_on,
        delivered_on=delivered_on,
    )


def evaluate(c: Case, rating: str, on: D) -> Evaluation:
    return Evaluation.objects.create(case=c, rating=rating, on=on)


def review_of(world: Any, parent: Case, code: str, *, kind: str = Kind.REVIEW, **fields: Any) -> Case:
    return case(world, code, kind=kind, parent_case=parent, ack_due=None, status=Status.ACCEPTED, **fields)


def token_client(user: User) -> Any:
    """An APIClient sending `Authorization: Token <key>` for the user."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
