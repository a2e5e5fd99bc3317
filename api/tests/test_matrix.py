"""The API app's URLs × every role. The web pages answer by role; the API's own URLs answer only to a key
(a logged-in session is no key: 401); the schema and the docs page are public."""

import pytest
from django.urls import reverse

from api.models import UnmatchedWorkOrder

from .conftest import make_client

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "dora", "dan", "admin_user"]


def expect(default, **overrides):
    return {role: overrides.get(role, default) for role in ROLES if role != "anonymous"}


# name → (method, takes an object, expected status per role)
WEB = {
    "unmatched": ("get", False, expect(403, bob=200, dave=200, dora=200, dan=200)),
    "unmatched_match": ("post", True, expect(403, bob=302)),
}
KEYED = {
    "services": ("get", False, 200),
    "departments": ("get", False, 200),
    "requests": ("get", False, 200),
    "request": ("get", True, 404),  # a request of another region
    "return_visit": ("post", True, 404),
}
PUBLIC = {"schema", "docs"}
MATRIX = {**WEB, **KEYED, **{name: None for name in PUBLIC}}  # the portal's inventory reads the names


@pytest.fixture
def row(kuiwen):
    client = make_client("奎文区12345热线", [kuiwen])
    return UnmatchedWorkOrder.objects.create(
        client=client,
        region=kuiwen,
        work_order_number="GD-1",
        enterprise_name="某公司",
        payload={"service_code": "other", "title": "t", "description": "d"},
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(WEB))
def test_the_pages_answer_each_role_as_listed(client, request, row, acme, name, role):
    method, takes_object, expected = WEB[name]
    url = reverse(f"api:{name}", args=[row.pk] if takes_object else [])
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url, {"credit_code": acme.credit_code})
    if role == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    else:
        assert response.status_code == expected[role], (name, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(KEYED))
def test_the_api_answers_a_key_and_nothing_else(client, request, api, fangzi_key, alice, acme, name, role):
    from issues.tests.factories import make_request

    method, takes_object, with_key = KEYED[name]
    url = reverse(f"api:{name}", args=[make_request(acme, alice).pk] if takes_object else [])
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    body = {"verdict": "satisfied"} if method == "post" else None
    without = getattr(client, method)(url, body, content_type="application/json") if body else client.get(url)
    assert without.status_code == 401, (name, role)
    assert api(method, url, key=fangzi_key, **({"json": body} if body else {})).status_code == with_key


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_schema_and_docs_are_public(client, name):
    assert client.get(reverse(f"api:{name}")).status_code == 200
