"""Case pages: the list (filters, sorting, pagination, constant queries), "my work", registration with the
repeat panel and the one-time 查询码, the detail page (masked personal data, audited reveal, deadlines,
timeline, documents, related cases) and attachment download."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.cases import services
from xinfang.cases.models import Case, CaseEvent, Category, Channel, Petitioner, Status, Topic
from xinfang.cases.tests.factories import (
    CaseFactory,
    PetitionerDataFactory,
    advance,
    register,
    valid_id,
)
from xinfang.core.models import AuditEvent
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date
TODAY = datetime.date.today


def login(client, world, name):
    client.force_login(world.user(name))
    return world.user(name)


def member(world, code, username="member"):
    """A 班子成员 (view only: no register, handle, export or unmask)."""
    user = User.objects.create_user(username=f"{code}.{username}", password="x" * 12, unit=world.unit(code))
    Post.objects.create(user=user, unit=world.unit(code), role=Role.MEMBER, start_on=D(2020, 1, 1))
    return user


def rows(html):
    return re.findall(r'<tr data-case="(\d+)">', html)


def numbers(html):
    return re.findall(r'href="/cases/\d+/">([a-z0-9]+-\d{4}-\d{4})</a>', html)


# ---------------------------------------------------------------------------------------------------
# List


def test_case_list_shows_exactly_the_cases_in_the_users_scope(world, client):
    mine = register(world, "d1b1")
    sibling = register(world, "d1b2")
    login(client, world, "d1b1.officer")
    html = client.get("/cases/").content.decode()
    assert rows(html) == [str(mine.pk)]
    login(client, world, "d1.officer")
    assert set(rows(client.get("/cases/").content.decode())) == {str(mine.pk), str(sibling.pk)}


def test_case_list_columns_and_due_badge(world, client):
    case = register(world, "d1b1", title="消防通道被占用")
    login(client, world, "d1b1.officer")
    html = client.get("/cases/").content.decode()
    assert case.number in html and "消防通道被占用" in html
    assert "申诉求决类" in html and "甲市一区大队" in html and "待受理" in html
    assert "2026-03-02" in html  # received
    assert "2026-03-17" in html and "已逾期" in html  # ack due 15 days after receipt, long past today


def test_case_list_filters(world, client):
    t = TODAY()
    old = register(world, "d1b1", title="旧事项", received_on=D(2026, 3, 2))
    accused = register(
        world,
        "d1",
        title="检举事项",
        category=Category.ACCUSATION,
        topic="conduct",
        channel=Channel.VISIT,
        accused_unit=world.unit("d2"),
        received_on=t - datetime.timedelta(days=3),
    )
    person = PetitionerDataFactory(name="钱多多")
    fresh = register(world, "d1b2", title="新事项", petitioners=[person], received_on=t - datetime.timedelta(days=1))
    advance(world, fresh, Status.ACCEPTED, accepted_on=t)
    login(client, world, "d1.officer")

    def ids(query):
        r = client.get("/cases/?" + query)
        assert r.status_code == 200
        return set(map(int, rows(r.content.decode())))

    assert ids("") == {old.pk, accused.pk, fresh.pk}
    assert ids("status=accepted") == {fresh.pk}
    assert ids("status=open") == {old.pk, accused.pk, fresh.pk}
    assert ids(f"unit={world.unit('d1b1').pk}") == {old.pk}
    assert ids(f"unit={world.unit('d1').pk}") == {old.pk, accused.pk, fresh.pk}
    assert ids("category=accusation") == {accused.pk}
    assert ids("topic=conduct") == {accused.pk}
    assert ids("channel=visit") == {accused.pk}
    assert ids("due_state=overdue") == {old.pk}
    assert ids("due_state=ok") == {accused.pk, fresh.pk}
    assert ids(f"received_from={t - datetime.timedelta(days=5)}") == {accused.pk, fresh.pk}
    assert ids("received_to=2026-06-30") == {old.pk}
    assert ids("q=旧事项") == {old.pk}
    assert ids(f"q={old.number}") == {old.pk}
    assert ids("q=钱多多") == {fresh.pk}  # a petitioner's exact name, through the keyed hash
    assert ids(f"q={person.id_number}") == {fresh.pk}


def test_case_list_sorting(world, client):
    a = register(world, "d1b1", received_on=D(2026, 3, 2))
    b = register(world, "d1b1", received_on=D(2026, 5, 6))
    c = register(world, "d1b1", received_on=D(2026, 4, 1))
    login(client, world, "d1b1.officer")
    assert rows(client.get("/cases/").content.decode()) == [str(b.pk), str(c.pk), str(a.pk)]
    assert rows(client.get("/cases/?sort=received_on").content.decode()) == [str(a.pk), str(c.pk), str(b.pk)]
    assert rows(client.get("/cases/?sort=number").content.decode()) == [str(a.pk), str(b.pk), str(c.pk)]
    assert rows(client.get("/cases/?sort=deadline").content.decode()) == [str(a.pk), str(c.pk), str(b.pk)]


def test_case_list_rejects_a_reversed_date_range_with_a_chinese_message(world, client):
    register(world, "d1b1")
    login(client, world, "d1b1.officer")
    r = client.get("/cases/?received_from=2026-05-01&received_to=2026-04-01")
    html = r.content.decode()
    assert "截止日期不能早于起始日期。" in html
    assert rows(html) == []


def test_case_list_paginates_on_the_server(world, client):
    officer = world.user("d1b1.officer")
    for _ in range(31):
        CaseFactory(unit=world.unit("d1b1"), registered_by=officer)
    login(client, world, "d1b1.officer")
    first = client.get("/cases/").content.decode()
    assert len(rows(first)) == 30 and "第 1 / 2 页" in first
    assert len(rows(client.get("/cases/?page=2").content.decode())) == 1


def _list_queries(client, world, n, url):
    officer = world.user("d2b2.officer")
    for _ in range(n):
        CaseFactory(unit=world.unit("d2b2"), registered_by=officer, handler=officer, title=f"批量{n}号事项")
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url.format(n=n))
    assert r.status_code == 200 and len(rows(r.content.decode())) == n
    return len(ctx.captured_queries)


def test_case_list_query_count_is_the_same_for_1_and_30_cases(world, client, django_assert_num_queries):
    login(client, world, "d2b2.officer")
    client.get("/cases/")
    url = "/cases/?q=批量{n}号"
    assert _list_queries(client, world, 1, url) == _list_queries(client, world, 30, url)
    # session, session user, posts (grants + the header's posts), the scope's unit ids and forwarded cases, explicit
    # shares (all kinds), the home unit (header; Art 30 exclusion), capped COUNT, the page of cases (unit, topic,
    # handler joined; no petitioners: the page shows none), the unit choices, the topic choices, the header's unread
    # count. The session is renewed at most once a minute (SessionRenewalMiddleware), so no save here.
    with django_assert_num_queries(11):
        client.get("/cases/?q=批量30号")


def test_my_work_puts_overdue_and_due_soon_first_and_shows_approvals(world, client):
    t = TODAY()
    later = register(world, "d1b1", received_on=t - datetime.timedelta(days=2))
    overdue = register(world, "d1b1", received_on=D(2026, 3, 2))
    drafted = advance(
        world, register(world, "d1b1", received_on=t - datetime.timedelta(days=3)), Status.OPINION_DRAFTED
    )
    login(client, world, "d1b1.officer")
    html = client.get("/cases/my/").content.decode()
    order = rows(html)
    assert order[0] == str(overdue.pk)
    assert set(order) == {str(later.pk), str(overdue.pk), str(drafted.pk)}
    login(client, world, "d1b1.chief")
    html = client.get("/cases/my/").content.decode()
    assert rows(html) == [str(drafted.pk)]
    assert "待我审批处理意见" in html


def test_my_work_query_count_is_the_same_for_1_and_30_cases(world, client, django_assert_num_queries):
    login(client, world, "d2b2.officer")
    client.get("/cases/my/")
    assert _list_queries(client, world, 1, "/cases/my/") == _list_queries(client, world, 30, "/cases/my/")
    # session, session user, posts, the scope's unit ids and forwarded cases, explicit shares, the home unit,
    # capped COUNT, the page of cases (unit, topic, handler joined), the header's unread-notification count.
    with django_assert_num_queries(9):
        client.get("/cases/my/")


# ---------------------------------------------------------------------------------------------------
# Registration


def reg_data(world, **overrides):
    data = {
        "unit": world.unit("d1b1").pk,
        "channel": "letter",
        "received_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        "category": "appeal",
        "topic": Topic.objects.get(code="supervision").pk,
        "title": "反映商场消防通道被占用",
        "content": "某商场消防通道长期堆放杂物，请求依法查处。",
        "headcount": "",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-MIN_NUM_FORMS": "0",
        "p-MAX_NUM_FORMS": "100",
        "p-0-name": "王小五",
        "p-0-id_number": valid_id(7),
        "p-0-phone": "13900001111",
        "p-0-address": "测试省甲市一区幸福路8号",
    }
    data.update(overrides)
    return data


def test_register_page_offers_the_users_units_and_topics(world, client):
    login(client, world, "d1.officer")
    html = client.get("/cases/new/").content.decode()
    assert "登记信访事项" in html
    assert (
        "甲市消防救援支队" in html and "甲市一区大队" in html and "乙市消防救援支队" not in html.split("被反映单位")[0]
    )
    assert "消防监督检查" in html
    assert 'id="repeat-panel"' in html and "xinfang/cases.js" in html


def test_registering_a_letter_creates_the_case_and_shows_the_query_code_once(world, client):
    login(client, world, "d1b1.officer")
    r = client.post("/cases/new/", reg_data(world))
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    assert case.status == Status.REGISTERED and case.channel == Channel.LETTER
    p = Petitioner.objects.get(case=case)
    assert p.name == "王小五" and p.id_number == valid_id(7)
    html = client.get(r["Location"]).content.decode()
    code = re.search(r"data-query-code>([A-Z0-9]{12})<", html).group(1)
    assert services.query_code_matches(case, code)
    assert "data-query-code" not in client.get(r["Location"]).content.decode()


def test_registration_refuses_a_bad_id_number_with_the_gb11643_message(world, client):
    login(client, world, "d1b1.officer")
    bad = valid_id(7)[:-1] + ("0" if valid_id(7)[-1] != "0" else "1")
    r = client.post("/cases/new/", reg_data(world, **{"p-0-id_number": bad}))
    assert r.status_code == 200
    assert "身份证号码校验位不正确，请核对。" in r.content.decode()
    assert not Case.objects.exists()


def test_registration_requires_the_source_of_an_assigned_case(world, client):
    login(client, world, "d1b1.officer")
    r = client.post("/cases/new/", reg_data(world, channel="assigned"))
    assert "上级交办、转送的，请填写交办/转送机关。" in r.content.decode()
    r = client.post(
        "/cases/new/", reg_data(world, channel="assigned", source="省信访局", reference_no="省信转〔2026〕8号")
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.source == "省信访局" and case.reference_no == "省信转〔2026〕8号"


def test_registration_of_a_collective_visit_allows_at_most_five_representatives(world, client):
    login(client, world, "d1b1.officer")
    data = reg_data(world, channel="visit", headcount="12", **{"p-TOTAL_FORMS": "6"})
    for i in range(6):
        data.update(
            {
                f"p-{i}-name": f"代表{i}",
                f"p-{i}-id_number": valid_id(100 + i),
                f"p-{i}-phone": f"1390000{i:04d}",
                f"p-{i}-is_representative": "on",
            }
        )
    r = client.post("/cases/new/", data)
    assert "集体信访推选的代表不得超过5人（条例第二十条）。" in r.content.decode()
    assert not Case.objects.exists()
    data.pop("p-5-is_representative")
    assert client.post("/cases/new/", data).status_code == 302
    case = Case.objects.get()
    assert case.is_collective and case.headcount == 12
    assert case.petitioners.filter(is_representative=True).count() == 5


def test_anonymous_registration_needs_no_petitioner(world, client):
    login(client, world, "d1b1.officer")
    data = reg_data(
        world, is_anonymous="on", **{"p-0-name": "", "p-0-id_number": "", "p-0-phone": "", "p-0-address": ""}
    )
    assert client.post("/cases/new/", data).status_code == 302
    case = Case.objects.get()
    assert case.is_anonymous and not case.petitioners.exists()
    assert "匿名信访" in client.get(f"/cases/{case.pk}/").content.decode()


def test_registration_without_petitioner_or_anonymity_is_refused_on_the_form(world, client):
    login(client, world, "d1b1.officer")
    data = reg_data(world, **{"p-0-name": "", "p-0-id_number": "", "p-0-phone": "", "p-0-address": ""})
    r = client.post("/cases/new/", data)
    assert "请至少填写一名信访人（匿名信访请勾选“匿名”）。" in r.content.decode()
    assert not Case.objects.exists()


def test_an_accusation_against_the_registering_unit_is_refused_with_the_services_message(world, client):
    login(client, world, "d1b1.officer")
    data = reg_data(world, category="accusation", accused_unit=world.unit("d1b1").pk)
    r = client.post("/cases/new/", data)
    html = r.content.decode()
    assert "检举控告类事项不能由被检举控告的单位或其下级单位办理，请报送上级单位登记（条例第三十条）。" in html
    assert not Case.objects.exists()


def test_registration_stores_accused_unit_and_officials(world, client):
    login(client, world, "d1.officer")
    data = reg_data(
        world,
        unit=world.unit("d1").pk,
        category="accusation",
        accused_unit=world.unit("d1b1").pk,
        accused_officials=[world.user("d1b1.chief").pk],
        accused_names="某中队长",
    )
    assert client.post("/cases/new/", data).status_code == 302
    case = Case.objects.get()
    assert case.accused_unit == world.unit("d1b1")
    assert list(case.accused_officials.all()) == [world.user("d1b1.chief")]
    assert case.accused_names == "某中队长"


def test_registration_uploads_several_attachments(world, client):
    login(client, world, "d1b1.officer")
    files = [
        SimpleUploadedFile("来信扫描.pdf", b"%PDF-1.4 scan", content_type="application/pdf"),
        SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png"),
    ]
    r = client.post("/cases/new/", {**reg_data(world), "attachments": files})
    assert r.status_code == 302
    case = Case.objects.get()
    assert sorted(a.original_name for a in case.attachments.all()) == ["来信扫描.pdf", "现场.png"]


def test_registration_refuses_a_disguised_attachment(world, client):
    login(client, world, "d1b1.officer")
    fake = SimpleUploadedFile("扫描.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    r = client.post("/cases/new/", {**reg_data(world), "attachments": [fake]})
    assert "附件“扫描.pdf”的内容与扩展名不符" in r.content.decode()
    assert not Case.objects.exists()


def test_repeat_panel_lists_earlier_cases_of_the_same_petitioner_in_scope_only(world, client):
    person = PetitionerDataFactory()
    earlier = register(world, "d1b1", petitioners=[person], title="消防通道问题")
    elsewhere = register(world, "d1b2", petitioners=[person], title="消防通道问题")
    login(client, world, "d1b1.officer")
    r = client.post("/cases/new/repeats/", {"p-0-id_number": person.id_number})
    html = r.content.decode()
    assert r.status_code == 200
    assert f'data-candidate="{earlier.pk}"' in html and earlier.number in html
    assert "同一信访人（身份证号码）" in html and "关联为重复件" in html
    assert f'data-candidate="{elsewhere.pk}"' not in html
    r = client.post("/cases/new/repeats/", {"p-0-name": person.name, "p-0-phone": person.phone})
    assert "同一信访人（姓名+电话）" in r.content.decode()


def test_repeat_panel_finds_similar_content_and_keeps_the_chosen_original(world, client):
    earlier = register(
        world, "d1b1", title="商场消防通道被占用", content="某商场消防通道长期堆放杂物，多次举报无人处理。"
    )
    login(client, world, "d1b1.officer")
    r = client.post(
        "/cases/new/repeats/",
        {
            "title": "商场消防通道被占用",
            "content": "某商场消防通道长期堆放杂物，请求处理。",
            "original_case": earlier.pk,
        },
    )
    html = r.content.decode()
    assert "内容相似" in html
    assert re.search(rf'value="{earlier.pk}" id="original-{earlier.pk}" form="register-form" checked', html)


def test_registering_as_a_repeat_links_the_original(world, client):
    earlier = register(world, "d1b1")
    login(client, world, "d1b1.officer")
    assert client.post("/cases/new/", reg_data(world, original_case=earlier.pk)).status_code == 302
    repeat = Case.objects.exclude(pk=earlier.pk).get()
    assert repeat.original_case == earlier
    html = client.get(f"/cases/{earlier.pk}/").content.decode()
    assert repeat.number in html and "重复信访" in html


def test_registration_cannot_link_an_original_outside_the_scope(world, client):
    hidden = register(world, "d1b2")
    login(client, world, "d1b1.officer")
    r = client.post("/cases/new/", reg_data(world, original_case=hidden.pk))
    assert "关联的原信访事项不存在或不在您的权限范围内。" in r.content.decode()
    assert Case.objects.count() == 1


# ---------------------------------------------------------------------------------------------------
# Detail


def test_detail_masks_personal_data(world, client):
    person = PetitionerDataFactory(name="欧阳小明", phone="13812345678", address="测试省甲市一区幸福路8号")
    case = register(world, "d1b1", petitioners=[person])
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert person.id_number not in html and "13812345678" not in html and "欧阳小明" not in html
    assert "138****5678" in html and person.id_number[:6] + "********" + person.id_number[-4:] in html
    assert "欧***" in html and "显示完整信息" in html


def test_reveal_shows_the_full_data_and_is_audited(world, client):
    person = PetitionerDataFactory(phone="13812345678")
    case = register(world, "d1b1", petitioners=[person])
    officer = login(client, world, "d1b1.officer")
    r = client.post(f"/cases/{case.pk}/reveal/", HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="petitioners"' in html and "<html" not in html
    assert person.id_number in html and "13812345678" in html and person.name in html
    revealed = AuditEvent.objects.filter(action="core.pii.revealed", actor=officer)
    assert {e.after["field"] for e in revealed} == {"name", "id_number", "phone", "address"}
    # without htmx: the whole page, revealed
    full = client.post(f"/cases/{case.pk}/reveal/").content.decode()
    assert "<html" in full and person.id_number in full and "已显示完整信息" in full


def test_reveal_needs_the_unmask_permission(world, client):
    case = register(world, "d1b1")
    client.force_login(member(world, "d1b1"))
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "显示完整信息" not in html
    assert client.post(f"/cases/{case.pk}/reveal/").status_code == 403
    assert not AuditEvent.objects.filter(action="core.pii.revealed").exists()


def test_reveal_is_post_only(world, client):
    case = register(world, "d1b1")
    login(client, world, "d1b1.officer")
    assert client.get(f"/cases/{case.pk}/reveal/").status_code == 405


def test_detail_shows_data_deadlines_timeline_and_actions(world, client):
    case = register(world, "d1b1", title="消防通道被占用", source="", reference_no="")
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in html and "消防通道被占用" in html and "来信" in html
    assert "受理告知期限" in html and "2026-03-17" in html and "已逾期" in html
    assert 'data-event="register"' in html and "登记" in html
    for action in ("accept", "decline", "divert", "forward"):
        assert f'data-action="{action}"' in html
    assert 'data-action="approve_opinion"' not in html
    # the chief approves but does not handle
    login(client, world, "d1b1.chief")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="accept"' not in html


def test_detail_shows_the_opinion_and_each_step_dated(world, client):
    t = TODAY()
    case = register(world, "d1b1", received_on=t - datetime.timedelta(days=10))
    case = advance(
        world,
        case,
        Status.DELIVERED,
        accepted_on=t - datetime.timedelta(days=9),
        issued_on=t - datetime.timedelta(days=3),
        delivered_on=t - datetime.timedelta(days=1),
    )
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-status"' in html and "已送达" in html
    for action in ("register", "accept", "draft_opinion", "approve_opinion", "issue_opinion", "deliver"):
        assert f'data-event="{action}"' in html
    assert "解释说明" in html and "《中华人民共和国消防法》第二十八条" in html
    assert (t - datetime.timedelta(days=1)).isoformat() in html
    assert "可申请复查至" in html


def test_detail_warns_when_the_due_year_has_no_holiday_arrangement(world, client):
    officer = world.user("d1b1.officer")
    case = CaseFactory(unit=world.unit("d1b1"), registered_by=officer, ack_due=D(2031, 1, 6))
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "2031年节假日安排尚未录入" in html


def test_detail_lists_generated_documents_with_download_links(world, client):
    from xinfang.cases.documents import case_notice_generate

    t = TODAY()
    case = advance(
        world, register(world, "d1b1", received_on=t - datetime.timedelta(days=2)), Status.ACCEPTED, accepted_on=t
    )
    event = CaseEvent.objects.get(case=case, action="accept")
    document = case_notice_generate(actor=world.user("d1b1.officer"), event=event)
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert document.title in html
    assert f'href="/documents/{document.pk}/pdf/"' in html and f'href="/documents/{document.pk}/docx/"' in html
    r = client.get(f"/documents/{document.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")


def test_detail_links_reviews_and_the_parent_case(world, client):
    t = TODAY()
    case = advance(
        world,
        register(world, "d1b1", received_on=t - datetime.timedelta(days=10)),
        Status.DELIVERED,
        accepted_on=t - datetime.timedelta(days=9),
        issued_on=t - datetime.timedelta(days=4),
        delivered_on=t - datetime.timedelta(days=3),
    )
    review = services.review_request(actor=world.user("d1.officer"), case=case, requested_on=t)
    login(client, world, "d1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/cases/{review.pk}/"' in html and "复查" in html
    html = client.get(f"/cases/{review.pk}/").content.decode()
    assert f'href="/cases/{case.pk}/"' in html and "原处理事项" in html
    # the brigade does not see the 复查 at the 支队
    login(client, world, "d1b1.officer")
    assert f'href="/cases/{review.pk}/"' not in client.get(f"/cases/{case.pk}/").content.decode()


# ---------------------------------------------------------------------------------------------------
# Attachments


@pytest.fixture
def with_attachment(world):
    scan = SimpleUploadedFile("来信扫描.pdf", b"%PDF-1.4 the letter", content_type="application/pdf")
    case = register(world, "d1b1", attachments=[scan])
    return case, case.attachments.get()


def test_attachment_downloads_as_an_attachment_through_the_access_check(world, client, with_attachment):
    case, attachment = with_attachment
    login(client, world, "d1b1.officer")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/cases/attachments/{attachment.pk}/"' in html
    r = client.get(f"/cases/attachments/{attachment.pk}/")
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment")
    assert r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == b"%PDF-1.4 the letter"


def test_attachment_is_404_outside_the_scope(world, client, with_attachment):
    _case, attachment = with_attachment
    login(client, world, "d1b2.officer")
    assert client.get(f"/cases/attachments/{attachment.pk}/").status_code == 404
    client.logout()
    r = client.get(f"/cases/attachments/{attachment.pk}/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_navigation_links_my_work_and_registration(world, client):
    login(client, world, "d1b1.officer")
    html = client.get("/cases/").content.decode()
    assert 'href="/cases/my/"' in html and 'href="/cases/new/"' in html
    client.force_login(member(world, "d1b1"))
    html = client.get("/cases/").content.decode()
    assert 'href="/cases/my/"' in html and 'href="/cases/new/"' not in html
