"""Published channels and the reception schedule (条例 Art 18); their upkeep by core.settings.manage."""

from __future__ import annotations

from django.urls import reverse

from xinfang.core.models import AuditEvent
from xinfang.core.otp_testing import complete_second_factor
from xinfang.portal.models import PublicChannel


def test_the_sysadmin_publishes_channels_and_the_portal_shows_them(world, client):
    client.force_login(world.user("sysadmin"))
    complete_second_factor(client, world.user("sysadmin"))
    assert client.get(reverse("portal:manage-channels")).status_code == 200
    response = client.post(
        reverse("portal:manage-channels"),
        {
            "unit": world.unit("d1").pk,
            "kind": "phone",
            "value": "0791-12345678",
            "note": "工作日",
            "order": 1,
            "published": "on",
        },
    )
    assert response.status_code == 302
    row = PublicChannel.objects.get()
    client.post(
        reverse("portal:manage-channels"),
        {"unit": world.unit("d1").pk, "kind": "address", "value": "内部地址", "order": 2},
    )  # not published
    assert AuditEvent.objects.filter(action="portal.channel.created").count() == 2
    client.logout()
    page = client.get(reverse("portal:index")).content.decode()
    assert "甲市消防救援支队" in page and "0791-12345678" in page and "内部地址" not in page

    client.force_login(world.user("sysadmin"))
    complete_second_factor(client, world.user("sysadmin"))
    edit = reverse("portal:manage-channel-edit", kwargs={"pk": row.pk})
    assert (
        client.post(edit, {"kind": "phone", "value": "0791-87654321", "order": 1, "published": "on"}).status_code == 302
    )
    row.refresh_from_db()
    assert row.value == "0791-87654321" and row.unit == world.unit("d1")
    assert client.post(reverse("portal:manage-channel-delete", kwargs={"pk": row.pk})).status_code == 302
    assert not PublicChannel.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action="portal.channel.deleted").count() == 1


def test_business_users_do_not_keep_the_channels(world, client):
    client.force_login(world.user("d1.chief"))
    assert client.get(reverse("portal:manage-channels")).status_code == 403


def test_the_reception_schedule_shows_as_not_yet_published_without_the_leadership_selector(client, db, monkeypatch):
    from xinfang.portal import selectors

    monkeypatch.setattr(selectors, "reception_schedule", lambda: (False, []))
    page = client.get(reverse("portal:index")).content.decode()
    assert 'id="schedule-not-published"' in page


def test_the_published_reception_schedule_is_shown(world, client):
    import datetime

    from django.utils import timezone

    from xinfang.leadership.models import ReceptionDay

    day = timezone.localdate() + datetime.timedelta(days=7)
    common = {
        "unit": world.unit("d1"),
        "leader": world.user("d1.chief"),
        "role": "chief",
        "created_by": world.user("d1.officer"),
    }
    ReceptionDay.objects.create(
        planned_on=day, time_text="上午9:00—12:00", place="支队信访接待室", published=True, **common
    )
    ReceptionDay.objects.create(
        planned_on=day + datetime.timedelta(days=1), place="不公布的地点", published=False, **common
    )
    page = client.get(reverse("portal:index")).content.decode()
    assert f'data-reception-day="{day:%Y-%m-%d}"' in page
    assert "支队信访接待室" in page and "上午9:00—12:00" in page and "不公布的地点" not in page
