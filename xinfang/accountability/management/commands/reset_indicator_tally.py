"""Empty the indicator tally (accountability/tally.py); every figure is recomputed from the records when next read.
Needed only after changing cases, opinions or evaluations with the database triggers disabled (e.g. a bulk load
with session_replication_role = replica)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.accountability import tally


class Command(BaseCommand):
    help = "清空考核指标汇总表（下次读取时按记录重新计算）"

    def handle(self, *args: Any, **options: Any) -> None:
        n = tally.reset()
        self.stdout.write(f"已清空指标汇总 {n} 行")
