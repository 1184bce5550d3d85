"""Background jobs without a broker: a job row, a thread of the web process, and a progress file.

    job = job_create(actor=..., kind="cases.import", input_name=..., input_bytes=..., options={...})
    job_start(job, runner, background=True)   # runner(job, progress) -> JobResult, in a daemon thread after
                                              # the current transaction commits; background=False runs it now
    job_progress(job) -> Progress             # what the page's progress bar and the API show

Why a file for the progress: the ledger import writes every row inside ONE transaction (all or nothing), so
progress written to the database would stay invisible to the polling page until the end — and on SQLite a
second writer would block on the import's lock. The file (MEDIA_ROOT/jobs/progress/<id>.json, replaced
atomically) is visible at once to every worker process on the host. The job row itself only changes at the
start and the end, outside the task's transaction.

A process that dies mid-task leaves nothing half-written (the task's transaction rolls back); its job shows
as interrupted once the progress has not moved for XINFANG_JOB_STALE_SECONDS (default 900).

Personal data does not linger (个人信息保护法 Art 19, 47): the uploaded input file (MEDIA_ROOT/jobs/input/) is
deleted the moment the job ends, whatever the outcome; the marked error workbook (a copy of the upload) is kept
for XINFANG_JOB_FILE_RETENTION_HOURS (default 168, 7 days) so that its owner can download and correct it, then
deleted. `jobs_sweep()` — run by `manage.py jobs_sweep`, by the daily `send_reminders` and whenever a new job
is created — deletes expired error workbooks, the input of a job whose process died (and marks the job
interrupted), and any file under jobs/ that no job row refers to (e.g. left by a rolled-back request).

State it plainly: no Celery/Redis. Jobs run in the process that accepted them; a server restart interrupts
running jobs (their users start them again). Large imports are rare, manual events, so this is sufficient;
`manage.py import_cases FILE` runs the same task in the terminal.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.notifications.models import BackgroundJob, JobStatus

logger = logging.getLogger("xinfang.jobs")

PROGRESS_EVERY_SECONDS = 0.25


def stale_seconds() -> int:
    return int(getattr(settings, "XINFANG_JOB_STALE_SECONDS", 900))


@dataclass
class JobResult:
    status: str  # JobStatus.DONE or JobStatus.FAILED
    summary: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    error_file: bytes | None = None
    error_file_name: str = ""
    notify_title: str = ""
    notify_url: str = ""


def file_retention() -> datetime.timedelta:
    """How long the marked error workbook (a copy of the uploaded personal data) is kept after the job ends."""
    return datetime.timedelta(hours=float(getattr(settings, "XINFANG_JOB_FILE_RETENTION_HOURS", 168)))


def error_file_expires(job: BackgroundJob) -> datetime.datetime | None:
    """When the job's error workbook is deleted (None when it has none)."""
    if not job.error_file or job.finished_at is None:
        return None
    return job.finished_at + file_retention()


def _remove_stored(name: str) -> None:
    """Delete one stored job file; a file already gone is fine, a failure is logged (the sweep retries)."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("job file %s not deleted", name, exc_info=True)


def _progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / "progress" / f"{int(job_id)}.json"


class Progress:
    """The running task's reporter: `phase(label, total)` then `advance(n)`; written at most every 0.25 s."""

    def __init__(self, job_id: int | None, echo: Callable[[str, int, int], None] | None = None) -> None:
        self.job_id = job_id
        self.echo = echo
        self.label = ""
        self.total = 0
        self.done = 0
        self._last = 0.0

    def phase(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(int(total), 0), 0
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total) if self.total else self.done + n
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.echo is not None:
            self.echo(self.label, self.done, self.total)
        if self.job_id is None or (not force and now - self._last < PROGRESS_EVERY_SECONDS and self.done < self.total):
            return
        self._last = now
        path = _progress_path(self.job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"phase": self.label, "done": self.done, "total": self.total, "at": time.time()}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".p")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
            os.replace(tmp, path)
        except OSError:  # pragma: no cover - progress is best effort
            logger.warning("progress file of job %s not written", self.job_id, exc_info=True)
            try:
                os.unlink(tmp)
            except OSError:
                pass


@dataclass
class JobProgress:
    status: str
    status_label: str
    phase: str
    done: int
    total: int
    percent: int
    finished: bool
    stalled: bool


def job_progress(job: BackgroundJob) -> JobProgress:
    """The job's state for the progress bar: the row when finished or pending, else the progress file."""
    phase, done, total = job.phase, job.done, job.total
    stalled = False
    if job.status == JobStatus.RUNNING:
        at: float | None = None
        try:
            data = json.loads(_progress_path(job.pk).read_text())
            phase, done, total, at = str(data["phase"]), int(data["done"]), int(data["total"]), float(data["at"])
        except (OSError, ValueError, KeyError, TypeError):
            at = job.started_at.timestamp() if job.started_at else None
        stalled = at is not None and time.time() - at > stale_seconds()
    percent = 100 if job.finished else (int(done * 100 / total) if total else 0)
    label = "可能已中断（进度长时间未更新，未写入任何数据，请重新导入）" if stalled else job.get_status_display()
    return JobProgress(job.status, label, phase, done, total, min(percent, 100), job.finished, stalled)


def job_create(
    *,
    actor: Any,
    kind: str,
    input_name: str = "",
    input_bytes: bytes | None = None,
    options: dict[str, Any] | None = None,
) -> BackgroundJob:
    try:
        jobs_sweep()
    except Exception:  # housekeeping never stops a new job
        logger.warning("jobs_sweep failed", exc_info=True)
    job = BackgroundJob(kind=kind, created_by=actor, input_name=input_name[:255], options=options or {})
    if input_bytes is not None:
        job.input_file.save(
            f"jobs/input/{kind.replace('.', '-')}-{timezone.now():%Y%m%d%H%M%S}", ContentFile(input_bytes), save=False
        )
    job.save()
    return job


Runner = Callable[[BackgroundJob, Progress], JobResult]


def job_run(job_id: int, runner: Runner) -> BackgroundJob:
    """Run the task now, in this thread, and record its end. Never raises: an unexpected error is recorded
    on the job (status error) and logged."""
    job = BackgroundJob.objects.get(pk=job_id)
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.refresh_from_db()
    progress = Progress(job.pk)
    try:
        result = runner(job, progress)
    except Exception as exc:
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        result = JobResult(
            status=JobStatus.ERROR,
            message=f"任务出错中止，未写入任何数据：{type(exc).__name__}",
            notify_title="后台任务出错中止",
        )
    for attempt in range(5):
        try:
            _finish(job, result, progress)
            break
        except OperationalError:  # e.g. SQLite busy past its timeout: the result must still be recorded
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))
    return job


def _finish(job: BackgroundJob, result: JobResult, progress: Progress) -> None:
    job.status = result.status
    job.summary = result.summary
    job.errors = result.errors
    job.message = result.message
    job.phase = progress.label
    job.total = progress.total
    job.done = progress.done
    job.finished_at = timezone.now()
    if result.error_file is not None:
        job.error_file.save(
            result.error_file_name or f"jobs/errors/{job.pk}.xlsx", ContentFile(result.error_file), save=False
        )
    # The upload was needed only while the task ran: the row forgets it first, then the file goes (a file
    # left behind by a failure here is no longer referenced, and jobs_sweep removes it).
    input_name = job.input_file.name or ""
    job.input_file = ""  # type: ignore[assignment]
    job.save()
    _remove_stored(input_name)
    try:
        _progress_path(job.pk).unlink()
    except OSError:
        pass
    if result.notify_title:
        from xinfang.notifications.services import notify

        notify(
            recipients=[job.created_by],
            kind="job.finished",
            title=result.notify_title,
            body=result.message,
            url=result.notify_url,
            dedupe_key=f"job:{job.pk}:finished",
        )


def _thread_main(job_id: int, runner: Runner) -> None:
    close_old_connections()
    try:
        job_run(job_id, runner)
    finally:
        connections.close_all()


def job_start(job: BackgroundJob, runner: Runner, *, background: bool) -> None:
    """Run now (background=False), or in a daemon thread once the current transaction has committed."""
    if not background or getattr(settings, "XINFANG_JOBS_INLINE", False):
        job_run(job.pk, runner)
        job.refresh_from_db()
        return

    def start() -> None:
        threading.Thread(target=_thread_main, args=(job.pk, runner), name=f"xinfang-job-{job.pk}", daemon=True).start()

    transaction.on_commit(start)


# ---------------------------------------------------------------------------------------------------
# Housekeeping: no uploaded personal data lingers

INTERRUPTED_MESSAGE = "任务已中断（服务器重启或进程终止），未写入任何数据，请重新导入。"
ORPHAN_GRACE = datetime.timedelta(hours=1)  # a file younger than this may belong to a request still running
JOB_FILE_DIRS = ("jobs/input", "jobs/errors")


@dataclass
class SweepResult:
    interrupted: list[int] = field(default_factory=list)  # jobs whose process died: marked as interrupted
    inputs: int = 0  # uploaded input files deleted
    error_files: int = 0  # error workbooks deleted after their retention
    orphans: int = 0  # files under jobs/ that no job refers to

    @property
    def removed(self) -> int:
        return self.inputs + self.error_files + self.orphans


def _last_activity(job: BackgroundJob) -> float:
    """When the job last showed life: its progress file, else its start, else its creation (epoch seconds)."""
    if job.status == JobStatus.RUNNING:
        try:
            return float(json.loads(_progress_path(job.pk).read_text())["at"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    moment = job.started_at or job.created_at
    return moment.timestamp()


def jobs_sweep(now: datetime.datetime | None = None) -> SweepResult:
    """Delete every job file whose time is over (see the module docstring). Safe to run at any time, from
    any number of processes."""
    now = now or timezone.now()
    result = SweepResult()
    unfinished = [JobStatus.PENDING, JobStatus.RUNNING]
    dead_before = now.timestamp() - stale_seconds()
    for job in BackgroundJob.objects.filter(status__in=unfinished).only(
        "pk", "status", "created_at", "started_at", "input_file"
    ):
        if _last_activity(job) >= dead_before:
            continue
        # Conditional: a job that finished meanwhile keeps its own result.
        if BackgroundJob.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.ERROR, message=INTERRUPTED_MESSAGE, finished_at=now
        ):
            result.interrupted.append(job.pk)
            try:
                _progress_path(job.pk).unlink()
            except OSError:
                pass

    finished = BackgroundJob.objects.exclude(status__in=unfinished)
    for pk, name in finished.exclude(input_file="").values_list("pk", "input_file"):
        if BackgroundJob.objects.filter(pk=pk, input_file=name).update(input_file=""):
            _remove_stored(name)
            result.inputs += 1
    cutoff = now - file_retention()
    expired = finished.exclude(error_file="").filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )
    for pk, name in expired.values_list("pk", "error_file"):
        if BackgroundJob.objects.filter(pk=pk, error_file=name).update(error_file=""):
            _remove_stored(name)
            result.error_files += 1

    result.orphans = _remove_orphans(now)
    if result.interrupted or result.removed:
        from xinfang.core.audit import audit_record

        # The deletion of personal data is itself on the record (个人信息保护法 Art 47).
        audit_record(
            actor=None,
            actor_username="system",
            action="notifications.job_files.deleted",
            after={
                "interrupted_jobs": result.interrupted,
                "input_files": result.inputs,
                "error_workbooks": result.error_files,
                "orphans": result.orphans,
            },
        )
        logger.info(
            "jobs_sweep: %d interrupted, %d inputs, %d error workbooks, %d orphans removed",
            len(result.interrupted),
            result.inputs,
            result.error_files,
            result.orphans,
        )
    return result


def _remove_orphans(now: datetime.datetime) -> int:
    root = Path(settings.MEDIA_ROOT)
    cutoff = (now - ORPHAN_GRACE).timestamp()
    referenced: set[str] = set()
    for input_name, error_name in BackgroundJob.objects.values_list("input_file", "error_file"):
        referenced.update(n for n in (input_name, error_name) if n)
    running = {str(pk) for pk in BackgroundJob.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True)}
    removed = 0
    candidates: list[tuple[Path, bool]] = []
    for folder in JOB_FILE_DIRS:
        candidates += [(p, p.relative_to(root).as_posix() not in referenced) for p in (root / folder).rglob("*")]
    progress_dir = root / "jobs" / "progress"
    candidates += [(p, p.name.split(".")[0] not in running) for p in progress_dir.glob("*")]
    for path, orphaned in candidates:
        try:
            if orphaned and path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            logger.warning("job file %s not deleted", path, exc_info=True)
    return removed
