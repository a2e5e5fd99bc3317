"""The day's work without rough edges: departments (docs/requests.md, "Co-handling opinions")."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from issues import services
from issues.models import Dispatch, Outcome, Request, Verdict, Visit
from issues.templatetags.issues_tags import status_badge
from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.notifications.text import Text
from projects.models import Project

from .factories import category, co_dispatch, co_opinion_deadline_passes, dispatched, fresh, lead_dispatch, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(acme, alice, bob, hr_bureau, housing_bureau):
    return dispatched(make_request(acme, alice), bob, hr_bureau, co=[housing_bureau])


def test_the_department_queue_row_offers_an_extension(client, sent, carol):
    client.force_login(carol)
    lead = lead_dispatch(sent)
    page = client.get(reverse("issues:department_queue")).content.decode()
    assert reverse("issues:dispatch_extension", args=[lead.pk]) in page


def test_the_row_offers_no_extension_while_one_waits(client, sent, carol):
    lead = lead_dispatch(sent)
    services.extension_request(
        dispatch_id=lead.pk, actor=carol, reason="需协调省厅", requested_due_at=sent.answer_due_at + timedelta(days=5)
    )
    client.force_login(carol)
    page = client.get(reverse("issues:department_queue")).content.decode()
    assert reverse("issues:dispatch_extension", args=[lead.pk]) not in page


def test_the_co_handler_is_told_its_opinion_went_to_the_lead(client, sent, chris, housing_bureau):
    co = co_dispatch(sent, housing_bureau)
    client.force_login(chris)
    response = client.post(
        reverse("issues:dispatch_answer", args=[co.pk]), {"version": co.version, "body": "同意"}, follow=True
    )
    assert "您的意见已送交主办单位（市人社局）" in response.content.decode()


def test_the_lead_sees_the_co_handlers_opinion_on_its_answer_form(client, sent, carol, chris, housing_bureau):
    co = co_dispatch(sent, housing_bureau)
    services.dispatch_answer(dispatch_id=co.pk, actor=chris, body="宿舍由园区人才公寓解决")
    client.force_login(carol)
    page = client.get(reverse("issues:request_detail", args=[sent.pk])).content.decode()
    assert "宿舍由园区人才公寓解决" in page.split('class="card mb-2 co-opinions"', 1)[1].split("</ul>", 1)[0]
    assert f'id="action-answer-{lead_dispatch(sent).pk}"' in page


def test_a_silent_co_handler_is_not_shown_as_cancelled_once_closed(sent, alice, carol, housing_bureau):
    co_opinion_deadline_passes(sent)
    services.dispatch_answer(dispatch_id=lead_dispatch(sent).pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    services.request_evaluate(req_id=sent.pk, actor=alice, verdict=Verdict.SATISFIED)
    co = co_dispatch(fresh(sent), housing_bureau)
    assert co.role == Dispatch.Role.CO
    assert "办结时未提出意见" in str(status_badge(co))
    assert "已取消" not in str(status_badge(co))


# ---------------------------------------------------------------------------------------------
# commissioners

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_the_visit_date_is_filled_as_an_iso_date_in_chinese(client, bob):
    client.force_login(bob)
    with translation.override("zh-hans"):
        page = client.get(reverse("issues:visit_create"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in page


def test_a_visit_form_with_an_error_names_the_photos_to_choose_again(client, acme, bob):
    client.force_login(bob)
    response = client.post(
        reverse("issues:visit_create"),
        {
            "visited_on": "",
            "enterprise": acme.pk,
            "photos": SimpleUploadedFile("site.png", PNG, content_type="image/png"),
            "req-TOTAL_FORMS": "0",
            "req-INITIAL_FORMS": "0",
            "req-MIN_NUM_FORMS": "0",
            "req-MAX_NUM_FORMS": "10",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请重新选择：site.png" in page
    assert not Visit.objects.exists()


def test_the_commissioner_prints_the_card_with_both_phones_in_full(client, acme, bob, bert):
    client.force_login(bob)
    page = client.get(reverse("issues:contact_card", args=[acme.pk])).content.decode()
    assert "13900000002" in page and "13900000003" in page


def test_commissioners_are_not_told_their_request_was_answered(sent, alice, bob, carol):
    co_opinion_deadline_passes(sent)
    services.dispatch_answer(dispatch_id=lead_dispatch(sent).pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    alice_hears = Notification.objects.get(user=alice, kind="request_answered").shown_title
    with translation.override("zh-hans"):
        bob_hears = Notification.objects.get(user=bob, kind="request_answered").shown_title
    assert alice_hears.startswith("您的诉求已答复")
    assert "您的诉求" not in bob_hears and bob_hears.startswith("市人社局 已答复")


# ---------------------------------------------------------------------------------------------
# English


def test_a_notification_is_read_in_the_readers_language(client, acme, alice, bob):
    with translation.override("zh-hans"):
        make_request(acme, alice, title="厂房屋顶漏水")
    note = Notification.objects.get(user=bob, kind="request_submitted")
    assert "提交了新诉求" in note.title  # stored in the portal's language, for the external channels
    client.force_login(bob)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notifications:list")).content.decode()
    assert f"New request from {acme.name}: 厂房屋顶漏水" in page


def test_a_translated_parameter_follows_the_reader(acme, alice):
    note = notify(
        users=[alice],
        kind="test",
        title=Text("Evaluated “%(verdict)s”: %(title)s", {"verdict": Verdict.SATISFIED.label, "title": "贷款"}),
    )[0]
    note.refresh_from_db()
    with translation.override("en"):
        assert note.shown_title == "Evaluated “Satisfied”: 贷款"
    with translation.override("zh-hans"):
        assert "满意" in note.shown_title


def test_a_notification_stored_before_shows_its_stored_title(acme, alice):
    note = notify(users=[alice], kind="test", title="您的诉求已答复")[0]
    with translation.override("en"):
        assert note.shown_title == "您的诉求已答复"


# ---------------------------------------------------------------------------------------------
# enterprises on a phone


def test_the_profile_shows_the_mobile_number_in_a_styled_form(client, alice):
    alice.phone = "13900000001"
    alice.save(update_fields=["phone"])
    client.force_login(alice)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'id="profile-mobile">13900000001<' in page and "plain-form" in page
    assert "plain-form" in client.get(reverse("accounts:password_change")).content.decode()


def test_mark_read_stays_on_one_line(client, alice):
    notify(users=[alice], kind="test", title="您的诉求已答复")
    client.force_login(alice)
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'class="btn btn-sm btn-outline-secondary text-nowrap"' in page
    assert 'rel="icon"' in page


# ---------------------------------------------------------------------------------------------
# filing on an enterprise's behalf


def hotline(enterprise, **extra):
    return {
        "enterprise": enterprise.pk,
        "source": "hotline",
        "category": category().pk,
        "title": "12345转来：停水",
        "description": "园区停水两天",
        **extra,
    }


def test_a_hotline_request_keeps_its_work_order_caller_and_key_project(client, acme, bob):
    project = Project.objects.create(name="智能装备产业园", enterprise=acme, region=acme.region)
    client.force_login(bob)
    page = client.get(reverse("issues:request_create_on_behalf")).content.decode()
    assert "智能装备产业园" in page
    client.post(
        reverse("issues:request_create_on_behalf"),
        hotline(
            acme,
            project=project.pk,
            work_order_number="GD20261201001",
            caller_name="王经理",
            caller_mobile="13912345678",
        ),
    )
    req = Request.objects.get()
    assert (req.work_order_number, req.caller_name, req.caller_mobile, req.project) == (
        "GD20261201001",
        "王经理",
        "13912345678",
        project,
    )
    found = client.get(reverse("issues:queue"), {"q": "GD20261201001", "tab": "all"}).content.decode()
    assert req.title in found


def test_a_work_order_filed_twice_is_refused_with_its_request_named(client, acme, bob):
    client.force_login(bob)
    client.post(reverse("issues:request_create_on_behalf"), hotline(acme, work_order_number="GD1"))
    first = Request.objects.get()
    response = client.post(
        reverse("issues:request_create_on_behalf"),
        hotline(acme, work_order_number="GD1"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200 and Request.objects.count() == 1
    assert f"工单 GD1 已登记为诉求 {first.reference}" in response.content.decode()


def test_a_caller_mobile_must_be_a_phone_number(client, acme, bob):
    client.force_login(bob)
    response = client.post(
        reverse("issues:request_create_on_behalf"), hotline(acme, caller_mobile="12345"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200 and not Request.objects.exists()


def test_the_request_page_lists_a_and_b(client, sent, bob, bert):
    client.force_login(bob)
    page = client.get(reverse("issues:request_detail", args=[sent.pk])).content.decode()
    block = page.split('id="pairing-commissioners">', 1)[1].split("</dd>", 1)[0]
    assert "鲍勃" in block and "伯特" in block


def test_the_commissioner_records_the_information_given_by_phone(client, acme, alice, bob, bert):
    req = make_request(acme, alice)
    services.request_ask_info(req_id=req.pk, actor=bob, question="请补充厂房面积")
    client.force_login(bert)
    page = client.get(reverse("issues:request_detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'id="action-supply_info"' in page.content.decode()
    response = client.post(
        reverse("issues:request_supply_info", args=[req.pk]),
        {"version": fresh(req).version, "comment": "电话告知：厂房面积1.2万平方米"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert fresh(req).status != "info_needed"
    event = fresh(req).events.get(action="supply_info")
    assert event.data["on_behalf"] is True and event.actor == bert
    assert "on-behalf" in response.content.decode()
    assert Notification.objects.filter(user=alice, kind="info_supplied").exists()


def test_a_department_name_used_in_two_regions_shows_its_region(hr_bureau, kuiwen, city):
    from issues.forms import department_choices
    from portal.orgs.factories import DepartmentFactory

    DepartmentFactory(name="人社局", region=city)
    DepartmentFactory(name="人社局", region=kuiwen)
    labels = [label for _group, options in department_choices() for _pk, label in options]
    assert "人社局（潍坊市）" in labels and "人社局（奎文区）" in labels and "市人社局" in labels
