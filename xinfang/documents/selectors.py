"""Reads of the documents app. Every read starts from GeneratedDocument.objects.visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.db import models

from xinfang.core.scope import access_object
from xinfang.documents.models import GeneratedDocument, GeneratedDocumentQuerySet

VIEW_PERM = "cases.case.view"


def access_document(user: Any, pk: Any, perm: str = VIEW_PERM) -> GeneratedDocument:
    """Not visible -> 404 (as if it did not exist); visible without `perm` -> 403."""
    return access_object(GeneratedDocument.objects.select_related("unit"), user, pk, perm)


def document_list(
    *, user: Any, owner: models.Model | None = None, kind: str | None = None, latest_only: bool = False
) -> GeneratedDocumentQuerySet:
    """The documents `user` may see, newest first; optionally of one owner and/or kind.

    latest_only: only the newest version of each owner+kind.
    """
    qs = GeneratedDocument.objects.visible_to(user).select_related("unit", "created_by")
    if owner is not None:
        qs = qs.for_owner(owner)
    if kind:
        qs = qs.filter(kind=kind)
    if latest_only:
        newer = GeneratedDocument._base_manager.filter(
            content_type_id=models.OuterRef("content_type_id"),
            object_id=models.OuterRef("object_id"),
            kind=models.OuterRef("kind"),
            version__gt=models.OuterRef("version"),
        )
        qs = qs.filter(~models.Exists(newer))
    return qs.order_by("kind", "-version", "-id")


def documents_of(owner: models.Model) -> GeneratedDocumentQuerySet:
    """All versions of an owner's documents, unscoped: for a caller that has already fetched the owner
    through its own access check (e.g. the case detail page and API)."""
    return GeneratedDocument.objects.for_owner(owner).select_related("unit").order_by("kind", "-version", "-id")


def document_latest(*, owner: models.Model, kind: str) -> GeneratedDocument | None:
    """The newest version of one kind for an owner (unscoped, as documents_of)."""
    return GeneratedDocument.objects.for_owner(owner).filter(kind=kind).order_by("-version").first()


def document_summary(document: GeneratedDocument) -> dict[str, Any]:
    """The fields a list or the API shows for one document version (kind, 文号, hashes, download URLs)."""
    return {
        "id": document.pk,
        "kind": document.kind,
        "title": document.title,
        "number": document.number,
        "version": document.version,
        "unit": document.unit_id,
        "created_at": document.created_at,
        "sha256": document.pdf_sha256,
        "docx_sha256": document.docx_sha256,
        "pdf_sha256": document.pdf_sha256,
        "docx_url": document.download_url("docx"),
        "pdf_url": document.download_url("pdf"),
    }
