"""Every named URL of the portal × every role: the notification centre, cards and the shell here; the
issues and supervision apps keep their own matrices. An unlisted URL name anywhere fails the inventory."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from issues.models import Card, CardKind
from issues.tests.factories import make_request
from issues.tests.test_authz import MATRIX as ISSUES_MATRIX
from portal.notifications.models import Notification
from supervision.tests.test_matrix import CASES as SUPERVISION_MATRIX

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "dora", "dan", "admin_user"]


def expect(default, **overrides):
    return {role: overrides.get(role, default) for role in ROLES if role != "anonymous"}


# name → (method, which object the URL takes, expected status per role)
MATRIX = {
    "home": ("get", None, expect(302, admin_user=302)),
    "accounts:profile": ("get", None, expect(200)),
    "accounts:password_change": ("get", None, expect(200)),
    "accounts:two_factor": ("get", None, expect(200, alice=404)),
    "accounts:two_factor_codes": ("get", None, expect(302)),  # nothing new to show: back to the two-factor page
    "notifications:list": ("get", None, expect(200)),
    "notifications:bell": ("get", None, expect(200)),
    "notifications:read_all": ("post", None, expect(302)),
    "notifications:open": ("get", "alice_note", expect(404, alice=302)),
    "notifications:read": ("post", "alice_note", expect(404, alice=302)),
    "notifications:status": ("get", None, expect(302, admin_user=200)),
    "cards:list": ("get", None, expect(403, dave=200, dora=200, dan=200)),
    "cards:revoke": ("post", "card", expect(404, dave=302, dora=302)),
}
# Reached without logging in, or served by Django itself.
PUBLIC = {"accounts:login", "accounts:logout", "accounts:two_factor_verify", "set_language", "favicon"}


def _names(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _names(entry.url_patterns, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def test_it_lists_every_named_url_of_the_portal_in_some_matrix():
    covered = set(MATRIX) | PUBLIC | {f"issues:{n}" for n in ISSUES_MATRIX}
    covered |= {n if ":" in n else f"supervision:{n}" for n in SUPERVISION_MATRIX}
    missing = set(_names(get_resolver().url_patterns)) - covered
    assert not missing, f"add these URLs to an authorization matrix: {sorted(missing)}"


@pytest.fixture
def objects(alice, bob, acme, commerce_bureau):
    req = make_request(acme, alice)
    note = Notification.objects.create(user=alice, kind="test", title="t", url=f"/requests/{req.pk}/")
    card = Card.objects.create(request=req, unit=commerce_bureau, region=req.region, kind=CardKind.YELLOW)
    return {"alice_note": note.pk, "card": card.pk}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_answers_each_role_as_listed(
    client, request, objects, alice, bob, carol, dave, dora, dan, admin_user, name, role
):
    method, obj, expected = MATRIX[name]
    url = reverse(name, args=[objects[obj]] if obj else [])
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    data = {"reason": "误判，已核实按时交办"} if name == "cards:revoke" else {}
    response = getattr(client, method)(url, data)
    if role == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"], (name, response.status_code)
    else:
        assert response.status_code == expected[role], (name, role, response.status_code)


def test_it_serves_the_favicon_to_everyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.ico")
