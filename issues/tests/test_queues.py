"""The work lists: who sees which rows, urgency order, filters, tabs, htmx partials, bad input, quick
actions in the row, bulk dispatch, Excel export, the contact card QR code and pinned query counts."""

import html
import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import qrcode
import qrcode.image.svg
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from issues import services
from issues.models import Dispatch, RequestEvent, Status
from portal.accounts.models import AuditEvent
from portal.orgs import factories as f

from .factories import dispatched, fresh, lead_dispatch, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2025, 6, 2, 9, 0, tzinfo=SHANGHAI)


def rows(response):
    return [row.pk for row in response.context["page"]]


def get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(f"issues:{name}"), params)


@pytest.fixture
def two(acme, alice, bob, bert, hr_bureau, housing_bureau):
    """One request awaiting dispatch, one dispatched to hr (lead) with housing co-handling."""
    waiting = make_request(acme, alice, title="招工难")
    sent = dispatched(make_request(acme, alice, title="贷款额度"), bob, hr_bureau, co=[housing_bureau])
    return waiting, sent


# ---------------------------------------------------------------------------------------------
# who sees which rows


def test_it_shows_bob_and_bert_their_pairing_role_and_hides_acme_from_carl(client, two, bob, bert, carl):
    response = get(client, bob, "queue")
    assert set(rows(response)) == {r.pk for r in two}
    assert {row.pairing for row in response.context["page"]} == {"A"}
    assert "A角" in response.content.decode()
    response = get(client, bert, "queue")
    assert set(rows(response)) == {r.pk for r in two}
    assert {row.pairing for row in response.context["page"]} == {"B"}
    assert rows(get(client, carl, "queue")) == []


def test_it_filters_bobs_queue_by_role(client, two, bob, globex):
    f.pair(globex, bob, "B")
    theirs = make_request(globex, f.member(f.UserFactory(is_enterprise_user=True), globex).user)
    assert rows(get(client, bob, "queue", role="B")) == [theirs.pk]
    assert set(rows(get(client, bob, "queue", role="A"))) == {r.pk for r in two}


def test_it_shows_lead_and_co_departments_their_task_and_another_department_nothing(
    client, two, carol, chris, commerce_bureau
):
    _waiting, sent = two
    lead = get(client, carol, "department_queue")
    assert [d.request_id for d in lead.context["page"]] == [sent.pk]
    assert lead.context["page"][0].role == Dispatch.Role.LEAD
    co = get(client, chris, "department_queue")
    assert [(d.request_id, d.role) for d in co.context["page"]] == [(sent.pk, Dispatch.Role.CO)]
    other = f.UserFactory(is_handler=True)
    f.handler_of(other, commerce_bureau)
    assert rows(get(client, other, "department_queue")) == []


def test_it_shows_supervisors_their_region_only(client, two, dave, dora, dan):
    assert set(rows(get(client, dora, "supervisor_list"))) == {r.pk for r in two}
    assert set(rows(get(client, dave, "supervisor_list"))) == {r.pk for r in two}
    assert rows(get(client, dan, "supervisor_list")) == []


def test_it_shows_alice_her_requests_newest_first(client, two, alice):
    waiting, sent = two
    assert rows(get(client, alice, "my_requests")) == [sent.pk, waiting.pk]


# ---------------------------------------------------------------------------------------------
# urgency


def test_it_puts_overdue_first_then_the_nearest_deadline(client, acme, alice, bob, hr_bureau):
    with time_machine.travel(MONDAY_9, tick=False):
        old_dispatched = dispatched(make_request(acme, alice, title="旧的已分解"), bob, hr_bureau)  # answer Thu 9:00
    with time_machine.travel(datetime(2025, 6, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        overdue_waiting = make_request(acme, alice, title="未分解")  # assign deadline Wed 9:00
    with time_machine.travel(datetime(2025, 6, 4, 8, 0, tzinfo=SHANGHAI), tick=False):
        fresh_waiting = make_request(acme, alice, title="新诉求")  # assign deadline Thu 8:00
    with time_machine.travel(datetime(2025, 6, 4, 10, 0, tzinfo=SHANGHAI), tick=False):
        response = get(client, bob, "queue")
        assert rows(response) == [overdue_waiting.pk, fresh_waiting.pk, old_dispatched.pk]
        assert "Overdue by" in response.content.decode()
        assert response.context["tabs"][6][2] == 1  # the overdue tab counts one
        assert rows(get(client, bob, "queue", overdue="on")) == [overdue_waiting.pk]
        assert rows(get(client, bob, "queue", due_within="0")) == [overdue_waiting.pk]
        assert rows(get(client, bob, "queue", sort="newest")) == [
            fresh_waiting.pk,
            overdue_waiting.pk,
            old_dispatched.pk,
        ]


def test_it_keeps_current_due_at_in_step_with_each_transition(acme, alice, bob, hr_bureau, carol):
    req = make_request(acme, alice)
    assert req.current_due_at == req.assign_due_at
    req = dispatched(req, bob, hr_bureau)
    assert req.current_due_at == req.answer_due_at
    services.dispatch_answer(dispatch_id=lead_dispatch(req).pk, actor=carol, outcome="resolved", body="已办理")
    assert fresh(req).current_due_at is None


# ---------------------------------------------------------------------------------------------
# filters, tabs, search


def test_it_counts_every_tab_in_one_aggregate(client, two, bob):
    counts = {key: count for key, _label, count in get(client, bob, "queue").context["tabs"]}
    assert counts == {
        "open": 2,
        "submitted": 1,
        "in_progress": 1,
        "info_needed": 0,
        "answered": 0,
        "closed": 0,
        "overdue": 0,
        "all": 2,
    }


def test_it_searches_title_description_and_enterprise_name(client, two, bob, dave, globex):
    waiting, sent = two
    assert rows(get(client, bob, "queue", q="招工")) == [waiting.pk]
    assert set(rows(get(client, bob, "queue", q="阿克米"))) == {waiting.pk, sent.pk}
    assert set(rows(get(client, dave, "supervisor_list", enterprise="阿克米"))) == {waiting.pk, sent.pk}
    assert rows(get(client, dave, "supervisor_list", enterprise="环球")) == []
    assert rows(get(client, bob, "queue", q="没有这个")) == []


def test_it_filters_by_state_category_source_department_and_dates(client, two, dave, hr_bureau):
    waiting, sent = two
    assert rows(get(client, dave, "supervisor_list", state="submitted")) == [waiting.pk]
    assert rows(get(client, dave, "supervisor_list", department=hr_bureau.pk)) == [sent.pk]
    assert set(rows(get(client, dave, "supervisor_list", source="portal", category=waiting.category_id))) == {
        waiting.pk,
        sent.pk,
    }
    assert rows(get(client, dave, "supervisor_list", source="hotline")) == []
    today = waiting.submitted_at.astimezone(SHANGHAI).date().isoformat()
    assert len(rows(get(client, dave, "supervisor_list", submitted_from=today, submitted_to=today))) == 2
    assert rows(get(client, dave, "supervisor_list", submitted_from="2000-01-01", submitted_to="2000-01-02")) == []


def test_it_suggests_only_enterprises_the_user_may_see(client, acme, globex, bob, carl):
    response = get(client, bob, "enterprise_suggest", enterprise="有限公司")
    assert acme.name in response.content.decode() and globex.name not in response.content.decode()
    assert globex.name in get(client, carl, "enterprise_suggest", enterprise="有限公司").content.decode()


# ---------------------------------------------------------------------------------------------
# htmx and bad input


def test_it_returns_only_the_rows_fragment_to_htmx(client, two, bob):
    client.force_login(bob)
    full = client.get(reverse("issues:queue"))
    assert b"<html" in full.content and b'id="filters"' in full.content
    fragment = client.get(reverse("issues:queue"), {"tab": "all"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and fragment.content.lstrip().startswith(b'<div id="rows"')
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in full["Vary"]


@pytest.mark.parametrize(
    "params",
    [
        {"state": "bogus", "tab": "nope", "sort": "sideways"},
        {"submitted_from": "2025-13-45", "submitted_to": "yesterday"},
        {"size": "-5", "page": "-1"},
        {"size": "100000", "page": "abc"},
        {"due_within": "-3", "category": "999999", "region": "x", "department": "0"},
        {"q": "x" * 500, "role": "Z"},
    ],
)
def test_it_never_fails_on_bad_input_and_falls_back_to_defaults(client, two, bob, params):
    response = get(client, bob, "queue", **params)
    assert response.status_code == 200
    assert set(rows(response)) == {r.pk for r in two}
    assert response.context["size"] == 25
    assert response.context["tab"] == "open"
    if set(params) - {"page"}:
        assert "were ignored" in response.content.decode()


def test_it_shows_the_last_page_for_a_page_beyond_it(client, acme, alice, bob):
    made = [make_request(acme, alice, title=f"诉求{i}") for i in range(27)]
    response = get(client, bob, "queue", page="99")
    assert response.context["page"].number == 2 and len(rows(response)) == 2
    assert "That page does not exist" in response.content.decode()
    assert len(rows(get(client, bob, "queue", size="50"))) == len(made)


@pytest.mark.parametrize(
    "who, name",
    [("bob", "queue"), ("carol", "department_queue"), ("dave", "supervisor_list"), ("alice", "my_requests")],
)
@pytest.mark.parametrize("size", [25, 100])
def test_it_runs_a_constant_number_of_queries(
    client, acme, alice, bob, carol, dave, hr_bureau, kuiwen, request, who, name, size, django_assert_max_num_queries
):
    for _i in range(3):  # more paired enterprises must not mean more queries
        extra = f.EnterpriseFactory(region=kuiwen)
        f.pair(extra, bob, "B")
        f.member(alice, extra)
    for i in range(30):
        dispatched(make_request(acme, alice, title=f"诉求{i}"), bob, hr_bureau)
    client.force_login(request.getfixturevalue(who))
    # session, user, tab counts, page count, policies (2), page, dispatches, bell, filter choices (≤3), bulk
    # departments, session save; supervisors read their scope's paths for visibility, list and choices
    with django_assert_max_num_queries(18):
        response = client.get(reverse(f"issues:{name}"), {"size": size})
    assert len(response.context["page"]) == min(size, 30)


# ---------------------------------------------------------------------------------------------
# quick actions in the row


def test_it_opens_a_quick_action_in_the_modal_and_updates_the_row(client, two, bob, hr_bureau):
    waiting, _sent = two
    client.force_login(bob)
    url = reverse("issues:request_dispatch", args=[waiting.pk])
    modal = client.get(url, {"in": "row"}, headers={"HX-Request": "true"})
    assert f'hx-target="#row-commissioner-{waiting.pk}"'.encode() in modal.content
    response = client.post(
        url, {"in": "row", "version": waiting.version, "lead": hr_bureau.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "closeModal"
    assert f'<tr id="row-commissioner-{waiting.pk}"'.encode() in response.content
    assert "The request has been dispatched." in response.content.decode()
    assert fresh(waiting).status == Status.IN_PROGRESS


def test_it_shows_the_fresh_row_and_a_notice_for_a_stale_quick_action(client, two, bob, bert, hr_bureau):
    waiting, _sent = two
    services.request_take_on(req_id=waiting.pk, actor=bert)  # bert acts first
    events = RequestEvent.objects.count()
    client.force_login(bob)
    response = client.post(
        reverse("issues:request_dispatch", args=[waiting.pk]),
        {"in": "row", "version": waiting.version, "lead": hr_bureau.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Someone else has just handled this request" in response.content.decode()
    assert RequestEvent.objects.count() == events
    assert fresh(waiting).handled_directly


def test_it_keeps_an_invalid_quick_action_in_the_modal(client, two, bob):
    waiting, _sent = two
    client.force_login(bob)
    response = client.post(
        reverse("issues:request_dispatch", args=[waiting.pk]),
        {"in": "row", "version": waiting.version},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Retarget"] == "#portal-modal-content"
    assert b"is-invalid" in response.content


def test_it_lets_carol_accept_from_the_row(client, two, carol):
    _waiting, sent = two
    task = lead_dispatch(sent)
    client.force_login(carol)
    response = client.post(
        reverse("issues:dispatch_accept", args=[task.pk]),
        {"in": "row", "version": task.version},
        headers={"HX-Request": "true"},
    )
    assert f'<tr id="row-department-{task.pk}"'.encode() in response.content
    assert fresh(task).status == "accepted"


# ---------------------------------------------------------------------------------------------
# bulk dispatch and export


def test_it_dispatches_the_selected_requests_and_reports_each(client, acme, alice, bob, bert, hr_bureau):
    first, second, stale = (make_request(acme, alice, title=t) for t in ("甲", "乙", "丙"))
    services.request_take_on(req_id=stale.pk, actor=bert)
    client.force_login(bob)
    response = client.post(
        reverse("issues:bulk_dispatch"),
        {
            "ids": [
                f"{first.pk}:{first.version}",
                f"{second.pk}:{second.version}",
                f"{stale.pk}:{stale.version}",
                "junk",
                "999999:1",
            ],
            "lead": hr_bureau.pk,
            "instruction": "请3日内答复",
            "next": "/queue/?overdue=on",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/queue/?overdue=on"
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Dispatched to 市人社局" in text and "甲" in text and "乙" in text
    assert "Not dispatched" in text and "丙" in text and "#999999" in text
    assert fresh(first).status == fresh(second).status == Status.IN_PROGRESS
    assert fresh(first).lead_department == hr_bureau
    assert fresh(stale).lead_department is None


def _outside_request(**fields):
    """A request of an enterprise no fixture commissioner is paired with."""
    enterprise, filer = f.EnterpriseFactory(), f.UserFactory(is_enterprise_user=True)
    f.member(filer, enterprise)
    return make_request(enterprise, filer, **fields)


def test_without_a_department_it_shows_the_selection_and_asks_for_one(client, two, bob, bert, hr_bureau):
    waiting, sent = two
    services.request_take_on(req_id=waiting.pk, actor=bob)  # changed since it was ticked
    client.force_login(bob)
    outside = _outside_request(title="别人的诉求")
    ticked = [f"{waiting.pk}:{waiting.version}", str(sent.pk), f"{outside.pk}:1"]
    response = client.post(reverse("issues:bulk_dispatch"), {"ids": ticked, "instruction": "请办理", "next": "/queue/"})
    assert response.status_code == 200
    page = response.content.decode()
    assert waiting.title in page and sent.title in page and "别人的诉求" not in page
    # each row keeps the version it was ticked with (or none), so the stale one is still refused
    assert f'name="ids" value="{waiting.pk}:{waiting.version}"' in page
    assert f'name="ids" value="{sent.pk}"' in page
    assert "1 of the selected requests is not in your queue" in page
    assert page.count("Changed since you ticked it") == 1  # the taken-on one, not the one ticked without a version
    assert f'<option value="{hr_bureau.pk}">' in page and 'value="请办理"' in page
    assert fresh(waiting).version == waiting.version + 1 and not fresh(waiting).lead_department
    assert RequestEvent.objects.filter(action="dispatch", request=waiting).count() == 0

    again = client.post(reverse("issues:bulk_dispatch"), {"ids": ticked[:2], "confirm": "1", "next": "/queue/"})
    assert "Choose the lead department for the selected requests." in again.content.decode()
    closed = f.DepartmentFactory(is_active=False)
    refused = client.post(reverse("issues:bulk_dispatch"), {"ids": ticked[:2], "lead": closed.pk, "confirm": "1"})
    assert "That department cannot be chosen" in refused.content.decode()
    assert fresh(waiting).version == waiting.version + 1  # only the take-on

    done = client.post(
        reverse("issues:bulk_dispatch"),
        {"ids": ticked[:2], "lead": hr_bureau.pk, "confirm": "1", "next": "/queue/"},
        follow=True,
    )
    text = " ".join(str(m) for m in done.context["messages"])
    assert "Not dispatched" in text and waiting.title in text  # stale: it changed after it was ticked
    assert fresh(waiting).lead_department is None


@pytest.mark.parametrize("size", [1, 30])
def test_the_page_asking_for_the_department_runs_the_same_queries_for_any_selection(
    client, acme, alice, bob, size, django_assert_max_num_queries
):
    ids = [str(make_request(acme, alice, title=f"诉求{n}").pk) for n in range(size)]
    client.force_login(bob)
    client.get(reverse("issues:bulk_departments"))  # the departments' listing is cached from here on
    with django_assert_max_num_queries(7):
        response = client.post(reverse("issues:bulk_dispatch"), {"ids": ids})
    assert response.content.decode().count('name="ids"') == size


def test_a_refused_instruction_keeps_the_chosen_department_and_says_what_is_wrong(client, two, bob, hr_bureau):
    waiting, _sent = two
    client.force_login(bob)
    response = client.post(
        reverse("issues:bulk_dispatch"),
        {"ids": [f"{waiting.pk}:{waiting.version}"], "lead": hr_bureau.pk, "instruction": "长" * 2001, "confirm": "1"},
    )
    page = response.content.decode()
    assert "cannot be chosen" not in page and 'id="confirm-instruction-error"' in page
    assert f'<option value="{hr_bureau.pk}" selected>' in page
    assert RequestEvent.objects.filter(action="dispatch", request=waiting).count() == 0


def test_a_request_ticked_twice_is_listed_once_with_its_first_version(client, two, bob):
    waiting, _sent = two
    client.force_login(bob)
    ticked = [f"{waiting.pk}:{waiting.version}", f"{waiting.pk}:{waiting.version + 1}", str(waiting.pk)]
    page = client.post(reverse("issues:bulk_dispatch"), {"ids": ticked}).content.decode()
    assert page.count('name="ids"') == 1 and f'name="ids" value="{waiting.pk}:{waiting.version}"' in page
    assert "not in your queue" not in page


def test_a_selection_of_none_in_the_queue_goes_back_with_the_reason(client, bob):
    outside = _outside_request()
    client.force_login(bob)
    response = client.post(reverse("issues:bulk_dispatch"), {"ids": [str(outside.pk)]}, follow=True)
    assert "None of the selected requests is in your queue." in " ".join(str(m) for m in response.context["messages"])


def test_the_bulk_forms_departments_are_kept_by_the_browser_until_one_changes(client, bob, hr_bureau):
    client.force_login(bob)

    def options_url():
        page = client.get(reverse("issues:queue")).content.decode()
        return html.unescape(re.search(r'data-options-url="([^"]+)"', page).group(1))

    url = options_url()
    response = client.get(url)
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert f'<option value="{hr_bureau.pk}">{hr_bureau.name}</option>' in response.content.decode()
    hr_bureau.name = "人社局（更名）"
    hr_bureau.save()
    assert options_url() != url  # a new address, so the kept copy is not used
    stale = client.get(url)  # an old address still answers, with what is current, and is not kept
    assert stale["Cache-Control"] == "private, no-cache" and "人社局（更名）" in stale.content.decode()
    assert client.get(options_url())["Cache-Control"].endswith("immutable")


def _sheet(response):
    book = load_workbook(BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_it_exports_the_selection_with_phones_by_role_and_audits_it(client, two, bob, dora, acme):
    acme.contact_phone = "13812345678"
    acme.save()
    waiting, sent = two
    ids = [f"{waiting.pk}:1", f"{sent.pk}:1"]
    client.force_login(bob)
    response = client.post(reverse("issues:request_export"), {"ids": ids, "list": "commissioner"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    table = _sheet(response)
    assert table[0][:3] == ["Reference", "Title", "Enterprise"]
    assert {row[1] for row in table[1:]} == {"招工难", "贷款额度"}
    assert all(row[4] == "13812345678" for row in table[1:])  # bob is acme's A角
    client.force_login(dora)
    table = _sheet(client.post(reverse("issues:request_export"), {"ids": ids, "list": "supervisor"}))
    assert all(row[4] == "138****5678" for row in table[1:])
    audits = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk")
    assert [(a.actor, a.detail["count"]) for a in audits] == [(bob, 2), (dora, 2)]


# ---------------------------------------------------------------------------------------------
# contact card QR


def test_it_serves_a_qr_code_for_the_filing_page_of_the_enterprise(client, acme, alice, carl):
    client.force_login(alice)
    response = client.get(reverse("issues:contact_card_qr", args=[acme.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    target = f"http://testserver{reverse('issues:request_create')}?enterprise={acme.pk}"
    expected = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    assert response.content.decode() == expected.to_string(encoding="unicode")
    card = client.get(reverse("issues:contact_card", args=[acme.pk])).content.decode()
    assert reverse("issues:contact_card_qr", args=[acme.pk]) in card
    client.force_login(carl)
    assert client.get(reverse("issues:contact_card_qr", args=[acme.pk])).status_code == 404
