from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class SingleSessionMiddleware:
    """One account, one live sign-in (等保三级): a newer sign-in ends this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            current = getattr(user, "current_session_key", "")
            if current and request.session.session_key and current != request.session.session_key:
                logout(request)
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse(
                        {"code": "session_replaced", "detail": "该账号已在其他地方登录，本会话已结束。"}, status=401
                    )
                messages.warning(request, "该账号已在其他地方登录，本会话已结束。如非本人操作，请立即修改密码。")
                return redirect("login")
        return self.get_response(request)
