"""Remove generated files that no document row refers to (left by a rolled-back outer transaction)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.documents.services import documents_sweep_orphans


class Command(BaseCommand):
    help = "删除没有公文记录引用的孤立文件（外层事务回滚后遗留）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-hours", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        removed = documents_sweep_orphans(older_than=datetime.timedelta(hours=options["older_than_hours"]))
        for name in removed:
            self.stdout.write(name)
        self.stdout.write(f"removed {len(removed)} orphaned file(s)")
