"""`manage.py load_demo`: load the demo corps (idempotent: a second run changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.orgs.demo import DEMO_PASSWORD, UNITS, demo_usernames, load_demo

LABELS = {
    "units": "单位",
    "users": "账号",
    "posts": "岗位",
    "cases": "信访事项",
    "leadership": "领导责任记录",
    "screening": "排查预警记录",
    "incidents": "应急联动记录",
    "accountability": "考核问责记录",
    "portal": "公开信访渠道",
    "notifications": "提醒",
}


class Command(BaseCommand):
    help = "载入演示数据：示范省消防救援总队、3 个支队及其大队、各单位主官/分管领导/信访干部和三员账号。"

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = load_demo()
        # The three demo admins need a second factor (R-SEC): a published demo secret, demo data only.
        from xinfang.core.otp import demo_devices

        demo_devices(stdout=self.stdout)
        if ctx.created:
            made = "，".join(f"{LABELS.get(k, k)} {n} 个" for k, n in ctx.created.items())
            self.stdout.write(f"演示数据已载入：新建{made}。")
        else:
            self.stdout.write("演示数据已存在，未作改动。")
        self.stdout.write(
            f"演示单位 {len(UNITS)} 个，演示账号 {len(demo_usernames())} 个"
            f"（如 sysadmin、{UNITS[1][0]}.officer），密码均为 {DEMO_PASSWORD}"
        )
