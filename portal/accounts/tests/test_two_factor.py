"""Two-factor sign-in: enrolment, the code step after the password, recovery codes, enforcement and reset."""

import os
import re
import subprocess
import sys
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import AuditEvent

LOGIN_URL = "/accounts/login/"
VERIFY_URL = "/accounts/two-factor/"
ENROL_URL = "/accounts/profile/two-factor/"
CODES_URL = "/accounts/profile/two-factor/recovery-codes/"
PASSWORD = "Portal#2026"
WRONG = "验证码不正确或已过期"
PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_REAL_IP": "203.0.113.7"}


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step):06d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {code_for(device, steps_ahead=n) for n in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def enrolled(user, recovery: list[str] | None = None) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    for token in recovery or ["abcd2345", "efgh6723"]:
        StaticToken.objects.create(device=static, token=token)
    return device


def sign_in(client, username, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": PASSWORD, "next": "/accounts/profile/"}, **extra)


def actions_of(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(target__startswith=f"user:{user.pk} ", action__startswith="two_factor").values_list(
            "action", flat=True
        )
    )


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["administrator", "supervisor"]


# --- Enrolment -------------------------------------------------------------------------------------


def test_it_enrols_bob_with_a_first_code_and_shows_the_recovery_codes_once(client, bob):
    client.force_login(bob)
    page = client.get(ENROL_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<?xml" not in html  # the QR code inline, nothing to fetch
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    device = TOTPDevice.objects.get(user=bob)
    assert not device.confirmed
    shown = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', html).group(1)
    assert b32decode(shown.replace(" ", "")) == device.bin_key
    assert client.get(ENROL_URL).content.decode().count(shown) == 1  # a reload keeps the same key

    response = client.post(ENROL_URL, {"code": wrong_code(device)})
    assert WRONG in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        response = client.post(ENROL_URL, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == CODES_URL
    device.refresh_from_db()
    assert device.confirmed

    page = client.get(CODES_URL).content.decode()
    codes = re.findall(r'<li class="col mb-1">([a-z2-7]{8})</li>', page)
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=bob).values_list("token", flat=True))
    assert client.get(CODES_URL)["Location"] == ENROL_URL  # shown once
    assert client.get("/accounts/profile/").status_code == 200  # the enrolling session counts as verified
    assert actions_of(bob) == [AuditEvent.Action.TWO_FACTOR_ENROLLED, AuditEvent.Action.TWO_FACTOR_FAILED]


def test_it_regenerates_recovery_codes_and_the_old_ones_stop_working(client, bob):
    device = enrolled(bob, ["oldcode2"])
    client.post(LOGIN_URL, {"username": "bob", "password": PASSWORD})
    client.post(VERIFY_URL, {"code": code_for(device)})

    response = client.post(ENROL_URL, {"action": "regenerate"})
    assert response["Location"] == CODES_URL
    codes = re.findall(r'<li class="col mb-1">([a-z2-7]{8})</li>', client.get(CODES_URL).content.decode())
    assert len(codes) == 10 and "oldcode2" not in codes
    assert not StaticToken.objects.filter(token="oldcode2").exists()
    assert AuditEvent.Action.TWO_FACTOR_CODES_REGENERATED in actions_of(bob)


def test_it_lets_carol_turn_two_factor_off_with_a_current_code(client, carol):
    device = enrolled(carol)
    client.post(LOGIN_URL, {"username": "carol", "password": PASSWORD})
    with time_machine.travel(timezone.now() - timedelta(seconds=60)):
        client.post(VERIFY_URL, {"code": code_for(device)})

    assert WRONG in client.post(ENROL_URL, {"action": "disable", "code": "abc"}).content.decode()
    assert TOTPDevice.objects.filter(user=carol).exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        response = client.post(ENROL_URL, {"action": "disable", "code": code_for(device)})
    assert response["Location"] == "/accounts/profile/"
    assert not TOTPDevice.objects.filter(user=carol).exists()
    assert not StaticDevice.objects.filter(user=carol).exists()
    assert actions_of(carol)[0] == AuditEvent.Action.TWO_FACTOR_DISABLED
    assert sign_in(client, "carol")["Location"] == "/accounts/profile/"  # password only again


def test_it_shows_the_state_in_the_profile_of_staff_only(client, bob, alice):
    client.force_login(bob)
    assert 'id="two-factor"' in client.get("/accounts/profile/").content.decode()
    client.force_login(alice)
    assert 'id="two-factor"' not in client.get("/accounts/profile/").content.decode()
    assert client.get(ENROL_URL).status_code == 404


# --- Signing in --------------------------------------------------------------------------------------


def test_it_asks_bob_for_a_code_after_the_password_and_then_signs_him_in(client, bob):
    device = enrolled(bob)
    response = sign_in(client, "bob", **PROXY)
    assert response["Location"] == VERIFY_URL
    assert "_auth_user_id" not in client.session  # not logged in on the password alone
    assert client.get("/accounts/profile/")["Location"].startswith(LOGIN_URL)

    page = client.get(VERIFY_URL).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    response = client.post(VERIFY_URL, {"code": code_for(device)}, **PROXY)
    assert response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(bob.pk)
    assert client.get("/accounts/profile/").status_code == 200
    row = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_VERIFIED)
    assert row.actor == bob
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=bob).exists()


def test_it_refuses_a_wrong_code_audits_it_and_throttles_the_next_try(client, bob):
    device = enrolled(bob)
    sign_in(client, "bob")
    wrong = wrong_code(device)
    response = client.post(VERIFY_URL, {"code": wrong})
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert wrong not in response.content.decode()  # the field is emptied for the next try
    assert 'aria-invalid="true"' in response.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(VERIFY_URL, {"code": code_for(device)})  # right, but within the back-off
    assert "_auth_user_id" not in client.session
    assert "请稍候" in response.content.decode() or "Wait" in response.content.decode()
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_FAILED, actor=bob)
    assert failed.count() == 2
    assert failed.filter(detail__throttled=True).count() == 1

    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        device.refresh_from_db()
        response = client.post(VERIFY_URL, {"code": code_for(device)})
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_it_accepts_a_recovery_code_only_once(client, bob):
    enrolled(bob, ["abcd2345", "efgh6723"])
    sign_in(client, "bob")
    response = client.post(VERIFY_URL, {"code": "ABCD-2345"})
    assert response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(bob.pk)
    row = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_RECOVERY_USED)
    assert row.detail == {"left": 1}

    client.post("/accounts/logout/")
    sign_in(client, "bob")
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = client.post(VERIFY_URL, {"code": "abcd2345"})
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_forgets_a_password_step_left_waiting_for_five_minutes(client, bob):
    device = enrolled(bob)
    sign_in(client, "bob")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        device.refresh_from_db()
        response = client.post(VERIFY_URL, {"code": code_for(device)})
    assert response["Location"] == LOGIN_URL
    assert "_auth_user_id" not in client.session


def test_it_needs_the_password_step_before_the_code_page(client, bob):
    enrolled(bob)
    assert client.get(VERIFY_URL)["Location"] == LOGIN_URL


def test_it_never_asks_alice_for_a_code(client, alice, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["commissioner", "handler", "supervisor", "administrator"]
    enrolled(alice)  # even with a device somehow on file
    response = sign_in(client, "alice")
    assert response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.get("/accounts/profile/").status_code == 200


# --- Enforcement -------------------------------------------------------------------------------------


def test_it_sends_dave_to_enrolment_and_nowhere_else_when_his_role_requires_it(client, dave, required):
    response = sign_in(client, "dave")
    assert client.session["_auth_user_id"] == str(dave.pk)
    assert client.get(response["Location"])["Location"] == ENROL_URL
    for url in ("/", "/accounts/profile/", "/accounts/password/", "/supervision/", "/admin/"):
        assert client.get(url)["Location"] == ENROL_URL, url
    hx = client.get("/accounts/profile/", HTTP_HX_REQUEST="true")
    assert hx["HX-Redirect"] == ENROL_URL
    page = client.get(ENROL_URL)
    assert page.status_code == 200
    assert "您的角色要求" in page.content.decode()
    assert client.post("/i18n/setlang/", {"language": "en", "next": ENROL_URL}).status_code == 302
    assert client.get("/static/css/portal.css").status_code != 302
    assert client.post("/accounts/logout/")["Location"] == LOGIN_URL


def test_it_lets_dave_in_once_enrolled(client, dave, required):
    sign_in(client, "dave")
    client.get(ENROL_URL)
    device = TOTPDevice.objects.get(user=dave)
    client.post(ENROL_URL, {"code": code_for(device)})
    client.get(CODES_URL)
    assert client.get("/accounts/profile/").status_code == 200


def test_it_lets_carol_skip_enrolment_while_it_is_optional_for_handlers(client, carol, required):
    sign_in(client, "carol")
    assert client.get("/accounts/profile/").status_code == 200


def test_it_leaves_dave_alone_when_enforcement_is_off(client, dave, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    response = sign_in(client, "dave")
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200


def test_it_requires_a_verified_session_for_the_admin(client, admin_user, required):
    enrolled(admin_user)
    client.force_login(admin_user)  # a session that never gave a code
    response = client.get("/admin/")
    assert response["Location"].startswith(LOGIN_URL)
    assert "_auth_user_id" not in client.session


def test_it_sends_the_admin_login_form_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_it_lets_an_administrator_reset_bob_and_audits_it(client, admin_user, bob, carol):
    enrolled(bob)
    admin_device = enrolled(admin_user)
    sign_in(client, "admin")
    client.post(VERIFY_URL, {"code": code_for(admin_device)})

    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [bob.pk, carol.pk]},
        **PROXY,
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert not StaticDevice.objects.filter(user=bob).exists()
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    row = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_RESET)
    assert row.actor == admin_user
    assert row.target == f"user:{bob.pk} bob"
    assert row.detail["removed"] >= 2
    assert sign_in(client, "bob")["Location"] == "/accounts/profile/"  # password only until he enrols again


def test_it_keeps_device_secrets_out_of_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


# --- The setting -----------------------------------------------------------------------------------


def required_roles_with(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("PRODUCTION", "TWO_FACTOR_REQUIRED_ROLES")}
    return subprocess.run(
        [sys.executable, "-c", "from portal import settings; print(','.join(settings.TWO_FACTOR_REQUIRED_ROLES))"],
        env={**base, **env},
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )


PRODUCTION_ENV = {"PRODUCTION": "true", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.example.gov.cn"}


@pytest.mark.parametrize(
    ("env", "roles"),
    [
        ({}, ""),  # development: the demo logins sign in with their password
        (PRODUCTION_ENV, "administrator,supervisor"),
        ({**PRODUCTION_ENV, "TWO_FACTOR_REQUIRED_ROLES": ""}, ""),
        ({"TWO_FACTOR_REQUIRED_ROLES": "administrator, supervisor,handler"}, "administrator,supervisor,handler"),
    ],
)
def test_it_reads_the_required_roles_from_the_environment(env, roles):
    result = required_roles_with(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == roles


def test_it_refuses_to_require_it_of_enterprise_users():
    result = required_roles_with(TWO_FACTOR_REQUIRED_ROLES="supervisor,enterprise")
    assert result.returncode != 0
    assert "TWO_FACTOR_REQUIRED_ROLES" in result.stderr
