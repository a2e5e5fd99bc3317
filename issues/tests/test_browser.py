"""One journey through the real browser: file → dispatch → answer → 不满意 → reopened → answered → 满意."""

import pytest
from playwright.sync_api import expect

from issues.models import Category, Request, Status

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def sign_in_as(page, login, username):
    page.context.clear_cookies()
    login(username)


def submit(form):
    form.locator("button[type=submit]").click()


@pytest.fixture
def people(transactional_db, acme, alice, bob, bert, carol, hr_bureau):
    # Rows written by data migrations do not survive earlier transactional tests; make sure the category exists.
    Category.objects.get_or_create(code="labour", defaults={"name": "用工", "name_en": "Labour"})
    return {"hr_bureau": hr_bureau}


def test_it_walks_a_request_from_filing_to_satisfied(page, live_server, login, people, tmp_path):
    photo = tmp_path / "workshop.png"
    photo.write_bytes(PNG)

    # alice files on her phone
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "alice")
    page.goto(live_server.url + "/requests/new/")
    labour = Category.objects.get(code="labour")
    page.locator("#id_category").select_option(str(labour.pk))
    page.locator("#id_title").fill("扩产急需30名熟练焊工")
    page.locator("#id_description").fill("新生产线下月投产，现有焊工不足，请协助对接技工院校和人力资源市场。")
    page.locator("#id_attachments").set_input_files(str(photo))
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("扩产急需30名熟练焊工")
    expect(page.locator("#timeline")).to_contain_text("workshop.png")
    detail = page.url
    req = Request.objects.get()

    # bob dispatches to the city HR bureau
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, login, "bob")
    page.goto(detail)
    form = page.locator("#action-dispatch form")
    form.locator("#dispatch-lead").select_option(str(people["hr_bureau"].pk))
    form.locator("#dispatch-instruction").fill("请对接技工院校，3个工作日内答复企业。")
    submit(form)
    expect(page.locator("#timeline > li")).to_have_count(2)

    # carol accepts and answers
    sign_in_as(page, login, "carol")
    page.goto(detail)
    dispatch_pk = req.dispatches.get().pk
    submit(page.locator(f"#action-accept-{dispatch_pk} form"))
    expect(page.locator("#timeline > li")).to_have_count(3)
    answer = page.locator(f"#action-answer-{dispatch_pk} form")
    answer.locator(f"#answer-{dispatch_pk}-outcome").select_option("planned")
    answer.locator(f"#answer-{dispatch_pk}-body").fill("已联系两所技工院校，下周组织专场招聘会。")
    submit(answer)
    expect(page.locator("#timeline > li")).to_have_count(4)

    # alice is not satisfied yet
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "alice")
    page.goto(detail)
    evaluate = page.locator("#action-evaluate form")
    evaluate.locator("#evaluate-verdict_2").check()
    evaluate.locator("#evaluate-comment").fill("招聘会时间太晚，新线下月就要投产。")
    submit(evaluate)
    expect(page.locator("#timeline > li")).to_have_count(5)
    assert Request.objects.get().status == Status.IN_PROGRESS

    # carol answers again
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, login, "carol")
    page.goto(detail)
    answer = page.locator(f"#action-answer-{dispatch_pk} form")
    answer.locator(f"#answer-{dispatch_pk}-outcome").select_option("resolved")
    answer.locator(f"#answer-{dispatch_pk}-body").fill("已协调人力资源市场本周五专场招聘，首批18名焊工已到岗。")
    submit(answer)
    expect(page.locator("#timeline > li")).to_have_count(6)

    # alice is satisfied and the request closes
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "alice")
    page.goto(detail)
    evaluate = page.locator("#action-evaluate form")
    evaluate.locator("#evaluate-verdict_0").check()
    evaluate.locator("#evaluate-comment").fill("问题解决了，谢谢！")
    submit(evaluate)
    timeline = page.locator("#timeline > li")
    expect(timeline).to_have_count(7)
    for text in (
        "workshop.png",
        "请对接技工院校",
        "已联系两所技工院校",
        "招聘会时间太晚",
        "首批18名焊工",
        "问题解决了",
    ):
        expect(page.locator("#timeline")).to_contain_text(text)
    expect(page.locator("#assign-deadline .badge.text-bg-success")).to_be_visible()
    expect(page.locator("#answer-deadline .badge.text-bg-success")).to_be_visible()
    expect(page.locator("#action-evaluate")).to_have_count(0)
    assert Request.objects.get().status == Status.CLOSED
    # nothing overflows sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="/tmp/detail.png", full_page=True)
