"""Background jobs: a thread after commit, progress through the progress file, the end recorded on the row,
an unexpected error recorded (not raised), a silent job shown as interrupted."""

from __future__ import annotations

import threading
import time

import pytest
from django.utils import timezone

from xinfang.notifications import jobs
from xinfang.notifications.jobs import JobResult, Progress, job_create, job_progress, job_run, job_start
from xinfang.notifications.models import BackgroundJob, JobStatus, Notification


def test_job_run_records_the_result_and_tells_the_creator(world):
    officer = world.user("d1b1.officer")
    job = job_create(actor=officer, kind="test", input_name="a.xlsx", input_bytes=b"data")

    def runner(job, progress):
        assert job.input_file.read() == b"data"
        progress.phase("校验", 3)
        progress.advance(3)
        return JobResult(
            status=JobStatus.DONE, summary={"n": 3}, message="好了", notify_title="任务完成", error_file=b"x"
        )

    job_run(job.pk, runner)
    job.refresh_from_db()
    assert (job.status, job.phase, job.done, job.total, job.summary) == (JobStatus.DONE, "校验", 3, 3, {"n": 3})
    assert job.started_at and job.finished_at and job.error_file
    assert job_progress(job).percent == 100
    assert Notification.objects.get(recipient=officer).title == "任务完成"


def test_an_unexpected_error_is_recorded_on_the_job(world):
    job = job_create(actor=world.user("d1b1.officer"), kind="test")

    def runner(job, progress):
        raise RuntimeError("boom")

    job_run(job.pk, runner)
    job.refresh_from_db()
    assert job.status == JobStatus.ERROR and "未写入任何数据" in job.message


def test_a_running_job_reads_its_progress_file_and_a_silent_one_is_stalled(world, settings):
    job = job_create(actor=world.user("d1b1.officer"), kind="test")
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.refresh_from_db()
    p = Progress(job.pk)
    p.phase("写入", 10)
    p.advance(4)
    p._write(force=True)
    state = job_progress(job)
    assert (state.phase, state.done, state.total, state.percent, state.stalled) == ("写入", 4, 10, 40, False)
    settings.XINFANG_JOB_STALE_SECONDS = -1
    assert job_progress(job).stalled and "中断" in job_progress(job).status_label


@pytest.mark.django_db(transaction=True)
def test_background_jobs_run_in_a_thread_after_commit(settings, tmp_path):
    from conftest import build_world

    world = build_world()
    settings.XINFANG_JOBS_INLINE = False
    seen: dict[str, object] = {}

    def runner(job, progress):
        seen["thread"] = threading.current_thread().name
        progress.phase("写入", 1)
        progress.advance()
        return JobResult(status=JobStatus.DONE, message="ok")

    job = job_create(actor=world.user("d1b1.officer"), kind="test")
    job_start(job, runner, background=True)
    for _ in range(300):
        time.sleep(0.1)
        job.refresh_from_db()
        if job.finished:
            break
    assert job.status == JobStatus.DONE and seen["thread"] == f"xinfang-job-{job.pk}"
    assert not jobs._progress_path(job.pk).exists()
