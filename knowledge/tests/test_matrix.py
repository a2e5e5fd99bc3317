"""Every knowledge URL × every role: the expected status. The portal's inventory test includes these."""

import pytest
from django.urls import reverse

from issues.tests.factories import make_request
from knowledge.tests.factories import published

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "dora", "dan", "admin_user"]


def expect(default, **overrides):
    return {role: overrides.get(role, default) for role in ROLES if role != "anonymous"}


@pytest.fixture
def objects(alice, dave, acme):
    entry = published(dave, title="稳岗返还怎么申请", body="登录人社网上办事大厅申请。")
    req = make_request(acme, alice)
    return {"entry": entry.pk, "req": req.pk}


# name → (method, object, data, expected status per signed-in role)
CASES = {
    "list": ("get", None, {}, expect(200)),
    "detail": ("get", "entry", {}, expect(200)),
    "create": ("get", None, {}, expect(403, carol=200, dave=200, dora=200, dan=200)),
    # the whole-city entry: only dave (city supervisor) manages it; the others may read it but not change it
    "publish": ("post", "entry", {}, expect(403, dave=302)),
    "retire": ("post", "entry", {}, expect(403, dave=302)),
    "suggest": ("get", None, {"title": "稳岗返还"}, expect(403, alice=200)),
    "deflect": ("post", None, {"entry": "entry"}, expect(403, alice=302)),
    "for_me": ("get", None, {}, expect(403, alice=200)),
    # bob is acme's A角; the supervisors see the request but do not dispatch
    "dispatch_hint": ("get", "req", {}, expect(403, bob=200)),
    "dashboard": ("get", None, {}, expect(403, dave=200, dora=200, dan=200)),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_answers_each_role_as_listed(client, request, objects, name, role):
    method, obj, data, expected = CASES[name]
    url = reverse(f"knowledge:{name}", args=[objects[obj]] if obj else [])
    data = {k: objects.get(v, v) for k, v in data.items()}
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url, data)
    if role == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"], (name, response.status_code)
    else:
        assert response.status_code == expected[role], (name, role, response.status_code)
