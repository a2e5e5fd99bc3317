"""Every supervision URL × every role: the expected status. An unlisted URL fails the test."""

import pytest
from django.urls import get_resolver, reverse

from supervision import services
from supervision.models import ExportJob

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "dora", "dan"]
SUPERVISORS = {"dave", "dora", "dan"}
LOGIN = 302

# name: (method, kwargs builder, who gets 200/302-success, status for other signed-in users)
OK = 200


def _sup_only(ok=OK):
    return {role: (ok if role in SUPERVISORS else (LOGIN if role == "anonymous" else 403)) for role in ROLES}


def _everyone(ok=OK):
    return dict.fromkeys(ROLES, ok)


def _signed_in(ok=OK):
    return {role: (LOGIN if role == "anonymous" else ok) for role in ROLES}


@pytest.fixture
def objects(month, dora, kuiwen):
    token = services.token_create(actor=dora, region=kuiwen, label="大厅")
    job = ExportJob.objects.create(created_by=dora, kind="drill", params={}, total=1)
    return {"token": token, "job": job, "req": month.r[4]}


CASES = {
    "dashboard": ("get", lambda o: {}, _sup_only()),
    "drill": ("get", lambda o: {}, _sup_only()),
    "projects": ("get", lambda o: {}, _sup_only()),
    "project_list": ("get", lambda o: {}, _sup_only()),
    "accountability": ("get", lambda o: {}, _sup_only()),
    "return_visits": ("get", lambda o: {}, _sup_only()),
    # r4 (Kuiwen, not evaluated): dan supervises Fangzi and gets a 404
    "return_visit": ("get", lambda o: {"pk": o["req"].pk}, {**_sup_only(), "dan": 404}),
    "common": ("get", lambda o: {}, _sup_only()),
    "common_mark": ("post", lambda o: {}, _sup_only(302)),
    "standard_answers": ("get", lambda o: {}, _signed_in()),
    # starting an export is a POST (GET shows the confirmation page, also only to supervisors)
    "export": ("post", lambda o: {"kind": "drill"}, _sup_only()),
    # the job belongs to dora: everyone else gets a 404
    "export_job": ("get", lambda o: {"pk": o["job"].pk}, {**_sup_only(404), "dora": 200}),
    "export_download": ("get", lambda o: {"pk": o["job"].pk}, _sup_only(404)),
    "ranking": ("get", lambda o: {}, _everyone()),
    "ranking_history": ("get", lambda o: {}, _everyone()),
    "ranking_draft": ("get", lambda o: {}, _sup_only()),
    # only the city supervisor may publish
    "ranking_publish": ("post", lambda o: {}, {**_sup_only(403), "dave": 302}),
    "bigscreen": ("get", lambda o: {}, _sup_only()),
    "bigscreen_panel": ("get", lambda o: {}, _sup_only()),
    "tokens": ("get", lambda o: {}, _sup_only()),
    # dora's Kuiwen link: dave (city) may revoke it, dan (Fangzi) may not
    "token_revoke": ("post", lambda o: {"pk": o["token"].pk}, {**_sup_only(302), "dan": 403}),
    "bigscreen_token": ("get", lambda o: {"token": o["token"].token}, _everyone()),
    "bigscreen_token_panel": ("get", lambda o: {"token": o["token"].token}, _everyone()),
}


def test_every_supervision_url_is_in_the_matrix():
    names = {p.name for p in get_resolver("supervision.urls").url_patterns}
    assert names == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("role", ROLES)
def test_it_answers_each_role(client, objects, request, name, role):
    method, kwargs, expected = CASES[name]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = reverse(f"supervision:{name}", kwargs=kwargs(objects))
    data = {"month": "2025-02", "kind": "region"} if name == "ranking_publish" else {}
    response = getattr(client, method)(url, data)
    assert response.status_code == expected[role], (name, role)
    if response.status_code == LOGIN and role == "anonymous":
        assert "/accounts/login/" in response["Location"]
