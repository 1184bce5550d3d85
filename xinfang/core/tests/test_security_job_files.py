"""No uploaded personal data lingers (个人信息保护法 Art 19, 47; R-SEC): the case-import job's uploaded ledger is
deleted when the job ends — imported, refused or crashed —, its marked error workbook (a copy of the upload)
after XINFANG_JOB_FILE_RETENTION_HOURS, the input of a job whose process died by the sweep, and files under
MEDIA_ROOT/jobs/ that no job refers to once they are an hour old. The sweep runs from `manage.py jobs_sweep`,
the daily `send_reminders` and every new job."""

from __future__ import annotations

import datetime
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from xinfang.cases.models import Case
from xinfang.cases.tests.test_import import row, workbook
from xinfang.core.models import AuditEvent
from xinfang.notifications import jobs
from xinfang.notifications.jobs import JobResult, jobs_sweep
from xinfang.notifications.models import BackgroundJob, JobStatus

ID_NUMBER = row(7)["id_number"]
PHONE = row(7)["phone"]
ADDRESS = row(7)["address"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def job_files(media: Path) -> list[str]:
    folder = media / "jobs"
    return sorted(p.relative_to(media).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def holds_personal_data(path: Path) -> bool:
    """The file's bytes, and every member of it when it is a zip (xlsx), contain the ID number, phone or address."""
    raw = path.read_bytes()
    blobs = [raw]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            blobs += [z.read(n) for n in z.namelist()]
    needles = [s.encode() for s in (ID_NUMBER, PHONE, ADDRESS)]
    return any(n in b for b in blobs for n in needles)


def upload(client, rows):
    f = SimpleUploadedFile("台账.xlsx", workbook(rows), content_type="application/octet-stream")
    return client.post(reverse("cases:import"), {"file": f})


def failed_import(world, client) -> BackgroundJob:
    """A refused import (row 3's ID number is wrong): the job keeps only the marked error workbook."""
    client.force_login(world.user("d1b1.officer"))
    upload(client, [row(7), row(2, id_number="110105198001010000")])
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.FAILED and Case.objects.count() == 0
    return job


def test_a_successful_import_leaves_no_file_behind(world, client, media):
    client.force_login(world.user("d1b1.officer"))
    upload(client, [row(7), row(8)])
    job = BackgroundJob.objects.get()
    assert job.status == JobStatus.DONE and Case.objects.count() == 2
    assert not job.input_file and not job.error_file
    assert job_files(media) == []


def test_a_refused_import_keeps_only_the_error_workbook_and_deletes_the_upload(world, client, media):
    job = failed_import(world, client)
    assert not job.input_file
    assert job_files(media) == [job.error_file.name]
    # The one file left is the marked copy of the upload: personal data, hence its retention.
    assert holds_personal_data(media / job.error_file.name)
    page = client.get(reverse("cases:import-job", kwargs={"pk": job.pk})).content.decode()
    assert 'id="error-workbook-expires"' in page and "后自动删除" in page


def test_a_crashing_job_deletes_its_upload_too(world, media):
    job = jobs.job_create(actor=world.user("d1b1.officer"), kind="test", input_bytes=workbook([row(7)]))
    assert job_files(media) == [job.input_file.name]

    def runner(job, progress):
        raise RuntimeError("boom")

    jobs.job_run(job.pk, runner)
    job.refresh_from_db()
    assert job.status == JobStatus.ERROR and not job.input_file and job_files(media) == []


def test_the_error_workbook_is_deleted_after_its_retention_and_no_longer_served(world, client, media, settings):
    settings.XINFANG_JOB_FILE_RETENTION_HOURS = 48
    job = failed_import(world, client)
    name = job.error_file.name
    errors_url = reverse("cases:import-job-errors", kwargs={"pk": job.pk})
    assert client.get(errors_url).status_code == 200

    assert jobs_sweep(now=job.finished_at + datetime.timedelta(hours=47)).error_files == 0
    assert job_files(media) == [name]

    result = jobs_sweep(now=job.finished_at + datetime.timedelta(hours=49))
    assert result.error_files == 1 and job_files(media) == []
    event = AuditEvent.objects.get(action="notifications.job_files.deleted")
    assert event.actor_username == "system" and event.after["error_workbooks"] == 1
    assert jobs_sweep(now=job.finished_at + datetime.timedelta(hours=50)).removed == 0  # nothing twice
    assert AuditEvent.objects.filter(action="notifications.job_files.deleted").count() == 1
    job.refresh_from_db()
    assert not job.error_file and job.errors  # the error list (no personal data) stays on the row
    assert client.get(errors_url).status_code == 404
    page = client.get(reverse("cases:import-job", kwargs={"pk": job.pk})).content.decode()
    assert 'id="error-workbook-removed"' in page and 'id="error-workbook-link"' not in page

    # The API answers the same.
    api = APIClient()
    api.force_authenticate(world.user("d1b1.officer"))
    detail = api.get(reverse("api:import-detail", kwargs={"pk": job.pk})).json()
    assert detail["error_workbook_url"] is None
    assert api.get(reverse("api:import-errors", kwargs={"pk": job.pk})).status_code == 404


def test_the_daily_send_reminders_and_the_command_run_the_sweep(world, client, media, settings):
    settings.XINFANG_JOB_FILE_RETENTION_HOURS = 1
    job = failed_import(world, client)
    BackgroundJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=2))
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert job_files(media) == [] and "清理任务文件 1 个" in out.getvalue()

    out = io.StringIO()
    call_command("jobs_sweep", stdout=out)
    assert "过期错误标注文件 0 个" in out.getvalue()


def test_a_job_whose_process_died_is_marked_interrupted_and_its_upload_deleted(world, media, settings):
    """A web process killed mid-import: the job stays 'running', its upload on disk. Once its progress has not
    moved for XINFANG_JOB_STALE_SECONDS, the sweep marks it interrupted and deletes the upload."""
    settings.XINFANG_JOB_STALE_SECONDS = 900
    officer = world.user("d1b1.officer")
    running = jobs.job_create(actor=officer, kind="cases.import", input_bytes=workbook([row(7)]))
    BackgroundJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    progress = jobs.Progress(running.pk)
    progress.phase("写入", 10)
    pending = jobs.job_create(actor=officer, kind="cases.import", input_bytes=workbook([row(8)]))
    assert len(job_files(media)) == 3  # two uploads and one progress file

    soon = timezone.now() + datetime.timedelta(seconds=600)
    assert jobs_sweep(now=soon).interrupted == []
    assert len(job_files(media)) == 3

    later = timezone.now() + datetime.timedelta(seconds=1000)
    result = jobs_sweep(now=later)
    assert sorted(result.interrupted) == sorted([running.pk, pending.pk]) and result.inputs == 2
    assert job_files(media) == []
    for job in (running, pending):
        job.refresh_from_db()
        assert job.status == JobStatus.ERROR and "中断" in job.message and not job.input_file


def test_a_job_that_finishes_after_being_declared_dead_keeps_its_own_result(world, media, settings):
    settings.XINFANG_JOB_STALE_SECONDS = -1
    job = jobs.job_create(actor=world.user("d1b1.officer"), kind="test", input_bytes=b"x")

    def runner(job, progress):
        assert jobs_sweep().interrupted == [job.pk]  # it looks dead meanwhile
        return JobResult(status=JobStatus.DONE, message="完成")

    jobs.job_run(job.pk, runner)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.message == "完成" and job_files(media) == []


def test_orphaned_job_files_are_removed_after_an_hour(world, client, media):
    job = failed_import(world, client)
    kept = media / job.error_file.name
    stray = [media / "jobs" / "input" / "cases-import-rolled-back", media / "jobs" / "progress" / "999999.json"]
    fresh = media / "jobs" / "errors" / "import-just-written.xlsx"
    for path in [*stray, fresh]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(workbook([row(7)]))
    old = time.time() - 2 * 3600
    for path in [*stray, kept]:
        os.utime(path, (old, old))
    result = jobs_sweep()
    assert result.orphans == 2
    assert job_files(media) == sorted([job.error_file.name, fresh.relative_to(media).as_posix()])


def test_a_new_job_sweeps_what_is_due(world, client, media, settings):
    settings.XINFANG_JOB_FILE_RETENTION_HOURS = 1
    job = failed_import(world, client)
    BackgroundJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=2))
    upload(client, [row(9)])
    assert BackgroundJob.objects.get(pk=job.pk).error_file == ""
    assert job_files(media) == []
