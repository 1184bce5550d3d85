"""Writes of the documents app: allocate a 文号, generate a document version, verify, download.

A generated document is never changed: its files are rendered once from the frozen `DocumentSpec`
(stored as `context`), hashed, and kept; regenerating makes version n+1.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.documents.layout_docx import render_docx
from xinfang.documents.layout_pdf import render_pdf
from xinfang.documents.letters import default_number_prefix
from xinfang.documents.models import FORMATS, DocumentNumber, GeneratedDocument
from xinfang.documents.spec import (
    TEMPLATE_VERSION,
    DocumentSpec,
    format_number,
    spec_from_context,
    spec_to_context,
)

logger = logging.getLogger(__name__)

STORAGE_DIR = "documents"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def number_allocate(*, unit: Any, year: int, prefix: str) -> str:
    """The next 发文字号 of `unit` for `year` and `prefix` ("江消信告〔2026〕3号"), gap-free.

    The counter row is locked (select_for_update) until the caller's transaction ends, so a number
    is used exactly once, and returns to the pool if that transaction rolls back.
    """
    prefix = prefix.strip()
    if not prefix:
        raise DomainError("机关代字不能为空", code="number_prefix_required", field="prefix")
    if not 2000 <= year <= 2999:
        raise DomainError("年度无效", code="number_year_invalid", field="year")
    counter = DocumentNumber.objects.select_for_update().filter(unit=unit, year=year, prefix=prefix).first()
    if counter is None:
        try:
            with transaction.atomic():
                DocumentNumber.objects.create(unit=unit, year=year, prefix=prefix, last=0)
        except IntegrityError:
            pass  # created by a concurrent transaction a moment ago
        counter = DocumentNumber.objects.select_for_update().get(unit=unit, year=year, prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(prefix, year, counter.last)


@dataclass(frozen=True)
class RenderedFiles:
    docx: bytes
    pdf: bytes


def document_render(spec: DocumentSpec) -> RenderedFiles:
    """Render both formats from a spec. Pure: stores nothing."""
    return RenderedFiles(docx=render_docx(spec), pdf=render_pdf(spec))


def _write(fmt: str, data: bytes, today: datetime.date) -> str:
    """Store under MEDIA_ROOT/documents/<yyyy>/<random>.<fmt>; returns the storage name."""
    name = f"{STORAGE_DIR}/{today:%Y}/{secrets.token_hex(16)}.{fmt}"
    saved = default_storage.save(name, ContentFile(data))
    return saved


def _remove(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort, the sweep catches what is left
            logger.exception("could not remove %s", name)


def _lock_owner(owner: models.Model) -> None:
    """Serialize version numbering per owner: lock the owner's row for the transaction."""
    type(owner)._base_manager.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True).first()


@transaction.atomic
def document_generate(
    *,
    actor: Any,
    owner: models.Model,
    unit: Any,
    spec: DocumentSpec,
    number_prefix: str | None = None,
    request: Any = None,
) -> GeneratedDocument:
    """Render `spec` to DOCX and PDF, store both with their sha256, record the next version for owner+kind.

    `unit` is the issuing unit (its subtree sees the document). An empty `spec.number` is filled with
    the unit's next 文号 for `number_prefix` (default: `default_number_prefix(unit.name, spec.kind)`),
    inside this transaction. If anything fails, nothing is left: no row, no number, no file.
    """
    if owner is None or owner.pk is None:
        raise DomainError("公文必须属于一个已保存的对象", code="document_owner_required")
    spec.validate()
    _lock_owner(owner)
    today = timezone.localdate()
    if not spec.number:
        prefix = number_prefix or default_number_prefix(unit.name, spec.kind)
        spec = spec.with_number(number_allocate(unit=unit, year=spec.date.year, prefix=prefix))

    context = spec_to_context(spec)
    # Render from the snapshot itself, so that the stored context is exactly what the files show.
    files = document_render(spec_from_context(context))

    ct = ContentType.objects.get_for_model(owner)
    last = (
        GeneratedDocument._base_manager.filter(content_type=ct, object_id=owner.pk, kind=spec.kind)
        .aggregate(m=Max("version"))
        .get("m")
    )
    written: list[str] = []
    try:
        docx_name = _write("docx", files.docx, today)
        written.append(docx_name)
        pdf_name = _write("pdf", files.pdf, today)
        written.append(pdf_name)
        doc = GeneratedDocument(
            content_type=ct,
            object_id=owner.pk,
            unit=unit,
            kind=spec.kind,
            title=spec.title,
            number=spec.number,
            version=(last or 0) + 1,
            context=context,
            template_version=TEMPLATE_VERSION,
            docx_sha256=sha256_hex(files.docx),
            pdf_sha256=sha256_hex(files.pdf),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        doc.docx.name = docx_name
        doc.pdf.name = pdf_name
        with transaction.atomic():
            doc.save()
            audit_record(
                actor=actor,
                action="documents.document.generated",
                target=doc,
                unit=unit,
                after={
                    "owner": f"{ct.app_label}.{ct.model}:{owner.pk}",
                    "kind": doc.kind,
                    "number": doc.number,
                    "version": doc.version,
                    "docx_sha256": doc.docx_sha256,
                    "pdf_sha256": doc.pdf_sha256,
                    "template_version": doc.template_version,
                },
                request=request,
            )
    except BaseException:
        _remove(written)
        raise
    return doc


@transaction.atomic
def document_regenerate(
    *, actor: Any, document: GeneratedDocument, spec: DocumentSpec | None = None, request: Any = None
) -> GeneratedDocument:
    """A new version of `document` (same owner, kind and 文号): from `spec`, or from the stored snapshot
    rendered again with the current template. The earlier version stays exactly as it was."""
    new_spec = spec or spec_from_context(document.context)
    if new_spec.kind != document.kind:
        raise DomainError("重新生成不能改变公文种类", code="document_kind_changed", field="kind")
    if not new_spec.number:
        new_spec = new_spec.with_number(document.number)
    owner = document.owner
    if owner is None:
        raise DomainError("公文所属对象已不存在，无法重新生成", code="document_owner_required")
    return document_generate(actor=actor, owner=owner, unit=document.unit, spec=new_spec, request=request)


@dataclass(frozen=True)
class VerifyResult:
    docx_ok: bool
    pdf_ok: bool

    @property
    def ok(self) -> bool:
        return self.docx_ok and self.pdf_ok


def _stored_sha256(name: str) -> str | None:
    try:
        with default_storage.open(name, "rb") as fh:
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except (FileNotFoundError, OSError):
        return None


def document_verify(document: GeneratedDocument) -> VerifyResult:
    """Recompute the sha256 of both stored files and compare them with the recorded ones."""
    return VerifyResult(
        docx_ok=_stored_sha256(document.docx.name) == document.docx_sha256,
        pdf_ok=_stored_sha256(document.pdf.name) == document.pdf_sha256,
    )


def document_download(*, actor: Any, document: GeneratedDocument, fmt: str, request: Any = None) -> bytes:
    """The stored bytes of one format, checked against the recorded sha256; audited.

    A file that no longer matches its hash is refused (DomainError code "document_tampered") and the
    refusal is audited, so a changed file is never handed out as the issued document.
    """
    if fmt not in FORMATS:
        raise DomainError("不支持的文件格式", code="document_format", field="fmt")
    name = document.file(fmt).name
    try:
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
    except (FileNotFoundError, OSError):
        data = None
    ok = data is not None and sha256_hex(data) == document.sha256(fmt)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="documents.document.downloaded" if ok else "documents.document.integrity_failed",
            target=document,
            unit=document.unit,
            after={"format": fmt, "sha256": document.sha256(fmt), "version": document.version},
            request=request,
        )
    if not ok or data is None:
        raise DomainError("公文文件缺失或已被改动，无法下载，请联系管理员", code="document_tampered")
    return data


def documents_sweep_orphans(*, older_than: datetime.timedelta = datetime.timedelta(hours=1)) -> list[str]:
    """Remove stored files no row refers to (left when an outer transaction rolled back after writing).

    Only files older than `older_than` are touched, so a generation in progress is never disturbed.
    """
    referenced = set(GeneratedDocument._base_manager.values_list("docx", flat=True)) | set(
        GeneratedDocument._base_manager.values_list("pdf", flat=True)
    )
    cutoff = timezone.now() - older_than
    removed: list[str] = []
    try:
        years, _ = default_storage.listdir(STORAGE_DIR)
    except FileNotFoundError:
        return removed
    for year in years:
        _, names = default_storage.listdir(f"{STORAGE_DIR}/{year}")
        for name in names:
            path = f"{STORAGE_DIR}/{year}/{name}"
            if path in referenced:
                continue
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed.append(path)
    return removed
