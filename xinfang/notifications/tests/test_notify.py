"""notify(): one message per recipient, never twice for the same dedupe key; optional e-mail after commit."""

from __future__ import annotations

import pytest

from xinfang.core.errors import DomainError
from xinfang.notifications import selectors, services
from xinfang.notifications.models import Notification


def test_notify_creates_one_message_per_active_recipient(world):
    officer, chief = world.user("d1b1.officer"), world.user("d1b1.chief")
    chief.is_active = False
    created = services.notify(
        recipients=[officer, officer, chief, None], kind="test", title="标题", body="内容", url="/cases/"
    )
    assert [n.recipient_id for n in created] == [officer.pk]
    assert Notification.objects.count() == 1
    assert selectors.unread_count(officer) == 1


def test_the_same_dedupe_key_is_sent_once_per_recipient(world):
    officer, chief = world.user("d1b1.officer"), world.user("d1b1.chief")
    first = services.notify(recipients=[officer], kind="t", title="一", dedupe_key="k1")
    again = services.notify(recipients=[officer, chief], kind="t", title="一", dedupe_key="k1")
    assert len(first) == 1
    assert [n.recipient_id for n in again] == [chief.pk]
    assert Notification.objects.filter(dedupe_key="k1").count() == 2
    # without a key, nothing is deduplicated
    services.notify(recipients=[officer], kind="t", title="二")
    services.notify(recipients=[officer], kind="t", title="二")
    assert Notification.objects.filter(recipient=officer, title="二").count() == 2


def test_a_message_needs_a_title(world):
    with pytest.raises(DomainError):
        services.notify(recipients=[world.user("d1b1.officer")], kind="t", title="  ")


def test_email_copies_are_sent_after_commit_only_when_enabled(
    world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    officer = world.user("d1b1.officer")
    officer.email = "officer@example.test"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[officer], kind="t", title="不发邮件")
    assert mailoutbox == []

    settings.XINFANG_NOTIFY_EMAIL = True
    settings.XINFANG_BASE_URL = "https://xf.example.test"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = services.notify(recipients=[officer], kind="t", title="逾期提醒", body="正文", url="/cases/1/")
        assert mailoutbox == []  # not before the commit
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["officer@example.test"] and "逾期提醒" in mail.subject
    assert "https://xf.example.test/cases/1/" in mail.body
    created[0].refresh_from_db()
    assert created[0].emailed_at is not None


def test_a_failing_mail_server_keeps_the_message(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    officer = world.user("d1b1.officer")
    officer.email = "officer@example.test"
    officer.save()
    settings.XINFANG_NOTIFY_EMAIL = True

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify(recipients=[officer], kind="t", title="提醒")
    created[0].refresh_from_db()
    assert created[0].emailed_at is None
    assert selectors.unread_count(officer) == 1


def test_only_the_recipient_marks_a_message_read(world):
    officer, other = world.user("d1b1.officer"), world.user("d1b2.officer")
    n = services.notify(recipients=[officer], kind="t", title="一")[0]
    with pytest.raises(DomainError):
        services.notification_mark_read(actor=other, notification=n)
    services.notification_mark_read(actor=officer, notification=n)
    n.refresh_from_db()
    assert n.read_at is not None
    services.notify(recipients=[officer], kind="t", title="二")
    services.notify(recipients=[officer], kind="t", title="三")
    assert services.notifications_mark_all_read(actor=officer) == 2
    assert selectors.unread_count(officer) == 0
