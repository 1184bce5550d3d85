"""`python manage.py bench [--requests N] [--warmup N] [--no-export] [--only GROUPS] [--out DIR]` (`make bench`).

Measures the pages and endpoints of issue 8 against the configured (generated) database through Django's test
client and prints a table with PASS/FAIL against the targets; writes var/bench/bench-<time>.json (and
bench-latest.json). See xinfang/loadtest/bench.py.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.loadtest.bench import Bench, export_child


class Command(BaseCommand):
    help = "性能基准：逐页测量服务端耗时、查询次数，对照目标给出 PASS/FAIL"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=20, help="每项计时的请求数（默认 20）")
        parser.add_argument("--warmup", type=int, default=3, help="每项预热请求数（默认 3）")
        parser.add_argument("--budget", type=float, default=60.0, help="每项计时预算（秒），超出后至少测 3 次即停")
        parser.add_argument("--no-export", action="store_true", help="不测 xlsx 导出")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "bench"), help="JSON 输出目录")
        parser.add_argument(
            "--only",
            default="",
            help="只测这些组（逗号分隔：case_list,detail,my_work,dashboard,board,assessment,jobs,export）",
        )
        parser.add_argument("--strict", action="store_true", help="有 FAIL 时以非零状态退出")
        parser.add_argument("--export-child", nargs="+", metavar=("USERNAME", "SINCE"), help=argparse_suppress())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["export_child"]:
            username, *rest = options["export_child"]
            since = datetime.date.fromisoformat(rest[0]) if rest else None
            self.stdout.write(json.dumps(export_child(username, since)))
            return
        bench = Bench(
            requests=options["requests"], warmup=options["warmup"], log=self.stdout.write, budget=options["budget"]
        )
        bench.only = {g.strip() for g in options["only"].split(",") if g.strip()}
        try:
            bench.run(export=not options["no_export"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        bench.check()
        speed = f"本机单核速度：纯 Python 循环 1,000 万次 {bench.cpu_seconds:.2f} 秒"
        self.stdout.write(f"\n{speed}（页面 SQL 之外的时间与之成正比，不同机器的结果据此比较）")
        self.stdout.write(bench.table())
        path = bench.write_json(Path(options["out"]))
        failed = [r.name for r in bench.rows if r.verdict == "FAIL"]
        self.stdout.write(f"\n结果已写入 {path}")
        self.stdout.write(
            f"{'FAIL' if failed else 'PASS'}：{len(failed)} 项未达标" + (f"（{'；'.join(failed)}）" if failed else "")
        )
        if failed and options["strict"]:
            raise CommandError("有未达标项")


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS
