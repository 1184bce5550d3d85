"""`python manage.py jobs_sweep`: delete the job files whose time is over (xinfang.notifications.jobs).

The uploaded file of a job that ended is deleted at once by the job itself; this removes what a dead process
or a rolled-back request left behind and the marked error workbooks past XINFANG_JOB_FILE_RETENTION_HOURS
(default 7 days), and marks jobs whose process died as interrupted. `send_reminders` runs it too (daily cron).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.notifications.jobs import jobs_sweep


class Command(BaseCommand):
    help = "删除已结束任务的上传文件、过期的错误标注文件和无主的任务文件（含个人信息，不得久留）"

    def handle(self, *args: Any, **options: Any) -> None:
        result = jobs_sweep()
        self.stdout.write(
            f"中断任务 {len(result.interrupted)} 个；删除上传文件 {result.inputs} 个、"
            f"过期错误标注文件 {result.error_files} 个、无主文件 {result.orphans} 个。"
        )
