"""Permission-matrix rows of the notification centre, the ledger import pages and their API, for
tests/test_permission_matrix.py (`MATRIX.update(ROWS)`): url name -> (kwargs, GET statuses, POST statuses), the
statuses in the order of the matrix's USERS:
    anonymous, d1b1.officer, d1b2.officer, d1.chief, sysadmin, secadmin, auditor
Objects belong to d1b1.officer: his message, his import job (with its error workbook)."""

from __future__ import annotations

from typing import Any

R = 302


def _none(w: Any) -> dict[str, Any]:
    return {}


def _notification(w: Any) -> dict[str, Any]:
    from xinfang.notifications.services import notify

    return {"pk": notify(recipients=[w.user("d1b1.officer")], kind="test", title="提醒")[0].pk}


def _job(w: Any) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from xinfang.notifications.models import BackgroundJob, JobStatus

    job = BackgroundJob(
        kind="cases.import", created_by=w.user("d1b1.officer"), status=JobStatus.FAILED, input_name="台账.xlsx"
    )
    job.error_file.save("jobs/errors/matrix.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    job.save()
    return {"pk": job.pk}


ROWS: dict[str, tuple[Any, list[int], list[int]]] = {
    # The notification centre: every signed-in user has his own; another user's message is 404.
    "notifications:list": (_none, [R, 200, 200, 200, 200, 200, 200], [R, 405, 405, 405, 405, 405, 405]),
    "notifications:badge": (_none, [R, 200, 200, 200, 200, 200, 200], [R, 405, 405, 405, 405, 405, 405]),
    "notifications:read-all": (_none, [R, 405, 405, 405, 405, 405, 405], [R, 302, 302, 302, 302, 302, 302]),
    "notifications:open": (_notification, [R, 302, 404, 404, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "notifications:read": (_notification, [R, 405, 405, 405, 405, 405, 405], [R, 302, 404, 404, 404, 404, 404]),
    # Ledger import pages (cases.case.import; a job is its creator's own).
    "cases:import": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "cases:import-template": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "cases:import-job": (_job, [R, 200, 404, 404, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "cases:import-job-progress": (_job, [R, 200, 404, 404, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "cases:import-job-errors": (_job, [R, 200, 404, 404, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    # API
    "api:notification-list": (_none, [401, 200, 200, 200, 200, 200, 200], [401, 405, 405, 405, 405, 405, 405]),
    "api:notification-read": (_notification, [401, 405, 405, 405, 405, 405, 405], [401, 200, 404, 404, 404, 404, 404]),
    "api:notification-read-all": (_none, [401, 405, 405, 405, 405, 405, 405], [401, 200, 200, 200, 200, 200, 200]),
    "api:import-cases": (_none, [401, 405, 405, 405, 403, 403, 403], [401, 400, 400, 400, 403, 403, 403]),
    "api:import-detail": (_job, [401, 200, 404, 404, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
    "api:import-errors": (_job, [401, 200, 404, 404, 403, 403, 403], [401, 405, 405, 405, 403, 403, 403]),
}
