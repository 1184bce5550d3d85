"""The corps opens last year's assessment in Chromium, sees every detachment's score, and clicks a figure down to the
cases behind it (R5.1: every figure drills down to the records)."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import login


def test_the_corps_drills_a_detachments_figure_down_to_its_cases(page, live_world):
    from xinfang.accountability.tests.helpers import case
    from xinfang.cases.models import Status
    from xinfang.orgs.models import Post, User
    from xinfang.orgs.roles import Role

    world = live_world
    year = timezone.localdate().year - 1
    day = datetime.date
    in_time = case(world, "d1b1", title="按期告知的事项", ack_due=day(year, 3, 1), decided_on=day(year, 2, 26),
                   status=Status.ACCEPTED)  # fmt: skip
    late = case(world, "d1b2", title="逾期告知的事项", ack_due=day(year, 4, 1), decided_on=day(year, 4, 9),
                status=Status.ACCEPTED)  # fmt: skip
    case(
        world,
        "d2b1",
        title="乙支队的事项",
        ack_due=day(year, 5, 1),
        decided_on=day(year, 4, 20),
        status=Status.ACCEPTED,
    )
    member = User.objects.create_user(username="c.group", password=PASSWORD, name="领导小组成员", unit=world.unit("c"))
    Post.objects.create(user=member, unit=world.unit("c"), role=Role.GROUP, start_on=day(2020, 1, 1))

    login(page, "c.group", PASSWORD)
    expect(page.locator(".xf-user-name")).to_contain_text("c.group")
    page.locator("[data-nav-section='accountability'] .dropdown-toggle").click()
    page.locator("[data-nav-section='accountability'] .dropdown-menu").get_by_role("link", name="年度考核").click()
    page.select_option("select[name=year]", str(year))
    page.get_by_role("button", name="查看").click()

    table = page.locator("#assessment-table")
    expect(table).to_contain_text("甲市消防救援支队")
    expect(table).to_contain_text("乙市消防救援支队")
    d1 = table.locator("tr[data-unit='d1']")
    d2 = table.locator("tr[data-unit='d2']")
    expect(d1.locator("[data-indicator='timely_ack']")).to_contain_text("50.0%")
    expect(d2.locator("[data-indicator='timely_ack']")).to_contain_text("100.0%")
    expect(d1.locator("[data-score]")).not_to_have_text("")
    # the ranking: d2 acknowledged everything in time, d1 half
    expect(d2.locator("td").first).to_have_text("1")
    expect(d1.locator("td").first).to_have_text("2")

    # the numerator: the one case acknowledged in time
    d1.locator("[data-indicator='timely_ack'] a[data-drill='numerator']").first.click()
    expect(page.locator("h1")).to_contain_text("及时受理率")
    drill = page.locator("#drill-table")
    expect(drill).to_contain_text(in_time.number)
    expect(drill).not_to_contain_text(late.number)
    expect(page.locator("#drill-count")).to_contain_text("共 1 件")

    # the denominator: both of d1's cases, none of d2's
    page.get_by_role("link", name=re.compile("告知期限届满")).click()
    expect(drill).to_contain_text(in_time.number)
    expect(drill).to_contain_text(late.number)
    expect(drill).not_to_contain_text("乙支队的事项")

    # and on to the case itself
    drill.get_by_role("link", name=late.number).click()
    expect(page.locator("h1")).to_contain_text(late.number)
