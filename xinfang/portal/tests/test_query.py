"""Query by 查询码 (R2.12, R6.6): number + code + last four of the ID number or phone → dated progress in public
words, the documents sent to the petitioner; evaluate once delivered; 复查 within 30 days. Every wrong answer
looks the same."""

from __future__ import annotations

import datetime
import time

from django.urls import reverse
from django.utils import timezone

from xinfang.cases import services as case_services
from xinfang.cases.models import Case, Kind, Status
from xinfang.cases.tests.factories import PetitionerDataFactory, advance, register
from xinfang.documents.models import GeneratedDocument
from xinfang.portal.tests.helpers import ID, PHONE, query, submit, without_csrf

DAY = datetime.timedelta(days=1)


def delivered_case(world, client, unit: str = "d1b1") -> tuple[Case, str]:
    number, code = submit(client, world, unit=world.unit(unit).pk)
    case = Case.objects.get(number=number)
    today = timezone.localdate()
    case_services.case_accept(
        actor=world.user(f"{unit}.officer"), case=case, accepted_on=today, note="内部备注：信访人情绪激动，注意稳控"
    )
    case = advance(world, case, "delivered", issued_on=today, delivered_on=today)
    return case, code


def test_the_full_flow_submit_query_evaluate_and_request_a_review(world, client):
    case, code = delivered_case(world, client)
    response = query(client, case.number, code)
    assert response.status_code == 302 and response["Location"] == reverse("portal:progress")
    page = client.get(reverse("portal:progress")).content.decode()
    assert "处理意见已送达" in page and case.number in page and "甲市一区大队" in page
    for step in ("登记", "受理", "出具处理意见", "送达"):
        assert f'data-step="{step}"' in page
    # nothing internal: no notes, no officers
    assert "内部备注" not in page and "情绪激动" not in page
    assert "d1b1.officer" not in page and "信访干部" not in page and "主官" not in page
    # the documents sent: the acceptance notice and, delivered, the opinion
    kinds = [d for d in ("acceptance_notice", "opinion") if f'data-document="{d}"' in page]
    assert kinds == ["acceptance_notice", "opinion"]

    # evaluate
    response = client.post(reverse("portal:evaluate"), {"rating": "satisfied", "note": "处理及时"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.EVALUATED and case.evaluation.rating == "satisfied"
    assert case.evaluation.recorded_by is None
    page = client.get(reverse("portal:progress")).content.decode()
    assert "您的评价：满意" in page and 'id="evaluate-form"' not in page
    client.post(reverse("portal:evaluate"), {"rating": "dissatisfied"})
    case.refresh_from_db()
    assert case.evaluation.rating == "satisfied"  # once only

    # request 复查: a new case at the unit above, with its own code shown once
    assert 'id="review-form"' in page
    response = client.post(reverse("portal:review"), {"content": "对处理意见不服，请求复查。"})
    assert response.status_code == 302
    review = Case.objects.get(parent_case=case)
    assert review.kind == Kind.REVIEW and review.unit == world.unit("d1") and review.status == Status.ACCEPTED
    page = client.get(reverse("portal:progress")).content.decode()
    assert review.number in page and 'id="review-code"' in page
    new_code = page.split('id="review-code">')[1].split("<")[0]
    assert case_services.query_code_matches(review, new_code)
    page = client.get(reverse("portal:progress")).content.decode()
    assert 'id="review-code"' not in page and 'id="review-requested"' in page
    # a second request is refused by the domain
    client.post(reverse("portal:review"), {"content": "再次请求"})
    assert Case.objects.filter(parent_case=case).count() == 1

    # the 复查 case is queried with its own number and code (the ID's last four this time)
    client.post(reverse("portal:leave"))
    assert query(client, review.number, new_code, last4=ID[-4:]).status_code == 302
    page = client.get(reverse("portal:progress")).content.decode()
    assert "甲市消防救援支队收到您的复查请求并登记" in page


def test_a_review_outside_the_30_days_is_refused_with_the_reason(world, client):
    today = timezone.localdate()
    received = today - 120 * DAY
    case = register(world, received_on=received, petitioners=[PetitionerDataFactory(phone=PHONE)])
    code = case.plain_query_code
    case = advance(
        world,
        case,
        "delivered",
        accepted_on=received + DAY,
        issued_on=received + 30 * DAY,
        delivered_on=today - 60 * DAY,
    )
    assert query(client, case.number, code).status_code == 302
    page = client.get(reverse("portal:progress")).content.decode()
    assert 'id="review-closed"' in page and 'id="review-form"' not in page
    response = client.post(reverse("portal:review"), {"content": "请求复查"}, follow=True)
    html = response.content.decode()
    assert "30日内提出（条例第三十五条）" in html and "届满" in html
    assert not Case.objects.filter(parent_case=case).exists()


def test_evaluation_before_delivery_is_refused(world, client):
    number, code = submit(client, world)
    query(client, number, code)
    page = client.get(reverse("portal:progress")).content.decode()
    assert 'id="evaluate-form"' not in page and "已登记，待受理" in page
    response = client.post(reverse("portal:evaluate"), {"rating": "satisfied"}, follow=True)
    assert "不能进行" in response.content.decode()
    assert not Case.objects.get(number=number).status == Status.EVALUATED


def test_wrong_answers_are_indistinguishable(world, client, settings):
    settings.XINFANG_PORTAL_QUERY_MIN_SECONDS = 0.05
    number, code = submit(client, world)
    other_number, _ = submit(client, world)
    wrong_code = "A" * 12 if code != "A" * 12 else "B" * 12
    attempts = {
        "unknown number": ("c-2099-9999", code, PHONE[-4:]),
        "wrong code": (number, wrong_code, PHONE[-4:]),
        "another case's number": (other_number, code, PHONE[-4:]),
        "wrong last four": (number, code, "0000"),
    }
    answers = {}
    for label, (n, c, last4) in attempts.items():
        started = time.monotonic()
        response = client.post(reverse("portal:query"), {"number": n, "code": c, "last4": last4})
        elapsed = time.monotonic() - started
        assert response.status_code == 200, label
        assert elapsed >= 0.05, label
        body = without_csrf(response.content)
        # the typed number is echoed back in its field: take it out to compare the rest
        answers[label] = body.replace(f'value="{n}"', 'value=""')
        assert "信访事项编号、查询码或身份证号码/联系电话后四位不正确" in body
    assert len(set(answers.values())) == 1
    assert client.get(reverse("portal:progress")).status_code == 302  # never verified


def test_the_last_four_of_the_id_number_or_the_phone_both_work(world, client):
    number, code = submit(client, world)
    assert query(client, number, code, last4=ID[-4:]).status_code == 302
    assert query(client, number, code.lower(), last4=PHONE[-4:]).status_code == 302


def test_a_reset_code_ends_the_verified_session(world, client):
    number, code = submit(client, world)
    query(client, number, code)
    assert client.get(reverse("portal:progress")).status_code == 200
    case = Case.objects.get(number=number)
    case_services.case_reset_query_code(actor=world.user("c.officer"), case=case)
    assert client.get(reverse("portal:progress")).status_code == 302


def test_the_verified_session_expires(world, client, settings):
    settings.XINFANG_PORTAL_SESSION_SECONDS = -1
    number, code = submit(client, world)
    query(client, number, code)
    assert client.get(reverse("portal:progress")).status_code == 302


def test_documents_only_of_the_verified_case_and_never_a_transfer_letter(world, client):
    today = timezone.localdate()
    number, code = submit(client, world)
    case = Case.objects.get(number=number)
    case_services.case_forward(actor=world.user("c.officer"), case=case, to_unit=world.unit("d1"), forwarded_on=today)
    case_services.case_accept(actor=world.user("d1.officer"), case=case, accepted_on=today)
    transfer_letter = GeneratedDocument.objects.get(kind="forward_letter")
    notice = GeneratedDocument.objects.get(kind="acceptance_notice")
    other, _ = delivered_case(world, client, unit="d2b1")
    other_doc = GeneratedDocument.objects.filter(kind="opinion").get()
    client.post(reverse("portal:leave"))

    assert client.get(reverse("portal:document", kwargs={"pk": notice.pk})).status_code == 404  # not verified
    query(client, number, code)
    page = client.get(reverse("portal:progress")).content.decode()
    assert "测试省消防救援总队将您的信访事项转送至甲市消防救援支队办理" in page
    assert 'data-document="forward_letter"' not in page
    download = client.get(reverse("portal:document", kwargs={"pk": notice.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("portal:document", kwargs={"pk": transfer_letter.pk})).status_code == 404
    assert client.get(reverse("portal:document", kwargs={"pk": other_doc.pk})).status_code == 404
    assert other.number not in page
