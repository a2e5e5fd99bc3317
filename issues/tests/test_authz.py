"""Authorization matrix: every URL of issues/urls.py × every role → the status each must get.

Actions are POSTed with valid data in a state where the action is possible, so 302 means the
transition happened (a timeline event was written), 403 that the user sees the request but may
not act, and 404 that the user may not even know it exists.
"""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import services, urls
from issues.models import Attachment, RequestEvent, Verdict
from portal.orgs import factories as f

from .factories import answered, dispatched, fresh, lead_dispatch, make_request

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "bob", "bert", "carl", "carol", "chris", "dave", "dora", "dan", "admin_user"]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def statuses(default, **overrides):
    """Expected status per role: anonymous is always sent to the login page."""
    return {role: overrides.get(role, default) for role in ROLES if role != "anonymous"}


ONLY_ALICE = statuses(403, alice=200)
SEES_SENT = dict(
    alice=200, bob=200, bert=200, carl=404, carol=200, chris=404, dave=200, dora=200, dan=404, admin_user=404
)
ENTERPRISE_ACTION = statuses(403, alice=302, carl=404, chris=404, dan=404, admin_user=404)
COMMISSIONER_ON_SUBMITTED = statuses(404, alice=403, bob=302, bert=302, dave=403, dora=403)
HANDLER_ACTION = statuses(403, carol=302, carl=404, chris=404, dan=404, admin_user=404)

# url name → (method, scenario, expected statuses)
MATRIX = {
    "my_requests": ("get", "none", ONLY_ALICE),
    "request_create": ("get", "none", ONLY_ALICE),
    "request_detail": ("get", "sent", SEES_SENT),
    "request_withdraw": ("post", "sent", ENTERPRISE_ACTION),
    # the commissioners record what the enterprise said by phone
    "request_supply_info": ("post", "info_needed", {**ENTERPRISE_ACTION, "bob": 302, "bert": 302}),
    "request_evaluate": ("post", "answered", ENTERPRISE_ACTION),
    "request_take_on": ("post", "submitted", COMMISSIONER_ON_SUBMITTED),
    "request_dispatch": ("post", "submitted", COMMISSIONER_ON_SUBMITTED),
    "request_ask_info": (
        "post",
        "sent",
        statuses(403, bob=302, bert=302, carol=302, carl=404, chris=404, dan=404, admin_user=404),
    ),
    "request_reassign": (
        "post",
        "sent",
        statuses(403, bob=302, bert=302, dave=302, dora=302, carl=404, chris=404, dan=404, admin_user=404),
    ),
    "request_answer": ("post", "taken_on", COMMISSIONER_ON_SUBMITTED),
    "dispatch_accept": ("post", "sent", HANDLER_ACTION),
    "dispatch_return": ("post", "sent", HANDLER_ACTION),
    "dispatch_answer": ("post", "sent", HANDLER_ACTION),
    "dispatch_extension": ("post", "sent", HANDLER_ACTION),
    "extension_list": ("get", "none", statuses(403, dave=200, dora=200, dan=200)),
    "extension_decide": (
        "post",
        "extension",
        statuses(403, dave=302, dora=302, carl=404, chris=404, dan=404, admin_user=404),
    ),
    "attachment_download": ("get", "sent", SEES_SENT),
    "contact_card": ("get", "none", statuses(404, alice=200, bob=200, bert=200, dave=200, dora=200)),
    "queue": ("get", "none", statuses(403, bob=200, bert=200, carl=200)),
    "department_queue": ("get", "none", statuses(403, carol=200, chris=200)),
    "supervisor_list": ("get", "none", statuses(403, dave=200, dora=200, dan=200)),
    "contact_card_qr": ("get", "none", statuses(404, alice=200, bob=200, bert=200, dave=200, dora=200)),
    "enterprise_suggest": ("get", "none", statuses(200)),
    "request_create_on_behalf": ("get", "none", statuses(403, bob=200, bert=200, carl=200)),
    "bulk_dispatch": ("post", "submitted", statuses(403, bob=302, bert=302, carl=302)),
    "bulk_departments": ("get", "none", statuses(403, bob=200, bert=200, carl=200)),
    "request_export": ("post", "submitted", statuses(403, bob=200, bert=200, carl=302, dave=200, dora=200, dan=302)),
    "visit_list": ("get", "none", statuses(403, bob=200, bert=200, carl=200, dave=200, dora=200, dan=200)),
    "visit_create": ("get", "none", statuses(403, bob=200, bert=200, carl=200)),
    "visit_photo": ("get", "visit", statuses(404, bob=200, bert=200, dave=200, dora=200, carol=404, alice=404)),
}


def test_it_lists_every_url_of_the_app_in_the_matrix():
    names = {pattern.name for pattern in urls.urlpatterns}
    assert names == set(MATRIX), f"add to MATRIX: {names - set(MATRIX)}; remove: {set(MATRIX) - names}"


@pytest.fixture
def world(acme, globex, alice, bob, bert, carl, carol, chris, dave, dora, dan, admin_user, hr_bureau, housing_bureau):
    """Everyone exists in every case, so each role is judged against the same data."""
    return {"acme": acme, "alice": alice, "bob": bob, "bert": bert, "carol": carol, "hr_bureau": hr_bureau}
    # (the test adds "role": who is asking, for requests whose data depends on it)


def scenario(name: str, w) -> tuple[object, object]:
    """A request in the state the action needs, and the object the URL is about."""
    alice, bob, carol, hr_bureau = w["alice"], w["bob"], w["carol"], w["hr_bureau"]
    if name == "none":
        return None, None
    if name == "visit":
        visit = services.visit_record(
            actor=bob, visited_on=date(2025, 6, 3), enterprise=w["acme"], photos=[SimpleUploadedFile("site.png", PNG)]
        )
        return None, visit.photos.get()
    req = make_request(w["acme"], alice, files=[SimpleUploadedFile("licence.pdf", PDF)])
    if name == "submitted":
        return req, req
    if name == "taken_on":
        services.request_take_on(req_id=req.pk, actor=bob)
        return fresh(req), req
    req = dispatched(req, bob, hr_bureau)
    if name == "info_needed":
        services.request_ask_info(req_id=req.pk, actor=bob, question="请补充营业执照")
    if name == "answered":
        req = answered(req, bob, hr_bureau, carol)
    if name == "extension":
        extension = services.extension_request(
            dispatch_id=lead_dispatch(req).pk,
            actor=carol,
            reason="勘查",
            requested_due_at=req.answer_due_at + timedelta(days=3),
        )
        return fresh(req), extension
    return fresh(req), req


def target(name: str, req, obj, w) -> tuple[str, dict]:
    """The URL and valid POST data for one matrix row."""
    version = req.version if req is not None else None
    if name in (
        "my_requests",
        "request_create",
        "extension_list",
        "queue",
        "department_queue",
        "supervisor_list",
        "request_create_on_behalf",
        "visit_list",
        "visit_create",
        "bulk_departments",
    ):
        return reverse(f"issues:{name}"), {}
    if name == "enterprise_suggest":
        return reverse("issues:enterprise_suggest"), {"enterprise": "阿克米"}
    if name == "contact_card_qr":
        return reverse("issues:contact_card_qr", args=[w["acme"].pk]), {}
    if name == "visit_photo":
        return reverse("issues:visit_photo", args=[obj.token]), {}
    if name == "bulk_dispatch":
        return reverse("issues:bulk_dispatch"), {"ids": [f"{req.pk}:{version}"], "lead": w["hr_bureau"].pk}
    if name == "request_export":
        kind = "supervisor" if w["role"] in ("dave", "dora", "dan") else "commissioner"
        return reverse("issues:request_export"), {"ids": [f"{req.pk}:{version}"], "list": kind}
    if name == "contact_card":
        return reverse("issues:contact_card", args=[w["acme"].pk]), {}
    if name == "attachment_download":
        return reverse("issues:attachment_download", args=[Attachment.objects.get(request=req).token]), {}
    if name == "extension_decide":
        return reverse("issues:extension_decide", args=[obj.pk]), {"decision": "approve"}
    if name.startswith("dispatch_"):
        dispatch = lead_dispatch(req)
        data = {"version": dispatch.version, "reason": "应由其他部门办理", "outcome": "resolved", "body": "已办理"}
        if name == "dispatch_extension":
            due = (req.answer_due_at + timedelta(days=2)).astimezone()
            data["requested_due_at"] = due.strftime("%Y-%m-%dT%H:%M")
        return reverse(f"issues:{name}", args=[dispatch.pk]), data
    data = {
        "request_withdraw": {"reason": "已解决"},
        "request_supply_info": {"comment": "营业执照已上传"},
        "request_evaluate": {"verdict": Verdict.SATISFIED},
        "request_take_on": {},
        "request_dispatch": {"lead": w["hr_bureau"].pk},
        "request_ask_info": {"question": "请补充合同"},
        "request_reassign": {"commissioner": w["bert"].pk},
        "request_answer": {"outcome": "resolved", "body": "已当面解决"},
        "request_detail": {},
    }[name]
    return reverse(f"issues:{name}", args=[req.pk]), {"version": version, **data}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_gives_each_role_the_expected_status(client, world, request, name, role):
    method, state, expected = MATRIX[name]
    world["role"] = role
    req, obj = scenario(state, world)
    url, data = target(name, req, obj, world)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    events_before = RequestEvent.objects.count()
    response = getattr(client, method)(url, data)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        return
    assert response.status_code == expected[role], f"{role} {method.upper()} {name}"
    if name == "bulk_dispatch":  # reports per row and goes back to the queue
        dispatched_now = RequestEvent.objects.filter(request=req, action="dispatch").exists()
        assert dispatched_now == (role in ("bob", "bert")), role
    elif name == "request_export":  # 200 is the workbook; 302 back to the list when no selected row is visible
        assert response.status_code != 200 or response["Content-Type"].startswith("application/vnd.openxml")
    elif method == "post" and response.status_code == 302:
        assert response.url.startswith(reverse("issues:request_detail", args=[req.pk]))
        assert RequestEvent.objects.count() > events_before, "a 302 must mean the action was applied"
    elif method == "post":
        assert RequestEvent.objects.count() == events_before


def test_it_gives_alice_a_404_when_she_changes_the_id_in_the_url(client, acme, globex, alice, bob, carl):
    theirs = make_request(
        globex, f.member(f.UserFactory(is_enterprise_user=True), globex).user, files=[SimpleUploadedFile("a.pdf", PDF)]
    )
    client.force_login(alice)
    assert client.get(reverse("issues:request_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("issues:request_detail", args=[theirs.pk + 1000])).status_code == 404
    assert client.post(reverse("issues:request_evaluate", args=[theirs.pk]), {}).status_code == 404
    token = Attachment.objects.get(request=theirs).token
    assert client.get(reverse("issues:attachment_download", args=[token])).status_code == 404
    assert client.get(reverse("issues:contact_card", args=[globex.pk])).status_code == 404


def test_it_sends_action_get_to_the_form_on_the_detail_page_or_a_modal_fragment(client, world, bob):
    req, _obj = scenario("submitted", world)
    client.force_login(bob)
    response = client.get(reverse("issues:request_dispatch", args=[req.pk]))
    assert response.status_code == 302 and response.url.endswith("#action-dispatch")
    fragment = client.get(reverse("issues:request_dispatch", args=[req.pk]), headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"modal-header" in fragment.content
    assert fragment["Vary"].find("HX-Request") >= 0
