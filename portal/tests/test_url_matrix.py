"""Every named URL of the portal × every role: the notification centre, cards and the shell here; the
issues, projects and supervision apps keep their own matrices. An unlisted URL name anywhere fails the inventory."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.tests.test_matrix import MATRIX as API_MATRIX
from issues.models import Card, CardKind
from issues.tests.factories import make_request
from issues.tests.test_authz import MATRIX as ISSUES_MATRIX
from knowledge.tests.test_matrix import CASES as KNOWLEDGE_MATRIX
from portal.notifications.models import Notification
from portal.onboarding.models import Application
from projects.tests.test_views import MATRIX as PROJECTS_MATRIX
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
    "onboarding:application_list": ("get", None, expect(403, bob=200, admin_user=200)),
    "onboarding:application_detail": ("get", "application", expect(404, bob=200, admin_user=200)),
    "onboarding:members": ("get", None, expect(403, alice=200)),
    "onboarding:member_remove": ("post", "membership", expect(403)),  # alice is no managing member
}
# Reached without logging in, or served by Django itself.
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor_verify",
    "set_language",
    # Registration and password reset are for people who cannot sign in (yet).
    "onboarding:register",
    "onboarding:register_verify",
    "onboarding:register_done",
    "onboarding:reset",
    "onboarding:reset_sent",
    "onboarding:reset_code",
    "onboarding:reset_email",
    "onboarding:invitation_accept",
    "favicon",
}


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
    covered |= {f"api:{n}" for n in API_MATRIX}
    covered |= {f"projects:{n}" for n in PROJECTS_MATRIX}
    covered |= {f"knowledge:{n}" for n in KNOWLEDGE_MATRIX}
    missing = set(_names(get_resolver().url_patterns)) - covered
    assert not missing, f"add these URLs to an authorization matrix: {sorted(missing)}"


@pytest.fixture
def objects(alice, bob, acme, commerce_bureau):
    req = make_request(acme, alice)
    note = Notification.objects.create(user=alice, kind="test", title="t", url=f"/requests/{req.pk}/")
    card = Card.objects.create(request=req, unit=commerce_bureau, region=req.region, kind=CardKind.YELLOW)
    application = Application.objects.create(
        kind=Application.Kind.JOIN,
        credit_code=acme.credit_code,
        enterprise_name=acme.name,
        region=acme.region,
        industry=acme.industry,
        size=acme.size,
        contact_name="张伟",
        phone="13700000077",
        enterprise=acme,
    )
    membership = alice.enterprise_memberships.get()
    return {"alice_note": note.pk, "card": card.pk, "application": application.pk, "membership": membership.pk}


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


@pytest.mark.parametrize(
    "name",
    [
        "onboarding:register",
        "onboarding:register_done",
        "onboarding:reset",
        "onboarding:reset_sent",
        "onboarding:reset_code",
    ],
)
def test_the_registration_and_reset_pages_open_without_signing_in(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_it_serves_the_favicon_to_everyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.ico")
