"""Permission-matrix rows of the portal, for tests/test_permission_matrix.py (`MATRIX.update(ROWS)`), statuses in
the order of the matrix's USERS: anonymous, d1b1.officer, d1b2.officer, d1.chief, sysadmin, secadmin, auditor.

The public pages answer everybody alike (no sign-in; a signed-in staff member is just another visitor); the pages
of a verified query redirect to the query form (GET progress) or answer 404 (a document) without a verified
session. The channel upkeep is core.settings.manage (the sysadmin)."""

from __future__ import annotations

from typing import Any

R = 302
ALL = 7


def _none(w: Any) -> dict[str, Any]:
    return {}


def _document(w: Any) -> dict[str, Any]:
    return {"pk": 1}  # no verified session: 404 whatever the id


def _channel(w: Any) -> dict[str, Any]:
    from xinfang.portal.models import PublicChannel

    return {"pk": PublicChannel.objects.create(unit=w.unit("d1b1"), kind="phone", value="0791-1234567").pk}


ROWS: dict[str, tuple[Any, list[int], list[int]]] = {
    "portal:index": (_none, [200] * ALL, [405] * ALL),
    "portal:submit": (_none, [200] * ALL, [200] * ALL),  # POST without data: the form with its errors
    "portal:submitted": (_none, [200] * ALL, [405] * ALL),
    "portal:query": (_none, [200] * ALL, [200] * ALL),
    "portal:progress": (_none, [R] * ALL, [405] * ALL),
    "portal:evaluate": (_none, [405] * ALL, [R] * ALL),
    "portal:review": (_none, [405] * ALL, [R] * ALL),
    "portal:document": (_document, [404] * ALL, [405] * ALL),
    "portal:leave": (_none, [405] * ALL, [R] * ALL),
    "portal:manage-channels": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "portal:manage-channel-edit": (_channel, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "portal:manage-channel-delete": (_channel, [R, 403, 403, 403, 405, 403, 403], [R, 403, 403, 403, 302, 403, 403]),
}
