"""API-only writes. Authentication itself (django-axes, backends) happens in the view, which owns the request."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.orgs.models import User


@transaction.atomic
def token_issue(*, actor: User, ip: str | None = None) -> Token:
    """Give an authenticated, active user his API token (one per user; an existing one is returned)."""
    if not actor.is_active:
        raise DomainError("账号已停用，不能签发令牌", code="inactive_user")
    token, created = Token.objects.get_or_create(user=actor)
    audit_record(
        actor=actor,
        action="core.auth.token_issued",
        target=actor,
        unit=actor.unit,
        after={"created": created},
        ip=ip,
    )
    return token
