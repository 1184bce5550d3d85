"""`manage.py backup [--dir DIR]` (`make backup`): the database and MEDIA_ROOT into a new folder under BACKUP_DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库（SQLite 在线备份 / PostgreSQL pg_dump）和附件文件到 BACKUP_DIR 下的新目录。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=None, help="备份存放目录（默认 settings.BACKUP_DIR，即 var/backups）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup_create(Path(options["dir"]) if options["dir"] else None, log=self.stdout.write)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(str(folder))
