"""Extension points only: sign-in events go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from xinfang.core.audit import audit_record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # One account, one live sign-in: remember this session; older ones are ended by the middleware.
    if request is not None and hasattr(request, "session"):
        if not request.session.session_key:
            request.session.save()
        type(user).objects.filter(pk=user.pk).update(current_session_key=request.session.session_key or "")
        user.current_session_key = request.session.session_key or ""
    audit_record(
        actor=user, action="core.auth.logged_in", target=user, unit=getattr(user, "unit", None), request=request
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action="core.auth.logged_out", target=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    audit_record(
        actor=None,
        actor_username=username,
        action="core.auth.login_failed",
        target=user,
        request=request,
    )
