"""A supervisor whose role requires two-factor sign-in enrols an authenticator, then signs in with a code."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_dave_enrols_an_authenticator_and_signs_in_with_a_code(page, live_server, login, dave, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["administrator", "supervisor"]

    login("dave")
    expect(page).to_have_url(live_server.url + "/accounts/profile/two-factor/")
    expect(page.locator("#two-factor-qr svg")).to_be_visible()
    key = b32decode(page.locator("#two-factor-secret").inner_text().replace(" ", ""))
    page.get_by_label("验证码").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="确认并启用").click()

    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="我已妥善保存").click()
    expect(page).to_have_url(live_server.url + "/supervision/dashboard/")

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    login("dave")
    expect(page).to_have_url(live_server.url + "/accounts/two-factor/")
    code = page.get_by_label("请输入身份验证器应用显示的 6 位验证码。")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    code.fill(f"{hotp(key, _next_step(dave)):06d}")
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(live_server.url + "/supervision/dashboard/")


def _next_step(user) -> int:
    """A time step the authenticator accepts now and that was not used yet: the one used to enrol cannot be
    replayed, and the device's window follows the drift its first code showed (a code typed as a 30-second
    step ended is taken with a drift of -1, and the step after the current one is then out of the window)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return max(device.last_t + 1, int(time.time() - device.t0) // device.step + device.drift)
