"""A 支队 chief signs in and lands on his dashboard (R6.1) in Chromium: the ECharts charts render from our own static
files under the CSP, and a number opens the filtered case list behind it."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import login


def test_the_chief_sees_his_dashboard_and_follows_a_number_to_the_cases(page, live_world):
    from xinfang.accountability.tests.helpers import case
    from xinfang.cases.models import Category, Status

    world = live_world
    today = timezone.localdate()
    first = today.replace(day=1)
    for i, code in enumerate(("d1b1", "d1b1", "d1b2")):
        case(world, code, title=f"本月事项{i}", received_on=first, ack_due=today, status=Status.REGISTERED,
             category=Category.PROPOSAL)  # fmt: skip
    case(world, "d2b1", title="乙支队的事项", received_on=first, ack_due=today, category=Category.PROPOSAL)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    login(page, "d1.chief", PASSWORD)
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#dash-title")).to_contain_text("支队工作台 · 甲市消防救援支队")
    # the charts are drawn (ECharts renders into a canvas)
    expect(page.locator("#chart-trend[data-rendered='1'] canvas")).to_have_count(1)
    expect(page.locator("#chart-categories canvas")).to_have_count(1)
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    received = page.locator("[data-figure='received']")
    expect(received).to_contain_text("3")

    # a click on this month's bar of the trend chart opens the month's new cases
    point = page.evaluate(
        """(m) => {
            const el = document.getElementById('chart-trend');
            el.scrollIntoView({block: 'center', behavior: 'instant'});
            const chart = echarts.getInstanceByDom(el);
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [m, 1]);
            const box = el.getBoundingClientRect();
            return [box.left + x, box.top + y];
        }""",
        today.month - 1,
    )
    page.mouse.click(point[0], point[1])
    page.wait_for_url(re.compile(r"/cases/\?.*received_from"))
    expect(page.locator("tr[data-case]")).to_have_count(3)
    page.go_back()
    page.wait_for_url(re.compile(r"/$"))

    # the number opens the case list filtered to exactly those cases
    page.locator("[data-figure='category-proposal']").click()
    page.wait_for_url(re.compile(r"/cases/\?"))
    expect(page.locator("tr[data-case]")).to_have_count(3)
    expect(page.locator("body")).to_contain_text("共 3 件")
    expect(page.locator("body")).not_to_contain_text("乙支队的事项")
    assert not [e for e in errors if "Content Security Policy" in e or "echarts" in e.lower()], errors
