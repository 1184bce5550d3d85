"""`manage.py audit_verify`: walk the audit hash chain; exit 1 naming the first broken row."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from xinfang.core.audit import audit_verify


class Command(BaseCommand):
    help = "校验审计链：逐条核对哈希链接，报告第一处断开的记录。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"审计链完整：共 {result.checked} 条")
            return
        self.stderr.write(f"审计链在第 {result.broken_id} 条记录处断开：{result.reason}")
        self.stderr.write(f"（此前 {result.checked} 条记录校验通过）")
        sys.exit(1)
