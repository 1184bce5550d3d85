"""Issue 4 in a real browser: a brigade officer records a party-committee meeting and sees the yearly quota move on
the responsibility board (Debian's Chromium)."""

from __future__ import annotations

import datetime
import re

from conftest import PASSWORD
from tests.browser.conftest import login


def test_record_a_meeting_and_see_the_quota_move(page, live_world):
    from xinfang.orgs.models import Unit

    # The units existed all year (their rows were just made): the brigade owes the full yearly quota of 4.
    Unit.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    login(page, "d1b1.officer", PASSWORD)
    page.wait_for_url(re.compile(r"/$"))

    page.goto(page.base_url + "/leadership/")
    own = page.locator("#board-own")
    assert "0</strong> / 4 次" in own.inner_html()
    assert own.locator("[data-owed]").inner_text() == "4"

    # Through the menu to the meeting form.
    page.locator("[data-nav-section=leadership] .dropdown-toggle").click()
    page.get_by_role("link", name="党委会研究信访工作").click()
    page.get_by_role("link", name=re.compile("记录党委会")).click()
    page.select_option("select[name=unit]", label="　　甲市一区大队")
    page.fill("input[name=held_on]", datetime.date.today().isoformat())
    page.fill("textarea[name=topics]", "研究部署本年度信访工作")
    page.fill("textarea[name=decisions]", "明确大队主官为第一责任人，建立接访台账")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/leadership/meetings/\d+/$"))
    assert "党委会研究信访工作情况已记录" in page.content()
    assert "研究部署本年度信访工作" in page.locator("main").inner_text()

    page.goto(page.base_url + "/leadership/")
    own = page.locator("#board-own")
    assert "1</strong> / 4 次" in own.inner_html()
    assert own.locator("[data-owed]").inner_text() == "3"

    # The corps' compliance page lists the brigade with the meeting counted.
    page.goto(page.base_url + "/leadership/compliance/")
    row = page.locator("tr[data-unit-code=d1b1]")
    assert "1</strong> / 4 次" in row.inner_html()
