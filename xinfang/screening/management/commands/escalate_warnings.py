"""`manage.py escalate_warnings`: record the escalations of unacknowledged early warnings (idempotent; run it
from cron, e.g. every 15 minutes). Pages and the API compute escalation from timestamps and never depend on it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from xinfang.screening.services import warnings_escalate


class Command(BaseCommand):
    help = "记录超时未签收预警信息的逐级升级（可重复运行，已记录的不重复记录）。"

    def handle(self, *args: Any, **options: Any) -> None:
        created = warnings_escalate()
        if created:
            for row in created:
                due = f"{timezone.localtime(row.due_at):%Y-%m-%d %H:%M}"
                self.stdout.write(f"预警信息 {row.hop.warning_id} 超时未签收，已升级至{row.to_unit.name}（{due}）")
            self.stdout.write(f"共记录升级 {len(created)} 条。")
        else:
            self.stdout.write("没有需要记录的升级。")
