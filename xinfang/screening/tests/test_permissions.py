"""The permission-matrix rows of the screening routes (pages and API), in the format of
tests/test_permission_matrix.py (the lead copies ROWS and the object builders there). Objects belong to brigade
d1b1 where the record is a brigade's (reports, conflicts, warnings, shifts); records kept by a detachment
(special periods, inspections, bulletins, trainings) are d1's, covering d1b1, visiting it or training its officer. The three admins sign in
with a verified second factor, as their pages demand, so the rows show their permissions (三员分立)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.matrix import R, Row, app_routes, assert_row
from tests.matrix import no_kwargs as _none
from xinfang.screening.tests.conftest import sign_in

D = datetime.date


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def _conflict(w: Any) -> Any:
    from xinfang.screening.tests.conftest import conflict

    return conflict(w, "d1b1")


def _s_report(w: Any) -> dict[str, Any]:
    from xinfang.screening import services

    r = services.report_file(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), period="week",
        period_start=_today() - datetime.timedelta(days=_today().weekday() + 7), is_zero=True,
    )  # fmt: skip
    return {"pk": r.pk}


def _s_conflict(w: Any) -> dict[str, Any]:
    return {"pk": _conflict(w).pk}


def _period(w: Any) -> Any:
    from xinfang.screening import services

    return services.special_period_declare(
        actor=w.user("d1.chief"), unit=w.unit("d1"), name="重要活动期间", kind="event", start_on=_today(),
        end_on=_today() + datetime.timedelta(days=2), scope_units=[w.unit("d1b1")],
    )  # fmt: skip


def _s_period(w: Any) -> dict[str, Any]:
    return {"pk": _period(w).pk}


def _s_shift(w: Any) -> dict[str, Any]:
    from django.utils import timezone

    from xinfang.screening import services

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    shift = services.duty_shift_add(
        actor=w.user("d1b1.officer"), special_period=_period(w), unit=w.unit("d1b1"), starts_at=start,
        ends_at=start + datetime.timedelta(hours=8), officer=w.user("d1b1.officer"), phone="0791-1234567",
    )  # fmt: skip
    return {"pk": shift.pk}


def _warning(w: Any) -> Any:
    from xinfang.screening import services

    return services.warning_raise(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), title="拟集体上访", description="x", risk="collective"
    )


def _s_warning(w: Any) -> dict[str, Any]:
    return {"pk": _warning(w).pk}


def _s_warning_control(w: Any) -> dict[str, Any]:
    return {"pk": _warning(w).pk, "step": "control"}


def _inspection(w: Any) -> Any:
    from xinfang.screening import services

    return services.inspection_create(
        actor=w.user("d1.chief"), unit=w.unit("d1"), on=_today(), inspectors="甲", units_visited=[w.unit("d1b1")],
        findings="正常", items=[{"description": "整改", "owner_unit": w.unit("d1b1"), "owner": w.user("d1b1.chief"),
                                "deadline": _today() + datetime.timedelta(days=30)}],
    )  # fmt: skip


def _s_inspection(w: Any) -> dict[str, Any]:
    return {"pk": _inspection(w).pk}


def _s_item(w: Any) -> dict[str, Any]:
    return {"pk": _inspection(w).items.get().pk}


def _s_bulletin(w: Any) -> dict[str, Any]:
    from xinfang.screening import services

    b = services.bulletin_issue(
        actor=w.user("d1.chief"), unit=w.unit("d1"), period="month", period_start=_today().replace(day=1)
    )
    return {"pk": b.pk}


def _s_bulletin_pdf(w: Any) -> dict[str, Any]:
    return {**_s_bulletin(w), "fmt": "pdf"}


def _s_training(w: Any) -> dict[str, Any]:
    from xinfang.screening import services

    t = services.training_create(
        actor=w.user("d1.chief"),
        unit=w.unit("d1"),
        on=_today(),
        topic="条例",
        hours=2,
        trainees=[w.user("d1b1.officer")],
    )
    return {"pk": t.pk}


V = [R, 200, 200, 200, 403, 403, 403]  # a screening.view page: the admins hold no screening permission
X = [R, 405, 405, 405, 403, 403, 403]  # the method not allowed, after the permission check
N = [R, 405, 405, 405, 405, 405, 405]  # POST-only object routes: the method is checked first
A = [401, 200, 200, 200, 403, 403, 403]  # (API) the status board
AL = [401, 200, 200, 200, 200, 200, 200]  # (API) lists: empty for users without the screening scope

ROWS: dict[str, Row] = {
    "screening:board": (_none, V, X),
    "screening:board-export": (_none, V, X),
    "screening:report-list": (_none, V, X),
    "screening:report-export": (_none, V, X),
    "screening:report-new": (_none, V, [R, 200, 200, 200, 403, 403, 403]),
    "screening:report-detail": (_s_report, [R, 200, 404, 200, 403, 403, 403], X),
    "screening:conflict-list": (_none, V, X),
    "screening:conflict-export": (_none, V, X),
    "screening:conflict-new": (_none, V, [R, 200, 200, 200, 403, 403, 403]),
    "screening:conflict-detail": (_s_conflict, [R, 200, 404, 200, 403, 403, 403], X),
    "screening:conflict-edit": (_s_conflict, [R, 200, 404, 200, 404, 404, 404], [R, 200, 404, 200, 404, 404, 404]),
    "screening:conflict-progress": (_s_conflict, N, [R, 302, 404, 302, 404, 404, 404]),
    "screening:period-list": (_none, V, X),
    "screening:period-export": (_none, V, X),
    "screening:period-new": (_none, [R, 403, 403, 200, 403, 403, 403], [R, 403, 403, 200, 403, 403, 403]),
    "screening:period-holiday": (_none, [R, 403, 403, 405, 403, 403, 403], [R, 403, 403, 302, 403, 403, 403]),
    "screening:period-detail": (_s_period, [R, 200, 404, 200, 403, 403, 403], X),
    "screening:period-end": (_s_period, N, [R, 403, 404, 302, 404, 404, 404]),
    "screening:shift-list": (_none, V, X),
    "screening:shift-export": (_none, V, X),
    "screening:shift-new": (_none, [R, 404, 404, 404, 403, 403, 403], [R, 404, 404, 404, 403, 403, 403]),
    "screening:warning-list": (_none, V, X),
    "screening:warning-export": (_none, V, X),
    "screening:warning-new": (_none, V, [R, 200, 200, 200, 403, 403, 403]),
    "screening:warning-detail": (_s_warning, [R, 200, 404, 200, 403, 403, 403], X),
    "screening:warning-acknowledge": (_s_warning, N, [R, 403, 404, 302, 404, 404, 404]),
    "screening:warning-step": (_s_warning_control, N, [R, 302, 404, 302, 404, 404, 404]),
    "screening:inspection-list": (_none, V, X),
    "screening:inspection-export": (_none, V, X),
    "screening:inspection-new": (_none, [R, 403, 403, 200, 403, 403, 403], [R, 403, 403, 200, 403, 403, 403]),
    "screening:inspection-detail": (_s_inspection, [R, 200, 404, 200, 403, 403, 403], X),
    "screening:rectification-add": (_s_inspection, N, [R, 403, 404, 302, 404, 404, 404]),
    "screening:rectification-close": (_s_item, N, [R, 403, 404, 302, 404, 404, 404]),
    "screening:bulletin-list": (_none, V, X),
    "screening:bulletin-export": (_none, V, X),
    "screening:bulletin-new": (_none, [R, 403, 403, 200, 403, 403, 403], [R, 403, 403, 200, 403, 403, 403]),
    "screening:bulletin-detail": (_s_bulletin, [R, 200, 200, 200, 403, 403, 403], X),
    "screening:bulletin-download": (_s_bulletin_pdf, [R, 200, 200, 200, 403, 403, 403], X),
    "screening:training-list": (_none, V, X),
    "screening:training-export": (_none, V, X),
    "screening:training-new": (_none, [R, 403, 403, 200, 403, 403, 403], [R, 403, 403, 200, 403, 403, 403]),
    "screening:training-status": (_none, V, X),
    "screening:training-status-export": (_none, V, X),
    "screening:training-detail": (_s_training, [R, 200, 404, 200, 403, 403, 403], X),
    "screening:training-trainees": (_s_training, N, [R, 403, 404, 302, 404, 404, 404]),
    "screening:settings": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    # API
    "api:screening-status": (_none, A, [401, 405, 405, 405, 405, 405, 405]),
    "api:screening-report-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:screening-report-detail": (
        _s_report,
        [401, 200, 404, 200, 404, 404, 404],
        [401, 405, 405, 405, 405, 405, 405],
    ),
    "api:screening-report-rollup": (
        _s_report,
        [401, 200, 404, 200, 404, 404, 404],
        [401, 405, 405, 405, 405, 405, 405],
    ),
    "api:special-period-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:special-period-suggestions": (_none, AL, [401, 405, 405, 405, 405, 405, 405]),
    "api:special-period-detail": (_s_period, [401, 200, 404, 200, 404, 404, 404], [401, 405, 405, 405, 405, 405, 405]),
    "api:duty-shift-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:duty-shift-detail": (_s_shift, [401, 200, 404, 200, 404, 404, 404], [401, 405, 405, 405, 405, 405, 405]),
    "api:conflict-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:conflict-detail": (_s_conflict, [401, 200, 404, 200, 404, 404, 404], [401, 405, 405, 405, 405, 405, 405]),
    "api:conflict-progress": (_s_conflict, [401, 405, 405, 405, 405, 405, 405], [401, 400, 404, 400, 404, 404, 404]),
    "api:warning-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:warning-detail": (_s_warning, [401, 200, 404, 200, 404, 404, 404], [401, 405, 405, 405, 405, 405, 405]),
    "api:warning-acknowledge": (_s_warning, [401, 405, 405, 405, 405, 405, 405], [401, 403, 404, 200, 404, 404, 404]),
    "api:warning-control": (_s_warning, [401, 405, 405, 405, 405, 405, 405], [401, 400, 404, 400, 404, 404, 404]),
    "api:warning-resolve": (_s_warning, [401, 405, 405, 405, 405, 405, 405], [401, 400, 404, 400, 404, 404, 404]),
    "api:inspection-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:inspection-detail": (_s_inspection, [401, 200, 404, 200, 404, 404, 404], [401, 405, 405, 405, 405, 405, 405]),
    "api:inspection-close-item": (
        _s_inspection,
        [401, 405, 405, 405, 405, 405, 405],
        [401, 403, 404, 400, 404, 404, 404],
    ),
    "api:training-list": (_none, AL, [401, 400, 400, 400, 400, 400, 400]),
    "api:training-detail": (_s_training, [401, 200, 404, 200, 404, 404, 404], [401, 405, 405, 405, 405, 405, 405]),
}


def test_every_screening_route_has_a_row():
    api = ("screening-", "special-period", "duty-shift", "conflict", "warning", "inspection", "training")
    assert app_routes(namespaces=("screening",), api_prefixes=api) == set(ROWS)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(ROWS))
def test_rows(name: str, method: str, world: Any, client: Any, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    assert_row(client, world, name, method, ROWS[name], sign_in=sign_in)
