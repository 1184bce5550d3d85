from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from xinfang.core.scope import access_object, scope_paths
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role


def access_unit(user: Any, unit_id: Any, perm: str = "orgs.unit.view") -> Unit:
    return access_object(Unit.objects.all(), user, unit_id, perm)


def access_user(user: Any, user_id: Any, perm: str = "orgs.user.manage") -> User:
    """Users are scoped by their home unit: visible (orgs.unit.view there) but not manageable -> 403."""
    return access_object(User.objects.all(), user, user_id, perm, view_perm="orgs.unit.view")


def access_post(user: Any, post_id: Any, perm: str = "orgs.post.manage") -> Post:
    return access_object(Post.objects.select_related("unit", "user"), user, post_id, perm)


def unit_list(user: Any, *, include_inactive: bool = True, q: str = "") -> QuerySet[Unit]:
    qs = Unit.objects.visible_to(user).select_related("parent")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return qs.order_by("path")


def drill_down(user: Any, perm: str, units: QuerySet[Unit], chosen: Unit | None = None) -> list[Unit]:
    """The units a unit drop-down offers, among `units` (those the user may pick, under `perm`): the top units of
    his scope and their children, and — once a unit is chosen — its ancestors, itself, its siblings and its
    children, so one drills down level by level. The 局 sees 3,400 units: a list of them all costs a page ~0.3–0.5 s
    to render and nobody scrolls it. Any unit of `units` may still be chosen by id."""
    roots = [int(p.strip("/").split("/")[-1]) for p in scope_paths(user, perm)]
    shown = Q(pk__in=roots) | Q(parent_id__in=roots)
    if chosen is not None:
        shown |= Q(pk__in=chosen.ancestor_ids()) | Q(pk=chosen.pk) | Q(parent_id=chosen.pk)
        if chosen.parent_id is not None:
            shown |= Q(parent_id=chosen.parent_id)
    return list(units.filter(shown).order_by("path"))


def tree_sorted(units: Iterable[Unit]) -> list[Unit]:
    """Depth-first tree order with siblings sorted by code, in Python (no query).

    Ordering by `path` alone keeps each unit after its parent but sorts siblings by id as text
    ("/1/10/" before "/1/9/"); this keeps the first property and orders siblings by their code.
    """
    units = list(units)
    code_by_id = {u.pk: u.code for u in units}

    def key(u: Unit) -> tuple[tuple[str, int], ...]:
        return tuple((code_by_id.get(i, ""), i) for i in [*u.ancestor_ids(), u.pk])

    return sorted(units, key=key)


def user_list(user: Any, *, perm: str = "orgs.user.manage", q: str = "") -> QuerySet[User]:
    active_posts = Post.objects.active().select_related("unit").order_by("unit__path", "role")
    qs = (
        User.objects.visible_to(user, perm)
        .select_related("unit")
        .prefetch_related(Prefetch("posts", queryset=active_posts, to_attr="active_posts"))
    )
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q))
    return qs.order_by("unit__path", "username")


def post_list(user: Any, *, unit: Unit | None = None, include_ended: bool = False) -> QuerySet[Post]:
    qs = Post.objects.visible_to(user).select_related("unit", "user")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if not include_ended:
        qs = qs.active()
    return qs.order_by("unit__path", "role", "user__username")


def user_posts(user: Any, on: datetime.date | None = None) -> list[Post]:
    if not user.is_authenticated:
        return []
    if on is None:
        from xinfang.core.scope import active_posts

        return active_posts(user)  # the request's cached posts (also behind the user's grants)
    return list(Post.objects.active(on).filter(user=user).select_related("unit").order_by("unit__path"))


@dataclass
class ComplianceRow:
    unit: Unit
    chiefs: list[User] = field(default_factory=list)
    leaders: list[User] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def compliance_list(user: Any, on: datetime.date | None = None, *, only_problems: bool = False) -> list[ComplianceRow]:
    """R1.1: every 支队 and 大队 has one 主官; every 支队 has exactly one 分管领导.

    Scoped by `orgs.compliance.view`. Two queries whatever the number of units: the active 支队/大队,
    and the chief/leader posts active on `on` (default today) at those units.
    """
    day = on or timezone.localdate()
    units_qs = (
        Unit.objects.visible_to(user, "orgs.compliance.view")
        .filter(is_active=True, level__in=[Level.DETACHMENT, Level.BRIGADE])
        .order_by("path")
    )
    units = tree_sorted(units_qs)
    posts = (
        Post.objects.active(day)
        .filter(unit__in=units_qs.values("pk"), role__in=[Role.CHIEF, Role.LEADER], user__is_active=True)
        .select_related("user")
        .order_by("start_on", "pk")
    )
    by_unit: dict[int, ComplianceRow] = {u.pk: ComplianceRow(unit=u) for u in units}
    for p in posts:
        row = by_unit.get(p.unit_id)
        if row is None:  # pragma: no cover - the subquery matches the unit list
            continue
        (row.chiefs if p.role == Role.CHIEF else row.leaders).append(p.user)
    rows = list(by_unit.values())
    for row in rows:
        if not row.chiefs:
            row.problems.append("未明确主官（第一责任人）")
        elif len(row.chiefs) > 1:
            row.problems.append(f"主官多于一名（{len(row.chiefs)}名）")
        if row.unit.level == Level.DETACHMENT and len(row.leaders) != 1:
            row.problems.append("未明确分管领导" if not row.leaders else f"分管领导应为一名，现有{len(row.leaders)}名")
    if only_problems:
        rows = [r for r in rows if r.problems]
    return rows
