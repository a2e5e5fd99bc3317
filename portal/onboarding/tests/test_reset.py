"""Password reset by SMS code or e-mail link, and the first sign-in of an account an administrator made."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import AuditEvent, User
from portal.onboarding.models import PhoneCode

from .sms import last_code, texts_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xin#mima2026"
BEHIND_PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.20"}


def ask(client, identifier, **extra):
    return client.post(reverse("onboarding:reset"), {"identifier": identifier}, **extra)


def confirm(client, phone, code):
    data = {"phone": phone, "code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return client.post(reverse("onboarding:reset_code"), data)


def test_it_resets_alices_password_by_sms_code_once(client, alice):
    response = ask(client, alice.phone)
    assert response.status_code == 302 and response["Location"] == reverse("onboarding:reset_code")
    code = last_code(alice.phone)
    assert confirm(client, alice.phone, code)["Location"] == reverse("accounts:login")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    response = confirm(client, alice.phone, code)  # single use
    assert response.status_code == 200 and "已过期" in response.content.decode()
    steps = AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_RESET).values_list("detail__step", flat=True)
    assert sorted(steps) == ["completed", "requested"]


def test_it_answers_the_same_for_a_mobile_without_an_account(client, alice):
    known = ask(client, alice.phone, **BEHIND_PROXY)
    page_known = client.get(known["Location"]).content.decode().replace(alice.phone, "")
    unknown = ask(client, "13800009999", **BEHIND_PROXY)
    page_unknown = client.get(unknown["Location"]).content.decode().replace("13800009999", "")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    strip = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')
    assert strip.sub("", page_known) == strip.sub("", page_unknown)
    assert not texts_to("13800009999")  # nothing is sent, but the send is counted like any other
    assert PhoneCode.objects.filter(recipient="13800009999").count() == 1
    response = confirm(client, "13800009999", "000000")
    assert response.status_code == 200 and "已过期" in response.content.decode()


def test_it_answers_the_same_for_an_e_mail_without_an_account(client, alice, django_capture_on_commit_callbacks):
    alice.email = "alice@acme.example"
    alice.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        known = ask(client, "Alice@acme.example")
    unknown = ask(client, "nobody@acme.example")
    assert known["Location"] == unknown["Location"] == reverse("onboarding:reset_sent")
    assert [m.to for m in mail.outbox] == [["alice@acme.example"]]
    link = re.search(r"https?://\S+/password-reset/email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(path, data)["Location"] == reverse("accounts:login")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 400  # the link is spent with the old password


def test_it_refuses_a_reset_code_after_ten_minutes(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ask(client, alice.phone)
        traveller.shift(timedelta(minutes=10, seconds=1))
        response = confirm(client, alice.phone, last_code(alice.phone))
    assert response.status_code == 200
    alice.refresh_from_db()
    assert not alice.check_password(NEW_PASSWORD)


def test_it_stops_guessing_after_five_wrong_codes(client, alice):
    ask(client, alice.phone)
    code = last_code(alice.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        confirm(client, alice.phone, wrong)
    assert confirm(client, alice.phone, code).status_code == 200
    alice.refresh_from_db()
    assert not alice.check_password(NEW_PASSWORD)


def test_it_limits_reset_codes_per_mobile_whether_or_not_it_has_an_account(client, alice):
    start = timezone.now()
    for phone in (alice.phone, "13800009999"):
        for n in range(5):
            with time_machine.travel(start + timedelta(minutes=2 * n), tick=False):
                assert ask(client, phone).status_code == 302
        with time_machine.travel(start + timedelta(minutes=11), tick=False):
            response = ask(client, phone)
        assert response.status_code == 200 and "次数过多" in response.content.decode()
    assert len(texts_to(alice.phone)) == 5
    with time_machine.travel(start + timedelta(minutes=70), tick=False):
        assert ask(client, alice.phone).status_code == 302


def test_it_limits_reset_codes_per_client_address_behind_the_proxy(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(20):
            ask(client, f"138000100{n:02d}", **BEHIND_PROXY)
        response = ask(client, alice.phone, **BEHIND_PROXY)
        assert "网络" in response.content.decode() and not texts_to(alice.phone)
        spoofed = {**BEHIND_PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.20"}
        assert "网络" in ask(client, alice.phone, **spoofed).content.decode()
        elsewhere = {**BEHIND_PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
        assert ask(client, alice.phone, **elsewhere).status_code == 302
    assert PhoneCode.objects.filter(client_ip="203.0.113.20").count() == 20


# --- First sign-in of an account an administrator created ------------------------------------------


def test_an_account_the_admin_adds_must_change_its_password_first(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "zhaoliu",
            "real_name": "赵六",
            "phone": "13600000001",
            "email": "",
            "usable_password": "true",
            "password1": "Chushi#2026pw",
            "password2": "Chushi#2026pw",
            "is_enterprise_user": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="zhaoliu")
    assert user.must_change_password

    client.force_login(user)
    assert client.get(reverse("issues:my_requests"))["Location"] == reverse("accounts:password_change")
    for open_path in (reverse("accounts:password_change"), "/healthz", "/i18n/setlang/"):
        response = client.get(open_path)
        assert response.status_code != 302 or response["Location"] != reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Chushi#2026pw", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("issues:my_requests")).status_code == 200


def test_a_staff_member_who_must_enrol_does_that_before_changing_the_password(client, settings, bob):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["commissioner"]
    bob.must_change_password = True
    bob.save(update_fields=["must_change_password"])
    client.force_login(bob)
    response = client.get(reverse("issues:queue"))
    assert response["Location"] == reverse("accounts:two_factor")
    assert client.get(reverse("accounts:two_factor")).status_code == 200  # no redirect loop between the two


def test_a_password_reset_lifts_the_first_sign_in_change(client, alice):
    alice.must_change_password = True
    alice.save(update_fields=["must_change_password"])
    ask(client, alice.phone)
    confirm(client, alice.phone, last_code(alice.phone))
    alice.refresh_from_db()
    assert not alice.must_change_password
