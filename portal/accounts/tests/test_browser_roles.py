"""Every demo login of the seeded city signs in through the real form and lands on its role's home."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from seeds import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOMES = {
    "qiye": ("/requests/mine/", "我的诉求"),
    "zhuanyuan": ("/queue/", "我的待办"),
    "zhuanyuan_b": ("/queue/", "我的待办"),
    "jingban": ("/department/queue/", "部门待办"),
    "dudao": ("/supervision/dashboard/", "督导看板"),
    "dudao_kw": ("/supervision/dashboard/", "督导看板"),
    "dudao_fz": ("/supervision/dashboard/", "督导看板"),
    "admin": ("/admin/", "企业服务平台管理"),
}


def test_each_demo_login_lands_on_its_roles_home(browser, live_server):
    call_command("seed_demo", stdout=io.StringIO())
    assert {username for _, username, _ in DEMO_LOGINS} == set(HOMES)
    for _, username, _ in DEMO_LOGINS:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("[type=submit]")
        path, heading = HOMES[username]
        expect(page).to_have_url(live_server.url + path)
        expect(page.locator("body")).to_contain_text(heading)
        context.close()
