"""The accountability pages: the corps opens a year, sees every detachment's score, clicks a figure down to the cases
behind it; checks, lookbacks and actions through their forms; exports; scope (404) and permission (403)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from xinfang.accountability.models import (
    AccountabilityAction,
    AnnualReport,
    AssessmentScheme,
    Lookback,
    Recommendation,
    ReviewCheck,
    ScoreAdjustment,
)
from xinfang.accountability.tests.helpers import D, case, dept, group, opinion, review_of
from xinfang.cases.models import Category, Status
from xinfang.core.models import AuditEvent

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year - 1


def login(client, user):
    from xinfang.core.otp_testing import complete_second_factor

    client.force_login(user)
    complete_second_factor(client, user)
    return client


def year_of_cases(world) -> dict[str, object]:
    """Last year's cases: d1 acknowledged 1 of 2 in time; d2 2 of 2. One d1 case is a 检举控告 against d1b2."""
    in_time = case(
        world, "d1b1", title="按期告知", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED
    )
    late = case(
        world, "d1b2", title="逾期告知", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 3, 9), status=Status.ACCEPTED,
        category=Category.ACCUSATION, accused_unit=world.unit("d1b1"),
    )  # fmt: skip
    case(world, "d2b1", title="乙按期1", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED)
    case(world, "d2", title="乙按期2", ack_due=D(YEAR, 5, 1), decided_on=D(YEAR, 4, 27), status=Status.ACCEPTED)
    return {"in_time": in_time, "late": late}


def test_the_corps_opens_a_year_and_drills_a_figure_down_to_its_cases(client, world) -> None:
    year_of_cases(world)
    login(client, group(world))
    page = client.get(reverse("accountability:assessment"), {"year": YEAR}).content.decode()
    assert "甲市消防救援支队" in page and "乙市消防救援支队" in page
    assert "50.0%" in page and "100.0%" in page
    d1 = world.unit("d1")
    drill = reverse(
        "accountability:assessment-drill",
        kwargs={"year": YEAR, "pk": d1.pk, "code": "timely_ack", "part": "denominator"},
    )
    assert drill in page
    body = client.get(drill).content.decode()
    assert "按期告知" in body and "逾期告知" in body
    numerator = client.get(drill.replace("denominator", "numerator")).content.decode()
    assert "按期告知" in numerator and "逾期告知" not in numerator
    unit_page = client.get(
        reverse("accountability:assessment-unit", kwargs={"year": YEAR, "pk": d1.pk})
    ).content.decode()
    assert "及时受理率" in unit_page and "不适用" in unit_page


def test_a_confidential_case_is_counted_but_not_listed_to_the_accused_units_staff(client, world) -> None:
    year_of_cases(world)
    # d1b1's chief also sits in d1's party committee (a member post at d1): he sees d1's assessment, but the
    # 检举控告 against d1b1 stays hidden from him (Art 30)
    from xinfang.orgs.models import Post

    chief = world.user("d1b1.chief")
    Post.objects.create(user=chief, unit=world.unit("d1"), role="member", start_on=D(2020, 1, 1))
    login(client, chief)
    d1 = world.unit("d1")
    url = reverse(
        "accountability:assessment-drill",
        kwargs={"year": YEAR, "pk": d1.pk, "code": "timely_ack", "part": "denominator"},
    )
    body = client.get(url).content.decode()
    assert "共 2 件" in body and "其中 1 件不在您的查看范围内" in body
    assert "逾期告知" not in body and "按期告知" in body


def test_assessment_pages_are_scoped(client, world) -> None:
    year_of_cases(world)
    d1 = world.unit("d1")
    unit_url = reverse("accountability:assessment-unit", kwargs={"year": YEAR, "pk": d1.pk})
    assert login(client, world.user("d2.chief")).get(unit_url).status_code == 404
    assert login(client, world.user("d1.chief")).get(unit_url).status_code == 200
    page = client.get(reverse("accountability:assessment"), {"year": YEAR}).content.decode()
    assert "甲市消防救援支队" in page and "乙市消防救援支队" not in page
    bad = reverse(
        "accountability:assessment-drill", kwargs={"year": YEAR, "pk": d1.pk, "code": "nope", "part": "numerator"}
    )
    assert client.get(bad).status_code == 404
    corps = reverse("accountability:assessment-unit", kwargs={"year": YEAR, "pk": world.unit("c").pk})
    assert client.get(corps).status_code == 404
    assert login(client, world.user("sysadmin")).get(reverse("accountability:assessment")).status_code == 403


def test_an_adjustment_is_made_from_the_unit_page_by_the_level_above(client, world) -> None:
    year_of_cases(world)
    d1 = world.unit("d1")
    url = reverse("accountability:adjustment-create", kwargs={"year": YEAR, "pk": d1.pk})
    assert login(client, world.user("d1.chief")).post(url, {"points": "5", "reason": "x"}).status_code == 403
    login(client, group(world))
    response = client.post(url, {"points": "3", "reason": ""})
    assert response.status_code == 200 and not ScoreAdjustment.objects.exists()
    response = client.post(url, {"points": "3", "reason": "信访信息报送及时准确"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "信访信息报送及时准确" in page


def test_exports_are_the_page_in_xlsx_and_docx_and_are_audited(client, world) -> None:
    year_of_cases(world)
    login(client, group(world))
    response = client.get(reverse("accountability:assessment-export"), {"year": YEAR})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["甲市消防救援支队"]["及时受理率"] == "50.0%"
    assert rows["甲市消防救援支队"]["及时受理率·告知期限届满"] == 2
    assert rows["乙市消防救援支队"]["满意率"] == "不适用"
    response = client.get(reverse("accountability:assessment-report"), {"year": YEAR})
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert any("考核结果" in p.text for p in doc.paragraphs)
    assert doc.tables and doc.inline_shapes  # the ranked table and the score chart
    assert AuditEvent.objects.filter(action="accountability.assessment.exported").count() == 2


def test_the_assessment_page_takes_the_same_queries_for_few_and_many_cases(client, world) -> None:
    year_of_cases(world)
    login(client, group(world))
    url = reverse("accountability:assessment")
    client.get(url, {"year": YEAR})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"year": YEAR}).status_code == 200
        return len(ctx.captured_queries)

    case(world, "d2b2", title="一件", ack_due=D(YEAR, 6, 1), decided_on=D(YEAR, 5, 1), status=Status.ACCEPTED)
    after_one = count()  # the first read after a change (the tally recomputes the changed unit: constant too)
    before = count()
    for i in range(30):
        case(world, "d2b2", title=f"更多{i}", ack_due=D(YEAR, 6, 1), decided_on=D(YEAR, 5, 1), status=Status.ACCEPTED)
    assert count() == after_one
    assert count() == before


def test_the_drill_down_takes_the_same_queries_for_one_and_thirty_cases(client, world) -> None:
    case(world, "d1b1", title="一", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED)
    login(client, group(world))
    url = reverse(
        "accountability:assessment-drill",
        kwargs={"year": YEAR, "pk": world.unit("d1").pk, "code": "timely_ack", "part": "denominator"},
    )
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(29):
        case(world, "d1b2", title=f"多{i}", ack_due=D(YEAR, 3, 1), decided_on=D(YEAR, 2, 27), status=Status.ACCEPTED)
    client.get(url)  # the first read after a change recomputes the changed units' tally (constant queries too)
    assert count() == one


def test_scheme_pages(client, world) -> None:
    login(client, world.user("sysadmin"))
    assert client.get(reverse("accountability:scheme-list")).status_code == 200
    form = client.get(reverse("accountability:scheme-create"), {"year": YEAR})
    assert form.status_code == 200
    data = {"year": YEAR, "name": "考核方案", "max_score": "100", "note": ""}
    for field, value in form.context["form"].initial.items():
        data.setdefault(field, value)
    for name, field in form.context["form"].fields.items():
        data.setdefault(name, field.initial if field.initial is not None else "")
    data["w_timely_ack"] = "30"
    response = client.post(reverse("accountability:scheme-create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    scheme = AssessmentScheme.objects.get()
    assert {"indicator": "timely_ack", "weight": 30} in scheme.data["items"]
    assert "第1版" in client.get(response["Location"]).content.decode()
    assert login(client, world.user("d1.chief")).get(reverse("accountability:scheme-create")).status_code == 403


def test_a_check_through_the_form_opens_a_lookback_that_runs_to_an_action(client, world) -> None:
    original = case(world, "d1b1", title="原事项", status=Status.CONCLUDED, handler=world.user("d1b1.officer"))
    opinion(original, issued_on=D(YEAR, 3, 1), delivered_on=D(YEAR, 3, 2))
    review = review_of(world, original, "d1", received_on=TODAY - datetime.timedelta(days=3))
    login(client, dept(world))
    listing = client.get(reverse("accountability:check-list")).content.decode()
    assert reverse("accountability:check-create", kwargs={"case_pk": review.pk}) in listing
    data = {"checked_on": TODAY.isoformat(), "note": ""}
    for code in ("facts", "basis", "characterisation", "handling", "procedure", "formalities"):
        data[f"{code}_passed"] = "yes"
    data["procedure_passed"] = "no"
    response = client.post(reverse("accountability:check-create", kwargs={"case_pk": review.pk}), data)
    assert response.status_code == 200
    assert "请填写说明" in response.content.decode()
    data["procedure_note"] = "未在法定期限内送达"
    response = client.post(reverse("accountability:check-create", kwargs={"case_pk": review.pk}), data)
    assert response.status_code == 302
    lookback = Lookback.objects.get()
    assert ReviewCheck.objects.get().passed is False
    url = reverse("accountability:lookback-propose", kwargs={"pk": lookback.pk})
    response = client.post(
        url,
        {
            "responsible_persons": [world.user("d1b1.officer").pk],
            "findings": "承办人逾期送达",
            "proposed_handling": "批评教育",
        },
    )
    assert response.status_code == 302
    assert (
        login(client, dept(world))
        .post(reverse("accountability:lookback-decide", kwargs={"pk": lookback.pk}))
        .status_code
        == 403
    )
    login(client, group(world))
    response = client.post(
        reverse("accountability:lookback-decide", kwargs={"pk": lookback.pk}),
        {"decision": "同意，并在全总队通报", "decided_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "已作出决定" in detail and "据此问责" in detail


def test_an_action_is_issued_reported_and_closed_through_the_pages(client, world) -> None:
    linked = case(world, "d1b1", title="长期积案")
    login(client, group(world))
    response = client.post(
        reverse("accountability:action-create"),
        {
            "kind": "rectification",
            "target_unit": world.unit("d1").pk,
            "reason": "积案化解不力",
            "requirements": "一个月内化解",
            "issued_on": TODAY.isoformat(),
            "deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
            "case_numbers": linked.number,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    action = AccountabilityAction.objects.get()
    detail_url = response["Location"]
    detail = client.get(detail_url).content.decode()
    assert "责令限期整改通知书" in detail and linked.number in detail
    doc = action_doc_url = None
    from xinfang.documents.selectors import documents_of

    doc = documents_of(action).get()
    action_doc_url = reverse("accountability:action-document", kwargs={"pk": action.pk, "doc": doc.pk, "fmt": "docx"})
    # the 支队 held to account downloads its notice (issued by the 总队) through the action
    login(client, world.user("d1.chief"))
    download = client.get(action_doc_url)
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert login(client, world.user("d2.chief")).get(action_doc_url).status_code == 404
    login(client, world.user("d1.chief"))
    response = client.post(
        reverse("accountability:action-rectification", kwargs={"pk": action.pk}),
        {"report": "已化解积案", "reported_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert (
        client.post(reverse("accountability:action-close", kwargs={"pk": action.pk}), {"note": "x"}).status_code == 403
    )
    login(client, group(world))
    response = client.post(
        reverse("accountability:action-close", kwargs={"pk": action.pk}),
        {"note": "整改到位", "closed_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert "已办结" in client.get(detail_url).content.decode()


def test_the_action_list_flags_overdue_rectifications(client, world) -> None:
    from xinfang.accountability import services

    services.action_issue(
        actor=group(world), kind="supervision", target_unit=world.unit("d2"), reason="挂牌督办积案",
        issued_on=TODAY - datetime.timedelta(days=20), deadline=TODAY - datetime.timedelta(days=1),
    )  # fmt: skip
    login(client, group(world))
    page = client.get(reverse("accountability:action-list"), {"overdue": "1"}).content.decode()
    assert "挂牌督办积案" in page and "逾期" in page


def test_reports_and_recommendations_pages(client, world) -> None:
    case(world, "d1b1", received_on=D(YEAR, 5, 1))
    login(client, group(world))
    response = client.post(
        reverse("accountability:recommendation-create"),
        {"unit": world.unit("c").pk, "year": YEAR, "title": "统一告知书格式", "content": "建议统一", "addressed_to": "防火监督处",
         "made_on": TODAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    rec = Recommendation.objects.get()
    response = client.post(
        reverse("accountability:recommendation-respond", kwargs={"pk": rec.pk}),
        {"status": "adopted", "response": "已采纳", "responded_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    response = client.post(reverse("accountability:report-generate"), {"unit": world.unit("c").pk, "year": YEAR})
    assert response.status_code == 302
    report = AnnualReport.objects.get()
    download = client.get(reverse("accountability:report-download", kwargs={"pk": report.pk}))
    doc = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert any("统一告知书格式" in p.text for p in doc.paragraphs)
    assert (
        login(client, world.user("d1.chief"))
        .get(reverse("accountability:report-download", kwargs={"pk": report.pk}))
        .status_code
        == 404
    )
