"""Backups (R-SEC): `manage.py backup` copies the database (SQLite online backup / pg_dump) and MEDIA_ROOT;
`manage.py restore` into a FRESH database and an empty files folder gives back every row and file, and the audit
chain verifies on the restored data (checked by `manage.py audit_verify` in a separate process). A damaged or
tampered backup is refused or reported."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from xinfang.cases.models import Attachment, Case
from xinfang.core.backup import FILES, MANIFEST, PG_FILE, SQLITE_FILE, BackupError, backup_create, backup_restore
from xinfang.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[3]
PDF = b"%PDF-1.4\n% backup test\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def populated(transactional_db, media):
    """Committed data (pg_dump sees committed rows only): the world, a case with an attachment, audit events."""
    from conftest import build_world
    from xinfang.cases.tests.factories import register

    world = build_world()
    case = register(world, attachments=[SimpleUploadedFile("材料.pdf", PDF)])
    return world, case


class FreshDatabase:
    """A database nobody has used, for the restore: a new SQLite file, or a new PostgreSQL database on the same
    server (dropped afterwards)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.pg_name = ""

    def __enter__(self) -> str:
        if connection.vendor == "sqlite":
            return f"sqlite:///{self.tmp_path / 'fresh.sqlite3'}"
        db = connection.settings_dict
        self.pg_name = f"xf_restore_{uuid.uuid4().hex[:10]}"
        with connection.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.pg_name}"')
        user = db.get("USER") or ""
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{self.pg_name}"

    def __exit__(self, *exc: object) -> None:
        if self.pg_name:
            with connection.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def manage(env_db: str, media: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(XINFANG_TESTING="1", DATABASE_URL=env_db, XINFANG_MEDIA_ROOT=str(media))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_backup_then_restore_into_a_fresh_database_keeps_every_row_file_and_the_audit_chain(populated, tmp_path):
    world, case = populated
    attachment = case.attachments.get()
    stored = Path(attachment.file.path).read_bytes()
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip().splitlines()[-1])
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["audit"]["events"] == events and manifest["media_files"] == 1
    assert set(manifest["sha256"]) == {SQLITE_FILE if connection.vendor == "sqlite" else PG_FILE, FILES}

    fresh_media = tmp_path / "restored-media"
    with FreshDatabase(tmp_path) as fresh:
        restored = manage(fresh, fresh_media, "restore", str(folder), "--yes")
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert f"审计链完整，共 {events} 条" in restored.stdout

        verified = manage(fresh, fresh_media, "audit_verify")
        assert verified.returncode == 0 and f"共 {events} 条" in verified.stdout, verified.stderr

        probe = (
            "from xinfang.cases.models import Case, Petitioner; from xinfang.orgs.models import User; "
            f"c = Case.objects.get(number={case.number!r}); p = c.petitioners.get(); "
            "print(Case.objects.count(), User.objects.count(), c.attachments.get().file.name, p.id_number)"
        )
        shell = manage(fresh, fresh_media, "shell", "-c", probe)
        assert shell.returncode == 0, shell.stderr
        count, users, file_name, id_number = shell.stdout.strip().splitlines()[-1].split()
        assert int(count) == Case.objects.count() and int(users) == len(world.users)
        assert file_name == attachment.file.name
        assert id_number == case.petitioners.get().id_number  # encrypted data still decrypts (same keys)
    assert (fresh_media / attachment.file.name).read_bytes() == stored


def test_a_damaged_backup_is_refused_before_anything_is_restored(populated, tmp_path):
    folder = backup_create(tmp_path / "backups")
    with (folder / FILES).open("ab") as fh:
        fh.write(b"x")
    before = Case.objects.count()
    with pytest.raises(BackupError, match="sha256"):
        backup_restore(folder)
    assert Case.objects.count() == before


def test_a_backup_with_a_tampered_audit_trail_fails_verification_on_restore(populated, tmp_path):
    """SQLite: the database copy inside the backup is edited (and its sha256 in the manifest fixed up).
    PostgreSQL: a custom-format dump cannot be edited in place, so the row is edited before the dump."""
    tamper = (
        "UPDATE core_auditevent SET actor_username = 'someone-else' WHERE id = (SELECT MIN(id) FROM core_auditevent)"
    )
    if connection.vendor != "sqlite":
        with connection.cursor() as cur:
            cur.execute(tamper)
    folder = backup_create(tmp_path / "backups")
    if connection.vendor == "sqlite":
        db = sqlite3.connect(folder / SQLITE_FILE)
        db.execute(tamper)
        db.commit()
        db.close()
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest["sha256"][SQLITE_FILE] = hashlib.sha256((folder / SQLITE_FILE).read_bytes()).hexdigest()
        (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    with FreshDatabase(tmp_path) as fresh:
        restored = manage(fresh, tmp_path / "m2", "restore", str(folder), "--yes")
    assert restored.returncode == 1 and "审计链校验失败" in restored.stderr


def test_a_file_archive_escaping_the_files_folder_is_refused(populated, tmp_path, media):
    folder = backup_create(tmp_path / "backups")
    evil = folder / FILES
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../outside.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["sha256"][FILES] = hashlib.sha256(evil.read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    from xinfang.core.backup import files_restore

    with pytest.raises(BackupError, match="不安全"):
        files_restore(evil)
    assert not (Path(media).parent / "outside.txt").exists()


def test_restore_asks_before_overwriting(populated, tmp_path):
    from django.core.management.base import CommandError

    folder = backup_create(tmp_path / "backups")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(folder))  # no terminal to ask: refused
    assert Attachment.objects.count() == 1
