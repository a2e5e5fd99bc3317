"""On a phone: an enterprise user types a request, sees a standard answer suggested while filing, and
marks it as answering the question; nothing is filed and the deflection is counted."""

import pytest
from playwright.sync_api import expect

from issues.models import Category, Request
from knowledge.models import Deflection
from knowledge.tests.factories import published

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def answer(transactional_db, acme, alice, dave):
    # rows written by data migrations do not survive earlier transactional tests
    labour, _ = Category.objects.get_or_create(code="labour", defaults={"name": "用工", "name_en": "Labour"})
    entry = published(
        dave,
        title="企业招聘焊工可以找哪些渠道",
        body="市人社局每月举办专场招聘会，企业可免费报名设展位。",
        category=labour,
    )
    return {"entry": entry, "labour": labour}


def test_an_enterprise_finds_its_answer_while_filing_and_does_not_file(page, live_server, login, answer, acme):
    page.set_viewport_size(PHONE)
    login("alice")
    page.goto(live_server.url + "/requests/new/")
    page.locator("#id_category").select_option(str(answer["labour"].pk))
    page.locator("#id_title").fill("招聘焊工困难")
    suggestion = page.locator(".kb-suggestion").first
    expect(suggestion).to_contain_text("企业招聘焊工可以找哪些渠道")
    expect(suggestion).to_contain_text("专场招聘会")
    suggestion.locator("button[type=submit]").click()
    expect(page.locator("#kb-suggestions.alert-success")).to_be_visible()
    deflection = Deflection.objects.get()
    assert deflection.entry == answer["entry"] and deflection.enterprise == acme
    assert deflection.title == "招聘焊工困难"
    assert not Request.objects.exists()
