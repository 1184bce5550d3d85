"""`unread_notifications` for the header badge: counted only when a template uses it (one query)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        from xinfang.notifications.selectors import unread_count

        return unread_count(user)

    return {"unread_notifications": count}
