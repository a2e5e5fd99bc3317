"""Rough edges found in the browser, each walked as the person who hit it."""

import pytest
from playwright.sync_api import expect

from issues import services
from issues.models import Category, Dispatch, Request, Status

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def sign_in_as(page, login, username):
    page.context.clear_cookies()
    login(username)


@pytest.fixture
def labour(transactional_db):
    # Rows written by data migrations do not survive earlier transactional tests; make sure the category exists.
    return Category.objects.get_or_create(code="labour", defaults={"name": "用工", "name_en": "Labour"})[0]


def test_the_lead_answers_after_reading_the_co_handlers_opinion(
    page, live_server, login, labour, acme, alice, bob, bert, carol, chris, hr_bureau, housing_bureau
):
    req = services.request_submit(
        actor=alice, enterprise=acme, category=labour, title="新厂房用工与宿舍", description="需要招工并解决宿舍。"
    )
    services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau, co=[housing_bureau])
    lead = req.dispatches.get(role=Dispatch.Role.LEAD)
    co = req.dispatches.get(role=Dispatch.Role.CO)
    detail = f"{live_server.url}/requests/{req.pk}/"

    # the lead cannot answer yet: it is told it waits for the co-handler
    sign_in_as(page, login, "carol")
    page.goto(detail)
    expect(page.locator(".co-opinions")).to_contain_text("尚未提出意见")
    expect(page.locator(".co-opinions")).to_contain_text("之后，即可答复")
    expect(page.locator(f"#action-answer-{lead.pk}")).to_have_count(0)

    # the co-handler gives its opinion, and is told it went to the lead
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "chris")
    page.goto(detail)
    opinion = page.locator(f"#action-answer-{co.pk} form")
    opinion.locator(f"#answer-{co.pk}-body").fill("园区人才公寓可提供40间宿舍，请主办单位一并答复。")
    opinion.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("您的意见已送交主办单位（市人社局）")

    # the lead reads the opinion where it answers, then answers
    sign_in_as(page, login, "carol")
    page.goto(detail)
    expect(page.locator(".co-opinions")).to_contain_text("园区人才公寓可提供40间宿舍")
    answer = page.locator(f"#action-answer-{lead.pk} form")
    answer.locator(f"#answer-{lead.pk}-outcome").select_option("resolved")
    answer.locator(f"#answer-{lead.pk}-body").fill("已组织专场招聘，宿舍由园区人才公寓解决。")
    answer.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Request.objects.get(pk=req.pk).status == Status.ANSWERED
