"""Demo data of the notification centre: today's reminders for the demo cases (due soon, overdue, acknowledgements
due), sent exactly as `manage.py send_reminders` sends them — so a second run sends nothing.

    build_demo(stdout=None) -> int   # the number of messages sent
"""

from __future__ import annotations

from typing import TextIO

from django.utils import timezone

from xinfang.notifications.reminders import send_reminders


def build_demo(stdout: TextIO | None = None) -> int:
    result = send_reminders(timezone.localdate())
    if stdout is not None:
        stdout.write(f"提醒消息：发送 {result.sent} 条\n")
    return result.sent
