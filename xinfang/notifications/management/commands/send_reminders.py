"""`python manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]`: send today's reminders (R6.2).

Idempotent — every reminder carries a dedupe key, so running it twice (or from two hosts) sends nothing twice.
Run it daily (or hourly) from cron or a systemd timer, e.g.

    15 7 * * *  cd /srv/xinfang && .venv/bin/python manage.py send_reminders >> var/log/reminders.log 2>&1
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xinfang.notifications.jobs import jobs_sweep
from xinfang.notifications.reminders import send_reminders


class Command(BaseCommand):
    help = "发送到期、逾期等提醒（可重复运行，不会重复发送）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按指定日期计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--dry-run", action="store_true", help="只统计将发送的提醒，不发送")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date 应为 YYYY-MM-DD") from None
        result = send_reminders(today, dry_run=bool(options.get("dry_run")))
        verb = "将发送" if options.get("dry_run") else "已发送"
        self.stdout.write(f"{today:%Y-%m-%d}：检查提醒 {result.considered} 条，{verb} {result.sent} 条消息。")
        for kind, n in sorted(result.by_kind.items()):
            self.stdout.write(f"  {kind}: {n}")
        if int(options.get("verbosity", 1)) > 1:
            for name in result.producers:
                self.stdout.write(f"  来源：{name}")
        if not options.get("dry_run"):
            swept = jobs_sweep()  # daily housekeeping: no uploaded personal data outlives its retention
            if swept.removed or swept.interrupted:
                self.stdout.write(f"清理任务文件 {swept.removed} 个，中断任务 {len(swept.interrupted)} 个。")
