"""Permission-matrix rows of the dashboard and its API, for tests/test_permission_matrix.py (`MATRIX.update(ROWS)`):
url name -> (kwargs, GET statuses, POST statuses), the statuses in the order of the matrix's USERS:
    anonymous, d1b1.officer, d1b2.officer, d1.chief, sysadmin, secadmin, auditor
Everyone who may see cases has his own unit's dashboard; the three admins handle no cases (403). A unit outside the
caller's scope (?unit=) is 404: xinfang/dashboard/tests/test_views.py."""

from __future__ import annotations

from typing import Any

R = 302


def _none(w: Any) -> dict[str, Any]:
    return {}


ROWS: dict[str, tuple[Any, list[int], list[int]]] = {
    "dashboard:index": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "api:dashboard": (_none, [401, 200, 200, 200, 403, 403, 403], [401, 405, 405, 405, 405, 405, 405]),
}
