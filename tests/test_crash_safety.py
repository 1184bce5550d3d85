"""Crash safety (R-SEC): an exception injected halfway through each multi-write service leaves nothing behind —
no row, no stored file, no audit event, no used-up number — and a killed import leaves nothing imported.

The injected failure is a plain RuntimeError (a bug, a lost connection), not a DomainError, at the worst moment:
after some rows and files were already written inside the service's transaction."""

from __future__ import annotations

import datetime
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook

from xinfang.cases import services
from xinfang.cases.models import Attachment, Case, CaseCounter, CaseEvent, Petitioner, Status
from xinfang.cases.tests.factories import PetitionerDataFactory, advance, register
from xinfang.core.models import AuditEvent
from xinfang.documents.models import GeneratedDocument
from xinfang.orgs.models import Unit

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n%crash\n%%EOF\n"


class Crash(RuntimeError):
    pass


def crash_on_call(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, n: int) -> list[int]:
    """Replace owner.name so that its n-th call raises Crash (the earlier calls do their real work)."""
    original = getattr(owner, name)
    calls = [0]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == n:
            raise Crash(f"injected failure in {name} (call {n})")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def state(media: Path) -> dict[str, Any]:
    return {
        "cases": list(Case.objects.order_by("pk").values_list("pk", "status", "version")),
        "petitioners": Petitioner.objects.count(),
        "attachments": Attachment.objects.count(),
        "events": CaseEvent.objects.count(),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "documents": GeneratedDocument.objects.count(),
        "counters": list(CaseCounter.objects.order_by("pk").values_list("unit_id", "year", "last")),
        "units": list(Unit.objects.order_by("pk").values_list("pk", "code")),
        "files": files(media),
    }


def attachments(n: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"材料{i}.pdf", PDF) for i in range(n)]


# --- registration with petitioners and attachments -------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "owner", "name", "n"),
    [
        ("second attachment stored", services, "_store", 2),
        ("third petitioner written", Petitioner.objects, "create", 3),
        ("audit record", services, "audit_record", 1),
        ("timeline event", CaseEvent.objects, "create", 1),
    ],
)
def test_registration_crashing_halfway_leaves_nothing(world, media, monkeypatch, where, owner, name, n):
    register(world)  # the unit's counter exists and is in use
    before = state(media)
    calls = crash_on_call(monkeypatch, owner, name, n)
    with pytest.raises(Crash):
        register(world, petitioners=[PetitionerDataFactory() for _ in range(3)], attachments=attachments(3))
    assert calls[0] == n, f"the failure was not reached ({where})"
    assert state(media) == before, where


def test_a_crash_after_the_files_were_written_removes_them(world, media, monkeypatch):
    seen: list[list[str]] = []
    original = services._record

    def record_then_crash(**kwargs: Any) -> Any:
        seen.append(files(media))
        original(**kwargs)
        raise Crash("after the audit record")

    monkeypatch.setattr(services, "_record", record_then_crash)
    with pytest.raises(Crash):
        register(world, attachments=attachments(2))
    assert len(seen[0]) == 2  # both files were on disk when it failed …
    assert files(media) == []  # … and are gone
    assert not Case.objects.exists() and not AuditEvent.objects.filter(action="cases.case.registered").exists()


# --- review creation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "name", "n"),
    [
        (services, "_create_petitioners", 1),
        (services, "_record", 2),  # the parent's step was recorded, the review's registration fails
        (services, "_next_number", 1),
    ],
)
def test_review_creation_crashing_halfway_leaves_nothing(world, media, monkeypatch, owner, name, n):
    case = register(world, received_on=datetime.date(2026, 6, 1))
    case = advance(world, case, Status.DELIVERED, accepted_on=datetime.date(2026, 6, 2))
    before = state(media)
    calls = crash_on_call(monkeypatch, owner, name, n)
    with pytest.raises(Crash):
        services.review_request(
            actor=world.user("d1.officer"),
            case=case,
            requested_on=case.opinion.delivered_on + datetime.timedelta(days=3),
            content="对处理意见不服，请求复查。",
        )
    assert calls[0] == n
    assert state(media) == before
    case.refresh_from_db()
    assert case.status == Status.DELIVERED


# --- a step that generates a document ---------------------------------------------------------------------


def test_a_step_crashing_after_its_notice_was_generated_leaves_no_row_and_only_a_swept_orphan(
    world, media, monkeypatch
):
    from xinfang.documents.services import documents_sweep_orphans

    case = register(world, received_on=datetime.date(2026, 6, 1))
    before = state(media)

    def crash_hook(event: Any) -> None:
        raise Crash("after the notice")

    monkeypatch.setattr(services, "_hooks", [*services._hooks, crash_hook])
    with pytest.raises(Crash):
        services.case_accept(actor=world.user("d1b1.officer"), case=case, accepted_on=datetime.date(2026, 6, 3))
    after = state(media)
    assert {k: v for k, v in after.items() if k != "files"} == {k: v for k, v in before.items() if k != "files"}
    orphans = sorted(set(after["files"]) - set(before["files"]))
    assert orphans, "the documents hook ran before the failure"
    removed = documents_sweep_orphans(older_than=datetime.timedelta(0))
    assert sorted(removed) == orphans and files(media) == before["files"]


# --- unit import ----------------------------------------------------------------------------------------------


def test_unit_import_crashing_halfway_leaves_nothing(world, media, monkeypatch):
    from xinfang.orgs import services as orgs_services
    from xinfang.orgs.services import ImportRow, units_import

    rows = [
        ImportRow(row=2, name="新甲大队", code="nb1", parent_code="d1", level="大队"),
        ImportRow(row=3, name="新乙大队", code="nb2", parent_code="d1", level="大队"),
        ImportRow(row=4, name="新丙大队", code="nb3", parent_code="d2", level="大队"),
        ImportRow(row=5, name="新丁站", code="ns1", parent_code="nb1", level="站"),
    ]
    before = state(media)
    calls = crash_on_call(monkeypatch, orgs_services, "unit_create", 3)
    with pytest.raises(Crash):
        units_import(actor=world.user("sysadmin"), rows=rows)
    assert calls[0] == 3
    assert state(media) == before
    assert not Unit.objects.filter(code__in=["nb1", "nb2", "nb3", "ns1"]).exists()


# --- case import ------------------------------------------------------------------------------------------------


def ledger(actor: Any, rows: int) -> bytes:
    from xinfang.cases import importing
    from xinfang.cases.tests.factories import valid_id

    example = importing.example_row(actor)
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in importing.COLUMNS])
    for i in range(rows):
        row = {
            **example,
            "title": f"历史台账第{i}件：反映消防通道被占用",
            "name": f"测试人{i}",
            "id_number": valid_id(500 + i),
            "phone": f"1390000{i:04d}",
        }
        ws.append([row.get(c.key, "") for c in importing.COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_case_import_crashing_halfway_leaves_nothing(world, media, monkeypatch):
    from xinfang.cases import importing

    actor = world.user("d1b1.officer")
    data = ledger(actor, 4)
    before = state(media)
    calls = crash_on_call(monkeypatch, importing, "_apply_outcome", 3)
    with pytest.raises(Crash):
        importing.import_ledger(actor=actor, data=data, name="台账.xlsx")
    assert calls[0] == 3
    assert state(media) == before


def test_the_ledger_used_here_imports_cleanly_without_the_injected_failure(world, media):
    """Guard for the test above: the same file really imports (so the crash, not a validation error, stopped it)."""
    from xinfang.cases import importing

    actor = world.user("d1b1.officer")
    outcome = importing.import_ledger(actor=actor, data=ledger(actor, 4), name="台账.xlsx")
    assert outcome.ok, (outcome.message, [e.as_dict() for e in outcome.errors[:5]])
    assert len(outcome.created) == 4


KILLED_IMPORT = r"""
import os, sys, time
import django
django.setup()
from django.core.management import call_command
from xinfang.cases import importing

original = importing._apply_outcome
done = [0]

def slow(*args, **kwargs):
    original(*args, **kwargs)
    done[0] += 1
    if done[0] == 3:
        open(sys.argv[2], "w").write("3 rows written, not committed")
        time.sleep(120)

importing._apply_outcome = slow
if sys.argv[3] == "command":
    call_command("import_cases", sys.argv[1], "--user", "d1b1.officer")
else:  # the page's and the API's background job, in the web process that gets killed
    from xinfang.notifications.jobs import job_create, job_run
    from xinfang.orgs.models import User

    actor = User.objects.get(username="d1b1.officer")
    data = open(sys.argv[1], "rb").read()
    job = job_create(actor=actor, kind=importing.JOB_KIND, input_name="台账.xlsx", input_bytes=data)
    job_run(job.pk, importing.run_import_job)
"""


def _database_url(db_copy: Path) -> str:
    """The subprocess's database: a file copy of the SQLite test database, or the PostgreSQL test database."""
    if connection.vendor == "sqlite":
        from xinfang.core.backup import sqlite_backup

        sqlite_backup(db_copy)
        return f"sqlite:///{db_copy}"
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _query(url: str, sql: str) -> Any:
    if url.startswith("sqlite:///"):
        import sqlite3

        check = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return check.execute(sql).fetchall()
        finally:
            check.close()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.parametrize("how", ["command", "job"])
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_nothing_imported(tmp_path, how):
    """SIGKILL after three rows were written: no case, no audit event, the database intact; a killed job is then
    found by the sweep, marked interrupted, and its uploaded file (personal data) deleted."""
    from conftest import build_world

    world = build_world()
    xlsx = tmp_path / "台账.xlsx"
    xlsx.write_bytes(ledger(world.user("d1b1.officer"), 6))
    url = _database_url(tmp_path / "copy.sqlite3")
    media = tmp_path / "media"
    marker = tmp_path / "marker"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        XINFANG_TESTING="1",
        DJANGO_SETTINGS_MODULE="xinfang.settings",
        DATABASE_URL=url,
        XINFANG_MEDIA_ROOT=str(media),
        PYTHONPATH=str(ROOT),
    )
    script = tmp_path / "killed_import.py"
    script.write_text(KILLED_IMPORT, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(xlsx), str(marker), how],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-3000:]
            assert time.monotonic() < deadline, "the import never reached its third row"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert marker.read_text() == "3 rows written, not committed"
    imported = "SELECT COUNT(*) FROM core_auditevent WHERE action IN ('cases.case.registered', 'cases.ledger.imported')"
    assert _query(url, "SELECT COUNT(*) FROM cases_case")[0][0] == 0
    assert _query(url, "SELECT COUNT(*) FROM cases_petitioner")[0][0] == 0
    assert _query(url, imported)[0][0] == 0
    if connection.vendor == "sqlite":
        assert _query(url, "PRAGMA integrity_check")[0][0] == "ok"
    verify = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

    jobs_files = sorted(p.relative_to(media).as_posix() for p in (media / "jobs").rglob("*") if p.is_file())
    if how == "command":
        assert jobs_files == []
        return
    # The dead job: still "running", its upload and progress file on disk …
    assert _query(url, "SELECT status FROM notifications_backgroundjob") == [("running",)]
    assert [f.split("/")[1] for f in jobs_files] == ["input", "progress"]
    env["XINFANG_JOB_STALE_SECONDS"] = "0"  # … until its progress is older than the stale limit
    sweep = subprocess.run(
        [sys.executable, "manage.py", "jobs_sweep"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert sweep.returncode == 0 and "中断任务 1 个" in sweep.stdout, sweep.stdout + sweep.stderr
    assert _query(url, "SELECT status, input_file FROM notifications_backgroundjob") == [("error", "")]
    assert [p for p in (media / "jobs").rglob("*") if p.is_file()] == []
