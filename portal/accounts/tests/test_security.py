from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.accounts.masking import mask_id_number, mask_phone

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOGIN_URL = "/accounts/login/"
PASSWORD = "Portal#2026"


def login(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def test_it_locks_an_account_after_five_failed_logins_for_fifteen_minutes(client, bob):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        for _ in range(4):
            response = login(client, "bob", "wrong-password")
            assert response.status_code == 200  # the form again, with the warning
        response = login(client, "bob", "wrong-password")
        assert response.status_code == 429
        response = login(client, "bob", PASSWORD)
        assert response.status_code == 429
        assert "registration/locked_out.html" in [t.name for t in response.templates]
        assert "_auth_user_id" not in client.session

        traveller.shift(timedelta(minutes=14))
        assert login(client, "bob", PASSWORD).status_code == 429  # an attempt while locked restarts the 15 minutes

        traveller.shift(timedelta(minutes=16))
        response = login(client, "bob", PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(bob.pk)


def test_it_locks_logins_by_phone_number_too(client, bob):
    for _ in range(5):
        login(client, "13900000002", "wrong-password")
    assert login(client, "13900000002", PASSWORD).status_code == 429


def test_it_locks_the_account_whether_typed_as_username_or_phone(client, bob):
    for attempt in range(5):
        login(client, "bob" if attempt % 2 else "13900000002", "wrong-password")
    assert login(client, "13900000002", PASSWORD).status_code == 429
    assert login(client, "bob", PASSWORD).status_code == 429


def test_it_locks_the_account_from_every_address(client, bob):
    for _ in range(5):
        client.post(LOGIN_URL, {"username": "bob", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(LOGIN_URL, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429


def test_it_locks_an_address_that_fails_against_many_accounts(client, bob, alice):
    for name in ("nobody1", "nobody2", "nobody3", "alice", "nobody4"):
        client.post(LOGIN_URL, {"username": name, "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(LOGIN_URL, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert client.post(LOGIN_URL, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_it_does_not_lock_after_four_failures(client, bob):
    for _ in range(4):
        login(client, "bob", "wrong-password")
    assert login(client, "bob", PASSWORD).status_code == 302


def test_it_logs_in_with_the_phone_number(client, bob):
    assert login(client, "13900000002", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


@pytest.fixture
def start():
    return datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def test_it_keeps_a_session_alive_for_29_idle_minutes(client, bob, start):
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(bob)
        assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/accounts/profile/").status_code == 200
        # Every request restarts the idle clock.
        traveller.shift(timedelta(minutes=29))
        assert client.get("/accounts/profile/").status_code == 200


def test_it_logs_out_after_31_idle_minutes(client, bob, start):
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(bob)
        assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/accounts/profile/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)


def test_it_logs_out_an_open_tab_whose_only_traffic_is_background_polling(client, bob, start):
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(bob)
        assert client.get("/accounts/profile/").status_code == 200
        for _ in range(40):  # the bell polls every 30 s for 20 minutes, then 11 more minutes pass
            traveller.shift(timedelta(seconds=30))
            assert client.get("/notifications/bell/", HTTP_HX_REQUEST="true", HTTP_X_PORTAL_POLL="1").status_code == 200
        traveller.shift(timedelta(minutes=11))
        response = client.get("/notifications/bell/", HTTP_HX_REQUEST="true", HTTP_X_PORTAL_POLL="1")
        assert response.status_code == 302 and response["HX-Redirect"].startswith(LOGIN_URL)
        assert client.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize(
    "password",
    [
        "Ab#1",  # too short
        "8264917305",  # digits only
        "qwertzuiopasd",  # lower-case letters only
        "password123",  # common, two classes
        "Bobsmith#2026",  # too close to the username
    ],
)
def test_it_rejects_weak_passwords(password, db):
    from portal.accounts.models import User

    user = User(username="bobsmith2026", real_name="Bob Smith")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_it_accepts_a_strong_password(db):
    from portal.accounts.models import User

    validate_password("Weifang#Qiye2026", User(username="bob"))


def test_it_requires_three_character_classes(db):
    with pytest.raises(ValidationError) as caught:
        validate_password("lowercaseandd1gits")
    assert "password_too_simple" in [e.code for e in caught.value.error_list]


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13912345678", "139****5678"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
    ],
)
def test_it_masks_phone_numbers(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("370702199001011234", "3707**********1234"),
        ("12345678", "********"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_masks_id_numbers(number, masked):
    assert mask_id_number(number) == masked


def test_it_sets_the_security_settings(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60 and settings.SESSION_COOKIE_AGE >= settings.SESSION_IDLE_TIMEOUT
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AUDIT_RETENTION_DAYS >= 180
