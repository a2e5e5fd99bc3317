import pytest
from django.urls import reverse

from api.models import ApiKey, UnmatchedWorkOrder
from api.services import key_revoke
from issues import services
from issues.models import Evaluation, Outcome, Request, Source, Status
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/requests"


def test_it_files_a_work_order_once_however_often_it_is_sent(api, work_order, acme, bob, hotline):
    first = api("post", REQUESTS, json=work_order)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["work_order_number"] == "GD20261201-0001" and body["state"] == "submitted"
    assert body["status"] == "open" and body["enterprise"]["credit_code"] == acme.credit_code
    again = api("post", REQUESTS, json=work_order)
    assert again.status_code == 200 and again.json()["service_request_id"] == body["service_request_id"]
    req = Request.objects.get()
    assert (req.source, req.created_by, req.commissioner, req.channel) == (Source.HOTLINE, hotline.user, bob, "phone")
    assert req.events.filter(action="submit").count() == 1  # the 133 clock started once, through request_submit


def test_it_returns_the_existing_request_when_the_unique_constraint_catches_a_second_copy(
    api, work_order, acme, hotline, monkeypatch
):
    api("post", REQUESTS, json=work_order)
    # a copy that got past the first lookup at the same moment: only the constraint is left to decide
    real_filter = Request.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        calls["n"] += 1
        qs = real_filter(*args, **kwargs)
        return qs.none() if calls["n"] <= 2 and "work_order_number" in kwargs else qs

    monkeypatch.setattr(Request.objects, "filter", blind_first_lookup)
    again = api("post", REQUESTS, json=work_order)
    monkeypatch.undo()
    assert again.status_code == 200, again.json()
    assert Request.objects.count() == 1


def test_it_masks_the_callers_mobile_unless_the_client_sees_personal_data(api, work_order, hotline):
    body = api("post", REQUESTS, json=work_order).json()
    assert body["caller"] == {"name": "张*", "mobile": "138****5678"}
    hotline.personal_data = True
    hotline.save()
    shown = api("get", f"{REQUESTS}/{body['service_request_id']}").json()
    assert shown["caller"] == {"name": "张三", "mobile": "13812345678"}


def test_it_answers_bad_input_with_field_code_and_message_in_chinese_or_english(api, work_order):
    del work_order["title"]
    work_order["service_code"] = "no such code!"
    response = api("post", REQUESTS, json=work_order)
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["title"]["code"] == "required" and errors["title"]["message"] == "该字段是必填项。"
    assert "service_code" in errors
    english = api("post", REQUESTS, json=work_order, HTTP_ACCEPT_LANGUAGE="en")
    assert {e["field"]: e for e in english.json()["errors"]}["title"]["message"] == "This field is required."


def test_it_refuses_an_unknown_service_code_in_words(api, work_order):
    work_order["service_code"] = "nosuchcode"
    response = api("post", REQUESTS, json=work_order)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "服务代码不存在，请查看服务列表。"


def test_it_refuses_an_oversized_body_before_reading_it(api):
    response = api("post", REQUESTS, data=b"{}", content_type="application/json", CONTENT_LENGTH=str(50 * 2**20))
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


def test_it_keeps_a_key_of_one_region_out_of_another_regions_requests(api, work_order, fangzi_key, acme):
    pk = api("post", REQUESTS, json=work_order).json()["service_request_id"]
    assert api("get", f"{REQUESTS}/{pk}", key=fangzi_key).status_code == 404
    visit = api("post", f"{REQUESTS}/{pk}/return-visit", key=fangzi_key, json={"verdict": "satisfied"})
    assert visit.status_code == 404
    work_order["work_order_number"] = "GD-OTHER-1"
    assert api("post", REQUESTS, key=fangzi_key, json=work_order).status_code == 403
    changes = api("get", f"{REQUESTS}?since=0", key=fangzi_key).json()
    assert changes["changes"] == []


def test_it_counts_calls_per_key_and_refuses_beyond_the_limit(api, hotline):
    hotline.rate_limit = 2
    hotline.save()
    assert [api("get", "/api/v1/services").status_code for _ in range(3)] == [200, 200, 429]
    assert api("get", "/api/v1/services").json()["errors"][0]["code"] == "throttled"


def test_it_takes_calls_only_from_the_listed_addresses(api, hotline):
    hotline.allowed_addresses = "10.20.0.0/16\n192.0.2.7"
    hotline.save()
    assert api("get", "/api/v1/services").status_code == 200  # 10.20.30.40 behind nginx
    assert api("get", "/api/v1/services", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    assert api("get", "/api/v1/services", HTTP_X_FORWARDED_FOR="192.0.2.7").status_code == 200


def test_it_refuses_missing_wrong_and_revoked_keys_and_a_logged_in_session(api, hotline_key, client, bob):
    assert api("get", "/api/v1/services", key=None).status_code == 401
    assert api("get", "/api/v1/services", key="wqt_000000000000_nope").status_code == 401
    client.force_login(bob)
    assert api("get", "/api/v1/services", key=None).status_code == 401  # a session is not a key
    key_revoke(key=ApiKey.objects.get())
    assert api("get", "/api/v1/services", key=hotline_key).status_code == 401


def test_it_never_sets_a_cookie_and_needs_no_csrf_token(api, work_order, settings):
    response = api("post", REQUESTS, json=work_order)
    assert response.status_code == 201 and not response.cookies
    assert "Set-Cookie" not in response.headers


def test_it_checks_the_clients_actions(api, hotline, work_order):
    hotline.actions = ["read"]
    hotline.save()
    assert api("post", REQUESTS, json=work_order).status_code == 403
    assert api("get", "/api/v1/services").status_code == 200


def test_it_audits_every_call(api):
    api("get", "/api/v1/services")
    row = AuditEvent.objects.get(target_type="api")
    assert row.target == "GET /api/v1/services" and row.ip_address == "10.20.30.40"


def test_it_lists_services_and_the_departments_of_its_regions(api, commerce_bureau, hr_bureau):
    services_ = api("get", "/api/v1/services").json()
    assert {"service_code": "finance", "service_name": "融资", "service_name_en": "Financing"} in services_
    names = [d["name"] for d in api("get", "/api/v1/departments").json()]
    assert names == ["奎文区商务局"]  # the city bureau is above the client's region


def test_it_follows_a_request_to_its_answer_and_takes_the_return_visit_as_the_evaluation(api, work_order, bob):
    pk = api("post", REQUESTS, json=work_order).json()["service_request_id"]
    cursor = api("get", f"{REQUESTS}?since=0").json()["next_cursor"]
    services.request_take_on(req_id=pk, actor=bob)
    services.request_answer_directly(req_id=pk, actor=bob, outcome=Outcome.RESOLVED, body="已协调银行，三日内放款。")
    window = api("get", f"{REQUESTS}?since={cursor}").json()
    assert [c["event"]["action"] for c in window["changes"]] == ["take_on", "answer"]
    shown = window["changes"][-1]["request"]
    assert shown["status"] == "closed" and shown["state"] == "answered"
    assert shown["answer"]["text"] == "已协调银行，三日内放款。" and shown["deadlines"]["answered_on_time"] is True
    assert api("get", f"{REQUESTS}?since={window['next_cursor']}").json()["changes"] == []

    refused = api("post", f"{REQUESTS}/{pk}/return-visit", json={"verdict": "dissatisfied"})
    assert refused.status_code == 400 and "不满意" in refused.json()["errors"][0]["message"]
    done = api("post", f"{REQUESTS}/{pk}/return-visit", json={"verdict": "basically", "comment": "回访：基本满意"})
    assert done.status_code == 200, done.json()
    assert done.json()["evaluation"]["source"] == "hotline" and done.json()["state"] == "closed"
    assert Evaluation.objects.get().source == Source.HOTLINE
    assert Request.objects.get().status == Status.CLOSED


def test_it_lets_only_the_filing_client_post_a_return_visit(api, work_order, bob, kuiwen, alice, acme):
    req = services.request_submit(
        actor=alice,
        enterprise=acme,
        category=Request._meta.get_field("category").related_model.objects.first(),
        title="t",
        description="d",
    )
    services.request_take_on(req_id=req.pk, actor=bob)
    services.request_answer_directly(req_id=req.pk, actor=bob, outcome=Outcome.RESOLVED, body="答复")
    response = api("post", f"{REQUESTS}/{req.pk}/return-visit", json={"verdict": "satisfied"})
    assert response.status_code == 403  # the enterprise's own request: only the enterprise evaluates it


def test_an_unknown_enterprise_waits_until_a_commissioner_matches_it(api, work_order, client, bob, acme, dan):
    work_order["credit_code"] = ""
    work_order["enterprise_name"] = "奎文某新办企业"
    response = api("post", REQUESTS, json=work_order)
    assert response.status_code == 202 and response.json()["status"] == "unmatched"
    assert api("post", REQUESTS, json=work_order).status_code == 202  # still one row
    row = UnmatchedWorkOrder.objects.get()
    assert Request.objects.count() == 0

    client.force_login(dan)  # Fangzi's supervisor does not see Kuiwen's list
    assert "GD20261201-0001" not in client.get(reverse("api:unmatched")).content.decode()
    client.force_login(bob)
    assert reverse("api:unmatched") in client.get(reverse("issues:queue")).content.decode()  # in his navigation
    page = client.get(reverse("api:unmatched"))
    assert "奎文某新办企业" in page.content.decode()
    matched = client.post(reverse("api:unmatched_match", args=[row.pk]), {"credit_code": acme.credit_code})
    req = Request.objects.get()
    assert matched.status_code == 302 and matched["Location"] == reverse("issues:request_detail", args=[req.pk])
    assert (req.work_order_number, req.enterprise) == ("GD20261201-0001", acme)
    again = api("post", REQUESTS, json=work_order)
    assert again.status_code == 200 and again.json()["service_request_id"] == req.pk
    assert AuditEvent.objects.filter(target_type="api.unmatchedworkorder", actor=bob).exists()


def test_the_unmatched_list_reads_a_fixed_number_of_queries(
    client, bob, kuiwen, hotline, django_assert_max_num_queries
):
    for n in range(20):
        UnmatchedWorkOrder.objects.create(
            client=hotline, region=kuiwen, work_order_number=f"GD-{n}", enterprise_name="某公司", payload={"title": "t"}
        )
    client.force_login(bob)
    # session, user, two-factor device, the unit of the commissioner, the rows with region and client,
    # the navigation's badge counts
    with django_assert_max_num_queries(9):
        page = client.get(reverse("api:unmatched"))
    assert page.status_code == 200 and page.content.decode().count('name="credit_code"') == 20


def test_it_takes_attachments_checked_by_content(api, work_order, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    picture = SimpleUploadedFile("现场.png", png, content_type="image/png")
    response = api("post", REQUESTS, data={**work_order, "attachments": [picture]})
    assert response.status_code == 201, response.json()
    assert Request.objects.get().attachments.get().content_type == "image/png"
    work_order["work_order_number"] = "GD-2"
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    refused = api("post", REQUESTS, data={**work_order, "attachments": [fake]})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "attachments"
    assert Request.objects.count() == 1  # nothing filed with a bad file


def test_it_refuses_a_time_received_in_the_future_or_long_ago(api, work_order):
    work_order["received_at"] = "2099-01-01T09:00:00+08:00"
    assert api("post", REQUESTS, json=work_order).json()["errors"][0]["code"] == "future"
    work_order["received_at"] = "2020-01-01T09:00:00+08:00"
    assert api("post", REQUESTS, json=work_order).json()["errors"][0]["code"] == "too_old"


def test_the_admin_shows_a_new_key_once_and_keeps_only_its_hash(client, admin_user, hotline):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:api_client_changelist"),
        {"action": "issue_key", "_selected_action": [hotline.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    key = shown[0].rsplit("：", 1)[-1].rsplit(": ", 1)[-1].strip()
    row = ApiKey.objects.get()
    assert key.startswith(f"wqt_{row.prefix}_") and key not in str(ApiKey.objects.values().get())
    assert key not in client.get(reverse("admin:api_apikey_change", args=[row.pk])).content.decode()
