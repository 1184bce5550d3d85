"""The seam between the reception ledger and case registration ("open a case from the reception").

The reception page links to the case registration page with the visit prefilled (channel=visit, the reception's
date, its matter as title and content) and `reception=<id>`; after the case is registered, the registration view
calls `link_registered_case`, which links it back to the reception through the leadership service. Personal data
never travels in the URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from xinfang.core.errors import DomainError

TITLE_MAX = 200
CONTENT_MAX = 5000


def _title(matter: str) -> str:
    first = (matter or "").strip().splitlines()[0] if (matter or "").strip() else ""
    return first[:60]


def case_register_url(reception: Any) -> str:
    """cases:case-register with the visit prefilled and the reception to link back to."""
    query = {
        "channel": "visit",
        "received_on": reception.received_on.isoformat(),
        "title": _title(reception.matter)[:TITLE_MAX],
        "content": (reception.matter or "").strip()[:CONTENT_MAX],
        "reception": reception.pk,
    }
    return f"{reverse('cases:case-register')}?{urlencode(query)}"


def link_registered_case(*, actor: Any, reception_id: str, case: Any, request: Any = None) -> tuple[bool, str]:
    """Link a just-registered case to the reception it came from. Returns (linked, message for the user)."""
    from xinfang.leadership.models import RECORD_PERM
    from xinfang.leadership.selectors import access_reception
    from xinfang.leadership.services import reception_link_case

    if not str(reception_id).isdigit():
        return False, ""
    try:
        reception = access_reception(actor, int(reception_id), RECORD_PERM)
        reception_link_case(actor=actor, reception=reception, case=case, request=request)
    except (Http404, PermissionDenied):
        return False, "未能关联接访记录：接访记录不存在或您无权修改。"
    except DomainError as e:
        return False, f"未能关联接访记录：{e.message}"
    return True, "已关联到领导接访记录。"
