"""R-SEC in a real browser (Debian's Chromium): the Content-Security-Policy is enforced (an injected inline script
does not run) while htmx and ECharts work under it, and an admin signs in with password + TOTP code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import PASSWORD
from tests.browser.conftest import login


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    return found


def test_admin_signs_in_with_a_totp_code(page, live_world):
    from xinfang.core import otp

    otp.demo_devices(("secadmin",))
    violations = csp_violations(page)
    login(page, "secadmin", PASSWORD)
    page.wait_for_url(re.compile(r"/otp/verify/"))
    submit = "form[action='/otp/verify/'] button[type=submit]"
    page.fill("input[name=token]", "000000")
    page.click(submit)
    assert "不正确" in page.content()
    page.wait_for_timeout(1100)  # django-otp's back-off after a failure
    page.fill("input[name=token]", otp.demo_code())
    page.click(submit)
    page.wait_for_url(re.compile(r"/$"))
    assert "岗位任免" in page.content()
    assert violations == []


def test_the_policy_blocks_inline_script_but_htmx_and_echarts_work(page, live_world):
    violations = csp_violations(page)
    login(page, "d1b1.officer", PASSWORD)
    page.wait_for_url(re.compile(r"/$"))

    # An injected inline script is refused by the browser.
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.__xfInline = 1;")
    assert page.evaluate("typeof window.__xfInline") == "undefined"
    assert any("inline" in v or "script-src" in v for v in violations)
    violations.clear()

    # htmx: the registration page's repeat panel is filled by an htmx request while the user types.
    page.goto(page.base_url + "/cases/new/")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False
    with page.expect_response(re.compile(r"/cases/new/repeats/")) as response:
        page.evaluate("htmx.trigger('#repeat-panel', 'xf-probe')")
    assert response.value.status == 200

    # ECharts: the vendored file loads from our own origin and renders a chart under the policy.
    page.add_script_tag(url=page.base_url + "/static/vendor/echarts/echarts.min.js")
    page.evaluate(
        """() => {
            const el = document.createElement('div');
            el.id = 'xf-chart-test';
            el.style.width = '400px';
            el.style.height = '300px';
            document.body.appendChild(el);
            const chart = echarts.init(el);
            chart.setOption({xAxis: {data: ['甲', '乙']}, yAxis: {}, series: [{type: 'bar', data: [3, 5]}]});
        }"""
    )
    assert page.locator("#xf-chart-test canvas").count() >= 1
    assert violations == [], violations
