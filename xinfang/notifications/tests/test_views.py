"""The notification centre pages and the header badge."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from xinfang.notifications import services
from xinfang.notifications.context_processors import unread
from xinfang.notifications.models import Notification


def test_the_centre_lists_my_unread_messages_and_opening_one_marks_it_read(world, client):
    officer = world.user("d1b1.officer")
    mine = services.notify(recipients=[officer], kind="t", title="我的提醒", url="/cases/")[0]
    services.notify(recipients=[world.user("d1b2.officer")], kind="t", title="别人的提醒")
    client.force_login(officer)
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "我的提醒" in body and "别人的提醒" not in body
    opened = client.get(reverse("notifications:open", kwargs={"pk": mine.pk}))
    assert opened.status_code == 302 and opened["Location"] == "/cases/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "我的提醒" not in client.get(reverse("notifications:list")).content.decode()
    assert "我的提醒" in client.get(reverse("notifications:list") + "?show=all").content.decode()


def test_another_users_message_is_not_found(world, client):
    other = services.notify(recipients=[world.user("d1b2.officer")], kind="t", title="别人的")[0]
    client.force_login(world.user("d1b1.officer"))
    assert client.get(reverse("notifications:open", kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse("notifications:read", kwargs={"pk": other.pk})).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_read_and_mark_all_read(world, client):
    officer = world.user("d1b1.officer")
    a, _b, _c = (services.notify(recipients=[officer], kind="t", title=t)[0] for t in "一二三")
    client.force_login(officer)
    response = client.post(reverse("notifications:read", kwargs={"pk": a.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="xf-unread-badge"' in response.content.decode() and 'data-unread="2"' in response.content.decode()
    assert client.post(reverse("notifications:read-all")).status_code == 302
    assert not Notification.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert client.get(reverse("notifications:read-all")).status_code == 405


def test_an_unsafe_link_is_not_followed(world, client):
    officer = world.user("d1b1.officer")
    n = services.notify(recipients=[officer], kind="t", title="外链", url="https://evil.example/")[0]
    client.force_login(officer)
    response = client.get(reverse("notifications:open", kwargs={"pk": n.pk}))
    assert response["Location"] == reverse("notifications:list")


def test_the_badge_and_the_context_processor_count_unread_messages(world, client, django_assert_num_queries):
    officer = world.user("d1b1.officer")
    services.notify(recipients=[officer], kind="t", title="一")
    services.notify(recipients=[officer], kind="t", title="二")
    client.force_login(officer)
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert 'data-unread="2"' in badge and "d-none" not in badge

    request = RequestFactory().get("/")
    request.user = officer
    context = unread(request)
    template = Template('{% include "notifications/_badge.html" with count=unread_notifications %}')
    with django_assert_num_queries(1):  # the count, once, only when the template uses it
        html = template.render(Context(context))
        template.render(Context(context))
    assert 'data-unread="2"' in html
    request.user = type("Anon", (), {"is_authenticated": False})()
    assert unread(request) == {}


def test_the_centre_needs_a_sign_in(client, db):
    assert client.get(reverse("notifications:list")).status_code == 302


def test_the_list_costs_the_same_queries_with_1_and_30_messages(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = world.user("d1b1.officer")
    client.force_login(officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(ctx.captured_queries)

    services.notify(recipients=[officer], kind="t", title="一")
    client.get(reverse("notifications:list"))  # the first request after sign-in also stores the session
    one = count()
    for i in range(29):
        services.notify(recipients=[officer], kind="t", title=f"第{i}条")
    assert count() == one
