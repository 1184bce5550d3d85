"""The public portal on a phone (390×844, touch): a petitioner files an online petition and keeps the 查询码;
the brigade answers it (through the services, as in the back office); on the phone again the petitioner queries
the progress, reads the dated steps, rates the answer and requests 复查, receiving the 复查 case's own code."""

from __future__ import annotations

import importlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

ID_FIRST17 = "11010519800101007"


@pytest.fixture(autouse=True)
def topics(live_world):
    """The topic taxonomy is seeded by a data migration; a transactional test before this one flushed it."""
    from xinfang.cases.models import Topic

    seeded = importlib.import_module("xinfang.cases.migrations.0002_seed_topics").TOPICS
    for code, name, order in seeded:
        Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order, "active": True})


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _id_number() -> str:
    from xinfang.cases.idnumber import check_char

    return ID_FIRST17 + check_char(ID_FIRST17)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_petitioner_files_follows_rates_and_requests_a_review_on_a_phone(phone_page, live_world):
    from xinfang.cases.models import Case, Status
    from xinfang.cases.tests.factories import advance

    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())
    base = page.base_url
    today = timezone.localdate()

    # The portal's own mobile page, no sign-in.
    page.goto(base + "/portal/")
    expect(page.locator("h1")).to_contain_text("网上信访")
    no_sideways_scroll(page)
    page.locator("#go-submit").click()

    # File the petition.
    expect(page.locator("#petition-form")).to_be_visible()
    no_sideways_scroll(page)
    page.fill("input[name=name]", "赵小六")
    page.fill("input[name=id_number]", _id_number())
    page.fill("input[name=phone]", "13900002222")
    page.fill("input[name=address]", "测试省甲市一区和平路6号")
    page.select_option("select[name=unit]", str(live_world.unit("d1b1").pk))
    page.select_option("select[name=category]", "appeal")
    expect(page.locator("#accused-fields")).to_be_hidden()
    page.select_option("select[name=topic]", label="消防监督检查")
    page.fill("input[name=title]", "反映小区消防通道被占用")
    page.fill("textarea[name=content]", "小区消防通道长期停放车辆，多次反映无人处理，请求依法查处。")
    page.check("input[name=pledge]")
    page.locator("#petition-form button[type=submit]").click()

    expect(page.locator("#query-code")).to_have_text(re.compile(r"^[A-Z2-9]{12}$"))
    number = page.locator("#case-number").inner_text().strip()
    code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"d1b1-\d{4}-\d{4}", number)
    no_sideways_scroll(page)
    # shown once
    page.reload()
    expect(page.locator("#code-already-shown")).to_be_visible()

    # The brigade accepts, answers and delivers (back office, through the services).
    case = Case.objects.get(number=number)
    assert case.channel == "online" and case.registered_by.username == "portal"
    advance(live_world, case, "delivered", accepted_on=today, issued_on=today, delivered_on=today)

    # The petitioner follows it.
    page.goto(base + "/portal/")
    page.locator("#go-query").click()
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    page.fill("input[name=last4]", "2222")
    page.locator("#query-form button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_text("处理意见已送达")
    steps = page.locator("#progress-list li")
    expect(steps).to_have_count(4)  # 登记, 受理, 出具处理意见, 送达 — not the internal drafting and approval
    assert [steps.nth(i).get_attribute("data-step") for i in range(4)] == ["登记", "受理", "出具处理意见", "送达"]
    expect(page.locator("#documents [data-document=opinion]")).to_be_visible()
    no_sideways_scroll(page)

    # ...rates it...
    page.locator("label", has_text="基本满意").click()
    page.locator("#evaluate-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("感谢您的评价")
    expect(page.locator("#case-status")).to_have_text("已评价")

    # ...and requests 复查 within 30 days; the 复查 case has its own code.
    page.fill("#review-form textarea[name=content]", "对处理意见不服，请求复查。")
    page.locator("#review-form button[type=submit]").click()
    expect(page.locator("#review-code")).to_have_text(re.compile(r"^[A-Z2-9]{12}$"))
    expect(page.locator("#review-credentials")).to_contain_text("甲市消防救援支队")
    case.refresh_from_db()
    assert case.status == Status.EVALUATED and case.evaluation.rating == "basically"
    assert case.reviews.get().unit == live_world.unit("d1")
    no_sideways_scroll(page)
