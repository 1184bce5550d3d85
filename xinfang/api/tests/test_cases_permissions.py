"""Permission matrix of the cases API: every route × role × in/out of scope, with the expected status.

Same users and conventions as tests/test_permission_matrix.py (which lists these routes as tested here): the
objects belong to brigade d1b1 — d1b1.officer is in scope, d1b2.officer (a sibling brigade) is out of scope
(404), d1.chief is in scope from above (主官: may approve and register, does not handle), the three admins hold
no case permission (三员分立: 404 on every case). POSTs send an empty form, so an allowed caller gets the
shape error (400) — which shows the request passed the scope (404) and permission (403) checks. Each request
runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from xinfang.api.cases_views import API_ACTIONS
from xinfang.cases import documents as glue
from xinfang.cases import services
from xinfang.cases.tests.factories import register
from xinfang.documents.models import GeneratedDocument

USERS = ["anonymous", "d1b1.officer", "d1b2.officer", "d1.chief", "sysadmin", "secadmin", "auditor"]
A = 401  # the API answers 401 to an anonymous caller
M = [A] + [405] * 6  # method not allowed (after authentication)

HANDLE = [A, 400, 404, 403, 404, 404, 404]  # cases.case.handle at the handling unit
APPROVE = [A, 403, 404, 400, 404, 404, 404]  # cases.case.approve at the handling unit
ABOVE = [A, 403, 404, 400, 404, 404, 404]  # cases.case.register at the unit one level up (d1)
VIEW = [A, 200, 404, 200, 404, 404, 404]  # the case is visible
IN_SCOPE_FORM = [A, 400, 404, 400, 404, 404, 404]  # visible; the service checks the permission itself
ALL = [A, 200, 200, 200, 200, 200, 200]

STEP_CODES = {
    "accept": HANDLE,
    "decline": HANDLE,
    "divert": HANDLE,
    "forward": HANDLE,
    "object": HANDLE,
    "agree_objection": HANDLE,  # the sending unit's; without a transfer, the handling unit's
    "reject_objection": HANDLE,
    "extend": HANDLE,
    "record_hearing": HANDLE,
    "draft_opinion": HANDLE,
    "return_opinion": APPROVE,
    "approve_opinion": APPROVE,
    "issue_opinion": HANDLE,
    "deliver": HANDLE,
    "evaluate": HANDLE,
    "carry_out": HANDLE,
    "conclude": HANDLE,
    "request_review": ABOVE,
}
assert set(STEP_CODES) == set(API_ACTIONS)


def _case(objects: dict) -> dict:
    return {"pk": objects["case"].pk}


def _none(objects: dict) -> dict:
    return {}


# name: (kwargs, GET statuses, POST statuses) — statuses in the order of USERS.
MATRIX: dict[str, tuple[Callable[[dict], dict], list[int], list[int]]] = {
    "api:case-list": (_none, ALL, [A, 400, 400, 400, 400, 400, 400]),  # POST: registration, shape first
    "api:case-detail": (_case, VIEW, M),
    "api:case-documents": (_case, VIEW, M),
    "api:case-attachments": (_case, M, IN_SCOPE_FORM),
    "api:case-attachment-download": (
        lambda o: {"pk": o["case"].pk, "attachment_id": o["attachment"].pk},
        VIEW,
        M,
    ),
    "api:case-assign-handler": (_case, M, IN_SCOPE_FORM),
    "api:case-declare-interest": (_case, M, IN_SCOPE_FORM),
    "api:case-reset-query-code": (_case, M, VIEW),  # no body: the register permission suffices
    "api:case-repeat-candidates": (_none, M, ALL),  # scoped search; finds nothing out of scope
    "api:topic-list": (_none, ALL, M),
    "api:document-download": (lambda o: {"pk": o["document"].pk, "fmt": "pdf"}, VIEW, M),
    **{f"api:case-{path}": (_case, M, STEP_CODES[action]) for action, path in API_ACTIONS.items()},
}


@pytest.fixture
def objects(world, settings, tmp_path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "files"
    glue.connect()
    officer = world.user("d1b1.officer")
    case = register(world)
    services.case_accept(actor=officer, case=case, accepted_on=case.received_on)
    attachment = services.attachment_add(
        actor=officer, case=case, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 a", content_type="application/pdf")
    )
    document = GeneratedDocument.objects.get(kind="acceptance_notice")
    return {"case": case, "attachment": attachment, "document": document}


def test_every_cases_api_route_is_in_the_matrix() -> None:
    from django.urls import get_resolver

    names = {
        f"api:{name}"
        for name in get_resolver("xinfang.api.urls").reverse_dict
        if isinstance(name, str) and (name.startswith(("case-", "topic-")) or name == "document-download")
    }
    assert names == set(MATRIX)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name: str, method: str, world: Any, objects: dict, client: Any) -> None:
    kwargs, get_codes, post_codes = MATRIX[name]
    url = reverse(name, kwargs=kwargs(objects))
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
