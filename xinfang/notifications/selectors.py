"""Reads of the notification centre and of background jobs. A user sees only his own messages and jobs:
anybody else's id answers 404, as a nonexistent one does.

    notification_list(user, unread_only=False)   his messages, newest first (one query)
    unread_count(user)                           the header badge (one query)
    access_notification(user, pk)                his message or 404
    access_job(user, pk, kind=None)              his job or 404
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from xinfang.notifications.models import BackgroundJob, Notification


def notification_list(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return notification_list(user, unread_only=True).count()


def access_notification(user: Any, pk: Any) -> Notification:
    try:
        return notification_list(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("消息不存在") from None


def job_list(user: Any, *, kind: str | None = None, limit: int = 10) -> list[BackgroundJob]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    qs = BackgroundJob.objects.filter(created_by_id=user.pk)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("-created_at", "-id")[:limit])


def access_job(user: Any, pk: Any, kind: str | None = None) -> BackgroundJob:
    if user is None or not getattr(user, "is_authenticated", False):
        raise Http404("任务不存在")
    qs = BackgroundJob.objects.filter(created_by_id=user.pk)
    if kind:
        qs = qs.filter(kind=kind)
    try:
        return qs.get(pk=pk)
    except (BackgroundJob.DoesNotExist, ValueError, TypeError):
        raise Http404("任务不存在") from None
