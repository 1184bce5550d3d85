"""Online petition (条例 Art 21, R6.6): registered at the chosen unit (default: the 总队) through the cases
service by the portal's system account; the 查询码 shown once; the unit's officers told."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from xinfang.cases.models import Case, Channel, Status
from xinfang.core.models import AuditEvent
from xinfang.notifications.models import Notification
from xinfang.orgs.models import Post
from xinfang.portal import services
from xinfang.portal.tests.helpers import ID, PHONE, petition, submit


def test_the_form_defaults_to_the_corps(world, client):
    page = client.get(reverse("portal:submit"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{world.unit("c").pk}" selected>' in html
    assert "xf-body" not in html and "portal/portal.css" in html  # its own templates, not the staff shell


def test_a_petition_is_registered_online_and_its_code_shown_once(world, client):
    number, code = submit(client, world)
    case = Case.objects.get(number=number)
    assert case.unit == world.unit("c") and case.channel == Channel.ONLINE and case.status == Status.REGISTERED
    assert case.received_on == case.ack_from and case.ack_due is not None
    p = case.petitioners.get()
    assert (p.name, p.id_number, p.phone) == ("李四", ID, PHONE)
    from xinfang.cases.services import query_code_matches

    assert query_code_matches(case, code)
    again = client.get(reverse("portal:submitted")).content.decode()
    assert code not in again and "已经显示过" in again
    # the registering actor: the portal's system account, which nobody can use
    portal = case.registered_by
    assert portal.username == "portal" and not portal.is_active and not portal.has_usable_password()
    assert not Post.objects.filter(user=portal).exists()
    assert AuditEvent.objects.filter(action="cases.case.registered", actor_username="portal").count() == 1


def test_the_chosen_unit_registers_it_and_its_officers_are_told(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        number, _ = submit(client, world, unit=world.unit("d1b1").pk)
    case = Case.objects.get(number=number)
    assert case.unit == world.unit("d1b1") and number.startswith("d1b1-")
    told = Notification.objects.get(kind="case.online_submitted")
    assert told.recipient == world.user("d1b1.officer") and told.url == f"/cases/{case.pk}/"


def test_the_portal_account_holds_no_permission_after_the_call(world, client):
    from xinfang.core.scope import has_perm, user_grants

    submit(client, world)
    portal = services.portal_identity()
    assert user_grants(portal) == []
    assert not has_perm(portal, "cases.case.register", world.unit("c"))
    assert not portal.check_password("") and not portal.is_active


def test_a_bad_id_number_is_refused_and_nothing_is_registered(world, client):
    response = client.post(
        reverse("portal:submit"), petition(world, id_number=ID[:17] + ("1" if ID[17] != "1" else "2"))
    )
    assert response.status_code == 200 and "校验位" in response.content.decode()
    response = client.post(reverse("portal:submit"), petition(world, pledge=""))
    assert response.status_code == 200
    assert Case.objects.count() == 0


def test_attachments_type_and_size_limits(world, client):
    ok = SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, content_type="image/jpeg")
    number, _ = submit(client, world, attachments=[ok])
    assert Case.objects.get(number=number).attachments.get().original_name == "照片.jpg"

    exe = SimpleUploadedFile("a.exe", b"MZ" + b"0" * 10)
    response = client.post(reverse("portal:submit"), petition(world, attachments=[exe]))
    assert "类型不允许" in response.content.decode()
    fake = SimpleUploadedFile("伪装.pdf", b"MZ not a pdf")
    response = client.post(reverse("portal:submit"), petition(world, attachments=[fake]))
    assert "内容与扩展名不符" in response.content.decode()  # the cases service sniffs the content
    many = [SimpleUploadedFile(f"{i}.png", b"\x89PNG\r\n\x1a\n0") for i in range(6)]
    assert "最多5个" in client.post(reverse("portal:submit"), petition(world, attachments=many)).content.decode()
    assert Case.objects.count() == 1


def test_an_oversized_body_is_refused_before_it_is_read(world, client):
    response = client.post(reverse("portal:submit"), petition(world), CONTENT_LENGTH=str(40 * 1024 * 1024))
    assert response.status_code == 413
    assert Case.objects.count() == 0


def test_an_accusation_cannot_go_to_the_accused_unit(world, client):
    response = client.post(
        reverse("portal:submit"),
        petition(world, category="accusation", unit=world.unit("d1b1").pk, accused_unit=world.unit("d1").pk),
    )
    assert response.status_code == 200 and "第三十条" in response.content.decode()
    number, _ = submit(client, world, category="accusation", unit=world.unit("c").pk, accused_unit=world.unit("d1").pk)
    assert Case.objects.get(number=number).accused_unit == world.unit("d1")


def test_csrf_is_enforced(world):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(reverse("portal:submit"), petition(world)).status_code == 403
    assert csrf_client.post(reverse("portal:query"), {"number": "x", "code": "y", "last4": "1234"}).status_code == 403
    assert Case.objects.count() == 0
