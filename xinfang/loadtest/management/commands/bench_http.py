"""`python manage.py bench_http [--duration 60] [--workers 4] [--clients 16] [--port 8765]` (`make bench-http`).

Starts gunicorn on 127.0.0.1 with the configured settings (run it with DEBUG off and real keys: the Makefile target
provides the load-test ones) on the generated database, drives the mixed signed-in read workload for `duration`
seconds and reports requests/s, p50/p95/p99 and errors (xinfang/loadtest/httpbench.py). Writes var/bench/http-*.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.loadtest import httpbench


class Command(BaseCommand):
    help = "吞吐量基准：gunicorn + 并发已登录只读请求"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--duration", type=float, default=60.0)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--clients", type=int, default=16, help="并发客户端线程数（各用一个账号）")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "bench"))
        parser.add_argument("--strict", action="store_true", help="未达标时以非零状态退出")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG:
            self.stdout.write(self.style.WARNING("注意：DEBUG 为开，结果不代表生产配置"))
        people = httpbench.sessions(options["clients"])
        if not people:
            raise CommandError("没有可用的账号：请先运行 generate_load")
        self.stdout.write(f"启动 gunicorn（{options['workers']} 个进程，127.0.0.1:{options['port']}）…")
        proc = httpbench.start_gunicorn(options["port"], options["workers"])
        try:
            self.stdout.write(f"{len(people)} 个客户端并发请求 {options['duration']:g} 秒 …")
            stats, elapsed = httpbench.drive(options["port"], people, options["duration"])
        finally:
            httpbench.stop_gunicorn(proc)
        result = httpbench.report(stats, elapsed, len(people), options["workers"])
        path = httpbench.write(result, Path(options["out"]))
        self.stdout.write(
            f"请求 {result['requests']:,} 次，{result['rps']:.1f} 次/秒；p50 {result['p50_ms']} ms，"
            f"p95 {result['p95_ms']} ms，p99 {result['p99_ms']} ms；错误 {result['errors']}"
        )
        for sample in result["error_samples"]:
            self.stdout.write(f"  错误示例：{sample}")
        self.stdout.write(
            f"{result['verdict']}（目标：≥{httpbench.TARGET_RPS:g} 次/秒，p99≤{httpbench.TARGET_P99_MS:g} ms，零错误）"
        )
        self.stdout.write(f"结果已写入 {path}")
        if result["verdict"] != "PASS" and options["strict"]:
            raise CommandError("未达标")
