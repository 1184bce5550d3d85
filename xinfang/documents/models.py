"""Generated documents (R6.3): one immutable row per rendered version, with its frozen context and sha256."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from xinfang.core.scope import ScopedQuerySet

FORMATS = ("docx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class GeneratedDocumentQuerySet(ScopedQuerySet["GeneratedDocument"]):
    """Scoped by the issuing unit; a document is also hidden whenever its owner is hidden.

    The second condition lets the owner's own scope rules reach its documents without this app
    knowing them: e.g. a 检举控告 case kept from the accused unit's staff (Art 30) keeps its letters
    from them too. Owners whose manager has no `visible_to` are not restricted further.
    """

    scope_path_lookup = "unit__path"
    view_perm = "cases.case.view"

    def visible_to(self, user: Any, perm: str | None = None) -> GeneratedDocumentQuerySet:
        qs = super().visible_to(user, perm)
        condition = Q(pk__in=[])
        # The owner types that have documents: one index probe per content type (a DISTINCT over the documents
        # would read every row — 23 ms at 230,000 documents).
        type_ids = (
            ContentType.objects.filter(
                Exists(GeneratedDocument._base_manager.filter(content_type_id=OuterRef("pk")).order_by())
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for type_id in type_ids:
            owner_model = ContentType.objects.get_for_id(type_id).model_class()
            if owner_model is None:
                continue  # the owner's model no longer exists: nothing to show
            owner_manager = owner_model._default_manager
            if hasattr(owner_manager, "visible_to"):
                visible_owners = owner_manager.visible_to(user).order_by().values("pk")
                condition |= Q(content_type_id=type_id, object_id__in=visible_owners)
            else:
                condition |= Q(content_type_id=type_id)
        return qs.filter(condition)  # type: ignore[return-value]

    def for_owner(self, owner: models.Model) -> GeneratedDocumentQuerySet:
        ct = ContentType.objects.get_for_model(owner)
        return self.filter(content_type=ct, object_id=owner.pk)

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("已生成的公文不可修改，请重新生成新版本")

    def delete(self) -> Any:
        raise PermissionError("已生成的公文不可删除")


class GeneratedDocument(models.Model):
    """One version of one generated document (a notice, a letter, an opinion) belonging to an owner.

    `context` is the frozen `DocumentSpec` the files were rendered from; the files are never
    rendered again in place: regenerating makes version n+1 and leaves version n as it was.
    """

    content_type = models.ForeignKey(ContentType, verbose_name="所属对象类型", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField("所属对象ID")
    owner = GenericForeignKey("content_type", "object_id")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="generated_documents"
    )
    kind = models.CharField("文种", max_length=50)
    title = models.CharField("标题", max_length=200)
    number = models.CharField("文号", max_length=100, blank=True, db_index=True)
    version = models.PositiveIntegerField("版本")
    context = models.JSONField("生成内容快照")
    template_version = models.CharField("模板版本", max_length=50)
    docx = models.FileField("DOCX文件", max_length=255)
    pdf = models.FileField("PDF文件", max_length=255)
    docx_sha256 = models.CharField("DOCX SHA-256", max_length=64)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now, db_index=True)

    objects = GeneratedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "公文"
        verbose_name_plural = "公文"
        indexes = [models.Index(fields=["content_type", "object_id", "kind"], name="documents_owner_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "version"], name="documents_owner_kind_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="documents_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number or '无文号'}，第{self.version}版）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("已生成的公文不可修改，请重新生成新版本")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("已生成的公文不可删除")

    @property
    def scope_unit(self) -> Any:
        return self.unit

    def sha256(self, fmt: str) -> str:
        return self.docx_sha256 if fmt == "docx" else self.pdf_sha256

    def file(self, fmt: str) -> Any:
        return self.docx if fmt == "docx" else self.pdf

    def download_url(self, fmt: str = "pdf") -> str:
        return reverse("documents:download", kwargs={"pk": self.pk, "fmt": fmt})

    def download_filename(self, fmt: str) -> str:
        number = f"（{self.number}）" if self.number else ""
        return f"{self.title}{number}-第{self.version}版.{fmt}"


class DocumentNumber(models.Model):
    """The 发文字号 counter of one unit, year and 机关代字: allocated gap-free under select_for_update."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    prefix = models.CharField("机关代字", max_length=30)
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文号计数"
        verbose_name_plural = "文号计数"
        constraints = [models.UniqueConstraint(fields=["unit", "year", "prefix"], name="documents_number_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.last}号"
