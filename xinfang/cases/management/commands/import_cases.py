"""`python manage.py import_cases FILE --user USERNAME [--skip-duplicates] [--errors OUT.xlsx]`

Import historical cases from an xlsx ledger exactly as the import page does (the same validation, duplicate
check and single all-or-nothing transaction), as USERNAME (whose cases.case.import scope decides which units he
may import into; the audit trail names him), with a progress bar in the terminal. On any error nothing is
imported, every error is printed, the marked workbook is written (default: FILE with “.errors.xlsx”), and the
command exits with status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.cases import importing
from xinfang.core.scope import has_perm
from xinfang.notifications.jobs import Progress
from xinfang.orgs.models import User

BAR = 30


class Command(BaseCommand):
    help = "从 xlsx 台账导入历史信访事项（全部成功才导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--user", required=True, help="以该账号的权限和名义导入（须有导入台账权限）")
        parser.add_argument("--skip-duplicates", action="store_true", help="跳过与已有事项重复的行")
        parser.add_argument("--errors", help="错误标注文件的保存路径（默认：<文件名>.errors.xlsx）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"账号不存在或已停用：{options['user']}")
        if not has_perm(actor, importing.IMPORT_PERM, None):
            raise CommandError(f"账号 {actor.username} 没有导入历史台账的权限")
        data = path.read_bytes()
        progress = Progress(None, echo=self._bar)
        outcome = importing.import_ledger(
            actor=actor, data=data, name=path.name, skip_duplicates=bool(options["skip_duplicates"]), progress=progress
        )
        self._end_bar()
        if outcome.ok:
            self.stdout.write(self.style.SUCCESS(outcome.message))
            return
        self.stderr.write(outcome.message)
        for e in outcome.errors[:200]:
            d = e.as_dict()
            self.stderr.write(f"  第{d['row']}行 {d['column'] or '—'}：{d['message']}")
        if len(outcome.errors) > 200:
            self.stderr.write(f"  …… 另有{len(outcome.errors) - 200}处错误，见错误标注文件")
        if outcome.error_workbook is not None:
            out = Path(options["errors"]) if options.get("errors") else path.with_suffix(".errors.xlsx")
            out.write_bytes(outcome.error_workbook)
            self.stderr.write(f"错误标注文件：{out}")
        sys.exit(1)

    _shown = ""
    _key = ""

    def _bar(self, label: str, done: int, total: int) -> None:
        width = BAR
        filled = int(width * done / total) if total else 0
        percent = int(done * 100 / total) if total else 0
        key = f"{label}|{percent}"
        line = f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {percent:3d}%"
        if key != self._key or done == total:
            self._key = key
            self.stdout.write(line, ending="")
            self.stdout.flush()
            self._shown = line

    def _end_bar(self) -> None:
        if self._shown:
            self.stdout.write("")
            self._shown = ""
