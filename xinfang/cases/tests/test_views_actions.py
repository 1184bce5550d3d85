"""The workflow actions as forms: each step through its page, Chinese validation messages, the services'
refusals (DomainError) shown on the form with nothing changed, and htmx-loaded forms on the detail page."""

from __future__ import annotations

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.cases.models import Art31Item, Case, Extension, Kind, Recusal, Status, Transfer
from xinfang.cases.tests.factories import advance, register

D = datetime.date
TODAY = datetime.date.today


def days_ago(n):
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


def login(client, world, name):
    client.force_login(world.user(name))
    return world.user(name)


def act(client, case, action, **data):
    return client.post(f"/cases/{case.pk}/act/{action}/", data)


def fresh(case):
    return Case.objects.get(pk=case.pk)


def recent(world, code="d1b1", **kw):
    return register(world, code, received_on=TODAY() - datetime.timedelta(days=10), **kw)


def test_the_happy_path_through_the_pages(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    r = act(client, case, "accept", accepted_on=days_ago(9), version=fresh(case).version)
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    assert fresh(case).status == Status.ACCEPTED and fresh(case).handler == world.user("d1b1.officer")
    r = act(
        client,
        case,
        "draft_opinion",
        result="support",
        facts="经核实，反映属实。",
        opinion="责令商场限期清理消防通道。",
        legal_basis="《中华人民共和国消防法》第二十八条",
    )
    assert r.status_code == 302 and fresh(case).status == Status.OPINION_DRAFTED
    login(client, world, "d1b1.chief")
    assert act(client, case, "approve_opinion").status_code == 302
    assert fresh(case).status == Status.OPINION_APPROVED
    login(client, world, "d1b1.officer")
    assert act(client, case, "issue_opinion", issued_on=days_ago(3)).status_code == 302
    assert act(client, case, "deliver", delivered_on=days_ago(2), method="直接送达").status_code == 302
    assert fresh(case).status == Status.DELIVERED
    assert act(client, case, "evaluate", rating="satisfied", on=days_ago(1)).status_code == 302
    # a supported request is tracked until carried out: concluding first is refused on the form
    r = act(client, case, "conclude", concluded_on=days_ago(0))
    assert r.status_code == 200
    assert "予以支持的处理意见尚未落实，落实后方可办结（跟踪至落实到位）。" in r.content.decode()
    assert fresh(case).status == Status.EVALUATED
    assert act(client, case, "carry_out", carried_out_on=days_ago(1), note="已清理").status_code == 302
    assert act(client, case, "conclude", concluded_on=days_ago(0)).status_code == 302
    case = fresh(case)
    assert case.status == Status.CONCLUDED
    html = client.get(f"/cases/{case.pk}/").content.decode()
    for action in (
        "accept",
        "draft_opinion",
        "approve_opinion",
        "issue_opinion",
        "deliver",
        "evaluate",
        "carry_out",
        "conclude",
    ):
        assert f'data-event="{action}"' in html


def test_required_fields_get_chinese_messages(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    r = act(client, case, "decline", decided_on="", reason="")
    html = r.content.decode()
    assert r.status_code == 200 and html.count("该字段是必填项。") == 2
    r = act(client, case, "accept", accepted_on="2026-13-40")
    assert "输入一个有效的日期。" in r.content.decode()
    assert fresh(case).status == Status.REGISTERED


def test_a_service_refusal_is_shown_on_its_field_and_changes_nothing(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    future = (TODAY() + datetime.timedelta(days=1)).isoformat()
    r = act(client, case, "accept", accepted_on=future)
    html = r.content.decode()
    assert "受理日期不能晚于今天。" in html
    assert re.search(r'name="accepted_on"[^>]*is-invalid', html)
    assert fresh(case).status == Status.REGISTERED


def test_a_stale_form_is_refused(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    version = fresh(case).version
    assert act(client, case, "accept", accepted_on=days_ago(9), version=version).status_code == 302
    r = act(client, case, "decline", decided_on=days_ago(9), reason="重复", version=version)
    assert "本事项已被他人修改，请刷新页面后重新操作。" in r.content.decode()


def test_decline_and_divert(world, client):
    declined = recent(world)
    diverted = recent(world)
    login(client, world, "d1b1.officer")
    assert act(client, declined, "decline", decided_on=days_ago(5), reason="不属于本单位职责范围").status_code == 302
    assert fresh(declined).status == Status.DECLINED
    r = act(client, diverted, "divert", decided_on=days_ago(5), art31_item="6", route="x")
    assert "选择一个有效的选项" in r.content.decode()
    r = act(client, diverted, "divert", decided_on=days_ago(5), art31_item="1", route="依法向人民法院提起行政诉讼")
    assert r.status_code == 302
    case = fresh(diverted)
    assert case.status == Status.DIVERTED and case.art31_item == 1 and case.due is None
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "依法向人民法院提起行政诉讼" in html and Art31Item(1).label in html


def test_forward_object_and_agree(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    r = act(client, case, "forward", kind="forward", to_unit=world.unit("d1b2").pk, forwarded_on=days_ago(8))
    assert r.status_code == 302
    assert fresh(case).status == Status.FORWARDED and fresh(case).unit == world.unit("d1b2")
    # the sender keeps sight of what it sent
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "转送/交办" in html and "甲市二区大队" in html
    login(client, world, "d1b2.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="object"' in html
    assert act(client, case, "object", objected_on=days_ago(7), reason="不属于本大队辖区").status_code == 302
    assert fresh(case).status == Status.OBJECTED
    login(client, world, "d1b1.officer")
    assert act(client, case, "agree_objection", decided_on=days_ago(6)).status_code == 302
    case = fresh(case)
    assert case.status == Status.REGISTERED and case.unit == world.unit("d1b1")
    assert Transfer.objects.get(case=case).objection_decision == "agreed"


def test_assigning_down_needs_a_result_deadline(world, client):
    case = register(world, "d1", received_on=TODAY() - datetime.timedelta(days=10))
    login(client, world, "d1.officer")
    r = act(client, case, "forward", kind="assign", to_unit=world.unit("d1b1").pk, forwarded_on=days_ago(8))
    assert "交办应当明确报送办理结果的期限。" in r.content.decode()
    r = act(
        client,
        case,
        "forward",
        kind="assign",
        to_unit=world.unit("d1b1").pk,
        forwarded_on=days_ago(8),
        result_due=(TODAY() + datetime.timedelta(days=20)).isoformat(),
    )
    assert r.status_code == 302
    assert Transfer.objects.get(case=case).kind == "assign"


def test_an_accusation_cannot_be_forwarded_to_the_accused_unit(world, client):
    case = register(
        world,
        "d1",
        received_on=TODAY() - datetime.timedelta(days=10),
        category="accusation",
        topic="conduct",
        accused_unit=world.unit("d1b1"),
    )
    login(client, world, "d1.officer")
    r = act(client, case, "forward", kind="forward", to_unit=world.unit("d1b1").pk, forwarded_on=days_ago(8))
    assert "检举控告类事项不得转送、交办给被检举控告的单位或其下级单位（条例第三十条）。" in r.content.decode()
    assert fresh(case).status == Status.REGISTERED


def test_extension_form_offers_the_units_chief_and_leader_and_keeps_the_30_day_total(world, client):
    case = advance(world, recent(world), Status.ACCEPTED, accepted_on=TODAY() - datetime.timedelta(days=9))
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/act/extend/").content.decode()
    options = re.findall(r'<option value="(\d+)"', html.split('name="approved_by"')[1].split("</select>")[0])
    assert set(map(int, options)) == {world.user("d1b1.chief").pk, world.user("d1b1.leader").pk}
    data = {
        "days": "20",
        "reason": "案情复杂需进一步调查",
        "approved_by": world.user("d1b1.chief").pk,
        "notified_on": days_ago(1),
    }
    assert act(client, case, "extend", **data).status_code == 302
    assert fresh(case).extension_days == 20
    r = act(client, case, "extend", **{**data, "days": "15"})
    assert "延长期限累计不得超过30日（条例第三十四条），本事项已延长20日，最多还可延长10日。" in r.content.decode()
    assert Extension.objects.filter(case=case).count() == 1
    r = act(client, case, "extend", **{**data, "days": "5", "approved_by": world.user("d1b1.officer").pk})
    assert "选择一个有效的选项" in r.content.decode()


def test_the_drafter_cannot_approve_and_the_chief_can_return(world, client):
    case = advance(world, recent(world), Status.OPINION_DRAFTED, accepted_on=TODAY() - datetime.timedelta(days=9))
    login(client, world, "d1b1.chief")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="approve_opinion"' in html and 'data-action="return_opinion"' in html
    assert act(client, case, "return_opinion", reason="事实部分需补充").status_code == 302
    case = fresh(case)
    assert case.status == Status.ACCEPTED
    assert "事实部分需补充" in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_step_the_state_does_not_allow_explains_why(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    r = client.get(f"/cases/{case.pk}/act/deliver/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "本事项当前状态为“待受理”，不能进行“送达”操作。" in html
    assert 'name="delivered_on"' not in html


def test_action_forms_load_into_the_detail_page_with_htmx(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'hx-get="/cases/{case.pk}/act/accept/"' in detail and 'hx-target="#action-panel"' in detail
    r = client.get(f"/cases/{case.pk}/act/accept/", HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert (
        "<html" not in html and 'data-action-form="accept"' in html and f'action="/cases/{case.pk}/act/accept/"' in html
    )
    full = client.get(f"/cases/{case.pk}/act/accept/").content.decode()
    assert "<html" in full and 'data-action-form="accept"' in full


def test_request_review_opens_the_review_case_at_the_unit_above(world, client):
    t = TODAY()
    case = advance(
        world,
        recent(world),
        Status.DELIVERED,
        accepted_on=t - datetime.timedelta(days=9),
        issued_on=t - datetime.timedelta(days=4),
        delivered_on=t - datetime.timedelta(days=3),
    )
    login(client, world, "d1.officer")
    r = act(client, case, "request_review", requested_on=days_ago(1), channel="letter", content="对处理意见不服")
    review = Case.objects.get(parent_case=case)
    assert r.status_code == 302 and r["Location"] == f"/cases/{review.pk}/"
    assert review.kind == Kind.REVIEW and review.unit == world.unit("d1") and review.status == Status.ACCEPTED
    assert "data-query-code" in client.get(r["Location"]).content.decode()


def test_assign_handler_and_declare_interest(world, client):
    case = advance(world, recent(world), Status.ACCEPTED, accepted_on=TODAY() - datetime.timedelta(days=9))
    second = world.user("d1.officer")  # handles at d1b1 through his post above
    login(client, world, "d1b1.officer")
    assert act(client, case, "assign_handler", handler=second.pk).status_code == 302
    assert fresh(case).handler == second
    assert act(client, case, "declare_interest", user=second.pk, reason="与信访人系亲属").status_code == 302
    assert Recusal.objects.filter(case=case, user=second).exists()
    assert fresh(case).handler is None
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "与信访人系亲属" in html


def test_add_attachment_after_registration(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    scan = SimpleUploadedFile("补充材料.pdf", b"%PDF-1.4 more", content_type="application/pdf")
    r = client.post(f"/cases/{case.pk}/act/add_attachment/", {"file": scan})
    assert r.status_code == 302
    assert [a.original_name for a in fresh(case).attachments.all()] == ["补充材料.pdf"]
    exe = SimpleUploadedFile("病毒.exe", b"MZ", content_type="application/octet-stream")
    r = client.post(f"/cases/{case.pk}/act/add_attachment/", {"file": exe})
    assert "附件“病毒.exe”的类型不允许" in r.content.decode()


def test_unknown_action_is_404(world, client):
    case = recent(world)
    login(client, world, "d1b1.officer")
    assert client.get(f"/cases/{case.pk}/act/delete/").status_code == 404


def test_reset_query_code_shows_the_new_code_once(world, client):
    from xinfang.cases.services import query_code_matches

    case = recent(world)
    login(client, world, "d1b1.officer")
    r = act(client, case, "reset_query_code")
    assert r.status_code == 302
    html = client.get(r["Location"]).content.decode()
    code = re.search(r"data-query-code>([A-Z0-9]{12})<", html).group(1)
    assert query_code_matches(fresh(case), code)
    assert "data-query-code" not in client.get(r["Location"]).content.decode()


def test_anyone_who_sees_the_case_may_declare_his_own_interest(world, client):
    from xinfang.orgs.models import Post, User

    case = recent(world)
    viewer = User.objects.create_user(username="d1b1.member", password="x" * 12, unit=world.unit("d1b1"))
    Post.objects.create(user=viewer, unit=world.unit("d1b1"), role="member", start_on=D(2020, 1, 1))
    client.force_login(viewer)
    assert 'data-action="declare_interest"' in client.get(f"/cases/{case.pk}/").content.decode()
    assert act(client, case, "declare_interest", user=viewer.pk, reason="信访人系本人同学").status_code == 302
    assert Recusal.objects.filter(case=case, user=viewer).exists()
