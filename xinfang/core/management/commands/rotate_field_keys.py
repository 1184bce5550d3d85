"""`manage.py rotate_field_keys`: re-encrypt personal data with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first (FIELD_ENCRYPTION_KEYS=new,old), run this command, then drop the old key.
Keyed hashes are recomputed with HASH_INDEX_KEY at the same time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.core.pii import ModelRotation, rotate_field_keys


class Command(BaseCommand):
    help = "用 FIELD_ENCRYPTION_KEYS 的第一个密钥重新加密全部个人信息字段，并重算检索哈希（单个事务）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每批处理的记录数（默认 500）")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(m: ModelRotation) -> None:
            fields = "、".join(m.encrypted_fields + m.hash_fields)
            self.stdout.write(f"{m.label}：{m.rows} 条记录（字段：{fields}）")

        result = rotate_field_keys(batch_size=max(1, options["batch_size"]), progress=progress)
        self.stdout.write(f"密钥轮换完成：{len(result.models)} 个数据表，共 {result.rows} 条记录已重新加密。")
