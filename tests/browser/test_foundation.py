"""Issue 2 in a real browser: sign in, open the unit tree, sign out (Debian's Chromium)."""

from __future__ import annotations

import re

from conftest import PASSWORD
from tests.browser.conftest import login


def test_login_open_unit_tree_logout(page, live_world):
    login(page, "d1.chief", PASSWORD)
    # The header always shows the user's unit and post.
    page.wait_for_url(re.compile(r"/$"))
    header = page.locator("header, nav, .xf-userbar").first
    assert "甲市消防救援支队" in page.content()
    assert "主官" in page.content()
    assert header.is_visible()

    page.goto(page.base_url + "/orgs/units/")
    assert "组织机构" in page.title()
    body = page.locator("main").inner_text()
    for name in ("甲市消防救援支队", "甲市一区大队", "甲市二区大队"):
        assert name in body
    # Scope: the sibling detachment and its brigades are not shown.
    assert "乙市消防救援支队" not in body and "乙市一区大队" not in body

    page.get_by_role("button", name=re.compile("退出")).first.click()
    page.wait_for_url(re.compile(r"/login/"))
    assert page.locator("input[name=username]").is_visible()
    # Signed out: the unit tree now sends us back to the login page.
    page.goto(page.base_url + "/orgs/units/")
    assert "/login/" in page.url


def test_wrong_password_shows_chinese_error(page, live_world):
    login(page, "d1b1.officer", "wrong-password-1A")
    assert "/login/" in page.url
    assert re.search("用户名或密码|账号或密码", page.content())


def test_phone_viewport_shows_unit_and_menu(phone_page, live_world):
    login(phone_page, "d1b1.officer", PASSWORD)
    phone_page.wait_for_url(re.compile(r"/$"))
    assert "甲市一区大队" in phone_page.content()
    toggler = phone_page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    phone_page.locator("#xf-nav").wait_for(state="visible")
    assert phone_page.locator("#xf-nav a, #xf-nav .nav-link").first.is_visible()
