"""The screening pages: every page renders for a user in scope, filing a report through the page (zero report
declared, empty report refused), exports use the list selectors, list pages keep a constant query count."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from xinfang.screening import services
from xinfang.screening.models import ScreeningReport
from xinfang.screening.tests.conftest import at, conflict, sign_in

D = datetime.date


@pytest.fixture
def records(world, clock):
    """One of everything, dated in 2026 (the clock is fixed to 2026-10-02 afterwards)."""
    clock(D(2026, 9, 20))
    c = conflict(world, risk_level="serious", collective_risk=True)
    services.report_file(
        actor=world.user("d1b1.officer"), unit=world.unit("d1b1"), period="week", period_start=D(2026, 9, 14),
        is_zero=False, conflicts=[c],
    )  # fmt: skip
    period = services.special_period_declare(
        actor=world.user("c.chief"), unit=world.unit("c"), name="国庆期间", kind="festival",
        start_on=D(2026, 9, 30), end_on=D(2026, 10, 7),
    )  # fmt: skip
    services.duty_shift_add(
        actor=world.user("d1b1.officer"), special_period=period, unit=world.unit("d1b1"),
        starts_at=at(D(2026, 10, 2), 0), ends_at=at(D(2026, 10, 2), 12), officer=world.user("d1b1.officer"),
        phone="0791-12345678",
    )  # fmt: skip
    warning = services.warning_raise(
        actor=world.user("d1b1.officer"), unit=world.unit("d1b1"), title="业主拟集体上访", description="约20人",
        risk="collective",
    )  # fmt: skip
    inspection = services.inspection_create(
        actor=world.user("d1.leader"), unit=world.unit("d1"), on=D(2026, 9, 18), inspectors="甲、乙",
        units_visited=[world.unit("d1b1")], findings="正常", problems="台账不全",
        items=[{"description": "补齐台账", "owner_unit": world.unit("d1b1"), "owner": world.user("d1b1.chief"),
                "deadline": D(2026, 10, 30)}],
    )  # fmt: skip
    bulletin = services.bulletin_issue(
        actor=world.user("d1.chief"), unit=world.unit("d1"), period="month", period_start=D(2026, 9, 1)
    )
    training = services.training_create(
        actor=world.user("d1.officer"), unit=world.unit("d1"), on=D(2026, 9, 10), topic="条例培训", hours=4,
        trainees=[world.user("d1b1.officer")],
    )  # fmt: skip
    clock(D(2026, 10, 2))
    report = ScreeningReport.objects.get()
    return {
        "conflict": c, "report": report, "period": period, "warning": warning, "inspection": inspection,
        "bulletin": bulletin, "training": training, "item": inspection.items.get(),
    }  # fmt: skip


PAGES = [
    ("screening:board", None),
    ("screening:report-list", None),
    ("screening:report-new", None),
    ("screening:report-detail", "report"),
    ("screening:conflict-list", None),
    ("screening:conflict-new", None),
    ("screening:conflict-detail", "conflict"),
    ("screening:conflict-edit", "conflict"),
    ("screening:period-list", None),
    ("screening:period-detail", "period"),
    ("screening:shift-list", None),
    ("screening:warning-list", None),
    ("screening:warning-new", None),
    ("screening:warning-detail", "warning"),
    ("screening:inspection-list", None),
    ("screening:inspection-new", None),
    ("screening:inspection-detail", "inspection"),
    ("screening:bulletin-list", None),
    ("screening:bulletin-new", None),
    ("screening:bulletin-detail", "bulletin"),
    ("screening:training-list", None),
    ("screening:training-new", None),
    ("screening:training-detail", "training"),
    ("screening:training-status", None),
]


@pytest.mark.parametrize(("name", "obj"), PAGES)
def test_pages_render_for_a_detachment_chief(world, records, client, name, obj):
    client.force_login(world.user("d1.chief"))
    url = reverse(name, kwargs={"pk": records[obj].pk} if obj else None)
    response = client.get(url)
    assert response.status_code == 200, name
    assert "排查" in response.content.decode() or "培训" in response.content.decode()


def test_the_board_shows_who_owes_what(world, records, client):
    client.force_login(world.user("d1.chief"))
    html = client.get(reverse("screening:board") + "?date=2026-10-02").content.decode()
    assert 'data-unit="d1b1" data-state="late"' not in html
    assert 'data-unit="d1b2" data-state="missing"' in html  # week 9/21 was due 9/28
    assert "国庆期间" in html and "24小时" in html
    assert "业主拟集体上访" in html  # the brigade's warning waits for the detachment's acknowledgement


def test_filing_a_zero_report_through_the_page(world, client, clock):
    clock(D(2026, 10, 2))
    client.force_login(world.user("d1b2.officer"))
    url = reverse("screening:report-new")
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="2026-09-21"' in page.content.decode()  # the week asked for today
    data = {"unit": world.unit("d1b2").pk, "period": "week", "period_start": "2026-09-21"}
    empty = client.post(url, data)
    assert empty.status_code == 200 and "空报告不是零报告" in empty.content.decode()
    assert not ScreeningReport.objects.exists()
    done = client.post(url, {**data, "is_zero": "on"})
    report = ScreeningReport.objects.get()
    assert done.status_code == 302 and done.url == reverse("screening:report-detail", args=[report.pk])
    assert report.is_zero and report.is_late  # due 9/28
    again = client.post(url, {**data, "is_zero": "on"})
    assert "不能重复报送" in again.content.decode()


def test_a_detachment_report_page_shows_the_roll_up_first(world, records, client):
    client.force_login(world.user("d1.officer"))
    html = client.get(
        reverse("screening:report-new") + f"?unit={world.unit('d1').pk}&period=month&period_start=2026-09-05"
    ).content.decode()
    assert "下级单位报送汇总" in html and 'data-rollup-unit="d1b1"' in html
    assert html.index("data-rollup") < html.index('id="report-form"')


def test_progress_and_warning_steps_through_the_pages(world, records, client, clock):
    clock(D(2026, 10, 2))
    client.force_login(world.user("d1b1.officer"))
    c = records["conflict"]
    r = client.post(
        reverse("screening:conflict-progress", args=[c.pk]),
        {"on": "2026-10-01", "note": "已化解", "status": "resolved"},
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "resolved"
    client.force_login(world.user("d1.officer"))
    w = records["warning"]
    r = client.post(reverse("screening:warning-acknowledge", args=[w.pk]), {"note": "收到"})
    assert r.status_code == 302 and w.hops.filter(acknowledged_at__isnull=False).count() == 1
    client.force_login(world.user("d1b2.officer"))
    assert client.post(reverse("screening:warning-acknowledge", args=[w.pk])).status_code == 404


EXPORTS = [
    ("screening:board-export", "d1b2"),
    ("screening:report-export", "甲市一区大队"),
    ("screening:conflict-export", "甲市一区大队"),
    ("screening:period-export", "国庆期间"),
    ("screening:shift-export", "0791-12345678"),
    ("screening:warning-export", "业主拟集体上访"),
    ("screening:inspection-export", "台账不全"),
    ("screening:bulletin-export", "通报"),
    ("screening:training-export", "条例培训"),
    ("screening:training-status-export", "甲市一区大队"),
]


@pytest.mark.parametrize(("name", "expected"), EXPORTS)
def test_every_list_exports_to_xlsx(world, records, client, name, expected):
    client.force_login(world.user("d1.chief"))
    response = client.get(reverse(name))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    if name == "screening:board-export":
        expected = "甲市二区大队"
    assert expected in text


def test_exports_follow_the_scope(world, records, client):
    client.force_login(world.user("d2.chief"))
    response = client.get(reverse("screening:conflict-export"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.active.max_row == 1  # the header only


def test_bulletin_download_for_the_addressed_units(world, records, client):
    b = records["bulletin"]
    client.force_login(world.user("d1b1.officer"))
    response = client.get(reverse("screening:bulletin-download", args=[b.pk, "pdf"]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.user("d2.chief"))
    assert client.get(reverse("screening:bulletin-download", args=[b.pk, "docx"])).status_code == 404


def test_settings_page_for_settings_managers(world, client):
    sign_in(client, world.user("sysadmin"))
    page = client.get(reverse("screening:settings"))
    assert page.status_code == 200
    data = {}
    for key, (period, anchor, offset, shift) in {
        "brigade": ("week", "start", 0, True), "detachment": ("month", "end", 5, True),
        "corps": ("quarter", "end", 10, True), "special": ("day", "start", 0, False),
    }.items():  # fmt: skip
        data.update({f"{key}-period": period, f"{key}-anchor": anchor, f"{key}-offset_days": offset})
        if shift:
            data[f"{key}-shift_to_workday"] = "on"
    data["warning_ack_hours"] = 6
    assert client.post(reverse("screening:settings"), data).status_code == 302
    from xinfang.screening.selectors import cadence_rules, warning_ack_hours

    assert cadence_rules()["brigade"].anchor == "start" and warning_ack_hours() == 6
    client.force_login(world.user("d1.chief"))
    assert client.get(reverse("screening:settings")).status_code == 403


@pytest.mark.parametrize("name", ["screening:conflict-list", "screening:report-list", "screening:warning-list"])
def test_list_pages_keep_a_constant_query_count(world, client, clock, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock(D(2026, 10, 2))
    client.force_login(world.user("d1.chief"))

    def make(n, offset):
        for i in range(n):
            code = "d1b1" if i % 2 else "d1b2"
            c = conflict(world, code, title=f"事项{offset + i}")
            services.report_file(
                actor=world.user(f"{code}.officer"), unit=world.unit(code), period="week",
                period_start=D(2026, 1, 5) + datetime.timedelta(weeks=offset + i), is_zero=False, conflicts=[c],
            )  # fmt: skip
            services.warning_raise(
                actor=world.user(f"{code}.officer"), unit=world.unit(code), title=f"预警{offset + i}", description="x",
                risk="mass",
            )  # fmt: skip

    def count():
        client.get(reverse(name))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        return len(ctx.captured_queries)

    make(2, 0)
    one = count()
    make(28, 2)
    assert count() == one


def test_the_board_page_keeps_a_constant_query_count_as_units_grow(world, records, client):
    """The board page (status, daily reports, rosters, warnings, inspections, conflicts): the same number of
    queries with 7 units and with 32."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.screening.tests.test_status import _add_brigades

    client.force_login(world.user("c.chief"))
    url = reverse("screening:board") + "?date=2026-10-02"

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    _add_brigades(world, 25)
    assert count() == before
