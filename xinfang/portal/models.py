"""The public side (R6.6): what the corps publishes about its petition channels (条例 Art 18: 信访工作机构的
通信地址、电子信箱、投诉电话、信访接待的时间和地点 …). Cases themselves live in the cases app; the portal
registers and reads them through the cases services and selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from xinfang.core.scope import ScopedQuerySet

MANAGE_PERM = "core.settings.manage"


class ChannelKind(models.TextChoices):
    ADDRESS = "address", "来信地址"
    VISIT = "visit", "来访接待地点"
    HOURS = "hours", "接待时间"
    PHONE = "phone", "投诉电话"
    EMAIL = "email", "电子信箱"
    WEBSITE = "website", "网站"
    OTHER = "other", "其他"


class PublicChannelQuerySet(ScopedQuerySet["PublicChannel"]):
    scope_path_lookup = "unit__path"
    view_perm = MANAGE_PERM

    def published(self) -> PublicChannelQuerySet:
        return self.filter(published=True, unit__is_active=True)


class PublicChannel(models.Model):
    """One published way to reach a unit's petition office."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=16, choices=ChannelKind.choices)
    value = models.CharField("内容", max_length=200)
    note = models.CharField("说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=100)
    published = models.BooleanField("公开", default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="维护人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PublicChannelQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "order", "kind", "id"]
        verbose_name = "公开信访渠道"
        verbose_name_plural = "公开信访渠道"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.value}"

    @property
    def scope_unit(self) -> Any:
        return self.unit

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit_id,
            "kind": self.kind,
            "value": self.value,
            "note": self.note,
            "order": self.order,
            "published": self.published,
        }
