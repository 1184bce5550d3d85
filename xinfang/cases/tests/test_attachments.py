"""Attachments (R2.1): allowed types sniffed from the content, ≤ 20 MB, random names outside the web root."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.cases import services
from xinfang.cases.models import Attachment, Case
from xinfang.cases.tests.factories import register
from xinfang.core.errors import DomainError

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_attachments_are_stored_with_random_names_and_checksums(world, media_root):
    case = register(world, attachments=[upload("举报材料.pdf", PDF), upload("现场照片.JPG", JPG)])
    pdf, jpg = case.attachments.order_by("id")
    assert pdf.original_name == "举报材料.pdf" and pdf.content_type == "application/pdf"
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest() and pdf.size == len(PDF)
    assert jpg.content_type == "image/jpeg"
    stored = Path(pdf.file.path)
    assert stored.is_relative_to(Path(media_root)) and stored.read_bytes() == PDF
    assert "举报" not in pdf.file.name and not pdf.file.name.endswith(".pdf")


def test_office_and_text_files_are_accepted(world):
    case = register(world)
    officer = world.user("d1b1.officer")
    a = services.attachment_add(actor=officer, case=case, file=upload("答复.docx", docx_bytes()))
    b = services.attachment_add(actor=officer, case=case, file=upload("记录.txt", "来电记录：消防通道堵塞".encode()))
    c = services.attachment_add(
        actor=officer, case=case, file=upload("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    )
    assert [x.content_type.split(";")[0] for x in (a, b, c)] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
        "application/vnd.ms-excel",
    ]
    assert Case.objects.get(pk=case.pk).events.filter(action="add_attachment").count() == 3


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("program.exe", b"MZ\x90\x00", "attachment_type"),
        ("noextension", PDF, "attachment_type"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "attachment_content"),
        ("fake.png", JPG, "attachment_content"),
        ("fake.docx", PDF, "attachment_content"),
        ("empty.pdf", b"", "attachment_empty"),
    ],
)
def test_attachment_types_are_checked_by_content(world, name, data, code):
    case = register(world)
    with pytest.raises(DomainError) as exc:
        services.attachment_add(actor=world.user("d1b1.officer"), case=case, file=upload(name, data))
    assert exc.value.code == code


def test_attachment_over_20_mb_is_refused(world):
    case = register(world)
    big = upload("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with pytest.raises(DomainError) as exc:
        services.attachment_add(actor=world.user("d1b1.officer"), case=case, file=big)
    assert exc.value.code == "attachment_size"


def test_a_refused_registration_stores_no_file(world, media_root):
    before = Case.objects.count()
    with pytest.raises(DomainError):
        register(world, attachments=[upload("ok.pdf", PDF), upload("bad.pdf", b"not a pdf")])
    with pytest.raises(DomainError):
        register(world, title="", attachments=[upload("ok.pdf", PDF)])
    assert Case.objects.count() == before
    assert files_under(media_root) == []
    assert Attachment.objects.count() == 0


def test_adding_an_attachment_needs_rights_at_the_unit(world):
    case = register(world)
    with pytest.raises(DomainError) as exc:
        services.attachment_add(actor=world.user("d1b2.officer"), case=case, file=upload("a.pdf", PDF))
    assert exc.value.code == "forbidden"
