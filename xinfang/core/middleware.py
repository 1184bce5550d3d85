from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
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


RENEWED_KEY = "_xf_renewed"


class SessionRenewalMiddleware:
    """Idle expiry without a session write on every request: a live session is renewed (saved, so its expiry moves to
    now + SESSION_COOKIE_AGE) when its last renewal is SESSION_RENEW_SECONDS old or more. A session idle for
    SESSION_COOKIE_AGE therefore ends after between AGE − RENEW and AGE seconds of inactivity; the three statements
    of a session save are spared on all other requests. Must sit just after SessionMiddleware (its response phase
    runs first, before SessionMiddleware saves)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = int(getattr(settings, "SESSION_RENEW_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            last = session.get(RENEWED_KEY, 0)
            if not isinstance(last, int) or now - last >= self.interval:
                session[RENEWED_KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
