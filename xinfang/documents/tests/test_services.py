"""The documents engine: versions, immutability, hashes, 文号 allocation, rollback, scope."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from xinfang.core.audit import audit_verify
from xinfang.core.errors import DomainError
from xinfang.core.models import AuditEvent
from xinfang.documents import services
from xinfang.documents.models import DocumentNumber, GeneratedDocument
from xinfang.documents.selectors import document_latest, document_list, document_summary, documents_of
from xinfang.documents.services import (
    document_download,
    document_generate,
    document_regenerate,
    document_verify,
    documents_sweep_orphans,
    number_allocate,
)
from xinfang.documents.spec import spec_from_context

from .conftest import acceptance_spec


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_generated_files_are_stored_outside_the_web_root_with_their_sha256(world, media_root):
    unit = world.unit("d1")
    doc = document_generate(actor=world.user("d1.officer"), owner=unit, unit=unit, spec=acceptance_spec())

    year = datetime.date.today().year
    assert doc.docx.name.startswith(f"documents/{year}/") and doc.docx.name.endswith(".docx")
    assert doc.pdf.name.startswith(f"documents/{year}/") and doc.pdf.name.endswith(".pdf")
    docx_bytes = (Path(media_root) / doc.docx.name).read_bytes()
    pdf_bytes = (Path(media_root) / doc.pdf.name).read_bytes()
    assert docx_bytes[:2] == b"PK" and pdf_bytes[:5] == b"%PDF-"
    assert doc.docx_sha256 == hashlib.sha256(docx_bytes).hexdigest()
    assert doc.pdf_sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    assert document_verify(doc).ok

    assert doc.version == 1
    assert doc.owner == unit and doc.unit == unit
    assert doc.created_by == world.user("d1.officer")
    assert doc.template_version == "gbt9704-2012/1"
    # The context is the frozen spec, 文号 included.
    assert spec_from_context(doc.context) == acceptance_spec().with_number(doc.number)

    event = AuditEvent.objects.get(action="documents.document.generated")
    assert event.target_id == str(doc.pk)
    assert event.after["pdf_sha256"] == doc.pdf_sha256
    assert audit_verify().ok


def test_a_generated_document_cannot_be_changed_or_deleted(world):
    unit = world.unit("d1")
    doc = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    doc.title = "改过的标题"
    with pytest.raises(PermissionError):
        doc.save()
    with pytest.raises(PermissionError):
        doc.delete()
    with pytest.raises(PermissionError):
        GeneratedDocument.objects.filter(pk=doc.pk).update(title="x")
    with pytest.raises(PermissionError):
        GeneratedDocument.objects.filter(pk=doc.pk).delete()
    assert GeneratedDocument.objects.get(pk=doc.pk).title == "信访事项受理告知书"


def test_regenerating_makes_version_2_and_leaves_version_1_intact(world, media_root):
    unit = world.unit("d1")
    v1 = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    v1_docx = (Path(media_root) / v1.docx.name).read_bytes()
    v1_row = GeneratedDocument.objects.values().get(pk=v1.pk)

    corrected = acceptance_spec(matter="某小区消防车通道被长期占用、堵塞")
    v2 = document_regenerate(actor=world.user("d1.officer"), document=v1, spec=corrected)

    assert (v2.version, v2.kind, v2.number, v2.owner) == (2, v1.kind, v1.number, unit)
    assert v2.pk != v1.pk and v2.docx.name != v1.docx.name
    assert "堵塞" in str(v2.context) and "堵塞" not in str(v1.context)
    assert GeneratedDocument.objects.values().get(pk=v1.pk) == v1_row
    assert (Path(media_root) / v1.docx.name).read_bytes() == v1_docx
    assert document_verify(v1).ok and document_verify(v2).ok
    # No second number was taken for the same document.
    assert DocumentNumber.objects.get().last == 1

    v3 = document_regenerate(actor=None, document=v2)  # from the stored snapshot
    assert v3.version == 3 and v3.context == v2.context
    assert document_latest(owner=unit, kind="acceptance_notice") == v3
    assert list(documents_of(unit).values_list("version", flat=True)) == [3, 2, 1]
    other_kind = document_generate(actor=None, owner=unit, unit=unit, spec=replace(acceptance_spec(), kind="x_notice"))
    assert other_kind.version == 1  # versions count per owner and kind


def test_regenerating_cannot_change_the_kind(world):
    unit = world.unit("d1")
    v1 = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    other = replace(acceptance_spec(), kind="decline_notice")
    with pytest.raises(DomainError):
        document_regenerate(actor=None, document=v1, spec=other)


def test_numbers_are_sequential_per_unit_year_and_prefix(world):
    d1, d2 = world.unit("d1"), world.unit("d2")
    assert number_allocate(unit=d1, year=2026, prefix="甲消信告") == "甲消信告〔2026〕1号"
    assert number_allocate(unit=d1, year=2026, prefix="甲消信告") == "甲消信告〔2026〕2号"
    assert number_allocate(unit=d1, year=2026, prefix="甲消信意") == "甲消信意〔2026〕1号"
    assert number_allocate(unit=d1, year=2027, prefix="甲消信告") == "甲消信告〔2027〕1号"
    assert number_allocate(unit=d2, year=2026, prefix="甲消信告") == "甲消信告〔2026〕1号"
    assert number_allocate(unit=d1, year=2026, prefix="甲消信告") == "甲消信告〔2026〕3号"
    with pytest.raises(DomainError):
        number_allocate(unit=d1, year=2026, prefix=" ")


def test_document_generate_allocates_the_number_when_the_spec_has_none(world):
    unit = world.unit("d1")
    first = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    second = document_generate(actor=None, owner=world.unit("d1b1"), unit=unit, spec=acceptance_spec())
    given = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec(number="甲消信告〔2026〕99号"))
    custom = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec(), number_prefix="甲消信办")
    assert [first.number, second.number, given.number, custom.number] == [
        "甲消信告〔2026〕1号",
        "甲消信告〔2026〕2号",
        "甲消信告〔2026〕99号",
        "甲消信办〔2026〕1号",
    ]


def test_a_failed_rendering_leaves_no_row_no_file_and_no_number(world, media_root, monkeypatch):
    unit = world.unit("d1")
    document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    files_before = _files(Path(media_root))
    events_before = AuditEvent.objects.count()

    def broken_pdf(spec):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(services, "render_pdf", broken_pdf)
    with pytest.raises(RuntimeError):
        document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    assert GeneratedDocument.objects.count() == 1
    assert DocumentNumber.objects.get().last == 1
    assert _files(Path(media_root)) == files_before
    assert AuditEvent.objects.count() == events_before


def test_a_failed_save_removes_the_files_already_written(world, media_root, monkeypatch):
    unit = world.unit("d1")

    def failing_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    assert GeneratedDocument.objects.count() == 0
    assert _files(Path(media_root)) == []
    assert not DocumentNumber.objects.filter(last__gt=0).exists()


def test_an_invalid_spec_is_refused(world):
    unit = world.unit("d1")
    bad = replace(acceptance_spec(), title=" ")
    with pytest.raises(DomainError, match="标题"):
        document_generate(actor=None, owner=unit, unit=unit, spec=bad)


def test_a_changed_file_fails_verification_and_is_not_served(world, media_root):
    unit = world.unit("d1")
    doc = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    path = Path(media_root) / doc.pdf.name
    path.write_bytes(path.read_bytes() + b"%tampered")
    result = document_verify(doc)
    assert result.docx_ok and not result.pdf_ok and not result.ok
    with pytest.raises(DomainError) as exc:
        document_download(actor=world.user("d1.officer"), document=doc, fmt="pdf")
    assert exc.value.code == "document_tampered"
    assert AuditEvent.objects.filter(action="documents.document.integrity_failed", target_id=str(doc.pk)).exists()
    (Path(media_root) / doc.docx.name).unlink()
    assert not document_verify(doc).docx_ok


def test_orphaned_files_are_swept_and_referenced_ones_kept(world, media_root):
    unit = world.unit("d1")
    doc = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    orphan = Path(media_root) / "documents" / "2026" / "0123456789abcdef.pdf"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-orphan")
    assert documents_sweep_orphans(older_than=datetime.timedelta(hours=1)) == []  # too recent
    removed = documents_sweep_orphans(older_than=datetime.timedelta(seconds=-1))
    assert removed == ["documents/2026/0123456789abcdef.pdf"]
    assert not orphan.exists()
    assert document_verify(doc).ok


def test_visibility_follows_the_issuing_unit_and_the_owner(world):
    d1b1 = world.unit("d1b1")
    doc = document_generate(actor=None, owner=d1b1, unit=d1b1, spec=acceptance_spec(unit_name=d1b1.name))
    # Owned by the 总队 but issued by the brigade: the brigade officer cannot see the owner, so not the letter.
    hidden_owner = document_generate(
        actor=None, owner=world.unit("c"), unit=d1b1, spec=acceptance_spec(unit_name=d1b1.name)
    )

    def visible(username):
        return set(document_list(user=world.user(username)).values_list("pk", flat=True))

    assert visible("d1b1.officer") == {doc.pk}
    assert visible("d1.chief") == {doc.pk}
    assert visible("c.officer") == {doc.pk, hidden_owner.pk}
    assert visible("d1b2.officer") == set()
    assert visible("d2.chief") == set()
    assert visible("sysadmin") == set()  # no cases.case.view: 三员分立
    assert list(document_list(user=world.user("c.officer"), owner=d1b1)) == [doc]


def test_latest_only_lists_the_newest_version_of_each_kind(world):
    unit = world.unit("d1")
    v1 = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec())
    v2 = document_regenerate(actor=None, document=v1)
    user = world.user("d1.officer")
    assert list(document_list(user=user, owner=unit)) == [v2, v1]
    assert list(document_list(user=user, owner=unit, latest_only=True)) == [v2]
    summary = document_summary(v2)
    assert summary["number"] == v1.number and summary["version"] == 2
    assert summary["sha256"] == v2.pdf_sha256
    assert summary["pdf_url"] == f"/documents/{v2.pk}/pdf/" and summary["docx_url"] == f"/documents/{v2.pk}/docx/"
