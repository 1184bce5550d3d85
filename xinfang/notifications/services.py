"""Writes of the notification centre.

    notify(*, recipients, kind, title, body, url, dedupe_key)   one message to each recipient, at most once per
                                                                (recipient, dedupe_key); e-mailed after commit
                                                                when XINFANG_NOTIFY_EMAIL is on
    notify_many(messages)                                       the same for many messages in a few queries
                                                                (the reminders job); unsent(messages) its dry run
    notification_mark_read(*, actor, notification)              the recipient reads one message
    notifications_mark_all_read(*, actor)                       ... or all of them

Reading a message is the recipient's own business and changes nothing in the record: it is not audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

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


@dataclass(frozen=True)
class Message:
    """One message to several people (what `notify` takes, for `notify_many`)."""

    recipients: Sequence[Any]
    kind: str
    title: str
    body: str = ""
    url: str = ""
    dedupe_key: str = ""


BATCH = 1000  # rows per INSERT (8 parameters each: well under PostgreSQL's 65,535 and SQLite's 32,766)


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
    message = Message(list(recipients), kind, title, body, url, dedupe_key)
    return notify_many([message])


class _Pending(NamedTuple):
    user: Any
    kind: str
    title: str
    body: str
    url: str
    dedupe_key: str


def _pending(messages: Iterable[Any]) -> list[_Pending]:
    """The (recipient, message) pairs of `messages` not sent yet — checked as `notify` checks one message, with one
    query for all the keys already sent."""
    pending: list[_Pending] = []
    taken: set[tuple[int, str]] = set()  # (recipient, key) within these messages
    for m in messages:
        title = (m.title or "").strip()
        if not title:
            raise DomainError("消息标题不能为空。", code="required", field="title")
        if not m.kind:
            raise DomainError("消息类型不能为空。", code="required", field="kind")
        key = m.dedupe_key or ""
        if len(key) > KEY_MAX:
            raise DomainError("去重键过长。", code="too_long", field="dedupe_key")
        kind, title, body, url = m.kind[:50], title[:TITLE_MAX], m.body or "", (m.url or "")[:URL_MAX]
        for user in _recipients(m.recipients):
            if key:
                if (user.pk, key) in taken:
                    continue
                taken.add((user.pk, key))
            pending.append(_Pending(user, kind, title, body, url, key))
    if taken:
        sent = _sent_before(taken)
        if sent:
            pending = [p for p in pending if not p.dedupe_key or (p.user.pk, p.dedupe_key) not in sent]
    return pending


def _sent_before(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of the (recipient, dedupe_key) pairs already have their message: one query on the dedupe_key index
    (a key is held by a few recipients at most)."""
    keys = sorted({key for _, key in pairs})
    found = (
        Notification.objects.exclude(dedupe_key="")  # the partial index's condition, stated for the planner
        .filter(dedupe_key__in=keys)
        .values_list("recipient_id", "dedupe_key")
    )
    return {pair for pair in found if pair in pairs}


def unsent(messages: Iterable[Any]) -> list[tuple[Any, str]]:
    """(recipient, kind) of every message `notify_many(messages)` would create now — its dry run."""
    return [(p.user, p.kind) for p in _pending(messages)]


@transaction.atomic
def notify_many(messages: Iterable[Any]) -> list[Notification]:
    """`notify` for many messages at once (the reminders job): the same checks and the same at most one message
    per (recipient, dedupe_key), in a number of queries independent of the number of messages and recipients —
    one lookup of the keys already sent, then one multi-row INSERT per BATCH rows. `messages` are Message-like
    (recipients, kind, title, body, url, dedupe_key); returns the messages created.

    Should a concurrent run insert one of the same (recipient, key) pairs between the lookup and the insert, the
    unique constraint fails the multi-row insert; the rows are then inserted one by one, skipping the taken ones
    (as `notify` always did)."""
    pending = _pending(messages)
    if not pending:
        return []
    users = {p.user.pk: p.user for p in pending}
    rows = [
        Notification(
            recipient_id=p.user.pk, kind=p.kind, title=p.title, body=p.body, url=p.url, dedupe_key=p.dedupe_key
        )
        for p in pending
    ]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows, batch_size=BATCH)
    except IntegrityError:  # a concurrent run sent some of them first
        created = []
        for row in rows:
            row.pk = None
            row._state.adding = True
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
    for row in created:  # the recipient objects the caller passed (no query when they are read)
        Notification.recipient.field.set_cached_value(row, users[row.recipient_id])
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
