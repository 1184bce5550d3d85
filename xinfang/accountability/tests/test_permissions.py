"""The permission matrix of the incidents and accountability routes (pages and API): every route × the matrix users
(tests/test_permission_matrix.py's USERS) × in/out of scope, with the expected status. Object routes point at
objects of brigade d1b1: d1b1.officer is in scope, d1b2.officer (a sibling brigade) out of scope (404), d1.chief in
scope from above; the three admins hold only their own jobs (三员分立; sysadmin maintains the scoring scheme as a
business setting, core.settings.manage).

These rows are the ones to add to tests/test_permission_matrix.py (same kwargs functions, same order of users)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.matrix import R, Row, app_routes, assert_row
from tests.matrix import no_kwargs as _none

A = 401  # the API answers 401 to an anonymous caller
TODAY = timezone.localdate()


def _group(w: Any) -> Any:
    from xinfang.accountability.tests.helpers import group

    return group(w)


def _incident(w: Any) -> Any:
    from xinfang.incidents import services

    return services.incident_open(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), kind="collective", occurred_on=TODAY, summary="集体访"
    )


def _incident_pk(w: Any) -> dict[str, Any]:
    return {"pk": _incident(w).pk}


def _plan_pk(w: Any) -> dict[str, Any]:
    from xinfang.incidents import services

    plan = services.plan_create(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), title="预案", version="1", last_reviewed_on=TODAY,
        file=SimpleUploadedFile("p.pdf", b"%PDF-1.4 x"),
    )  # fmt: skip
    return {"pk": plan.pk}


def _contact_pk(w: Any) -> dict[str, Any]:
    from xinfang.incidents import services

    contact = services.contact_create(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), kind="police", name="派出所", duty_phone="110"
    )
    return {"pk": contact.pk}


def _referral_pk(w: Any) -> dict[str, Any]:
    from xinfang.incidents import services

    referral = services.referral_create(
        actor=w.user("d1b1.officer"), unit=w.unit("d1b1"), subject="诉求", reason="需协调", referred_on=TODAY,
        recipient_kind="joint_meeting", recipient="联席会议",
    )  # fmt: skip
    return {"pk": referral.pk}


def _unit_year(w: Any) -> dict[str, Any]:
    return {"year": TODAY.year, "pk": w.unit("d1b1").pk}


def _drill(w: Any) -> dict[str, Any]:
    return {**_unit_year(w), "code": "timely_ack", "part": "numerator"}


def _scheme_pk(w: Any) -> dict[str, Any]:
    from xinfang.accountability import services
    from xinfang.accountability.scoring import DEFAULT_SCHEME

    return {"pk": services.scheme_create(actor=_group(w), year=TODAY.year, data=DEFAULT_SCHEME).pk}


def _review_case(w: Any) -> Any:
    from xinfang.accountability.tests.helpers import case, opinion, review_of

    original = case(w, "d1b1", status="concluded")
    opinion(original, issued_on=TODAY, delivered_on=TODAY)
    return review_of(w, original, "d1b1", received_on=TODAY)


def _case_pk(w: Any) -> dict[str, Any]:
    return {"case_pk": _review_case(w).pk}


def _check(w: Any) -> Any:
    from xinfang.accountability import services
    from xinfang.accountability.models import Standard
    from xinfang.accountability.tests.helpers import dept

    results = [{"standard": s, "passed": s != "facts", "note": "未核实"} for s in Standard.values]
    return services.review_check_record(actor=dept(w, "c"), case=_review_case(w), results=results)


def _check_pk(w: Any) -> dict[str, Any]:
    return {"pk": _check(w).pk}


def _lookback_pk(w: Any) -> dict[str, Any]:
    return {"pk": _check(w).lookback.pk}


def _action(w: Any) -> Any:
    from xinfang.accountability import services

    return services.action_issue(
        actor=_group(w), kind="rectification", target_unit=w.unit("d1b1"), reason="整改",
        deadline=TODAY + datetime.timedelta(days=10), issued_on=TODAY,
    )  # fmt: skip


def _action_pk(w: Any) -> dict[str, Any]:
    return {"pk": _action(w).pk}


def _action_doc(w: Any) -> dict[str, Any]:
    from xinfang.documents.selectors import documents_of

    action = _action(w)
    return {"pk": action.pk, "doc": documents_of(action).get().pk, "fmt": "pdf"}


def _action_doc_api(w: Any) -> dict[str, Any]:
    return _action_doc(w)


def _report_pk(w: Any) -> dict[str, Any]:
    from xinfang.accountability import services

    return {"pk": services.annual_report_generate(actor=_group(w), unit=w.unit("d1b1"), year=TODAY.year).pk}


def _recommendation_pk(w: Any) -> dict[str, Any]:
    from xinfang.accountability import services

    rec = services.recommendation_create(
        actor=_group(w), unit=w.unit("d1b1"), year=TODAY.year, title="建议", content="内容", addressed_to="某处"
    )
    return {"pk": rec.pk}


# name: (kwargs, GET statuses, POST statuses) — statuses in the order of tests.matrix.USERS.
MATRIX: dict[str, Row] = {
    # 应急联动 (incidents.view: every business role; incidents.manage: officers, chiefs, leaders)
    "incidents:incident-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "incidents:incident-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "incidents:incident-detail": (_incident_pk, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "incidents:incident-responder": (
        _incident_pk,
        [R, 200, 404, 200, 404, 404, 404],
        [R, 200, 404, 200, 404, 404, 404],
    ),
    "incidents:incident-close": (_incident_pk, [R, 200, 404, 200, 404, 404, 404], [R, 200, 404, 200, 404, 404, 404]),
    "incidents:incident-link": (_incident_pk, [R, 200, 404, 200, 404, 404, 404], [R, 200, 404, 200, 404, 404, 404]),
    "incidents:plan-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "incidents:plan-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "incidents:plan-review": (_plan_pk, [R, 200, 404, 200, 404, 404, 404], [R, 200, 404, 200, 404, 404, 404]),
    "incidents:plan-file": (_plan_pk, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "incidents:plan-retire": (_plan_pk, [R, 405, 405, 405, 405, 405, 405], [R, 302, 404, 302, 404, 404, 404]),
    "incidents:contact-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "incidents:contact-retire": (_contact_pk, [R, 405, 405, 405, 405, 405, 405], [R, 302, 404, 302, 404, 404, 404]),
    "incidents:referral-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "incidents:referral-create": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 200, 200, 200, 403, 403, 403]),
    "incidents:referral-outcome": (_referral_pk, [R, 200, 404, 200, 404, 404, 404], [R, 200, 404, 200, 404, 404, 404]),
    # 考核问责 (accountability.view: every business role; assess / check / issue: 领导小组 and 业务处室 only)
    "accountability:assessment": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:assessment-export": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:assessment-report": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:assessment-unit": (
        _unit_year,
        [R, 200, 404, 200, 404, 404, 404],
        [R, 405, 405, 405, 405, 405, 405],
    ),
    "accountability:adjustment-create": (
        _unit_year,
        [R, 403, 404, 403, 404, 404, 404],
        [R, 403, 404, 403, 404, 404, 404],
    ),
    "accountability:assessment-drill": (_drill, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "accountability:scheme-list": (_none, [R, 200, 200, 200, 200, 403, 403], [R, 405, 405, 405, 405, 403, 403]),
    "accountability:scheme-create": (_none, [R, 403, 403, 403, 200, 403, 403], [R, 403, 403, 403, 200, 403, 403]),
    "accountability:scheme-detail": (_scheme_pk, [R, 200, 200, 200, 200, 403, 403], [R, 405, 405, 405, 405, 403, 403]),
    "accountability:check-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:check-create": (_case_pk, [R, 403, 404, 403, 404, 404, 404], [R, 403, 404, 403, 404, 404, 404]),
    "accountability:check-detail": (_check_pk, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "accountability:lookback-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:lookback-detail": (
        _lookback_pk,
        [R, 200, 404, 200, 404, 404, 404],
        [R, 405, 405, 405, 405, 405, 405],
    ),
    "accountability:lookback-propose": (
        _lookback_pk,
        [R, 403, 404, 403, 404, 404, 404],
        [R, 403, 404, 403, 404, 404, 404],
    ),
    "accountability:lookback-decide": (
        _lookback_pk,
        [R, 403, 404, 403, 404, 404, 404],
        [R, 403, 404, 403, 404, 404, 404],
    ),
    "accountability:action-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:action-create": (_none, [R, 403, 403, 403, 403, 403, 403], [R, 403, 403, 403, 403, 403, 403]),
    "accountability:action-detail": (_action_pk, [R, 200, 404, 200, 404, 404, 404], [R, 405, 405, 405, 405, 405, 405]),
    "accountability:action-rectification": (
        _action_pk,
        [R, 200, 404, 200, 404, 404, 404],
        [R, 200, 404, 200, 404, 404, 404],
    ),
    "accountability:action-close": (_action_pk, [R, 403, 404, 403, 404, 404, 404], [R, 403, 404, 403, 404, 404, 404]),
    "accountability:action-document": (
        _action_doc,
        [R, 200, 404, 200, 404, 404, 404],
        [R, 405, 405, 405, 405, 405, 405],
    ),
    "accountability:report-list": (_none, [R, 200, 200, 200, 403, 403, 403], [R, 405, 405, 405, 403, 403, 403]),
    "accountability:report-generate": (_none, [R, 403, 403, 403, 403, 403, 403], [R, 403, 403, 403, 403, 403, 403]),
    "accountability:report-download": (
        _report_pk,
        [R, 200, 404, 200, 404, 404, 404],
        [R, 405, 405, 405, 405, 405, 405],
    ),
    "accountability:recommendation-create": (
        _none,
        [R, 403, 403, 403, 403, 403, 403],
        [R, 403, 403, 403, 403, 403, 403],
    ),
    "accountability:recommendation-respond": (
        _recommendation_pk,
        [R, 403, 404, 403, 404, 404, 404],
        [R, 403, 404, 403, 404, 404, 404],
    ),
    # API (token or session; admins hold no business permission; 401 anonymous)
    "api:contingency-plan-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 400, 400, 400, 403, 403, 403]),
    "api:contingency-plan-detail": (_plan_pk, [A, 200, 404, 200, 403, 403, 403], [A, 405, 405, 405, 403, 403, 403]),
    "api:linkage-contact-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 400, 400, 400, 403, 403, 403]),
    "api:incident-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 400, 400, 400, 403, 403, 403]),
    "api:incident-detail": (_incident_pk, [A, 200, 404, 200, 403, 403, 403], [A, 405, 405, 405, 403, 403, 403]),
    "api:incident-responder": (_incident_pk, [A, 405, 405, 405, 403, 403, 403], [A, 400, 404, 400, 403, 403, 403]),
    "api:incident-close": (_incident_pk, [A, 405, 405, 405, 403, 403, 403], [A, 400, 404, 400, 403, 403, 403]),
    "api:incident-link-case": (_incident_pk, [A, 405, 405, 405, 403, 403, 403], [A, 400, 404, 400, 403, 403, 403]),
    "api:referral-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 400, 400, 400, 403, 403, 403]),
    "api:referral-detail": (_referral_pk, [A, 200, 404, 200, 403, 403, 403], [A, 405, 405, 405, 403, 403, 403]),
    "api:referral-outcome": (_referral_pk, [A, 405, 405, 405, 403, 403, 403], [A, 400, 404, 400, 403, 403, 403]),
    "api:assessment-list": (_none, [A, 400, 400, 400, 403, 403, 403], [A, 405, 405, 405, 405, 405, 405]),
    "api:assessment-scheme-list": (_none, [A, 200, 200, 200, 200, 403, 403], [A, 403, 403, 403, 400, 403, 403]),
    "api:assessment-scheme-detail": (_scheme_pk, [A, 200, 200, 200, 200, 403, 403], [A, 405, 405, 405, 405, 403, 403]),
    "api:assessment-adjustment-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 403, 403, 403, 403, 403, 403]),
    "api:review-check-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 403, 403, 403, 403, 403, 403]),
    "api:review-check-detail": (_check_pk, [A, 200, 404, 200, 403, 403, 403], [A, 405, 405, 405, 403, 403, 403]),
    "api:lookback-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 405, 405, 405, 403, 403, 403]),
    "api:lookback-detail": (_lookback_pk, [A, 200, 404, 200, 403, 403, 403], [A, 405, 405, 405, 403, 403, 403]),
    "api:lookback-findings": (_lookback_pk, [A, 405, 405, 405, 403, 403, 403], [A, 403, 404, 403, 403, 403, 403]),
    "api:lookback-decide": (_lookback_pk, [A, 405, 405, 405, 403, 403, 403], [A, 403, 404, 403, 403, 403, 403]),
    "api:accountability-action-list": (_none, [A, 200, 200, 200, 403, 403, 403], [A, 403, 403, 403, 403, 403, 403]),
    "api:accountability-action-detail": (
        _action_pk,
        [A, 200, 404, 200, 403, 403, 403],
        [A, 405, 405, 405, 403, 403, 403],
    ),
    "api:accountability-action-rectification": (
        _action_pk,
        [A, 405, 405, 405, 403, 403, 403],
        [A, 400, 404, 400, 403, 403, 403],
    ),
    "api:accountability-action-close": (
        _action_pk,
        [A, 405, 405, 405, 403, 403, 403],
        [A, 403, 404, 403, 403, 403, 403],
    ),
    "api:accountability-action-document": (
        _action_doc_api,
        [A, 200, 404, 200, 403, 403, 403],
        [A, 405, 405, 405, 403, 403, 403],
    ),
}


def _login(client: Any, user: Any) -> None:
    from xinfang.core.otp_testing import complete_second_factor

    client.force_login(user)
    complete_second_factor(client, user)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name: str, method: str, world: Any, client: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    assert_row(client, world, name, method, MATRIX[name], sign_in=_login)


def test_every_route_of_these_apps_is_in_the_matrix() -> None:
    api = (
        "contingency-plan",
        "linkage-contact",
        "incident",
        "referral",
        "assessment",
        "review-check",
        "lookback",
        "accountability-action",
    )
    assert app_routes(namespaces=("incidents", "accountability"), api_prefixes=api) - set(MATRIX) == set()
