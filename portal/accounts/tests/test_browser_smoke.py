"""The browser harness itself: Debian's Chromium opens the login page and renders Chinese."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_it_shows_the_login_form_in_a_real_browser(page, live_server, tmp_path):
    page.goto(live_server.url + "/accounts/login/")

    form = page.locator("form:has(input[name=password])")
    expect(form.locator("input[name=username]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_be_visible()
    expect(form.locator("[type=submit]")).to_be_visible()
    expect(page.locator("#lang-select")).to_contain_text("简体中文")
    page.screenshot(path=tmp_path / "login.png", full_page=True)


def test_it_renders_chinese_glyphs_not_boxes(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    # A missing CJK font draws every character with the same fallback box, so
    # distinct characters would all measure the same; real glyphs do not.
    widths = page.evaluate(
        """() => {
            const ctx = document.createElement("canvas").getContext("2d");
            ctx.font = "32px " + getComputedStyle(document.body).fontFamily;
            return ["简", "一", "潍"].map((ch) => ctx.measureText(ch).width);
        }"""
    )
    assert all(width > 16 for width in widths), widths


def test_the_login_fixture_signs_alice_in(page, login, alice):
    login("alice")

    assert "/accounts/login/" not in page.url
    expect(page.locator("input[name=password]")).to_have_count(0)
