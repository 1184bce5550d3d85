"""Writes of the notification centre.

    notify(*, recipients, kind, title, body, url, dedupe_key)   one message to each recipient, at most once per
                                                                (recipient, dedupe_key); e-mailed after commit
                                                                when XINFANG_NOTIFY_EMAIL is on
    notification_mark_read(*, actor, notification)              the recipient reads one message
    notifications_mark_all_read(*, actor)                       ... or all of them

Reading a message is the recipient's own business and changes nothing in the record: it is not audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.errors import DomainError
from xinfang.notifications.models import Notification

logger = logging.getLogger("xinfang.notifications")

TITLE_MAX = 200
URL_MAX = 500
KEY_MAX = 200


def email_enabled() -> bool:
    """E-mail copies are optional (R6.2): on when settings.XINFANG_NOTIFY_EMAIL is true (Django's mail settings
    then decide how mail leaves: EMAIL_BACKEND, EMAIL_HOST …)."""
    return bool(getattr(settings, "XINFANG_NOTIFY_EMAIL", False))


def _recipients(recipients: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    people = []
    for user in recipients:
        if user is None or not getattr(user, "pk", None) or user.pk in seen:
            continue
        if not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        people.append(user)
    return people


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Put one message into each (active) recipient's notification centre; returns the messages created.

    With a `dedupe_key`, a recipient who already has a message with that key gets nothing (also under a
    concurrent run: the key is unique per recipient in the database). Inactive accounts are skipped."""
    title = (title or "").strip()
    if not title:
        raise DomainError("消息标题不能为空。", code="required", field="title")
    if not kind:
        raise DomainError("消息类型不能为空。", code="required", field="kind")
    if len(dedupe_key) > KEY_MAX:
        raise DomainError("去重键过长。", code="too_long", field="dedupe_key")
    people = _recipients(recipients)
    if not people:
        return []
    already: set[int] = set()
    if dedupe_key:
        already = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=[u.pk for u in people]).values_list(
                "recipient_id", flat=True
            )
        )
    created: list[Notification] = []
    for user in people:
        if user.pk in already:
            continue
        row = Notification(
            recipient=user,
            kind=kind[:50],
            title=title[:TITLE_MAX],
            body=body or "",
            url=(url or "")[:URL_MAX],
            dedupe_key=dedupe_key,
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue  # a concurrent run created it first
        created.append(row)
    if created and email_enabled():
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            transaction.on_commit(lambda: send_emails(ids))
    return created


def _absolute(url: str) -> str:
    base = str(getattr(settings, "XINFANG_BASE_URL", "") or "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def send_emails(notification_ids: list[int]) -> int:
    """E-mail copies of the messages (after the commit that created them); returns how many were sent.
    A failing mail server is logged and leaves `emailed_at` empty; the in-app message stands."""
    sent = 0
    rows = Notification.objects.select_related("recipient").filter(pk__in=notification_ids, emailed_at__isnull=True)
    for n in rows:
        if not n.recipient.email:
            continue
        lines = [n.body] if n.body else []
        if n.url:
            lines.append(f"查看：{_absolute(n.url)}")
        lines.append("—— 信访工作管理系统（本邮件由系统自动发送，请勿回复）")
        try:
            send_mail(
                subject=f"【信访工作提醒】{n.title}",
                message="\n\n".join(lines),
                from_email=None,
                recipient_list=[n.recipient.email],
            )
        except Exception:
            logger.warning("notification e-mail %s to user %s failed", n.pk, n.recipient_id, exc_info=True)
            continue
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def _own(actor: Any, notification: Notification) -> None:
    if notification.recipient_id != getattr(actor, "pk", None):
        raise DomainError("只能处理本人的消息。", code="forbidden")


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    _own(actor, notification)
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


@transaction.atomic
def notifications_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())
