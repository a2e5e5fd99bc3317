"""The queue journey in a real browser: bob filters to overdue, dispatches two requests in bulk, and
carol finds them at the top of her department's queue; carol searches her department's tasks by a word
of their requests' titles and descriptions."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from issues.models import Category, Request, Status

from .factories import dispatched, make_request

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def overdue_two(transactional_db, acme, alice, bob, carol, hr_bureau):
    Category.objects.get_or_create(code="finance", defaults={"name": "融资", "name_en": "Finance"})
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        late = [make_request(acme, alice, title=t) for t in ("厂房审批卡在消防环节", "急需30名焊工")]
    make_request(acme, alice, title="新诉求：道路开口")
    return late


def test_it_dispatches_overdue_requests_in_bulk_and_they_top_the_department_queue(
    page, live_server, login, overdue_two, hr_bureau, tmp_path
):
    page.set_viewport_size(DESKTOP)
    login("bob")
    page.goto(live_server.url + "/queue/")
    page.locator("#id_overdue").check()
    expect(page.locator("#rows tbody tr")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    page.screenshot(path="/tmp/pgqueues/queue.png", full_page=True)
    page.locator("#select-all").check()
    expect(page.locator("#bulk-lead")).to_have_attribute("data-loaded", "1")  # its departments are fetched
    page.locator("#bulk-lead").select_option(str(hr_bureau.pk))
    page.locator("#bulk-instruction").fill("请3个工作日内答复企业")
    page.get_by_role("button", name="批量分解").or_(page.locator("form#bulk button[type=submit]").first).first.click()
    expect(page.locator("#messages")).to_contain_text("市人社局")
    assert set(Request.objects.filter(status=Status.IN_PROGRESS).values_list("title", flat=True)) == {
        r.title for r in overdue_two
    }

    page.context.clear_cookies()
    login("carol")
    page.goto(live_server.url + "/department/queue/")
    first_rows = page.locator("#rows tbody tr")
    expect(first_rows).to_have_count(2)
    expect(first_rows.nth(0)).to_contain_text("厂房审批卡在消防环节")
    page.screenshot(path="/tmp/pgqueues/department.png", full_page=True)


def test_without_the_departments_list_dispatch_selected_asks_for_the_department_on_its_own_page(
    page, live_server, login, overdue_two, hr_bureau, tmp_path
):
    page.set_viewport_size(DESKTOP)
    page.route("**/requests/bulk-dispatch/departments/**", lambda route: route.abort())  # the fetch fails
    login("bob")
    page.goto(live_server.url + "/queue/?overdue=on")
    expect(page.locator("#bulk-lead")).to_have_attribute("data-loaded", "0")
    expect(page.locator("#bulk-lead option")).to_have_count(1)
    page.locator("#select-all").check()
    page.locator("#bulk-instruction").fill("请尽快答复")
    page.locator("form#bulk button[type=submit]").first.click()

    expect(page.locator("#bulk-selected tbody tr")).to_have_count(2)
    expect(page.locator("#confirm-instruction")).to_have_value("请尽快答复")
    page.locator("#bulk-confirm .filter-box").fill("人社")
    page.locator("#confirm-lead").select_option(str(hr_bureau.pk))
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    page.get_by_role("button", name="分解交办2件诉求").click()
    expect(page.locator("#messages")).to_contain_text("市人社局")
    assert page.url.endswith("/queue/?overdue=on")
    assert set(Request.objects.filter(lead_department=hr_bureau).values_list("title", flat=True)) == {
        r.title for r in overdue_two
    }


def test_going_back_to_the_queue_does_not_add_its_departments_twice(page, live_server, login, overdue_two):
    page.set_viewport_size(DESKTOP)
    login("bob")
    page.goto(live_server.url + "/queue/")
    lead = page.locator("#bulk-lead")
    expect(lead).to_have_attribute("data-loaded", "1")
    options = lead.locator("option").count()
    assert options > 1
    page.locator(".list-tabs a").nth(1).click()  # a tab: htmx keeps the page in its history
    expect(page).to_have_url(re.compile(r"tab="))
    for _ in range(2):
        page.go_back()
        expect(page).to_have_url(re.compile(r"/queue/$"))
        expect(lead).to_have_attribute("data-loaded", "1")
        page.wait_for_timeout(300)  # time for a second fetch, were one made
        page.go_forward()
        expect(page).to_have_url(re.compile(r"tab="))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    page.wait_for_timeout(300)
    expect(lead.locator("option")).to_have_count(options)


@pytest.fixture
def searchable(transactional_db, acme, alice, bob, carol, hr_bureau, housing_bureau):
    """Three of hr's tasks (the word in a title, in a description, in neither) and one of housing's."""
    return {
        "title": dispatched(make_request(acme, alice, title="厂房环评审批进度"), bob, hr_bureau),
        "description": dispatched(
            make_request(acme, alice, title="用工补贴", description="申请稳岗补贴，另需环评审批意见。"), bob, hr_bureau
        ),
        "neither": dispatched(make_request(acme, alice, title="道路开口"), bob, hr_bureau),
        "housing": dispatched(make_request(acme, alice, title="环评审批（住建）"), bob, housing_bureau),
    }


def search(page, text: str) -> None:
    """Type ``text`` in the list's search box and send the filter form."""
    page.locator("#id_q").fill(text)
    page.locator("#id_q").press("Enter")


def test_a_handler_finds_her_departments_tasks_by_a_word_of_their_requests_text(
    page, live_server, login, searchable, tmp_path
):
    page.set_viewport_size(DESKTOP)
    login("carol")  # a handler of hr
    page.goto(live_server.url + "/department/queue/?tab=all")
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(3)
    search(page, "环评审批")
    expect(rows).to_have_count(2)
    expect(page.locator("#rows")).to_contain_text("厂房环评审批进度")
    expect(page.locator("#rows")).to_contain_text("用工补贴")
    expect(page.locator("#rows")).not_to_contain_text("住建")
    assert "q=" in page.url
    page.screenshot(path=str(tmp_path / "department-search.png"), full_page=True)
    page.screenshot(path="/tmp/pgqueues/department-search.png", full_page=True)

    search(page, "无此内容")
    expect(page.locator("#rows .empty-state")).to_contain_text("本栏中没有符合筛选条件的记录。")
    expect(rows).to_have_count(0)


def test_a_supervisor_finds_requests_by_a_word_of_two_characters(page, live_server, login, searchable, dave, tmp_path):
    """A term of one or two characters (no trigram): the matches are read from the grams indexes on
    PostgreSQL, in any case, and an absent word says so."""
    page.set_viewport_size(DESKTOP)
    login("dave")  # the city's supervisor
    page.goto(live_server.url + "/supervision/requests/?tab=all")
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(4)
    search(page, "环评")
    expect(rows).to_have_count(3)
    expect(page.locator("#rows")).to_contain_text("厂房环评审批进度")
    expect(page.locator("#rows")).to_contain_text("用工补贴")  # the word in its description
    expect(page.locator("#rows")).not_to_contain_text("道路开口")
    page.screenshot(path=str(tmp_path / "supervisor-short-search.png"), full_page=True)

    search(page, "氢能")
    expect(page.locator("#rows .empty-state")).to_contain_text("本栏中没有符合筛选条件的记录。")
    expect(rows).to_have_count(0)
