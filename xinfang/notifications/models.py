"""消息提醒 (R6.2) and background jobs.

Notification: one message to one user, in the in-app notification centre (optionally also e-mailed). A
non-empty `dedupe_key` is unique per recipient, so a producer that runs again (the scheduled
`send_reminders`, a retried step) never sends the same reminder twice.

BackgroundJob: a long task started from a page or the API (today: the historical-case ledger import, R6.4),
run in a thread of the web process — no Celery/Redis on this stack. The row holds the state and the result;
the running task's progress is written to a small file beside it (see xinfang.notifications.jobs), because
the task's own writes sit inside one all-or-nothing transaction that other connections cannot see.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类型", max_length=50)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "消息"
        verbose_name_plural = "消息"
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read_idx"),
            # The reminders job asks which of a batch of keys were sent already (services._sent_before).
            models.Index(fields=["dedupe_key", "recipient"], condition=~Q(dedupe_key=""), name="notif_dedupe_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notif_recipient_dedupe_key"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "未导入（有错误）"
    ERROR = "error", "出错中止"


class BackgroundJob(models.Model):
    kind = models.CharField("任务类型", max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="background_jobs"
    )
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    phase = models.CharField("阶段", max_length=50, blank=True)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    options = models.JSONField("选项", default=dict, blank=True)
    summary = models.JSONField("结果", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    message = models.TextField("说明", blank=True)
    input_name = models.CharField("上传文件名", max_length=255, blank=True)
    input_file = models.FileField("上传文件", max_length=255, blank=True)
    error_file = models.FileField("错误标注文件", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        indexes = [models.Index(fields=["created_by", "kind", "created_at"], name="job_owner_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.ERROR)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.pk, "kind": self.kind, "status": self.status, "total": self.total, "done": self.done}
