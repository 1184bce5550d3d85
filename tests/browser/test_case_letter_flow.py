"""A letter (来信) from registration to a delivered opinion, in Chromium: the brigade's officer registers,
accepts and drafts the opinion; the brigade's chief approves it; the officer issues and delivers it. The case
then shows 已送达 and its timeline lists every step."""

from __future__ import annotations

import importlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import login


@pytest.fixture(autouse=True)
def topics(live_world):
    """The topic taxonomy is seeded by a data migration; a transactional test before this one flushed it."""
    from xinfang.cases.models import Topic

    seeded = importlib.import_module("xinfang.cases.migrations.0002_seed_topics").TOPICS
    for code, name, order in seeded:
        Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order, "active": True})


STEPS = ["register", "accept", "draft_opinion", "approve_opinion", "issue_opinion", "deliver"]
STEP_LABELS = ["登记", "受理", "拟定处理意见", "审批处理意见", "出具处理意见", "送达"]


def sign_in(page, username: str) -> None:
    login(page, username, PASSWORD)
    expect(page.locator(".xf-user-name")).to_contain_text(username)


def sign_out(page) -> None:
    page.locator("form[action='/logout/'] button[type=submit]").click()
    expect(page.locator("input[name=username]")).to_be_visible()


def take(page, action: str):
    """Open an action's form (loaded into the detail page by htmx) and submit it."""
    page.locator(f"#case-actions [data-action='{action}']").click()
    form = page.locator(f"form[data-action-form='{action}']")
    expect(form).to_be_visible()
    return form


def submit(page, form) -> None:
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_be_visible()


def test_a_letter_is_registered_and_carried_to_a_delivered_opinion(page, live_world):
    today = timezone.localdate().isoformat()
    base = page.base_url

    # The officer registers the letter.
    sign_in(page, "d1b1.officer")
    page.goto(base + "/cases/new/")
    page.select_option("select[name=channel]", "letter")
    page.fill("input[name=received_on]", today)
    page.select_option("select[name=category]", "appeal")
    page.select_option("select[name=topic]", label="消防监督检查")
    page.fill("input[name=title]", "反映商场消防通道被占用")
    page.fill("textarea[name=content]", "某商场消防通道长期堆放杂物，多次举报无人处理，请求依法查处。")
    page.fill("input[name=p-0-name]", "王小五")
    page.fill("input[name=p-0-id_number]", _valid_id())
    page.fill("input[name=p-0-phone]", "13900001111")
    page.fill("input[name=p-0-address]", "测试省甲市一区幸福路8号")
    # the repeat panel answers while typing (no earlier case here)
    expect(page.locator("#repeat-panel")).to_contain_text("未发现同一信访人或内容相似的既往事项")
    page.locator("#register-form button[type=submit]").click()

    expect(page.locator("#case-status")).to_have_text("待受理")
    expect(page.locator("[data-query-code]")).to_have_text(re.compile(r"^[A-Z0-9]{12}$"))
    case_url = page.url
    assert re.search(r"/cases/\d+/$", case_url)
    number = page.locator("h1").inner_text()
    assert re.fullmatch(r"d1b1-\d{4}-\d{4}", number)
    # personal data is masked on the page
    expect(page.locator("#petitioners")).to_contain_text("139****1111")
    expect(page.locator("#petitioners")).not_to_contain_text("13900001111")

    # ...accepts it...
    form = take(page, "accept")
    form.locator("input[name=accepted_on]").fill(today)
    submit(page, form)
    expect(page.locator("#case-status")).to_have_text("已受理办理中")

    # ...and drafts the opinion.
    form = take(page, "draft_opinion")
    form.locator("select[name=result]").select_option("explain")
    form.locator("textarea[name=facts]").fill("经现场核查，商场已于检查当日清理消防通道。")
    form.locator("textarea[name=opinion]").fill("对反映问题已依法处理，现予解释说明。")
    form.locator("textarea[name=legal_basis]").fill("《中华人民共和国消防法》第二十八条")
    submit(page, form)
    expect(page.locator("#case-status")).to_have_text("处理意见待审批")
    # the drafter cannot approve his own draft
    expect(page.locator("#case-actions [data-action='approve_opinion']")).to_have_count(0)
    sign_out(page)

    # The chief approves.
    sign_in(page, "d1b1.chief")
    page.goto(case_url)
    form = take(page, "approve_opinion")
    submit(page, form)
    expect(page.locator("#case-status")).to_have_text("处理意见已审批")
    sign_out(page)

    # The officer issues and delivers the opinion.
    sign_in(page, "d1b1.officer")
    page.goto(case_url)
    form = take(page, "issue_opinion")
    form.locator("input[name=issued_on]").fill(today)
    submit(page, form)
    expect(page.locator("#case-status")).to_have_text("处理意见已出具")
    form = take(page, "deliver")
    form.locator("input[name=delivered_on]").fill(today)
    form.locator("input[name=method]").fill("直接送达")
    submit(page, form)

    expect(page.locator("#case-status")).to_have_text("已送达")
    expect(page.locator("#opinion")).to_contain_text("解释说明")
    events = page.locator("#timeline [data-event]")
    expect(events).to_have_count(len(STEPS))
    assert [events.nth(i).get_attribute("data-event") for i in range(len(STEPS))] == STEPS
    for i, label in enumerate(STEP_LABELS):
        expect(events.nth(i)).to_contain_text(label)
        expect(events.nth(i)).to_contain_text(today)
    # it appears in the list as delivered
    page.goto(base + "/cases/?status=delivered")
    expect(page.locator("#case-table")).to_contain_text(number)


def _valid_id() -> str:
    from xinfang.cases.idnumber import check_char

    first17 = "11010519800101007"
    return first17 + check_char(first17)


def test_a_repeat_letter_is_linked_to_its_original_from_the_live_panel(page, live_world):
    from xinfang.cases.tests.factories import PetitionerDataFactory, register

    today = timezone.localdate().isoformat()
    person = PetitionerDataFactory(name="王小五", phone="13900001111")
    earlier = register(live_world, "d1b1", petitioners=[person], received_on=timezone.localdate())

    sign_in(page, "d1b1.officer")
    page.goto(page.base_url + "/cases/new/")
    page.select_option("select[name=channel]", "letter")
    page.fill("input[name=received_on]", today)
    page.select_option("select[name=category]", "appeal")
    page.select_option("select[name=topic]", label="消防监督检查")
    page.fill("input[name=p-0-name]", "王小五")
    page.fill("input[name=p-0-phone]", "13900001111")
    candidate = page.locator(f"#repeat-panel [data-candidate='{earlier.pk}']")
    expect(candidate).to_contain_text("同一信访人（姓名+电话）")
    candidate.get_by_label("关联为重复件").check()
    page.fill("input[name=title]", "再次反映消防通道被占用")
    page.fill("textarea[name=content]", "商场消防通道仍被占用。")
    # the panel refreshes while typing and keeps the choice
    expect(candidate.get_by_label("关联为重复件")).to_be_checked()
    page.locator("#register-form button[type=submit]").click()

    expect(page.locator("#case-status")).to_have_text("待受理")
    expect(page.locator("#related")).to_contain_text(earlier.number)
