"""The holiday-calendar pages: who may see and change them, what they show, and the paste format."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from xinfang.core import calendar_urls
from xinfang.core import legal_calendar as lc
from xinfang.core.calendar_forms import parse_arrangement
from xinfang.core.models import AuditEvent, CalendarDay

D = date

# Until the project urls include the calendar pages, test them mounted in front of the project's own.
urlpatterns = [path("calendar/", include(calendar_urls)), path("", include("xinfang.urls"))]
pytestmark = pytest.mark.urls(__name__)

PAGE = "/calendar/"
SET = "/calendar/days/"
IMPORT = "/calendar/import/"


def delete_url(day: str) -> str:
    return f"/calendar/days/{day}/delete/"


@pytest.fixture(autouse=True)
def fresh_calendar():
    saved = list(lc._callbacks)
    lc._callbacks.clear()
    lc.calendar_changed()
    yield
    lc.calendar_changed()
    lc._callbacks[:] = saved


@pytest.fixture
def as_user(client, world):
    def login(username: str):
        client.force_login(world.user(username))
        return client

    return login


# ----------------------------------------------------------------------------------------------
# Permissions


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("sysadmin", 200),  # core.calendar.manage
        ("d1b1.officer", 200),  # cases.case.view
        ("d2.chief", 200),
        ("c.leader", 200),
        ("secadmin", 403),  # 三员分立: neither manages the calendar nor handles cases
        ("auditor", 403),
    ],
)
def test_who_may_view_the_calendar(as_user, username, status):
    assert as_user(username).get(PAGE).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["d1b1.officer", "c.chief", "secadmin", "auditor"])
def test_only_a_calendar_manager_may_change_it(as_user, username):
    client = as_user(username)
    assert client.post(SET, {"day": "2027-01-01", "kind": "rest", "name": "元旦"}).status_code == 403
    assert client.post(IMPORT, {"year": 2027, "text": "2027-01-01 休 元旦"}).status_code == 403
    CalendarDay.objects.create(day=D(2027, 1, 1), is_workday=False)
    assert client.post(delete_url("2027-01-01")).status_code == 403
    assert CalendarDay.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="core.calendar.").exists()


@pytest.mark.django_db
def test_changes_are_post_only(as_user):
    client = as_user("sysadmin")
    assert client.get(SET).status_code == 405
    assert client.get(IMPORT).status_code == 405
    assert client.get(delete_url("2027-01-01")).status_code == 405
    assert client.post(PAGE).status_code == 405


@pytest.mark.django_db
def test_viewers_see_no_change_forms(as_user):
    html = as_user("d1b1.officer").get(PAGE + "?year=2026").content.decode()
    assert "calendar-day-form" not in html
    assert "calendar-import-form" not in html
    html = as_user("sysadmin").get(PAGE + "?year=2026").content.decode()
    assert "calendar-day-form" in html
    assert "calendar-import-form" in html


# ----------------------------------------------------------------------------------------------
# What the page shows


@pytest.mark.django_db
def test_page_shows_a_known_year_from_the_builtin_calendar(as_user):
    response = as_user("d1b1.officer").get(PAGE + "?year=2026")
    html = response.content.decode()
    assert response.context["year"] == 2026
    assert response.context["known"] and response.context["builtin"]
    assert response.context["warning"] is None
    assert "系统内置" in html
    assert "国庆节" in html and "10月1日至10月7日" in html
    assert [i.day for i in response.context["workdays"]] == [
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]
    assert 'data-day="2026-10-10" data-kind="workday"' in html
    assert 'data-day="2026-10-01" data-kind="holiday"' in html
    assert 'data-day="2026-10-11" data-kind="weekend"' in html
    assert len(response.context["months"]) == 12


@pytest.mark.django_db
def test_page_warns_for_a_year_without_arrangement(as_user):
    response = as_user("d1b1.officer").get(PAGE + "?year=2027")
    html = response.content.decode()
    assert not response.context["known"]
    assert "2027年节假日安排尚未录入，期限按周末推算，请系统管理员录入国务院公布的节假日安排。" in html
    assert "未录入" in html
    assert response.context["holiday_runs"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?year=abc", "?year=1800"])
def test_missing_or_invalid_year_shows_the_current_year(as_user, query):
    from django.utils import timezone

    response = as_user("d1b1.officer").get(PAGE + query)
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


@pytest.mark.django_db
def test_page_query_count_does_not_grow_with_overrides(as_user):
    client = as_user("sysadmin")
    CalendarDay.objects.create(day=D(2027, 1, 1), is_workday=False, name="元旦")
    lc.calendar_changed()
    client.get(PAGE + "?year=2027")  # warm the session
    lc.calendar_changed()
    with CaptureQueriesContext(connection) as one:
        assert client.get(PAGE + "?year=2027").status_code == 200
    CalendarDay.objects.bulk_create(CalendarDay(day=D(2027, 3, d), is_workday=False, name="测试") for d in range(1, 30))
    lc.calendar_changed()
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(PAGE + "?year=2027")
    assert len(response.context["overrides"]) == 30
    # session, user, posts (grants), the year's overrides for the calendar, the overrides list, and the
    # header's posts — the same number whatever the number of overrides.
    assert len(thirty) == len(one)


# ----------------------------------------------------------------------------------------------
# Changing one day


@pytest.mark.django_db
def test_manager_enters_a_rest_day(as_user):
    client = as_user("sysadmin")
    response = client.post(SET, {"day": "2027-01-01", "kind": "rest", "name": "元旦"})
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?year=2027"
    row = CalendarDay.objects.get(day=D(2027, 1, 1))
    assert not row.is_workday and row.name == "元旦"
    event = AuditEvent.objects.get(action="core.calendar.day_set")
    assert event.actor_username == "sysadmin" and event.ip == "127.0.0.1"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已将2027年1月1日设为休息日。" in html
    assert page.context["known"] and "已录入" in html
    assert [r.day for r in page.context["overrides"]] == [D(2027, 1, 1)]
    assert lc.is_rest_day(D(2027, 1, 1))


@pytest.mark.django_db
def test_manager_enters_a_make_up_working_saturday(as_user):
    client = as_user("sysadmin")
    client.post(SET, {"day": "2027-02-06", "kind": "work", "name": "春节调休"})
    assert lc.is_workday(D(2027, 2, 6))
    response = client.get(PAGE + "?year=2027")
    assert [i.day for i in response.context["workdays"]] == [D(2027, 2, 6)]


@pytest.mark.django_db
def test_an_invalid_day_form_shows_chinese_errors_and_changes_nothing(as_user):
    client = as_user("sysadmin")
    response = client.post(SET + "?year=2027", {"day": "", "kind": "holiday", "name": "x" * 51})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请选择日期。" in html
    assert "请选择休息或上班。" in html
    assert "说明不能超过50个字。" in html
    assert response.context["year"] == 2027
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_manager_deletes_an_override(as_user):
    client = as_user("sysadmin")
    client.post(SET, {"day": "2026-10-09", "kind": "rest", "name": "测试"})
    assert lc.is_rest_day(D(2026, 10, 9))
    response = client.post(delete_url("2026-10-09"))
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?year=2026"
    assert "已删除2026年10月9日的录入安排。" in client.get(response["Location"]).content.decode()
    assert not CalendarDay.objects.exists()
    assert lc.is_workday(D(2026, 10, 9))
    assert AuditEvent.objects.filter(action="core.calendar.day_deleted").count() == 1


@pytest.mark.django_db
def test_deleting_a_missing_override_says_so(as_user):
    client = as_user("sysadmin")
    response = client.post(delete_url("2027-01-01"), follow=True)
    assert "2027-01-01没有录入的节假日安排" in response.content.decode()
    assert client.post(delete_url("2027-13-01")).status_code == 404


@pytest.mark.django_db
def test_calendar_change_from_the_page_fires_the_callbacks(as_user):
    calls = []
    lc.on_calendar_change(calls.append)
    as_user("sysadmin").post(SET, {"day": "2027-01-01", "kind": "rest", "name": "元旦"})
    assert calls == [{2027}]


# ----------------------------------------------------------------------------------------------
# Pasting a year's arrangement

ARRANGEMENT_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01 休 元旦
2027-02-06 班 春节调休
2027-02-10~2027-02-16 休 春节
2027-02-20 班 春节调休
"""


@pytest.mark.django_db
def test_manager_imports_a_year(as_user):
    client = as_user("sysadmin")
    response = client.post(IMPORT, {"year": 2027, "text": ARRANGEMENT_2027})
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?year=2027"
    assert CalendarDay.objects.filter(is_workday=False).count() == 8
    assert CalendarDay.objects.filter(is_workday=True).count() == 2
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已导入2027年节假日安排：休息日8天，调休上班日2天。" in html
    assert page.context["warning"] is None
    runs = page.context["holiday_runs"]
    assert [(r.first, r.last, r.name) for r in runs] == [
        (D(2027, 1, 1), D(2027, 1, 1), "元旦"),
        (D(2027, 2, 10), D(2027, 2, 16), "春节"),
    ]
    # Received Mon 2027-01-25: day 15 is Tue 02-09 (working); day 16 falls in 春节 → Wed 02-17.
    assert lc.due_date(D(2027, 1, 25), 15) == D(2027, 2, 9)
    assert lc.due_date(D(2027, 1, 25), 16) == D(2027, 2, 17)


@pytest.mark.django_db
def test_an_invalid_paste_lists_each_bad_line_and_imports_nothing(as_user):
    client = as_user("sysadmin")
    text = "2027-01-01 休 元旦\n2027-01-02 放松\n2028-01-01 休 元旦\n2027-02-30 休\n2027-01-01 班"
    response = client.post(IMPORT, {"year": 2027, "text": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第2行：“放松”应为“休”或“班”。" in html or "第2行：格式应为" in html
    assert "第3行：2028-01-01不在2027年内。" in html
    assert "第4行：日期不存在。" in html
    assert "第5行：2027-01-01与第1行重复。" in html
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_import_requires_year_and_text(as_user):
    response = as_user("sysadmin").post(IMPORT, {"year": "", "text": ""})
    html = response.content.decode()
    assert "请填写年份。" in html
    assert "请粘贴节假日安排。" in html


def test_parse_arrangement_accepts_ranges_synonyms_and_unpadded_dates():
    holidays, workdays, errors = parse_arrangement(
        "2027-1-1 休 元旦\n2027-10-01 至 2027-10-03 放假 国庆节\n2027-09-26 上班 国庆节调休\n\n# 注释\n2027-05-01 休",
        2027,
    )
    assert errors == []
    assert holidays == [
        (D(2027, 1, 1), "元旦"),
        (D(2027, 10, 1), "国庆节"),
        (D(2027, 10, 2), "国庆节"),
        (D(2027, 10, 3), "国庆节"),
        (D(2027, 5, 1), ""),
    ]
    assert workdays == [(D(2027, 9, 26), "国庆节调休")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2027/01/01 休", "格式应为"),
        ("2027-01-01", "格式应为"),
        ("2027-01-05~2027-01-01 休", "结束日期早于开始日期"),
        ("2027-01-01~2027-03-01 休", "不能超过31天"),
        ("2027-01-01 休 " + "节" * 51, "说明不能超过50个字"),
        ("2027-01-01 歇", "应为“休”或“班”"),
    ],
)
def test_parse_arrangement_rejects_bad_lines(line, message):
    _, _, errors = parse_arrangement(line, 2027)
    assert len(errors) == 1
    assert errors[0].startswith("第1行：") and message in errors[0]
