"""On a phone: scan the contact card of an enterprise without an account, register, get approved by the
A角 commissioner, sign in."""

import pytest
from playwright.sync_api import expect

from portal.onboarding.tokens import registration_path

from .sms import last_code

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
MOBILE = "13700000088"
PASSWORD = "Qiye#2026safe"


def test_it_registers_from_the_cards_qr_code_and_signs_in_once_approved(
    page, live_server, login, transactional_db, globex, carl
):
    page.set_viewport_size(PHONE)
    # The QR code on globex's printed card opens this address (the contact card view makes it the same way).
    page.goto(live_server.url + registration_path(globex))
    expect(page.locator(".alert-info")).to_contain_text(globex.name)
    expect(page.locator("#id_credit_code")).to_have_value(globex.credit_code)
    page.locator("#id_contact_name").fill("王芳")
    page.locator("#id_phone").fill(MOBILE)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("heading", name="验证手机号")).to_be_visible()
    page.locator("#id_code").fill(last_code(MOBILE))
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()

    # carl, globex's A角, approves from the page his navigation links to
    page.context.clear_cookies()
    login("carl")
    page.goto(live_server.url + "/")
    page.locator(".navbar-toggler").click()
    page.get_by_role("link", name="注册申请").click()
    page.get_by_role("link", name=globex.name).click()
    expect(page.locator("dl")).to_contain_text("王芳")
    page.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".alert-success").first).to_contain_text("已批准")

    # the applicant signs in with the mobile number and the password chosen at registration
    page.context.clear_cookies()
    login(MOBILE, PASSWORD)
    expect(page.get_by_role("heading", name="我的诉求")).to_be_visible()
