from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from xinfang.core.scope import ScopedQuerySet
from xinfang.orgs.roles import Role


class Level(models.TextChoices):
    BUREAU = "bureau", "消防救援局"
    CORPS = "corps", "总队"
    DETACHMENT = "detachment", "支队"
    BRIGADE = "brigade", "大队"
    STATION = "station", "站"


LEVEL_RANK = {Level.BUREAU: 0, Level.CORPS: 1, Level.DETACHMENT: 2, Level.BRIGADE: 3, Level.STATION: 4}


class UnitQuerySet(ScopedQuerySet["Unit"]):
    scope_path_lookup = "path"
    view_perm = "orgs.unit.view"

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """A unit of the corps. `path` is the materialized path of ids, "/1/4/9/", indexed for subtrees."""

    code = models.CharField("单位代码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "单位"
        verbose_name_plural = "单位"
        indexes = [models.Index(fields=["path"], name="orgs_unit_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    @property
    def rank(self) -> int:
        return LEVEL_RANK[Level(self.level)]

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    @property
    def scope_unit(self) -> Unit:
        return self


class UserQuerySet(ScopedQuerySet["User"]):
    scope_path_lookup = "unit__path"
    view_perm = "orgs.user.manage"


class XinfangUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True


class User(AbstractUser):
    name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # One live sign-in per account: the session key of the latest sign-in.
    current_session_key = models.CharField(max_length=64, blank=True, editable=False)

    objects: ClassVar[XinfangUserManager] = XinfangUserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return f"{self.name or self.username}"

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def scope_unit(self) -> Unit | None:
        return self.unit


class PostQuerySet(ScopedQuerySet["Post"]):
    scope_path_lookup = "unit__path"
    view_perm = "orgs.unit.view"

    def active(self, on: datetime.date | None = None) -> PostQuerySet:
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(Q(start_on__lte=day), Q(end_on__isnull=True) | Q(end_on__gte=day))


class Post(models.Model):
    """A post held by a user at a unit for a period (任职)."""

    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.PROTECT, related_name="posts")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="posts")
    role = models.CharField("岗位", max_length=16, choices=Role.choices)
    remit = models.CharField("分管范围", max_length=200, blank=True, help_text="班子成员“一岗双责”的分管范围")
    start_on = models.DateField("任职起")
    end_on = models.DateField("任职止", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "role", "start_on"]
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        indexes = [models.Index(fields=["user", "end_on"]), models.Index(fields=["unit", "role"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")), name="orgs_post_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}{self.get_role_display()}"

    @property
    def scope_unit(self) -> Unit:
        return self.unit

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_on <= day and (self.end_on is None or self.end_on >= day)

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user_id,
            "unit": self.unit_id,
            "role": self.role,
            "start_on": self.start_on,
            "end_on": self.end_on,
        }
