"""The scope engine (REQUIREMENTS §0): a user sees and acts on his own unit and the units below it,
nothing beside or above it, except objects explicitly shared with him.

- `Model.objects.visible_to(user)` is the ONE scoped queryset every list, detail, API and export
  starts from (models declare `scope_path_lookup` and `view_perm`).
- `has_perm(user, perm, unit)`: a post at `unit` or above whose role grants `perm`.
- `access_object(...)`: not visible -> 404 (same as nonexistent); visible but not allowed -> 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from xinfang.orgs.models import Unit

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Grant:
    unit_id: int
    unit_path: str
    role: str
    perms: frozenset[str]


def active_posts(user: Any) -> list[Any]:
    """The user's posts active today with their units, ordered by unit path — fetched once per request (cached on
    the user object) for both the grants below and the page header's list of posts."""
    if user is None or not user.is_authenticated:
        return []
    cached = user.__dict__.get("_xf_posts")
    if cached is None:
        from xinfang.orgs.models import Post

        cached = list(Post.objects.active().filter(user_id=user.pk).select_related("unit").order_by("unit__path"))
        user.__dict__["_xf_posts"] = cached
    return list(cached)


def user_grants(user: Any) -> list[Grant]:
    """The user's active posts (at active units) as grants, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_xf_grants", None)
    if cached is not None:
        return list(cached)
    from xinfang.orgs.roles import ROLE_PERMISSIONS

    grants = [
        Grant(unit_id=p.unit_id, unit_path=p.unit.path, role=p.role, perms=ROLE_PERMISSIONS.get(p.role, frozenset()))
        for p in active_posts(user)
        if p.unit.is_active
    ]
    user._xf_grants = grants
    return list(grants)


def forget_grants(user: Any) -> None:
    for key in ("_xf_grants", "_xf_posts", "_xf_shares", "_xf_case_scope"):
        user.__dict__.pop(key, None)


def scope_paths(user: Any, perm: str) -> list[str]:
    """Unit paths (without nested duplicates) under which `user` holds `perm`."""
    paths = sorted({g.unit_path for g in user_grants(user) if perm in g.perms})
    result: list[str] = []
    for p in paths:
        if not any(p.startswith(r) for r in result):
            result.append(p)
    return result


def has_perm(user: Any, perm: str, unit: Unit | None = None) -> bool:
    """Does `user` hold `perm` at `unit` (through a post there or above)? unit=None: anywhere."""
    for g in user_grants(user):
        if perm not in g.perms:
            continue
        if unit is None or unit.path.startswith(g.unit_path):
            return True
    return False


def has_any_perm(user: Any, perm: str) -> bool:
    return has_perm(user, perm, None)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """Declare `scope_path_lookup` (lookup to the unit path, e.g. "unit__path") and `view_perm`."""

    scope_path_lookup: str = "unit__path"
    view_perm: str = ""

    def visible_to(self, user: Any, perm: str | None = None) -> Self:
        perm = perm or self.view_perm
        paths = scope_paths(user, perm)
        condition = Q(pk__in=[]) if not paths else Q()
        for i, p in enumerate(paths):
            q = Q(**{f"{self.scope_path_lookup}__startswith": p})
            condition = q if i == 0 else condition | q
        shared = shared_ids(user, self.model)
        if shared:
            condition |= Q(pk__in=shared)
        return self.filter(condition)


def shared_ids(user: Any, model: type[models.Model]) -> list[int]:
    """Ids of the `model` objects explicitly shared with `user` (unexpired) — one query per request for all models."""
    if user is None or not user.is_authenticated:
        return []
    cache: dict[int, list[int]] | None = user.__dict__.get("_xf_shares")
    if cache is None:
        from django.utils import timezone

        from xinfang.core.models import Share

        cache = {}
        for ct_id, object_id in (
            Share.objects.filter(user_id=user.pk)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()))
            .values_list("content_type_id", "object_id")
        ):
            cache.setdefault(ct_id, []).append(object_id)
        user.__dict__["_xf_shares"] = cache
    from django.contrib.contenttypes.models import ContentType

    return list(cache.get(ContentType.objects.get_for_model(model).pk, []))


def scope_unit_of(obj: Any) -> Unit:
    """The unit whose subtree an object belongs to (models expose `scope_unit`)."""
    return obj.scope_unit


def access_object(queryset: ScopedQuerySet[M], user: Any, pk: Any, perm: str, view_perm: str | None = None) -> M:
    """Fetch through the scope: outside scope -> 404; in scope without `perm` -> 403."""
    try:
        obj = queryset.visible_to(user, view_perm).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("对象不存在或不在您的权限范围内") from None
    if perm and not has_perm(user, perm, scope_unit_of(obj)) and not _shared_perm(user, obj, perm, view_perm):
        raise PermissionDenied("您无权进行此操作")
    return obj


def _shared_perm(user: Any, obj: models.Model, perm: str, view_perm: str | None) -> bool:
    # An explicit share grants viewing only.
    view = view_perm or getattr(type(obj).objects, "view_perm", "")  # type: ignore[attr-defined]
    return perm == view and obj.pk in shared_ids(user, type(obj))
