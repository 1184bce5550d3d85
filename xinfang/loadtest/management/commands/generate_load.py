"""`python manage.py generate_load --preset national|province [--cases N] [--seed S] [--force]`.

Fills the configured database with a generated national (or provincial) fire and rescue service: units, users with
posts, cases over ten years with their timelines, opinions, evaluations, reviews and repeats, screening reports,
meetings and receptions (xinfang/loadtest/generator.py). Refuses a database that already holds cases unless --force.
Every generated account signs in with the password Xinfang-Load-2026 (synthetic data only).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.loadtest.generator import PRESETS, GenerateError, generate


class Command(BaseCommand):
    help = "生成负载测试数据（全国或一省规模）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", choices=sorted(PRESETS), default="province")
        parser.add_argument(
            "--cases", type=int, default=None, help="信访事项件数（默认按规模：全国 1,000,000，一省 100,000）"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", default=None, help="以此日期为“今天”（YYYY-MM-DD，默认今天）")
        parser.add_argument("--force", action="store_true", help="库中已有信访事项时仍然生成")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today 应为 YYYY-MM-DD") from None
        try:
            result = generate(
                options["preset"],
                cases=options["cases"],
                seed=options["seed"],
                force=options["force"],
                today=today,
                log=self.stdout.write,
            )
        except GenerateError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"完成：{result.cases:,} 件信访事项，用时 {result.seconds:,.1f} 秒")
        for table, n in sorted(result.counts.items()):
            self.stdout.write(f"  {table}: {n:,}")
