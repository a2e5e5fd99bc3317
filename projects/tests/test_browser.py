"""One journey in the browser: a commissioner's half-monthly report raises a problem that becomes a request,
which shows on the project page and in the queue, and the department answers it."""

import pytest
from playwright.sync_api import expect

from issues.models import Category, Request, Status

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def sign_in_as(page, login, username):
    page.context.clear_cookies()
    login(username)


@pytest.fixture
def people(transactional_db, acme, alice, bob, bert, carol, hr_bureau, project):
    Category.objects.get_or_create(code="labour", defaults={"name": "用工", "name_en": "Labour"})
    return {"hr_bureau": hr_bureau, "project": project}


def test_a_report_problem_becomes_a_request_that_the_department_answers(page, live_server, login, people):
    project = people["project"]
    labour = Category.objects.get(code="labour")

    # bob, B角 of the project, files the half-monthly report on his phone
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "bob")
    page.goto(live_server.url + "/projects/mine/")
    page.get_by_role("link", name=project.name).click()
    expect(page.locator("h1")).to_have_text(project.name)
    page.locator(f"a[href='/projects/{project.pk}/report/']").click()
    page.locator("#id_progress").fill("主体厂房封顶，首批设备进场安装。")
    page.locator("#id_investment").fill("1200")
    page.locator("#id_stage").select_option("started")
    page.locator("#id_problems").fill("二期用工缺口40人，需协调技工院校定向输送。")
    page.locator("#id_problem_category").select_option(str(labour.pk))
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(project.name)
    expect(page.locator("#stage")).to_have_text("已开工")
    expect(page.locator("#requests")).to_contain_text(project.name)
    req = Request.objects.get(project=project)
    assert req.description == "二期用工缺口40人，需协调技工院校定向输送。"

    # the request is in his queue; he dispatches it to the city HR bureau
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/queue/")
    expect(page.locator("#rows, main").first).to_contain_text(req.title)
    page.goto(live_server.url + f"/requests/{req.pk}/")
    form = page.locator("#action-dispatch form")
    form.locator("#dispatch-lead").select_option(str(people["hr_bureau"].pk))
    form.locator("#dispatch-instruction").fill("请对接技工院校，3个工作日内答复。")
    form.locator("button[type=submit]").click()
    expect(page.locator("#timeline > li")).to_have_count(2)

    # carol accepts and answers
    sign_in_as(page, login, "carol")
    page.goto(live_server.url + f"/requests/{req.pk}/")
    dispatch_pk = req.dispatches.get().pk
    page.locator(f"#action-accept-{dispatch_pk} form button[type=submit]").click()
    expect(page.locator("#timeline > li")).to_have_count(3)
    answer = page.locator(f"#action-answer-{dispatch_pk} form")
    answer.locator(f"#answer-{dispatch_pk}-outcome").select_option("resolved")
    answer.locator(f"#answer-{dispatch_pk}-body").fill("已联系两所技工院校，下周定向输送首批25人。")
    answer.locator("button[type=submit]").click()
    expect(page.locator("#timeline > li")).to_have_count(4)

    # the project page shows the answered request
    sign_in_as(page, login, "bob")
    page.goto(live_server.url + f"/projects/{project.pk}/")
    expect(page.locator("#requests")).to_contain_text("已答复")
    req.refresh_from_db()
    assert req.status == Status.ANSWERED
