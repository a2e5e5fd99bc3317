"""Every request action through the web: the happy path, and a refused or invalid case that changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import services
from issues.models import Attachment, Dispatch, DispatchStatus, Extension, ExtensionStatus, Request, Status, Verdict
from portal.orgs import factories as f

from .factories import answered, category, dispatched, fresh, lead_dispatch, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def req(acme, alice, bob, bert):
    return make_request(acme, alice)


@pytest.fixture
def sent(req, bob, hr_bureau, carol):
    return dispatched(req, bob, hr_bureau)


@pytest.fixture
def done(sent, bob, hr_bureau, carol):
    return answered(sent, bob, hr_bureau, carol)


def png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def url(name, *args):
    return reverse(f"issues:{name}", args=args)


def post(client, user, name, obj, data=None, **extra):
    client.force_login(user)
    return client.post(url(name, obj.pk), data or {}, **extra)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client, user, name, obj, data):
    return post(client, user, name, obj, data, follow=True)


def events(req) -> list[str]:
    return list(fresh(req).events.values_list("action", flat=True))


# ---------------------------------------------------------------------------------------------
# filing


def test_it_files_a_request_with_an_attachment_and_shows_both_deadlines(client, alice, acme, bob):
    client.force_login(alice)
    response = client.post(
        url("request_create"),
        {
            "enterprise": acme.pk,
            "category": category("labour").pk,
            "title": "需要30名焊工",
            "description": "扩产后缺少熟练焊工。",
            "attachments": [png()],
        },
        follow=True,
    )
    req = Request.objects.get()
    assert response.redirect_chain[-1][0] == url("request_detail", req.pk)
    text = messages_of(response)[0]
    assert "dispatched by" in text and "answered by" in text
    assert req.attachments.get().content_type == "image/png"
    assert "photo.png" in response.content.decode()


def test_it_preselects_the_enterprise_from_the_qr_code_link(client, alice, acme):
    other = f.EnterpriseFactory(region=acme.region)
    f.member(alice, other)
    client.force_login(alice)
    response = client.get(url("request_create") + f"?enterprise={other.pk}")
    assert response.context["form"]["enterprise"].value() == str(other.pk)
    assert f'<option value="{other.pk}" selected>' in response.content.decode()


def test_it_keeps_what_was_typed_when_the_title_is_missing(client, alice, acme):
    client.force_login(alice)
    response = client.post(
        url("request_create"),
        {"enterprise": acme.pk, "category": category().pk, "title": "", "description": "这段描述要保留"},
    )
    assert response.status_code == 200
    assert "这段描述要保留" in response.content.decode()
    assert response.context["form"].errors["title"]
    assert not Request.objects.exists()


def test_it_refuses_an_oversized_file_and_saves_nothing(client, alice, acme, settings):
    settings.UPLOAD_MAX_BYTES = 50
    client.force_login(alice)
    response = client.post(
        url("request_create"),
        {
            "enterprise": acme.pk,
            "category": category().pk,
            "title": "标题",
            "description": "描述",
            "attachments": [png()],
        },
    )
    assert response.status_code == 200
    assert "the limit is" in " ".join(response.context["form"].errors["attachments"])
    assert not Request.objects.exists() and not Attachment.objects.exists()


def test_it_refuses_a_text_file_renamed_to_pdf(client, alice, acme):
    client.force_login(alice)
    fake = SimpleUploadedFile("contract.pdf", b"just some text, not a PDF at all", content_type="application/pdf")
    response = client.post(
        url("request_create"),
        {
            "enterprise": acme.pk,
            "category": category().pk,
            "title": "标题",
            "description": "描述",
            "attachments": [fake],
        },
    )
    assert "not an accepted file type" in " ".join(response.context["form"].errors["attachments"])
    assert not Request.objects.exists()


def test_it_refuses_more_than_ten_files(client, alice, acme):
    client.force_login(alice)
    response = client.post(
        url("request_create"),
        {
            "enterprise": acme.pk,
            "category": category().pk,
            "title": "标题",
            "description": "描述",
            "attachments": [png(f"p{i}.png") for i in range(11)],
        },
    )
    assert "At most 10 files" in " ".join(response.context["form"].errors["attachments"])
    assert not Request.objects.exists()


def test_it_refuses_another_enterprise_in_the_form(client, alice, globex):
    client.force_login(alice)
    response = client.post(
        url("request_create"),
        {"enterprise": globex.pk, "category": category().pk, "title": "标题", "description": "描述"},
    )
    assert response.context["form"].errors["enterprise"]
    assert not Request.objects.exists()


# ---------------------------------------------------------------------------------------------
# lists


def test_it_lists_alices_requests_newest_first_with_an_empty_state(client, alice, acme, bob):
    client.force_login(alice)
    assert "You have not filed any requests yet" in client.get(url("my_requests")).content.decode()
    first = make_request(acme, alice, title="第一个")
    second = make_request(acme, alice, title="第二个")
    page = client.get(url("my_requests")).context["page"]
    assert [r.pk for r in page] == [second.pk, first.pk]


def test_it_lists_with_a_constant_number_of_queries(client, alice, acme, bob, django_assert_max_num_queries):
    client.force_login(alice)
    for i in range(30):
        make_request(acme, alice, title=f"诉求{i}")
    client.get(url("my_requests"))  # the first page of a session saves it; the regions are read once
    with django_assert_max_num_queries(10):  # session, user, count, page with category+enterprise, nav
        response = client.get(url("my_requests"))
    assert len(response.context["page"]) == 25


def test_it_sorts_bobs_queue_by_urgency_and_marks_a_and_b(client, acme, alice, bob, bert, hr_bureau, carol):
    older = make_request(acme, alice, title="较早")
    newer = make_request(acme, alice, title="较晚")
    dispatched(older, bob, hr_bureau)  # now due on its answer deadline, which is later
    client.force_login(bert)
    rows = list(client.get(url("queue")).context["page"])
    assert [r.pk for r in rows] == [newer.pk, older.pk]
    assert rows[0].pairing == "B"


def test_it_shows_carol_her_department_queue_with_accept(client, sent, carol):
    client.force_login(carol)
    response = client.get(url("department_queue"))
    assert [d.pk for d in response.context["page"]] == [lead_dispatch(sent).pk]
    assert url("dispatch_accept", lead_dispatch(sent).pk) in response.content.decode()


def test_it_lists_requests_in_doras_region_only(client, req, dora, dan):
    client.force_login(dora)
    assert [r.pk for r in client.get(url("supervisor_list")).context["page"]] == [req.pk]
    client.force_login(dan)
    assert "No requests have been filed" in client.get(url("supervisor_list")).content.decode()


# ---------------------------------------------------------------------------------------------
# enterprise actions


def test_it_lets_alice_withdraw(client, sent, alice):
    response = follow(client, alice, "request_withdraw", sent, {"version": sent.version, "reason": "已自行解决"})
    assert fresh(sent).status == Status.WITHDRAWN
    assert "withdrawn" in messages_of(response)[0]


def test_it_refuses_to_withdraw_an_answered_request(client, done, alice):
    response = follow(client, alice, "request_withdraw", done, {"version": done.version})
    assert "no longer possible" in messages_of(response)[0]
    assert fresh(done).status == Status.ANSWERED


def test_it_lets_alice_supply_information_with_a_file(client, sent, alice, bob):
    services.request_ask_info(req_id=sent.pk, actor=bob, question="请提供营业执照")
    sent = fresh(sent)
    follow(
        client,
        alice,
        "request_supply_info",
        sent,
        {"version": sent.version, "comment": "已上传", "attachments": [pdf()]},
    )
    assert fresh(sent).status == Status.IN_PROGRESS
    assert Attachment.objects.get().event.action == "supply_info"


def test_it_lets_alice_evaluate_satisfied_and_closes(client, done, alice):
    follow(client, alice, "request_evaluate", done, {"version": done.version, "verdict": Verdict.SATISFIED})
    assert fresh(done).status == Status.CLOSED


def test_it_reopens_on_dissatisfied(client, done, alice):
    follow(
        client,
        alice,
        "request_evaluate",
        done,
        {"version": done.version, "verdict": Verdict.DISSATISFIED, "comment": "额度仍未落实"},
    )
    assert fresh(done).status == Status.IN_PROGRESS
    assert fresh(done).reopen_count == 1


def test_it_keeps_the_typed_text_when_dissatisfied_has_no_reason(client, done, alice):
    response = post(
        client,
        alice,
        "request_evaluate",
        done,
        {"version": done.version, "verdict": Verdict.DISSATISFIED, "comment": "  "},
    )
    assert response.status_code == 200
    form = next(a["form"] for a in response.context["actions"] if a["key"] == "evaluate")
    assert "Say why you are not satisfied" in form.errors["comment"][0]
    assert 'value="dissatisfied" id="evaluate-verdict_2" checked' in response.content.decode()
    assert fresh(done).status == Status.ANSWERED


def test_it_refuses_to_evaluate_a_closed_request(client, done, alice):
    services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.SATISFIED)
    closed = fresh(done)
    response = follow(
        client, alice, "request_evaluate", closed, {"version": closed.version, "verdict": Verdict.BASICALLY}
    )
    assert "no longer possible" in messages_of(response)[0]
    assert fresh(done).verdict == Verdict.SATISFIED and fresh(done).version == closed.version


def test_it_shows_a_stale_notice_and_applies_nothing(client, req, alice, bob, hr_bureau, carol):
    rendered_version = req.version
    dispatched(req, bob, hr_bureau)  # someone acts after alice loaded the page
    response = follow(client, alice, "request_withdraw", req, {"version": rendered_version})
    assert "Someone else has just handled this request" in messages_of(response)[0]
    assert fresh(req).status == Status.IN_PROGRESS


# ---------------------------------------------------------------------------------------------
# commissioner actions


def test_it_lets_bob_dispatch_to_a_lead_and_a_co_department(client, req, bob, hr_bureau, housing_bureau):
    follow(
        client,
        bob,
        "request_dispatch",
        req,
        {"version": req.version, "lead": hr_bureau.pk, "co": [housing_bureau.pk], "instruction": "请协调"},
    )
    roles = set(Dispatch.objects.values_list("department__name", "role"))
    assert roles == {(hr_bureau.name, "lead"), (housing_bureau.name, "co")}
    assert fresh(req).assigned_on_time is True


def test_it_refuses_a_dispatch_without_a_lead(client, req, bob):
    response = post(client, bob, "request_dispatch", req, {"version": req.version, "instruction": "保留这段"})
    assert response.status_code == 200
    assert "保留这段" in response.content.decode()
    assert not Dispatch.objects.exists()


def test_it_refuses_a_second_dispatch(client, sent, bob, hr_bureau):
    response = follow(client, bob, "request_dispatch", sent, {"version": sent.version, "lead": hr_bureau.pk})
    assert "already been dispatched" in messages_of(response)[0]
    assert Dispatch.objects.count() == 1


def test_it_lets_bert_take_on_and_answer_directly(client, req, bert):
    follow(client, bert, "request_take_on", req, {"version": req.version})
    req = fresh(req)
    assert req.handled_directly and req.commissioner == bert
    follow(client, bert, "request_answer", req, {"version": req.version, "outcome": "resolved", "body": "已解决"})
    assert fresh(req).status == Status.ANSWERED


def test_it_refuses_answering_a_withdrawn_request(client, req, alice, bob):
    services.request_take_on(req_id=req.pk, actor=bob)
    services.request_withdraw(req_id=req.pk, actor=alice)
    withdrawn = fresh(req)
    response = follow(
        client, bob, "request_answer", withdrawn, {"version": withdrawn.version, "outcome": "resolved", "body": "答复"}
    )
    assert "no longer possible" in messages_of(response)[0]
    assert fresh(req).status == Status.WITHDRAWN


def test_it_lets_bob_ask_for_information(client, sent, bob):
    follow(client, bob, "request_ask_info", sent, {"version": sent.version, "question": "请补充合同"})
    assert fresh(sent).status == Status.INFO_NEEDED


def test_it_lets_bob_hand_over_to_bert(client, req, bob, bert):
    follow(client, bob, "request_reassign", req, {"version": req.version, "commissioner": bert.pk})
    assert fresh(req).commissioner == bert


def test_it_forbids_alice_from_dispatching(client, req, alice, hr_bureau):
    response = post(client, alice, "request_dispatch", req, {"version": req.version, "lead": hr_bureau.pk})
    assert response.status_code == 403
    assert fresh(req).status == Status.SUBMITTED


# ---------------------------------------------------------------------------------------------
# department actions


def test_it_lets_carol_accept_and_answer_with_a_file(client, sent, carol, alice):
    dispatch = lead_dispatch(sent)
    follow(client, carol, "dispatch_accept", dispatch, {"version": dispatch.version})
    dispatch = fresh(dispatch)
    assert dispatch.status == DispatchStatus.ACCEPTED
    follow(
        client,
        carol,
        "dispatch_answer",
        dispatch,
        {"version": dispatch.version, "outcome": "resolved", "body": "已协调", "attachments": [pdf("reply.pdf")]},
    )
    assert fresh(sent).status == Status.ANSWERED
    assert Attachment.objects.get().original_name == "reply.pdf"


def test_it_lets_chris_give_a_co_handling_opinion(client, req, bob, hr_bureau, housing_bureau, chris):
    dispatched(req, bob, hr_bureau, co=[housing_bureau])
    co = Dispatch.objects.get(role="co")
    follow(client, chris, "dispatch_answer", co, {"version": co.version, "body": "建议提供用地规划"})
    assert fresh(co).status == DispatchStatus.ANSWERED
    assert fresh(req).status == Status.IN_PROGRESS


def test_it_lets_carol_return_a_misrouted_task(client, sent, carol):
    dispatch = lead_dispatch(sent)
    follow(client, carol, "dispatch_return", dispatch, {"version": dispatch.version, "reason": "应由住建局办理"})
    assert fresh(dispatch).status == DispatchStatus.RETURNED
    assert fresh(sent).status == Status.SUBMITTED


def test_it_refuses_a_return_without_a_reason(client, sent, carol):
    dispatch = lead_dispatch(sent)
    response = post(client, carol, "dispatch_return", dispatch, {"version": dispatch.version, "reason": ""})
    assert response.status_code == 200
    assert fresh(dispatch).status == DispatchStatus.PENDING


def test_it_refuses_answering_after_the_enterprise_withdrew(client, sent, alice, carol):
    dispatch = lead_dispatch(sent)
    services.request_withdraw(req_id=sent.pk, actor=alice)
    response = follow(
        client, carol, "dispatch_answer", dispatch, {"version": dispatch.version, "outcome": "resolved", "body": "答复"}
    )
    assert "no longer possible" in messages_of(response)[0] or "handled this task" in messages_of(response)[0]
    assert fresh(sent).status == Status.WITHDRAWN


def test_it_lets_carol_ask_for_an_extension_and_dora_approve_it(client, sent, carol, dora):
    dispatch = lead_dispatch(sent)
    new_due = fresh(sent).answer_due_at.astimezone() + timedelta(days=5)
    follow(
        client,
        carol,
        "dispatch_extension",
        dispatch,
        {"requested_due_at": new_due.strftime("%Y-%m-%dT%H:%M"), "reason": "需要现场勘查"},
    )
    extension = Extension.objects.get()
    client.force_login(dora)
    assert extension in client.get(url("extension_list")).context["page"]
    response = client.post(
        url("extension_decide", extension.pk), {"decision": "approve", "next": url("extension_list")}
    )
    assert response.url == url("extension_list")
    assert fresh(extension).status == ExtensionStatus.APPROVED
    assert fresh(sent).answer_due_at > fresh(sent).original_answer_due_at


def test_it_refuses_rejecting_an_extension_without_a_reason(client, sent, carol, dora):
    extension = services.extension_request(
        dispatch_id=lead_dispatch(sent).pk,
        actor=carol,
        reason="勘查",
        requested_due_at=fresh(sent).answer_due_at + timedelta(days=2),
    )
    response = post(client, dora, "extension_decide", extension, {"decision": "reject"})
    assert response.status_code == 200
    assert fresh(extension).status == ExtensionStatus.PENDING


# ---------------------------------------------------------------------------------------------
# detail, files and the contact card


def test_it_shows_alice_only_her_actions(client, done, alice):
    client.force_login(alice)
    keys = [a["key"] for a in client.get(url("request_detail", done.pk)).context["actions"]]
    assert keys == ["evaluate"]


def test_it_offers_an_action_form_as_an_htmx_fragment(client, sent, carol):
    client.force_login(carol)
    response = client.get(url("dispatch_answer", lead_dispatch(sent).pk), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content and b'name="body"' in response.content


def test_it_downloads_an_attachment_for_alice_but_not_for_another_enterprise(client, acme, alice, bob, globex):
    req = make_request(acme, alice, files=[pdf()])
    attachment = Attachment.objects.get(request=req)
    client.force_login(alice)
    response = client.get(url("attachment_download", attachment.token))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    stranger = f.UserFactory(is_enterprise_user=True)
    f.member(stranger, globex)
    client.force_login(stranger)
    assert client.get(url("attachment_download", attachment.token)).status_code == 404


def test_it_shows_images_inline(client, acme, alice, bob):
    req = make_request(acme, alice, files=[png()])
    client.force_login(alice)
    response = client.get(url("attachment_download", req.attachments.get().token))
    assert response["Content-Disposition"].startswith("inline")


def test_it_shows_full_phones_to_members_and_masked_to_supervisors(client, acme, alice, bob, bert, dora):
    client.force_login(alice)
    assert "13900000002" in client.get(url("contact_card", acme.pk)).content.decode()
    client.force_login(dora)
    page = client.get(url("contact_card", acme.pk)).content.decode()
    assert "13900000002" not in page and "139****0002" in page


def test_it_hides_another_enterprises_request_behind_a_404(client, req, globex):
    stranger = f.UserFactory(is_enterprise_user=True)
    f.member(stranger, globex)
    client.force_login(stranger)
    assert client.get(url("request_detail", req.pk)).status_code == 404
    assert client.post(url("request_withdraw", req.pk), {"version": req.version}).status_code == 404
    assert fresh(req).status == Status.SUBMITTED


def test_it_shows_the_calendar_banner_to_administrators_only(client, admin_user, alice, monkeypatch):
    monkeypatch.setattr("issues.context_processors.calendar_missing_years", lambda today: [2099])
    client.force_login(admin_user)
    assert "2099" in client.get(reverse("accounts:profile")).content.decode()
    assert "2099" in client.get("/admin/").content.decode()  # where administrators actually work
    client.force_login(alice)
    assert "2099" not in client.get(url("my_requests")).content.decode()


def test_it_renders_the_detail_page_for_every_role_involved(client, done, alice, bob, carol, dave):
    for user in (alice, bob, carol, dave):
        client.force_login(user)
        response = client.get(url("request_detail", done.pk))
        assert response.status_code == 200
        assert "Timeline" in response.content.decode()


@pytest.mark.parametrize("who, name", [("bob", "queue"), ("carol", "department_queue"), ("dave", "supervisor_list")])
def test_it_keeps_the_work_queues_to_a_constant_number_of_queries(
    client, acme, alice, bob, carol, dave, hr_bureau, request, who, name, django_assert_max_num_queries
):
    for i in range(27):
        dispatched(make_request(acme, alice, title=f"诉求{i}"), bob, hr_bureau)
    client.force_login(request.getfixturevalue(who))
    # session, user, tab counts, page count, policies (2), page, dispatches, bell, filter choices (3), bulk
    # departments, session save, and for supervisors their scope's paths (visibility, list, filter choices);
    # see test_queues.py for the same figures at page sizes 25 and 100
    with django_assert_max_num_queries(18):
        response = client.get(url(name))
    assert len(response.context["page"]) == 25


def test_it_drops_an_extension_from_the_list_once_its_task_is_answered(
    client, alice, acme, bob, carol, dora, hr_bureau
):
    req = dispatched(make_request(acme, alice), bob, hr_bureau)
    task = lead_dispatch(req)
    services.extension_request(
        dispatch_id=task.pk,
        actor=carol,
        reason="需要现场核查",
        requested_due_at=fresh(req).answer_due_at + timedelta(days=5),
    )
    client.force_login(dora)
    assert "需要现场核查" in client.get(url("extension_list")).content.decode()
    services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome="resolved", body="已解决。")
    assert "需要现场核查" not in client.get(url("extension_list")).content.decode()
