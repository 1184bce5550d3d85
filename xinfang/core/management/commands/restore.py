"""`manage.py restore FOLDER` (`make restore FROM=FOLDER`): restore a backup into the configured database and
MEDIA_ROOT, then verify the audit chain. Replaces what is there: stop the application first."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.core.backup import BackupError, backup_restore, read_manifest


class Command(BaseCommand):
    help = "从备份目录恢复数据库和附件文件（覆盖现有数据，请先停止系统），恢复后校验审计链。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="backup 命令生成的备份目录")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖现有数据")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        try:
            manifest = read_manifest(folder)
        except BackupError as e:
            raise CommandError(str(e)) from None
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("恢复会覆盖现有数据：请确认后加 --yes 重新运行")
            answer = input(f"将用 {folder}（{manifest['created_at']}）覆盖现有数据库和文件，输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消")
        try:
            result = backup_restore(folder, log=self.stdout.write)
        except BackupError as e:
            raise CommandError(str(e)) from None
        if not result.audit.ok:
            self.stderr.write(f"恢复完成，但审计链校验失败：第 {result.audit.broken_id} 条，{result.audit.reason}")
            sys.exit(1)
        self.stdout.write(f"恢复完成：文件 {result.files} 个；审计链完整，共 {result.audit.checked} 条")
