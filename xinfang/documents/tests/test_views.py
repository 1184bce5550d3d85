"""Download: through the scope (404 outside), as an attachment, audited; anonymous users go to the login page."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from xinfang.core.models import AuditEvent
from xinfang.documents.services import document_generate

from .conftest import acceptance_spec


@pytest.fixture
def doc(world):
    unit = world.unit("d1b1")
    return document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec(unit_name=unit.name))


def _login(client, world, username):
    client.force_login(world.user(username))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_url_names():
    assert reverse("documents:download", kwargs={"pk": 7, "fmt": "docx"}) == "/documents/7/docx/"
    assert reverse("documents:download", kwargs={"pk": 7, "fmt": "pdf"}) == "/documents/7/pdf/"


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("pdf", "application/pdf", b"%PDF-"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ],
)
def test_in_scope_download_is_an_attachment_with_the_stored_bytes(client, world, doc, fmt, content_type, magic):
    _login(client, world, "d1.chief")  # the brigade's parent detachment
    response = client.get(doc.download_url(fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment;")
    assert f"信访事项受理告知书（{doc.number}）-第1版.{fmt}" in disposition
    assert response["Cache-Control"] == "private, no-store"
    data = _body(response)
    assert data.startswith(magic)
    assert hashlib.sha256(data).hexdigest() == doc.sha256(fmt)
    event = AuditEvent.objects.get(action="documents.document.downloaded")
    assert (event.actor, event.target_id, event.after["format"]) == (world.user("d1.chief"), str(doc.pk), fmt)


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("d1b1.officer", 200),
        ("d1b1.leader", 200),
        ("c.officer", 200),
        ("d1b2.officer", 404),  # sibling brigade
        ("d2.chief", 404),  # other detachment
        ("sysadmin", 404),  # no cases.case.view at all
        ("auditor", 404),
    ],
)
def test_download_permission_matrix(client, world, doc, username, status):
    _login(client, world, username)
    response = client.get(doc.download_url("pdf"))
    assert response.status_code == status
    if status == 404:
        assert not AuditEvent.objects.filter(action="documents.document.downloaded").exists()


def test_anonymous_is_sent_to_the_login_page(client, doc):
    url = doc.download_url("pdf")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert "next=" in response["Location"]


def test_unknown_document_and_format_are_404(client, world, doc):
    _login(client, world, "d1b1.officer")
    assert client.get(reverse("documents:download", kwargs={"pk": doc.pk + 1000, "fmt": "pdf"})).status_code == 404
    assert client.get(f"/documents/{doc.pk}/html/").status_code == 404


def test_only_get_is_allowed(client, world, doc):
    _login(client, world, "d1b1.officer")
    assert client.post(doc.download_url("pdf")).status_code == 405


def test_a_tampered_file_is_refused(client, world, doc, media_root):
    path = media_root / doc.docx.name
    path.write_bytes(b"PK not the issued document")
    _login(client, world, "d1b1.officer")
    response = client.get(doc.download_url("docx"))
    assert response.status_code == 409
    assert "已被改动" in response.content.decode()
