from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's unit and posts, shown in the header of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from xinfang.orgs.selectors import user_posts

    return {"shell_posts": user_posts(user)}
