"""xlsx export of the case list: exactly the filtered list (same selector, same order), personal data masked,
formula-like cells neutralised, audited, permission-checked, Art 30 respected, constant queries."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from xinfang.cases.exports import COLUMNS, neutralise
from xinfang.cases.models import Category, Status
from xinfang.cases.tests.factories import CaseFactory, PetitionerDataFactory, advance, register
from xinfang.core.models import AuditEvent
from xinfang.orgs.models import Post, User
from xinfang.orgs.roles import Role

D = datetime.date
TODAY = datetime.date.today
HEADERS = [c[0] for c in COLUMNS]


def workbook_rows(response):
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def list_numbers(client, query):
    html = client.get("/cases/?" + query).content.decode()
    return re.findall(r'href="/cases/\d+/">([a-z0-9]+-\d{4}-\d{4})</a>', html)


@pytest.fixture
def cases(world):
    t = TODAY()
    a = register(world, "d1b1", title="消防通道被占用", received_on=D(2026, 3, 2))
    b = register(
        world,
        "d1b2",
        title="火灾事故认定有异议",
        topic="fire_investigation",
        received_on=t - datetime.timedelta(days=4),
    )
    c = register(world, "d1b1", title="消防通道再次被占用", received_on=t - datetime.timedelta(days=2))
    advance(world, c, Status.ACCEPTED, accepted_on=t)
    d = register(world, "d2b1", title="乙市的事项", received_on=t - datetime.timedelta(days=1))
    return a, b, c, d


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=消防通道",
        "status=accepted",
        "sort=received_on",
        "sort=number",
        "due_state=overdue",
        "topic=fire_investigation",
    ],
)
def test_the_export_holds_exactly_the_filtered_list_in_its_order(world, client, cases, query):
    client.force_login(world.user("d1.officer"))
    expected = list_numbers(client, query)
    r = client.get("/cases/export/?" + query)
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r["Content-Disposition"].startswith("attachment")
    data = workbook_rows(r)
    assert data[0] == HEADERS
    assert [row[0] for row in data[1:]] == expected
    assert expected  # every filter above matches something


def test_the_list_page_links_the_export_with_its_filters(world, client, cases):
    client.force_login(world.user("d1.officer"))
    html = client.get("/cases/?q=消防通道&status=open").content.decode()
    assert 'href="/cases/export/?q=%E6%B6%88%E9%98%B2%E9%80%9A%E9%81%93&amp;status=open"' in html


def test_the_export_masks_personal_data(world, client):
    person = PetitionerDataFactory(name="欧阳小明", phone="13812345678")
    case = register(world, "d1b1", petitioners=[person])
    client.force_login(world.user("d1b1.officer"))
    data = workbook_rows(client.get("/cases/export/"))
    row = dict(zip(HEADERS, data[1], strict=True))
    flat = " ".join(str(v) for v in data[1])
    assert person.id_number not in flat and "13812345678" not in flat and "欧阳小明" not in flat
    assert row["信访人"] == "欧***"
    assert row["联系电话"] == "138****5678"
    assert row["身份证号码"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert row["编号"] == case.number and row["状态"] == "待受理" and row["期限状态"] == "已逾期"


def test_formula_like_text_is_neutralised(world, client):
    register(world, "d1b1", title='=HYPERLINK("http://x","点我")')
    register(world, "d1b1", title="+86 热线")
    register(world, "d1b1", title="@某人 反映")
    register(world, "d1b1", title="-1 号楼")
    client.force_login(world.user("d1b1.officer"))
    titles = {row[2] for row in workbook_rows(client.get("/cases/export/"))[1:]}
    assert titles == {'\'=HYPERLINK("http://x","点我")', "'+86 热线", "'@某人 反映", "'-1 号楼"}


def test_neutralise_leaves_other_values_alone():
    assert neutralise("正常文本") == "正常文本"
    assert neutralise(-5) == -5
    assert neutralise(None) is None
    assert neutralise("\t=1") == "'\t=1"


def test_the_export_is_audited(world, client, cases):
    officer = world.user("d1.officer")
    client.force_login(officer)
    workbook_rows(client.get("/cases/export/?q=消防通道&status=open"))
    event = AuditEvent.objects.get(action="cases.case.exported")
    assert event.actor == officer
    assert event.after["count"] == len(list_numbers(client, "q=消防通道&status=open")) == 3
    assert event.after["filters"]["q"] == "（已填写）"  # the search text may be a petitioner's name or ID
    assert event.after["filters"]["open_only"] is True


def test_the_export_needs_the_export_permission(world, client, cases):
    viewer = User.objects.create_user(username="d1.member", password="x" * 12, unit=world.unit("d1"))
    Post.objects.create(user=viewer, unit=world.unit("d1"), role=Role.MEMBER, start_on=D(2020, 1, 1))
    client.force_login(viewer)
    assert client.get("/cases/").status_code == 200
    assert client.get("/cases/export/").status_code == 403
    assert "导出Excel" not in client.get("/cases/").content.decode()
    assert not AuditEvent.objects.filter(action="cases.case.exported").exists()
    client.logout()
    r = client.get("/cases/export/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_export_stays_in_scope(world, client, cases):
    client.force_login(world.user("d1b1.officer"))
    numbers = {row[0] for row in workbook_rows(client.get("/cases/export/"))[1:]}
    assert numbers == {cases[0].number, cases[2].number}


def test_an_accusation_against_d1b1_is_not_exported_to_d1b1_staff(world, client):
    accusation = register(
        world,
        "d1",
        category=Category.ACCUSATION,
        topic="conduct",
        title="检举甲市一区大队",
        content="检举内容",
        accused_unit=world.unit("d1b1"),
    )
    ordinary = register(world, "d1", title="普通事项")
    staff = world.user("d1b1.officer")
    Post.objects.create(user=staff, unit=world.unit("d1"), role=Role.OFFICER, start_on=D(2020, 1, 1))
    client.force_login(staff)
    numbers = {row[0] for row in workbook_rows(client.get("/cases/export/"))[1:]}
    assert ordinary.number in numbers and accusation.number not in numbers
    client.force_login(world.user("d1.officer"))
    numbers = {row[0] for row in workbook_rows(client.get("/cases/export/"))[1:]}
    assert {ordinary.number, accusation.number} <= numbers


def test_an_invalid_filter_does_not_export(world, client, cases):
    client.force_login(world.user("d1.officer"))
    r = client.get("/cases/export/?received_from=2026-05-01&received_to=2026-04-01")
    assert r.status_code == 302 and r["Location"].startswith("/cases/?")
    assert not AuditEvent.objects.filter(action="cases.case.exported").exists()


def _export_queries(client, world, n):
    officer = world.user("d2b2.officer")
    for _ in range(n):
        CaseFactory(unit=world.unit("d2b2"), registered_by=officer, handler=officer, title=f"导出{n}号")
    with CaptureQueriesContext(connection) as ctx:
        data = workbook_rows(client.get(f"/cases/export/?q=导出{n}号"))
    assert len(data) == n + 1
    return len([q for q in ctx.captured_queries if "core_auditevent" not in q["sql"]])


def test_the_export_query_count_is_the_same_for_1_and_30_cases(world, client):
    client.force_login(world.user("d2b2.officer"))
    client.get("/cases/")
    assert _export_queries(client, world, 1) == _export_queries(client, world, 30)
