"""pytest plugin: `client.force_login(user)` stands for a complete sign-in, second factor included.

Registered from the root conftest.py (`pytest_plugins = ["xinfang.core.otp_testing"]`). Production code is not
changed by it: the session a forced login creates is marked the way a real sign-in marks it after the TOTP step
(xinfang.core.otp.mark_verified with a confirmed device of that user), so SecondFactorMiddleware lets it through.
Accounts that need no second factor get the "none" state, exactly as LoginView sets it, which also keeps the
pages' query counts what they were (the middleware reads the state from the session).

The real two-step sign-in (password, then code) is tested through /login/ and /otp/verify/ in
xinfang/core/tests/test_security_otp.py, which never uses force_login for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def complete_second_factor(client: Any, user: Any) -> None:
    from django.http import HttpRequest
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xinfang.core import otp
    from xinfang.core.scope import forget_grants

    session = client.session
    if otp.factor_needed(user):
        device = otp.totp_device(user) or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        request = HttpRequest()
        request.session = session
        request.user = user
        otp.mark_verified(request, device)
    else:
        session[otp.STATE_KEY] = otp.NONE
    session.save()
    forget_grants(user)  # the test may change the user's posts before its next request


@pytest.fixture(autouse=True)
def _force_login_completes_second_factor(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from django.test import Client

    original = Client.force_login

    def force_login(self: Any, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        complete_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    yield
