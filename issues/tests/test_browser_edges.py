"""Rough edges found in the browser, each walked as the person who hit it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issues import services
from issues.models import Category, Dispatch, Request, Status, Visit

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


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


def test_a_visit_with_a_photo_survives_an_error(page, live_server, login, tmp_path, acme, bob, bert):
    photo = tmp_path / "workshop.png"
    photo.write_bytes(PNG)
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "bob")
    page.goto(live_server.url + "/visits/new/")
    # the date input accepted today's date as filled in by the server
    expect(page.locator("#id_visited_on")).to_have_value(timezone.localdate().isoformat())
    page.locator("#id_people_met").fill("王总，总经理")
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("form button[type=submit]").click()  # no enterprise chosen: an error
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    expect(page.locator("form.card")).to_contain_text("请重新选择：workshop.png")
    expect(page.locator("#id_people_met")).to_have_value("王总，总经理")
    expect(page.locator("#id_visited_on")).to_have_value(timezone.localdate().isoformat())
    page.locator("#id_enterprise").select_option(str(acme.pk))
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("form button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("workshop.png")
    # the card bob prints shows his and bert's numbers in full
    expect(page.locator("body")).to_contain_text("13900000002")
    expect(page.locator("body")).to_contain_text("13900000003")
    assert Visit.objects.get().photos.count() == 1


def test_a_notification_is_read_in_english(page, live_server, login, labour, acme, alice, bob):
    services.request_submit(
        actor=alice, enterprise=acme, category=labour, title="扩产急需焊工", description="新生产线下月投产。"
    )
    sign_in_as(page, login, "bob")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + "/notifications/")
    expect(page.locator("main")).to_contain_text(f"New request from {acme.name}: 扩产急需焊工")
    expect(page.locator("main")).not_to_contain_text("提交了新诉求")


def test_the_department_picker_filters_as_one_types_on_a_phone(
    page, live_server, login, labour, acme, alice, bob, hr_bureau, housing_bureau
):
    req = services.request_submit(
        actor=alice, enterprise=acme, category=labour, title="招工难", description="需要焊工。"
    )
    page.set_viewport_size(PHONE)
    sign_in_as(page, login, "bob")
    page.goto(f"{live_server.url}/requests/{req.pk}/")
    form = page.locator("#action-dispatch form")
    form.locator("#dispatch-lead").select_option(str(hr_bureau.pk))
    co_search = form.locator("#dispatch-co").locator("xpath=preceding-sibling::input[1]")
    co_search.fill("住建")
    expect(form.locator("label[for^=dispatch-co_]", has_text="奎文区住建局")).to_be_visible()
    expect(form.locator("label[for^=dispatch-co_]", has_text="市人社局")).to_be_hidden()
    form.locator("label[for^=dispatch-co_]", has_text="奎文区住建局").click()
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert sorted(req.dispatches.values_list("department__name", flat=True)) == ["奎文区住建局", "市人社局"]
