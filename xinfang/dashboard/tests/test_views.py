"""The dashboard page and its API: scope (a unit outside the caller's scope is 404), the year, the home page, the
level chosen from the unit, and constant query counts as cases grow."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.accountability.tests.helpers import case, token_client
from xinfang.cases.models import Status
from xinfang.dashboard.tests.helpers import YEAR, build_year

pytestmark = pytest.mark.django_db
API = "/api/v1/dashboard/"


def page(client: Any, world: Any, username: str, query: str = "", path: str = "/dashboard/") -> Any:
    client.force_login(world.user(username))
    return client.get(f"{path}?{query}" if query else path)


def test_each_level_has_its_dashboard_chosen_from_the_users_unit(world, client) -> None:
    assert "总队工作台 · 测试省消防救援总队" in page(client, world, "c.chief").content.decode()
    assert "支队工作台 · 甲市消防救援支队" in page(client, world, "d1.chief").content.decode()
    assert "大队工作台 · 甲市一区大队" in page(client, world, "d1b1.officer").content.decode()


def test_a_user_above_picks_any_unit_in_his_scope_and_a_year(world, client) -> None:
    r = page(client, world, "c.chief", f"unit={world.unit('d2b1').pk}&year=2024")
    html = r.content.decode()
    assert r.status_code == 200 and "大队工作台 · 乙市一区大队 · 2024年" in html


def test_the_unit_drop_down_drills_down_from_the_top_of_the_scope(world, client) -> None:
    """The top unit and its children, then the shown unit's ancestors and children — not every unit of the scope
    (the 局 has 3,400)."""

    def offered(query: str) -> set[str]:
        html = page(client, world, "c.chief", query).content.decode()
        select = html.split('id="dash-unit"', 1)[1].split("</select>", 1)[0]
        return {code for code, u in world.units.items() if f'<option value="{u.pk}"' in select}

    assert offered("") == {"c", "d1", "d2"}
    assert offered(f"unit={world.unit('d2').pk}") == {"c", "d1", "d2", "d2b1", "d2b2"}
    assert offered(f"unit={world.unit('d1b2').pk}") == {"c", "d1", "d2", "d1b1", "d1b2"}  # its siblings via d1
    assert offered(f"unit={world.unit('d1b2').pk}") == offered(f"unit={world.unit('d1b1').pk}")


def test_a_unit_outside_the_scope_is_404_on_the_page_and_the_api(world, client) -> None:
    d1 = world.unit("d1").pk
    assert page(client, world, "d2.officer", f"unit={d1}").status_code == 404
    assert page(client, world, "d1b2.officer", f"unit={world.unit('d1b1').pk}").status_code == 404
    assert page(client, world, "d1b1.officer", f"unit={d1}").status_code == 404  # above him
    assert page(client, world, "d1.officer", f"unit={d1}").status_code == 200
    api = token_client(world.user("d2.officer"))
    r = api.get(API, {"unit": d1})
    assert r.status_code == 404 and set(r.json()) >= {"code", "detail"}
    assert token_client(world.user("d1.officer")).get(API, {"unit": d1}).status_code == 200


def test_without_case_access_there_is_no_dashboard(world, client) -> None:
    assert page(client, world, "auditor").status_code == 403
    assert token_client(world.user("sysadmin")).get(API).status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302


def test_a_bad_year_is_refused(world, client) -> None:
    for year in ("abc", "1999", str(timezone.localdate().year + 2), "99999", "-1"):
        assert page(client, world, "d1.chief", f"year={year}").status_code == 404, year
        r = token_client(world.user("d1.chief")).get(API, {"year": year})
        assert r.status_code == 400, year
        assert r.json()["code"] == "invalid" and r.json()["detail"]
    assert page(client, world, "d1.chief", "unit=abc").status_code == 404


def test_home_shows_the_dashboard_and_keeps_the_home_cards(world, client) -> None:
    html = page(client, world, "d1.chief", path="/").content.decode()
    assert "支队工作台" in html and 'id="chart-trend"' in html
    assert "我的单位与岗位" in html and "我可以办理的工作" in html
    # a user without case access sees the home cards only
    html = page(client, world, "auditor", path="/").content.decode()
    assert "工作台" not in html.split('id="main"')[1] and "我可以办理的工作" in html


def test_the_charts_load_echarts_from_our_static_files_without_inline_script(world, client) -> None:
    html = page(client, world, "d1.chief").content.decode()
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in html
    assert '<script src="/static/dashboard/dashboard.js"></script>' in html
    assert 'data-kind="trend" data-chart="{&quot;months&quot;' in html


def test_the_api_returns_the_same_figures(world) -> None:
    build_year(world)
    d1 = world.unit("d1")
    r = token_client(world.user("d1.chief")).get(API, {"unit": d1.pk, "year": YEAR})
    assert r.status_code == 200
    data = r.json()
    assert data["unit"]["code"] == "d1" and data["year"] == YEAR and data["level_title"] == "支队工作台"
    assert [row["unit"]["code"] for row in data["rates"]] == ["d1", "d1b1", "d1b2"]
    for row in data["rates"]:
        unit = world.unit(row["unit"]["code"])
        for code in ("timely_ack", "on_time", "participation", "satisfaction", "repeat_rate"):
            f = ind.figure(code, unit, YEAR)
            got = row["indicators"][code]
            assert (got["numerator"], got["denominator"]) == (f.numerator, f.denominator), code
            assert got["value"] == (float(f.value) if f.value is not None else None)
    assert data["received"]["count"] == 7
    assert sum(m["new"] for m in data["monthly"]) == 7
    assert set(data["my_work"]) == {"total", "overdue", "soon", "approval"}
    for key in ("screening_owed", "quotas_behind", "open_warnings", "supervisions"):
        assert data[key]["available"] is True, key


def test_the_api_is_in_the_schema(world) -> None:
    r = token_client(world.user("d1.chief")).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/v1/dashboard/" in text and "dashboard_retrieve" in text


def _cases(world: Any, n: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        code = ("d1b1", "d1b2", "d1")[i % 3]
        case(world, code, title=f"Q{i}", received_on=today.replace(day=1), ack_due=today - datetime.timedelta(days=i % 5),
             status=(Status.REGISTERED, Status.ACCEPTED, Status.CONCLUDED)[i % 3],
             concluded_on=today.replace(day=1) if i % 3 == 2 else None,
             due=today + datetime.timedelta(days=i % 9) if i % 3 == 1 else None)  # fmt: skip


def _count(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_queries_are_constant_as_cases_grow(world, client) -> None:
    """Page and API: the same number of queries with N cases as with 3N (every breakdown is one GROUP BY; on
    PostgreSQL read from the tally, recomputed for the changed units on the first read after a change — that read,
    too, takes the same queries however many cases changed)."""
    user = world.user("d1.chief")
    client.force_login(user)
    api = token_client(user)
    url = f"/dashboard/?unit={world.unit('d1').pk}"

    def get_page() -> None:
        assert client.get(url).status_code == 200

    def get_api() -> None:
        assert api.get(API, {"unit": world.unit("d1").pk}).status_code == 200

    _cases(world, 4)
    get_page(), get_api()  # warm the per-process caches (legal calendar, content types)
    small = (_count(get_page), _count(get_api))
    _cases(world, 3)
    after_few = _count(get_page)  # the first read after a change
    _cases(world, 8)
    after_many = _count(get_page)
    large = (_count(get_page), _count(get_api))
    assert small == large
    assert after_few == after_many
    assert small[0] < 60, small


def test_my_work_figures_link_to_the_queue_narrowed_to_them(world, client) -> None:
    """Overdue, due within 7 days, awaiting my approval: each number is the row count of /cases/my/ behind it."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    officer, chief = world.user("d1b1.officer"), world.user("d1b1.chief")
    case(world, "d1b1", title="逾期", received_on=today - 30 * day, ack_due=today - 2 * day)
    case(world, "d1b1", title="将到期", received_on=today - 10 * day, ack_due=today + 3 * day)
    case(world, "d1b1", title="尚早", received_on=today, ack_due=today + 15 * day)
    case(world, "d1b1", title="待审批", status=Status.OPINION_DRAFTED, received_on=today - 20 * day,
         decided_on=today - 19 * day, due=today + 40 * day, ack_due=today - 5 * day)  # fmt: skip
    case(world, "d1b2", title="别的大队", received_on=today - 30 * day, ack_due=today - 2 * day)
    expected = {
        "d1b1.officer": {"total": 3, "overdue": 1, "soon": 1, "approval": 0},
        "d1b1.chief": {"total": 1, "overdue": 0, "soon": 0, "approval": 1},
    }
    for user in (officer, chief):
        data = token_client(user).get(API).json()
        assert data["my_work"] == expected[user.username], user.username
        client.force_login(user)
        for link in data["my_work_links"]:
            html = client.get(link["url"]).content.decode()
            assert html.count('<tr data-case="') == link["count"], (user.username, link)
