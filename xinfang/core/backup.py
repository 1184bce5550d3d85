"""Backups (R-SEC): the database and the uploaded/generated files, in one folder, checked on restore.

    backup_create(dest=None) -> Path         BACKUP_DIR/xinfang-<timestamp>/ with
        database.sqlite3  (SQLite: a consistent copy through SQLite's online backup API, safe while the site runs)
        database.dump     (PostgreSQL: pg_dump --format=custom, one consistent snapshot)
        files.tar.gz      (MEDIA_ROOT: attachments, generated documents, import files)
        manifest.json     (engine, time, audit-chain length and head, sha256 of every part)
    backup_restore(src)                      into the database DATABASE_URL names and into MEDIA_ROOT, after checking
                                             every sha256; then the audit chain is verified on the restored data.

`make backup` / `make restore FROM=<folder>` run the management commands. Restore replaces what is there: stop the
application first. PostgreSQL restores with pg_restore --clean --if-exists into an existing (e.g. freshly created)
database; the client tools (pg_dump, pg_restore) must match the server's major version or be newer.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from xinfang.core.audit import VerifyResult, audit_verify
from xinfang.core.models import AuditEvent

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
FILES = "files.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is Chinese and names what to do."""


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{vendor}")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target, pages=1024)


def sqlite_backup(path: Path, alias: str = "default") -> None:
    """A consistent copy of the live SQLite database (WAL included) through the online backup API."""
    connection = connections[alias]
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        _sqlite_copy(connection.connection, target)
    finally:
        target.close()


def sqlite_restore(path: Path, alias: str = "default") -> None:
    """Replace the database's content with the copy at `path` (page by page, through the backup API)."""
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        _sqlite_copy(source, connection.connection)
    finally:
        source.close()


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_env(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    db = connections[alias].settings_dict
    env = dict(os.environ)
    args: list[str] = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args += ["--no-password"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（例如 apt-get install postgresql-client）")
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - argument list, no shell
    if result.returncode != 0:
        raise BackupError(f"{tool} 失败（退出码 {result.returncode}）：{result.stderr.strip()[-2000:]}")


def pg_backup(path: Path, alias: str = "default") -> None:
    args, env = _pg_env(alias)
    name = str(connections[alias].settings_dict["NAME"])
    _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", "--file", str(path), name], env)


def pg_restore(path: Path, alias: str = "default") -> None:
    args, env = _pg_env(alias)
    name = str(connections[alias].settings_dict["NAME"])
    connections[alias].close()
    _run(
        [
            "pg_restore",
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(path),
        ],
        env,
    )


# --- files ----------------------------------------------------------------------------------------


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def files_backup(path: Path) -> int:
    root = _media_root()
    count = 0
    with tarfile.open(path, "w:gz") as tar:
        if root.exists():
            for item in sorted(root.rglob("*")):
                if item.is_file() and not item.is_symlink():
                    tar.add(item, arcname=str(item.relative_to(root)), recursive=False)
                    count += 1
    return count


def files_restore(path: Path) -> int:
    """Unpack into MEDIA_ROOT (files already there with the same names are replaced). Refuses absolute paths,
    `..`, links and devices in the archive."""
    root = _media_root()
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    with tarfile.open(path, "r:gz") as tar:
        members = tar.getmembers()
        for m in members:
            target = (root / m.name).resolve()
            if not m.isfile() or m.name.startswith("/") or not target.is_relative_to(root.resolve()):
                raise BackupError(f"备份文件包含不安全的条目：{m.name}")
        for m in members:
            tar.extract(m, root, filter="data")
            count += 1
    return count


# --- the whole backup -----------------------------------------------------------------------------


def _audit_head() -> dict[str, Any]:
    last = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    return {
        "events": AuditEvent.objects.count(),
        "last_id": last["id"] if last else None,
        "last_hash": last["hash"] if last else "",
    }


def backup_create(dest: Path | None = None, *, log: Callable[[str], None] | None = None) -> Path:
    """Write a new backup folder (never overwriting one) and return its path."""
    say = log or (lambda message: None)
    engine = _engine()
    base = Path(dest) if dest is not None else Path(settings.BACKUP_DIR)
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = base / f"xinfang-{stamp}"
    work = Path(tempfile.mkdtemp(prefix=".xinfang-backup-", dir=base))
    try:
        head = _audit_head()
        db_file = work / (SQLITE_FILE if engine == "sqlite" else PG_FILE)
        say(f"数据库（{engine}）……")
        if engine == "sqlite":
            sqlite_backup(db_file)
        else:
            pg_backup(db_file)
        say("附件与生成文件……")
        count = files_backup(work / FILES)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "engine": engine,
            "audit": head,
            "media_files": count,
            "sha256": {p.name: _sha256(p) for p in sorted(work.iterdir())},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        work.rename(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    say(f"备份完成：{folder}（审计记录 {head['events']} 条，文件 {count} 个）")
    return folder


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    files: int
    audit: VerifyResult


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} 不是备份目录（缺少 {MANIFEST}）")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError("备份格式版本不符")
    for name, digest in manifest["sha256"].items():
        part = Path(folder) / name
        if not part.exists() or _sha256(part) != digest:
            raise BackupError(f"备份文件 {name} 缺失或已损坏（sha256 不符），未做任何恢复")
    return manifest


def backup_restore(folder: Path, *, log: Callable[[str], None] | None = None) -> RestoreResult:
    """Restore the database and the files of a backup folder, then verify the audit chain on the result."""
    say = log or (lambda message: None)
    folder = Path(folder)
    manifest = read_manifest(folder)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，当前配置为 {engine}，不能直接恢复")
    say("恢复数据库……")
    if engine == "sqlite":
        sqlite_restore(folder / SQLITE_FILE)
    else:
        pg_restore(folder / PG_FILE)
    say("恢复附件与生成文件……")
    files = files_restore(folder / FILES)
    result = audit_verify()
    head = _audit_head()
    if result.ok and head != manifest["audit"]:
        result = VerifyResult(result.checked, head["last_id"], "恢复后的审计记录与备份清单不一致")
    return RestoreResult(manifest=manifest, files=files, audit=result)
