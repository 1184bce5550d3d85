"""A brigade officer files this week's 零报告 in Chromium: an empty report is refused first (an empty report is
not a zero report), the declared zero report is filed, and the detachment's chief sees it on the status board."""

from __future__ import annotations

import importlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import login


@pytest.fixture(autouse=True)
def topics(live_world):
    from xinfang.cases.models import Topic

    seeded = importlib.import_module("xinfang.cases.migrations.0002_seed_topics").TOPICS
    for code, name, order in seeded:
        Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order, "active": True})


def sign_in(page, username: str) -> None:
    login(page, username, PASSWORD)
    expect(page.locator(".xf-user-name")).to_contain_text(username)


def test_a_brigade_files_a_zero_report_and_the_detachment_sees_it(page, live_world):
    from xinfang.screening import periods, selectors
    from xinfang.screening.models import ScreeningReport

    today = timezone.localdate()
    rule = selectors.cadence_rules()["brigade"]
    start, end = periods.asked_period(rule, today)
    expected_state = "late" if today > periods.due_on(rule, start, end) else "submitted"

    sign_in(page, "d1b1.officer")
    page.goto(page.base_url + "/screening/")
    row = page.locator("#status-table tr[data-unit='d1b1']")
    expect(row).to_have_attribute("data-state", "missing" if expected_state == "late" else "not_due")
    page.locator("#file-report").click()
    expect(page.locator("#report-form")).to_be_visible()
    expect(page.locator("input[name=period_start]").first).to_have_value(start.isoformat())

    # an empty report is not a zero report
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#report-form .alert-danger")).to_contain_text("空报告不是零报告")
    assert not ScreeningReport.objects.exists()

    page.locator("#report-form input[name=is_zero]").check()
    page.fill("#report-form textarea[name=summary]", "本周排查辖区未发现矛盾纠纷。")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("零报告已报送")
    expect(page.locator("#zero-badge")).to_have_text("零报告")
    report = ScreeningReport.objects.get()
    assert (report.unit.code, report.period, report.period_start, report.is_zero) == ("d1b1", "week", start, True)

    page.locator("form[action='/logout/'] button[type=submit]").click()
    sign_in(page, "d1.chief")
    page.goto(page.base_url + "/screening/")
    row = page.locator("#status-table tr[data-unit='d1b1']")
    expect(row).to_have_attribute("data-state", expected_state)
    expect(row).to_contain_text("零报告")
    expect(page.locator("#status-table tr[data-unit='d1b2']")).to_have_attribute(
        "data-state", "missing" if expected_state == "late" else "not_due"
    )
