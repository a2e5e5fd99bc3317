"""Colleagues: a member invites by SMS link; the managing member removes one who left, ending access at once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import AuditEvent, User
from portal.orgs import factories as f
from portal.orgs.models import EnterpriseMembership

from .sms import texts_to

pytestmark = pytest.mark.django_db

COLLEAGUE = "13700000055"


def invite(client, user, phone=COLLEAGUE, **extra):
    client.force_login(user)
    return client.post(reverse("onboarding:members"), {"phone": phone}, **extra)


def link_in(text: str) -> str:
    return re.search(r"https?://testserver(/join/\S+/)", text).group(1)


def test_alice_invites_a_colleague_who_joins_by_the_link_once(client, alice, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(client, alice).status_code == 302
    path = link_in(texts_to(COLLEAGUE)[-1])
    client.logout()
    data = {"real_name": "李娜", "password1": "Tongshi#2026", "password2": "Tongshi#2026"}
    assert client.post(path, data)["Location"] == reverse("accounts:login")
    colleague = User.objects.get(phone=COLLEAGUE)
    assert colleague.is_enterprise_user
    assert EnterpriseMembership.objects.filter(user=colleague, enterprise=acme).exists()
    assert client.get(path).status_code == 400
    steps = AuditEvent.objects.filter(action=AuditEvent.Action.REGISTRATION).values_list("detail__step", flat=True)
    assert sorted(steps) == ["invitation_accepted", "invited"]


def test_an_invitation_expires_after_seven_days(client, alice, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            invite(client, alice)
        traveller.shift(timedelta(days=7, minutes=1))
        response = client.get(link_in(texts_to(COLLEAGUE)[-1]))
    assert response.status_code == 400 and "已过期" in response.content.decode()


def test_it_refuses_to_invite_a_mobile_already_in_use(client, alice, bob):
    response = invite(client, alice, phone=bob.phone)
    assert response.status_code == 200 and "已有账号" in response.content.decode()
    assert not texts_to(bob.phone)


def test_the_managing_member_removes_a_colleague_and_their_session_ends_at_once(client, alice, acme):
    membership = alice.enterprise_memberships.get()
    membership.is_manager = True
    membership.save(update_fields=["is_manager"])
    leaver = f.UserFactory(username="leaver", phone="13700000056", is_enterprise_user=True)
    f.member(leaver, acme)
    other = type(client)()
    other.force_login(leaver)
    assert other.get(reverse("issues:my_requests")).status_code == 200

    client.force_login(alice)
    leaving = leaver.enterprise_memberships.get()
    assert client.post(reverse("onboarding:member_remove", args=[leaving.pk])).status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active and not EnterpriseMembership.objects.filter(user=leaver).exists()
    assert other.get(reverse("issues:my_requests")).status_code == 302  # signed out
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBER_REMOVED)
    assert event.actor == alice and event.detail["sessions_ended"] == 1


def test_only_the_managing_member_removes_and_there_is_one_per_enterprise(client, alice, acme):
    colleague = f.UserFactory(username="colleague", phone="13700000057", is_enterprise_user=True)
    f.member(colleague, acme)
    client.force_login(alice)
    membership = colleague.enterprise_memberships.get()
    assert client.post(reverse("onboarding:member_remove", args=[membership.pk])).status_code == 403
    assert EnterpriseMembership.objects.filter(pk=membership.pk).exists()
    EnterpriseMembership.objects.filter(user=alice).update(is_manager=True)
    with pytest.raises(IntegrityError):
        EnterpriseMembership.objects.filter(pk=membership.pk).update(is_manager=True)


def test_the_proposer_of_a_new_enterprise_becomes_its_managing_member(client, kuiwen, admin_user):
    from .test_registration import apply

    app = apply(client, kuiwen)
    client.force_login(admin_user)
    client.post(reverse("onboarding:application_detail", args=[app.pk]), {"decision": "approve"})
    assert EnterpriseMembership.objects.get(user__phone=app.phone).is_manager


def test_the_colleagues_page_pins_its_queries(client, alice, acme, django_assert_max_num_queries):
    for n in range(5):
        f.member(f.UserFactory(username=f"c{n}", phone=f"137000004{n:02d}", is_enterprise_user=True), acme)
    client.force_login(alice)
    with django_assert_max_num_queries(8):  # session, user, memberships, colleagues per enterprise, nav, bell
        response = client.get(reverse("onboarding:members"))
    assert response.content.decode().count("1370000040") == 5
