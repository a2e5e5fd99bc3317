from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.masking import mask_id_number, mask_phone

from . import PRODUCTION_ENV, settings_values

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


def test_it_writes_the_activity_at_most_every_30_seconds_and_never_ends_a_session_early(client, bob, start):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def saves(**headers) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/accounts/profile/", **headers).status_code == 200
        return sum(q["sql"].startswith('UPDATE "django_session"') for q in ctx.captured_queries)

    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(bob)
        assert saves() == 1  # the first page of a session
        traveller.shift(timedelta(seconds=29))
        assert saves() == 0  # activity 29 s later: the time kept stays
        traveller.shift(timedelta(seconds=1))
        assert saves(HTTP_X_PORTAL_POLL="1") == 0  # polling is never activity
        assert saves() == 1  # 30 s after the time kept
        traveller.shift(timedelta(seconds=29))
        assert saves() == 0  # active now, but the time kept is 29 s old
        traveller.shift(timedelta(minutes=30))  # 30 idle minutes since the last page
        assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert client.get("/accounts/profile/").status_code == 302


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


# Behind the proxy: every request comes from nginx on 127.0.0.1 and names the client in its headers.
PROXY = "127.0.0.1"


def login_via_proxy(client, username, password, client_address, header="HTTP_X_FORWARDED_FOR"):
    return client.post(
        LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=PROXY, **{header: client_address}
    )


def test_it_does_not_lock_out_other_clients_when_one_client_sprays_random_usernames(client, bob, admin_user):
    for attempt in range(5):
        login_via_proxy(client, f"nobody{attempt}", "wrong", "198.51.100.1")

    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.1").status_code == 429  # the sprayer is locked
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.2").status_code == 302
    client.post("/accounts/logout/")
    assert login_via_proxy(client, "admin", PASSWORD, "198.51.100.2").status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_it_locks_the_sprayer_named_by_x_real_ip_alone(client, bob):
    for attempt in range(5):
        login_via_proxy(client, f"nobody{attempt}", "wrong", "198.51.100.3", header="HTTP_X_REAL_IP")
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.3", header="HTTP_X_REAL_IP").status_code == 429
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.4", header="HTTP_X_REAL_IP").status_code == 302


def test_it_locks_an_account_that_fails_from_five_different_clients(client, bob, alice):
    for attempt in range(5):
        login_via_proxy(client, "bob", "wrong", f"198.51.100.{10 + attempt}")

    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.99").status_code == 429
    assert login_via_proxy(client, "13900000002", PASSWORD, "198.51.100.98").status_code == 429
    # The clients themselves are not locked: each failed once.
    assert login_via_proxy(client, "alice", PASSWORD, "198.51.100.10").status_code == 302


def test_it_ignores_a_forwarded_header_from_a_client_that_is_not_the_proxy(client, bob):
    for attempt in range(5):
        client.post(
            LOGIN_URL,
            {"username": f"nobody{attempt}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    # Inventing a new X-Forwarded-For for each try does not escape the lock on the real address...
    credentials = {"username": "bob", "password": PASSWORD}
    response = client.post(LOGIN_URL, credentials, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert response.status_code == 429
    # ...and nobody else was locked by it.
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.0").status_code == 302


def test_it_cannot_be_tricked_into_locking_another_client_by_a_forged_hop(client, bob):
    # A client prepends the victim's address; nginx (setting, not appending) or an appending proxy
    # still puts the real client right-most, and that is the address counted.
    for attempt in range(5):
        login_via_proxy(client, f"nobody{attempt}", "wrong", "198.51.100.50, 198.51.100.66")
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.50").status_code == 302
    client.post("/accounts/logout/")
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.66").status_code == 429


@pytest.mark.parametrize(
    "password",
    [
        "15905360001Aa",  # the phone number with two letters
        "Aa#15905360001",
        "Wangxiaoming#1",  # close to the username
        "Xx#wangxiaoming9",  # contains the username
        "王小明@2026Ab",  # contains the real name
        "Zhangwei#2026",  # contains the e-mail's local part
        "Xy#wang.xiaoming",
    ],
)
def test_it_rejects_passwords_made_of_personal_information(password, db):
    from portal.accounts.models import User

    user = User(username="wang.xiaoming", phone="15905360001", real_name="王小明", email="zhangwei@example.gov.cn")
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    assert "password_too_similar" in [e.code for e in caught.value.error_list]


@pytest.mark.parametrize(
    "password",
    [
        "Gov#Portal2026cn",  # shares only the mail domain
        "Weifang@2026Qy",  # shares only the short syllable "wei" of wang.wei
    ],
)
def test_it_accepts_a_password_that_shares_only_short_or_public_pieces(password, db):
    from portal.accounts.models import User

    user = User(username="wang.wei", phone="15905360001", real_name="王伟", email="wang.wei@example.gov.cn")
    validate_password(password, user)


def test_it_says_in_chinese_which_personal_information_the_password_contains(db):
    from django.utils import translation

    from portal.accounts.models import User

    user = User(username="qiye01", phone="15905360001")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password("15905360001Aa", user)
    assert "密码不能包含该账号的手机号，也不能与之相近。" in caught.value.messages


def test_it_rejects_the_phone_as_password_when_the_user_changes_it(client, bob):
    client.force_login(bob)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "13900000002Aa", "new_password2": "13900000002Aa"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "密码不能包含该账号的手机号" in response.content.decode()
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)


def test_it_rejects_the_real_name_as_password_when_an_administrator_sets_it(client, admin_user, bob):
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{bob.pk}/password/",
        {"password1": "鲍勃#Portal2026", "password2": "鲍勃#Portal2026", "usable_password": "true"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert "password_too_similar" in [e.code for field in errors.values() for e in field]
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)


def test_it_rejects_the_phone_as_password_when_an_administrator_creates_a_user(client, admin_user):
    from portal.accounts.models import User

    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "qiye01",
            "real_name": "",
            "phone": "15905360001",
            "email": "",
            "usable_password": "true",
            "password1": "15905360001Aa",
            "password2": "15905360001Aa",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for field in errors.values() for e in field] == ["password_too_similar"]
    assert not User.objects.filter(username="qiye01").exists()


def test_it_requires_a_new_login_twelve_hours_after_sign_in_however_active(client, bob, start):
    with time_machine.travel(start, tick=False) as traveller:
        assert login(client, "bob", PASSWORD).status_code == 302
        for _ in range(11 * 3 + 2):  # a request every 20 minutes for 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(timedelta(minutes=21))  # 12 h 1 min after sign-in
        response = client.get("/accounts/profile/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.redirect_chain[0][0].startswith(LOGIN_URL)
        assert "登录已超过12小时，请重新登录" in response.content.decode()
        assert "_auth_user_id" not in client.session

        # A new login starts a new 12 hours.
        assert login(client, "bob", PASSWORD).status_code == 302
        traveller.shift(timedelta(minutes=20))
        assert client.get("/accounts/profile/").status_code == 200


def test_it_ends_a_polling_tab_at_the_absolute_lifetime_too(client, bob, start, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 60 * 60
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(bob)
        for _ in range(3):
            traveller.shift(timedelta(minutes=20))
            assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(timedelta(minutes=1))
        response = client.get("/notifications/bell/", HTTP_HX_REQUEST="true", HTTP_X_PORTAL_POLL="1")
        assert response.status_code == 302 and response["HX-Redirect"].startswith(LOGIN_URL)


def test_it_reads_the_absolute_session_lifetime_from_the_environment(settings):
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    values = settings_values({**PRODUCTION_ENV, "SESSION_ABSOLUTE_TIMEOUT": "28800"}, "SESSION_ABSOLUTE_TIMEOUT")
    assert values == {"SESSION_ABSOLUTE_TIMEOUT": 28800}


def test_it_marks_the_language_cookie_secure_in_production():
    names = ("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE")
    assert settings_values(PRODUCTION_ENV, *names) == dict(zip(names, [True, True, "Lax"], strict=True))
    assert settings_values({"PRODUCTION": "false"}, "LANGUAGE_COOKIE_SECURE") == {"LANGUAGE_COOKIE_SECURE": False}


@pytest.mark.parametrize("how", ["profile", "switch"])
def test_it_sets_the_language_cookie_with_the_production_flags(client, bob, settings, how):
    settings.LANGUAGE_COOKIE_SECURE = True
    client.force_login(bob)
    if how == "profile":
        response = client.post("/accounts/profile/", {"real_name": "鲍勃", "email": "", "language": "en"})
    else:
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies["django_language"]
    assert cookie.value == "en"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.parametrize("url", ["/accounts/profile/", "/admin/", "/notifications/bell/"])
def test_it_keeps_pages_for_a_signed_in_user_out_of_every_cache(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/"])
def test_it_sends_a_content_security_policy_on_admin_pages(client, admin_user, url):
    # (/admin/login/ sends visitors to the portal's own sign-in, which asks for the second factor.)
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    policy = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
    )
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


def test_it_keeps_counting_a_sprayer_who_logs_into_their_own_account_between_guesses(client, alice, bob):
    for attempt in range(4):
        login_via_proxy(client, f"nobody{attempt}", "wrong", "198.51.100.60")
    assert login_via_proxy(client, "alice", PASSWORD, "198.51.100.60").status_code == 302
    client.post("/accounts/logout/")
    login_via_proxy(client, "nobody4", "wrong", "198.51.100.60")
    assert login_via_proxy(client, "alice", PASSWORD, "198.51.100.60").status_code == 429


def test_it_clears_an_accounts_failures_when_its_owner_logs_in(client, bob):
    for attempt in range(4):
        login_via_proxy(client, "bob", "wrong", f"198.51.100.{70 + attempt}")
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.74").status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(4):
        login_via_proxy(client, "bob", "wrong", "198.51.100.75")
    assert login_via_proxy(client, "bob", PASSWORD, "198.51.100.76").status_code == 302
