"""The leadership pages: every page renders for the people who use it, writes go through the services, exports are
xlsx from the same selectors, out of scope is 404, without the permission 403, and the board and compliance pages
run a fixed number of queries however many units and records there are."""

from __future__ import annotations

import datetime
import io
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.cases.models import Case
from xinfang.core.models import AuditEvent
from xinfang.leadership import services
from xinfang.leadership.models import Meeting, Ownership, Quota, Reception, ReceptionDay, Supervision
from xinfang.leadership.tests.factories import case, meeting, ownership, reception, sign_in, supervision, today
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role

D = datetime.date


def login(client, world, username):
    sign_in(client, world.user(username))


@pytest.fixture
def records(world):
    """One of each record at brigade d1b1 (and a supervised case there owned by the 支队主官)."""
    c1 = case(world, "d1b1")
    c2 = case(world, "d1b1", title="反映火灾事故认定问题")
    s = supervision(world, c2)
    return {
        "meeting": meeting(world, "d1b1", today()),
        "day": services.reception_day_plan(
            actor=world.user("d1b1.officer"),
            unit=world.unit("d1b1"),
            leader=world.user("d1b1.chief"),
            planned_on=today() + datetime.timedelta(days=3),
        ),
        "reception": reception(world, "d1b1", "d1b1.chief", today()),
        "ownership": ownership(world, c1, "d1b1.chief", "d1b1.chief"),
        "supervision": s,
        "supervised_ownership": ownership(world, c2, "d1.chief", "d1.chief", deadline=s.deadline),
    }


PAGES = [
    "leadership:board",
    "leadership:compliance",
    "leadership:meeting-list",
    "leadership:day-list",
    "leadership:reception-list",
    "leadership:ownership-list",
    "leadership:supervision-list",
]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("username", ["d1b1.officer", "d1.chief", "c.chief"])
def test_list_pages_render(world, records, client, name, username):
    login(client, world, username)
    response = client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("name", [*PAGES, "leadership:quotas", "leadership:meeting-create"])
@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admins_see_no_leadership_page_but_the_sysadmin_keeps_quotas(world, client, name, username):
    login(client, world, username)
    expected = 200 if (username == "sysadmin" and name == "leadership:quotas") else 403
    assert client.get(reverse(name)).status_code == expected


OBJECT_PAGES = [
    ("leadership:meeting-detail", "meeting"),
    ("leadership:day-detail", "day"),
    ("leadership:reception-detail", "reception"),
    ("leadership:ownership-detail", "ownership"),
    ("leadership:supervision-detail", "supervision"),
]


@pytest.mark.parametrize("name,key", OBJECT_PAGES)
def test_detail_pages_in_scope_200_out_of_scope_404(world, records, client, name, key):
    url = reverse(name, kwargs={"pk": records[key].pk})
    for username, status in (
        ("d1b1.officer", 200),
        ("d1.chief", 200),
        ("c.officer", 200),
        ("d1b2.officer", 404),
        ("d2.chief", 404),
        ("sysadmin", 403),
    ):
        sign_in(client, world.user(username))
        assert client.get(url).status_code == status, (username, url)


def test_board_of_a_unit_out_of_scope_is_404(world, client):
    login(client, world, "d1b1.officer")
    assert client.get(reverse("leadership:board-unit", kwargs={"pk": world.unit("d1b2").pk})).status_code == 404
    assert client.get(reverse("leadership:board-unit", kwargs={"pk": world.unit("d1").pk})).status_code == 404
    assert client.get(reverse("leadership:board-unit", kwargs={"pk": world.unit("d1b1").pk})).status_code == 200


def test_the_board_shows_posts_remits_progress_ownerships_and_supervisions(world, records, client):
    Post.objects.create(
        user=User.objects.create_user(username="d1.member", password="x", name="王班子", unit=world.unit("d1")),
        unit=world.unit("d1"),
        role=Role.MEMBER,
        remit="分管后勤保障和营房建设",
        start_on=D(2020, 1, 1),
    )
    login(client, world, "d1.chief")
    html = client.get(reverse("leadership:board")).content.decode()
    assert "甲市消防救援支队主官" in html and "分管后勤保障和营房建设" in html and "王班子" in html
    assert records["ownership"].case.number in html and records["supervision"].case.number in html
    assert "甲市一区大队" in html and "甲市二区大队" in html  # the brigades below
    assert reverse("leadership:ownership-detail", kwargs={"pk": records["ownership"].pk}) in html


def test_the_board_flags_a_supervised_case_not_owned_by_the_detachment_chief(world, client):
    c = case(world, "d1b2")
    ownership(world, c, "d1b2.chief", "d1b2.chief")
    supervision(world, c)
    login(client, world, "c.chief")
    html = client.get(reverse("leadership:board-unit", kwargs={"pk": world.unit("d1").pk})).content.decode()
    assert "应由甲市消防救援支队主官包案" in html


# --- query counts ----------------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(world, n):
    """n more brigades under d1, each with a chief, a meeting, a reception, an ownership; a supervision too."""
    d1 = world.unit("d1")
    for _ in range(n):
        code = f"g{Unit.objects.count()}"
        u = Unit.objects.create(code=code, name=f"扩展{code}大队", level=Level.BRIGADE, parent=d1)
        u.path = f"{d1.path}{u.pk}/"
        u.depth = 2
        u.save(update_fields=["path", "depth"])
        world.units[code] = u
        for label, role in (("chief", Role.CHIEF), ("officer", Role.OFFICER)):
            user = User.objects.create_user(username=f"{code}.{label}", password="x", name=f"{code}{label}", unit=u)
            Post.objects.create(user=user, unit=u, role=role, start_on=D(2020, 1, 1))
            world.users[user.username] = user
        meeting(world, code, today())
        reception(world, code, f"{code}.chief", today())
        c = case(world, code)
        ownership(world, c, f"{code}.chief", f"{code}.chief")
        supervision(world, case(world, code))


def test_board_and_compliance_query_counts_do_not_grow_with_units(world, client):
    login(client, world, "d1.chief")
    _grow(world, 1)
    client.get(reverse("leadership:board"))  # warm the session
    urls = [reverse("leadership:board"), reverse("leadership:compliance")]
    small = [_count(client, u) for u in urls]
    _grow(world, 6)
    big = [_count(client, u) for u in urls]
    assert small == big
    # Board: session, session user, the user's posts (grants and the header's list, one query), explicit shares of
    # every kind (one query), the home unit, the unit's posts; compliance_for_year: units, quotas, meeting counts,
    # leaders' posts, held days, ledger dates, designation check (units, posts); the case scope's unit ids, open
    # ownerships, active supervisions; their owner check: the cases' ownerships, their 支队, the 支队's chiefs; the
    # breadcrumb's ancestors. The session is written at most once a minute: no save. Compliance: the same compliance
    # queries, the unit choices, the header.
    assert big == [23, 15]  # incl. the header's unread-notification count


@pytest.mark.parametrize(
    "name",
    [
        "leadership:meeting-list",
        "leadership:reception-list",
        "leadership:ownership-list",
        "leadership:supervision-list",
        "leadership:day-list",
    ],
)
def test_list_query_counts_are_the_same_for_1_and_many_rows(world, client, name):
    login(client, world, "d1.chief")
    _grow(world, 1)
    url = reverse(name) + ("?date_from=2000-01-01" if name == "leadership:day-list" else "")
    client.get(url)
    one = _count(client, url)
    _grow(world, 5)
    assert _count(client, url) == one


# --- writes through the pages ------------------------------------------------------------------------------


def test_record_a_meeting_with_minutes(world, client):
    login(client, world, "d1b1.officer")
    response = client.post(
        reverse("leadership:meeting-create"),
        {
            "unit": world.unit("d1b1").pk,
            "held_on": today().isoformat(),
            "topics": "研究部署信访工作",
            "decisions": "建立接访台账",
            "minutes": SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
        },
    )
    m = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("leadership:meeting-detail", args=[m.pk])
    download = client.get(reverse("leadership:meeting-minutes", args=[m.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 x"
    client.force_login(world.user("d1b2.officer"))
    assert client.get(reverse("leadership:meeting-minutes", args=[m.pk])).status_code == 404


def test_a_meeting_for_a_unit_outside_the_record_scope_is_not_offered(world, client):
    login(client, world, "d1b1.officer")
    response = client.post(
        reverse("leadership:meeting-create"),
        {"unit": world.unit("d1").pk, "held_on": today().isoformat(), "topics": "x", "decisions": "y"},
    )
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert "选择一个有效的选项" in response.content.decode() or "Select a valid choice" in response.content.decode()


def test_plan_hold_and_cancel_reception_days(world, client):
    login(client, world, "d1.officer")
    post = Post.objects.get(user=world.user("d1.chief"))
    response = client.post(
        reverse("leadership:day-create"),
        {"leader_post": post.pk, "planned_on": today().isoformat(), "place": "接待室", "published": "on"},
    )
    day = ReceptionDay.objects.get()
    assert response.status_code == 302 and day.published
    client.post(reverse("leadership:day-action", args=[day.pk, "hold"]), {"note": "无来访"})
    day.refresh_from_db()
    assert day.status == "held"
    response = client.post(reverse("leadership:day-action", args=[day.pk, "cancel"]), {"reason": "x"})
    assert response.status_code == 200 and "只能取消尚未进行的接访日" in response.content.decode()
    client.force_login(world.user("d1b1.officer"))
    assert client.post(reverse("leadership:day-action", args=[day.pk, "publish"])).status_code == 404
    client.force_login(world.user("d1.leader"))
    assert client.post(reverse("leadership:day-action", args=[day.pk, "nope"])).status_code == 404


def test_open_a_case_from_the_reception_prefills_registration_and_links_back(world, client):
    r = reception(
        world, "d1b1", "d1b1.chief", today() - datetime.timedelta(days=1), matter="反映小区消防车道被占用\n多次反映无果"
    )
    login(client, world, "d1b1.officer")
    html = client.get(reverse("leadership:reception-detail", args=[r.pk])).content.decode()
    assert 'id="open-case"' in html
    page = client.get(reverse("leadership:reception-detail", args=[r.pk]))
    link = page.context["open_case_url"]
    query = parse_qs(urlparse(link).query)
    assert query["channel"] == ["visit"] and query["reception"] == [str(r.pk)]
    assert query["title"] == ["反映小区消防车道被占用"] and query["received_on"] == [r.received_on.isoformat()]
    form = client.get(link).context["form"]
    assert form.initial["channel"] == "visit"
    assert form.initial["received_on"] == r.received_on
    assert form.initial["title"] == "反映小区消防车道被占用"
    assert form.initial["content"].startswith("反映小区消防车道被占用")
    response = client.post(
        link,
        {
            "unit": world.unit("d1b1").pk,
            "channel": "visit",
            "received_on": r.received_on.isoformat(),
            "category": "appeal",
            "topic": Case._meta.get_field("topic").related_model.objects.get(code="supervision").pk,
            "title": "反映小区消防车道被占用",
            "content": "反映小区消防车道被占用，多次反映无果",
            "p-TOTAL_FORMS": "1",
            "p-INITIAL_FORMS": "0",
            "p-MIN_NUM_FORMS": "0",
            "p-MAX_NUM_FORMS": "100",
            "p-0-name": "王来访",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    created = Case.objects.get(title="反映小区消防车道被占用")
    assert Reception.objects.get(pk=r.pk).case == created
    assert AuditEvent.objects.filter(action="leadership.reception.case_linked", target_id=str(r.pk)).exists()


def test_registration_ignores_a_reception_the_user_may_not_change(world, client):
    r = reception(world, "d1b2", "d1b2.chief", today())
    login(client, world, "d1b1.officer")
    response = client.get(reverse("cases:case-register") + f"?reception={r.pk}&channel=visit&received_on=bad")
    assert response.status_code == 200
    assert "received_on" not in {k for k, v in response.context["form"].initial.items() if v == "bad"}


def test_link_a_case_by_number(world, client):
    r = reception(world, "d1b1", "d1b1.chief", today())
    c = case(world, "d1b1")
    login(client, world, "d1b1.officer")
    response = client.post(reverse("leadership:reception-link-case", args=[r.pk]), {"case_number": c.number})
    assert response.status_code == 302 and Reception.objects.get(pk=r.pk).case == c
    other = case(world, "d1b2")
    r2 = reception(world, "d1b1", "d1b1.chief", today(), matter="另一事项")
    response = client.post(reverse("leadership:reception-link-case", args=[r2.pk]), {"case_number": other.number})
    assert response.status_code == 200 and "不存在或不在您的权限范围内" in response.content.decode()


def test_assign_ownership_through_the_page_proposes_the_detachment_chief(world, client):
    c = case(world, "d1b1")
    s = supervision(world, c)
    login(client, world, "d1.chief")
    page = client.get(reverse("leadership:ownership-create") + f"?case={c.pk}")
    chief_post = Post.objects.get(user=world.user("d1.chief"))
    assert page.context["proposal"] == chief_post and page.context["form"].initial["leader_post"] == chief_post.pk
    leader_post = Post.objects.get(user=world.user("d1.leader"))
    data = {
        "case_number": c.number,
        "basis": "major",
        "plan_kind": "person",
        "tasks": "t",
        "plan": "p",
        "assigned_on": today().isoformat(),
        "deadline": s.deadline.isoformat(),
    }
    response = client.post(reverse("leadership:ownership-create"), {**data, "leader_post": leader_post.pk})
    assert response.status_code == 200 and "应由甲市消防救援支队主官包案" in response.content.decode()
    response = client.post(reverse("leadership:ownership-create"), {**data, "leader_post": chief_post.pk})
    o = Ownership.objects.get()
    assert response.status_code == 302 and o.plan_kind == "person" and o.basis == "supervised"
    html = client.get(reverse("leadership:ownership-detail", args=[o.pk])).content.decode()
    assert "包案责任书" in html and "DOCX" in html


def test_progress_settle_and_letter_through_the_pages(world, client):
    o = ownership(world, case(world, "d1b1"), "d1b1.chief", "d1b1.chief")
    login(client, world, "d1b1.officer")
    response = client.post(
        reverse("leadership:ownership-progress", args=[o.pk]),
        {"on": today().isoformat(), "note": "约见信访人", "educate_applies": "on", "educate_done": "on"},
    )
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.checklist["educate"] == {"applies": True, "done": True, "note": ""}
    # The officer cannot settle (403); the brigade chief can.
    assert client.post(reverse("leadership:ownership-settle", args=[o.pk]), {}).status_code == 403
    client.force_login(world.user("d1b1.chief"))
    response = client.post(
        reverse("leadership:ownership-settle", args=[o.pk]), {"settled": "1", "on": today().isoformat(), "note": "息访"}
    )
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.status == "settled"
    assert client.post(reverse("leadership:ownership-letter", args=[o.pk])).status_code == 302
    assert o.case.pk and o.pk
    client.force_login(world.user("d1b2.officer"))
    assert client.post(reverse("leadership:ownership-letter", args=[o.pk])).status_code == 404


def test_supervision_pages_list_report_and_lift(world, client):
    c = case(world, "d1b1")
    login(client, world, "d1.chief")
    assert client.get(reverse("leadership:supervision-create")).status_code == 200
    response = client.post(
        reverse("leadership:supervision-create"),
        {
            "case_number": c.number,
            "level": "corps",
            "listed_on": today().isoformat(),
            "deadline": (today() + datetime.timedelta(days=9)).isoformat(),
        },
    )
    assert response.status_code == 200 and "只有消防救援局或总队可以挂牌督办" in response.content.decode()
    login(client, world, "c.chief")
    response = client.post(
        reverse("leadership:supervision-create"),
        {
            "case_number": c.number,
            "level": "corps",
            "listed_on": today().isoformat(),
            "deadline": (today() + datetime.timedelta(days=9)).isoformat(),
            "requirements": "限期化解",
        },
    )
    s = Supervision.objects.get()
    assert response.status_code == 302
    html = client.get(reverse("leadership:supervision-detail", args=[s.pk])).content.decode()
    assert 'id="owner-warning"' in html and "甲市消防救援支队主官" in html
    client.force_login(world.user("d1b1.officer"))
    assert (
        client.post(
            reverse("leadership:supervision-progress", args=[s.pk]), {"on": today().isoformat(), "content": "已约谈"}
        ).status_code
        == 302
    )
    assert client.post(reverse("leadership:supervision-lift", args=[s.pk]), {"reason": "x"}).status_code == 403
    client.force_login(world.user("c.chief"))
    assert (
        client.post(
            reverse("leadership:supervision-lift", args=[s.pk]), {"lifted_on": today().isoformat(), "reason": "已化解"}
        ).status_code
        == 302
    )
    s.refresh_from_db()
    assert s.status == "lifted" and s.reports.count() == 1


def test_quotas_page_saves_every_quota(world, client):
    login(client, world, "sysadmin")
    data = {
        "meeting_detachment_minimum": 3,
        "meeting_detachment_period": "year",
        "meeting_brigade_minimum": 4,
        "meeting_brigade_period": "year",
        "reception_chief_minimum": 1,
        "reception_chief_period": "quarter",
        "reception_member_minimum": 2,
        "reception_member_period": "year",
    }
    assert client.post(reverse("leadership:quotas"), data).status_code == 302
    assert dict(Quota.objects.values_list("code", "minimum")) == {
        "meeting.detachment": 3,
        "meeting.brigade": 4,
        "reception.chief": 1,
        "reception.member": 2,
    }
    bad = {**data, "meeting_brigade_period": "quarter"}
    assert client.post(reverse("leadership:quotas"), bad).status_code == 200


# --- exports ------------------------------------------------------------------------------------------------

EXPORTS = [
    ("leadership:meeting-export", "研究议题"),
    ("leadership:day-export", "接访日期"),
    ("leadership:reception-export", "反映事项"),
    ("leadership:ownership-export", "包案领导"),
    ("leadership:supervision-export", "督办期限"),
    ("leadership:compliance-export", "落后进度"),
]


@pytest.mark.parametrize("name,header", EXPORTS)
def test_every_ledger_exports_the_scoped_rows(world, records, client, name, header):
    # A row outside d1b1's scope too.
    meeting(world, "d1b2", today())
    reception(world, "d1b2", "d1b2.chief", today(), matter='=HYPERLINK("x")')
    ownership(world, case(world, "d1b2"), "d1b2.chief", "d1b2.chief")
    supervision(world, case(world, "d1b2"))
    services.reception_day_plan(
        actor=world.user("d1b2.officer"), unit=world.unit("d1b2"), leader=world.user("d1b2.chief"), planned_on=today()
    )
    counts = {}
    for username in ("d1b1.officer", "d1.chief"):
        client.force_login(world.user(username))
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(ws.iter_rows(values_only=True))
        assert header in rows[0]
        counts[username] = len(rows) - 1
        assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)
    assert counts["d1.chief"] > counts["d1b1.officer"] >= 1
    assert AuditEvent.objects.filter(action__startswith="leadership.", action__endswith=".exported").count() == 2
    sign_in(client, world.user("sysadmin"))
    assert client.get(reverse(name)).status_code == 403


def test_reception_export_masks_visitors(world, client):
    services.reception_record(
        actor=world.user("d1b1.officer"),
        leader=world.user("d1b1.chief"),
        received_on=today(),
        matter="事",
        visitors=[{"name": "张大明", "phone": "13812345678"}],
    )
    login(client, world, "d1b1.officer")
    response = client.get(reverse("leadership:reception-export"))
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "张**" in values and not any("张大明" in v for v in values)
