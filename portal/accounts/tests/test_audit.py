from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.utils import timezone

from portal.accounts.models import AuditEvent

PASSWORD = "Portal#2026"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "real_name": user.real_name,
        "phone": user.phone or "",
        "email": user.email,
        "language": user.language,
        "is_active": "on" if user.is_active else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    for flag in ("is_enterprise_user", "is_commissioner", "is_handler", "is_supervisor", "is_staff", "is_superuser"):
        if getattr(user, flag):
            data[flag] = "on"
    for key, value in changes.items():
        if value is True:
            data[key] = "on"
        elif value is False:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_it_records_a_login_with_the_ip(client, bob):
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login")
    assert (event.actor, event.username, event.ip_address) == (bob, "bob", "10.20.30.40")


def test_it_records_a_failed_login_with_the_attempted_name(client, bob):
    client.post("/accounts/login/", {"username": "bob", "password": "nope"}, REMOTE_ADDR="10.20.30.41")
    event = AuditEvent.objects.get(action="login_failed")
    assert (event.actor, event.username, event.ip_address) == (None, "bob", "10.20.30.41")


def test_it_records_a_logout(client, bob):
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="logout", actor=bob).exists()


def test_it_records_a_role_change_made_in_the_admin(admin_client, admin_user, carol):
    response = admin_client.post(
        f"/admin/accounts/user/{carol.pk}/change/",
        user_form(carol, is_supervisor=True, is_staff=True, notify_channels="[]"),
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    carol.refresh_from_db()
    assert carol.is_supervisor and carol.is_staff
    event = AuditEvent.objects.get(action="role_change", actor=admin_user)
    assert event.actor == admin_user and event.ip_address == "10.1.1.1"
    assert event.target == f"user:{carol.pk} carol"
    assert event.detail["before"]["is_supervisor"] is False and event.detail["after"]["is_supervisor"] is True
    assert sorted(event.detail["changed"]) == ["is_staff", "is_supervisor"]


def test_it_does_not_record_a_role_change_for_other_edits(admin_client, admin_user, carol):
    response = admin_client.post(
        f"/admin/accounts/user/{carol.pk}/change/", user_form(carol, real_name="卡罗尔·新", notify_channels="[]")
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="role_change", actor=admin_user).exists()


def test_it_shows_the_audit_log_read_only(admin_client, bob):
    event = AuditEvent.objects.create(action="login", actor=bob, username="bob", ip_address="10.0.0.9")
    listing = admin_client.get("/admin/accounts/auditevent/", {"q": "10.0.0.9"})
    assert listing.status_code == 200 and b"10.0.0.9" in listing.content
    assert admin_client.get("/admin/accounts/auditevent/", {"action__exact": "login"}).status_code == 200
    assert admin_client.get(f"/admin/accounts/auditevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "logout", "username": "x"})
    event.refresh_from_db()
    assert (event.action, event.username) == ("login", "bob")


def test_it_refuses_to_change_or_delete_an_audit_event(bob):
    event = AuditEvent.objects.create(action="login", actor=bob, username="bob")
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_it_purges_only_events_older_than_the_retention(bob, settings):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=181), tick=False):
        old = AuditEvent.objects.create(action="login", actor=bob, username="bob")
    with time_machine.travel(now - timedelta(days=179), tick=False):
        recent = AuditEvent.objects.create(action="login", actor=bob, username="bob")
    with time_machine.travel(now, tick=False):
        out = StringIO()
        call_command("purge_audit", "--dry-run", stdout=out)
        assert out.getvalue().startswith("1 ")
        assert AuditEvent.objects.filter(pk=old.pk).exists()
        call_command("purge_audit", stdout=StringIO())
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_it_refuses_a_retention_below_180_days(settings):
    from django.core.management.base import CommandError

    settings.AUDIT_RETENTION_DAYS = 30
    with pytest.raises(CommandError):
        call_command("purge_audit", stdout=StringIO())


def test_it_records_the_client_address_behind_the_proxy_not_the_proxy(client, bob):
    client.post(
        "/accounts/login/",
        {"username": "bob", "password": "nope"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.21",
    )
    client.post(
        "/accounts/login/",
        {"username": "bob", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.22",
    )
    client.post("/accounts/logout/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.23")
    sign_ins = AuditEvent.objects.filter(action__in=["login_failed", "login", "logout"])
    addresses = dict(sign_ins.values_list("action", "ip_address"))
    assert addresses == {"login_failed": "198.51.100.21", "login": "198.51.100.22", "logout": "198.51.100.23"}


def test_it_records_a_lockout_of_an_account_once(client, bob):
    for attempt in range(7):
        client.post(
            "/accounts/login/",
            {"username": "13900000002" if attempt % 2 else "bob", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{30 + attempt}",
        )
    event = AuditEvent.objects.get(action="locked_out")
    assert (event.username, event.target, event.ip_address) == ("bob", "user:bob", "198.51.100.34")
    assert event.detail == {"locked": ["account"], "failures": {"account": 5, "address": 1}}
    assert AuditEvent.objects.filter(action="login_failed").count() == 7


def test_it_records_a_lockout_of_a_spraying_address(client, bob):
    for attempt in range(5):
        client.post(
            "/accounts/login/",
            {"username": f"nobody{attempt}", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.40",
        )
    event = AuditEvent.objects.get(action="locked_out")
    assert (event.username, event.target, event.ip_address) == ("nobody4", "address:198.51.100.40", "198.51.100.40")
    assert event.detail["locked"] == ["address"]


def test_it_records_a_new_lockout_after_the_cool_off(client, bob):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(2):
            for _ in range(5):
                client.post(
                    "/accounts/login/",
                    {"username": "bob", "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR="198.51.100.41",
                )
            traveller.shift(timedelta(minutes=16))
    assert AuditEvent.objects.filter(action="locked_out").count() == 2


# Changes of rights, wherever they are made. Requests arrive as they do behind nginx: from the proxy on
# 127.0.0.1 with the client in X-Forwarded-For; the row holds whatever the client-address helper makes of it.
BEHIND_PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_REAL_IP": "203.0.113.7"}


def proxied_client_ip() -> str:
    from django.test import RequestFactory

    from portal.accounts.audit import client_ip

    address = client_ip(RequestFactory().get("/", **BEHIND_PROXY))
    assert address
    return address


def latest(action: str, **filters) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, **filters).order_by("-pk").first()


def test_it_records_a_deactivation_made_in_the_admin_with_the_client_address(admin_client, admin_user, carol):
    response = admin_client.post(
        f"/admin/accounts/user/{carol.pk}/change/",
        user_form(carol, is_active=False, notify_channels="[]"),
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    event = latest("role_change", actor=admin_user)
    assert (event.username, event.via, event.ip_address) == ("admin", "admin", proxied_client_ip())
    assert (event.target_type, event.target_id, event.object_repr) == ("accounts.user", str(carol.pk), "carol")
    assert event.changes == {"is_active": {"before": True, "after": False}}


def test_it_records_commissioner_and_superuser_flags(admin_client, admin_user, carol):
    response = admin_client.post(
        f"/admin/accounts/user/{carol.pk}/change/",
        user_form(carol, is_commissioner=True, is_staff=True, is_superuser=True, notify_channels="[]"),
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    event = latest("role_change", actor=admin_user)
    assert event.changes == {
        "is_commissioner": {"before": False, "after": True},
        "is_staff": {"before": False, "after": True},
        "is_superuser": {"before": False, "after": True},
    }


def test_it_records_groups_and_permissions_given_in_the_admin(admin_client, admin_user, carol):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="数据管理员")
    permission = Permission.objects.get(codename="view_auditevent")
    response = admin_client.post(
        f"/admin/accounts/user/{carol.pk}/change/",
        user_form(carol, groups=[group.pk], user_permissions=[permission.pk], notify_channels="[]"),
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="role_change", actor=admin_user, target_id=str(carol.pk))
    changes = {name: values for event in events for name, values in event.changes.items()}
    assert changes["groups"] == {"before": [], "after": ["数据管理员"]}
    assert changes["user_permissions"] == {"before": [], "after": [str(permission)]}
    assert all(event.ip_address == proxied_client_ip() for event in events)


def test_it_records_permissions_given_to_a_group(admin_client, admin_user):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="督导组")
    permission = Permission.objects.get(codename="view_auditevent")
    response = admin_client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "督导组", "permissions": [permission.pk]}, **BEHIND_PROXY
    )
    assert response.status_code == 302
    event = latest("role_change", actor=admin_user, target_type="auth.group")
    assert event.changes == {"permissions": {"before": [], "after": [str(permission)]}}


def test_it_records_a_password_set_by_an_administrator_without_the_password(admin_client, admin_user, carol):
    response = admin_client.post(
        f"/admin/accounts/user/{carol.pk}/password/",
        {"usable_password": "true", "password1": "Xin#Mima2026q", "password2": "Xin#Mima2026q"},
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    carol.refresh_from_db()
    assert carol.check_password("Xin#Mima2026q")
    event = AuditEvent.objects.get(action="password_change", actor=admin_user)
    assert (event.object_repr, event.detail["by"], event.ip_address) == ("carol", "administrator", proxied_client_ip())
    assert event.changes == {}
    assert "Xin#Mima2026q" not in str(event.detail) and carol.password not in str(event.detail)
    assert not AuditEvent.objects.filter(action="role_change", actor=admin_user).exists()


def test_it_records_a_user_changing_their_own_password(client, carol):
    client.force_login(carol)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Xin#Mima2026q", "new_password2": "Xin#Mima2026q"},
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="password_change", target_id=str(carol.pk))
    assert (event.actor, event.detail["by"], event.ip_address) == (carol, "user", proxied_client_ip())


class UpgradedHasher(MD5PasswordHasher):
    algorithm = "md5_upgraded"


def test_it_does_not_count_a_rehash_at_login_as_a_password_change(client, carol, settings):
    settings.PASSWORD_HASHERS = [
        f"{__name__}.UpgradedHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = AuditEvent.objects.filter(action="password_change").count()
    response = client.post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302
    carol.refresh_from_db()
    assert carol.password.startswith("md5_upgraded$")  # re-hashed and saved during the login
    assert AuditEvent.objects.filter(action="password_change").count() == before


def test_it_names_the_management_command_when_there_is_no_user(carol):
    call_command(
        "shell",
        command=(
            "from portal.accounts.models import User\n"
            "user = User.objects.get(username='carol')\n"
            "user.is_supervisor = True\n"
            "user.set_password('Xin#Mima2026q')\n"
            "user.save()\n"
        ),
    )
    event = latest("role_change", target_id=str(carol.pk))
    assert (event.actor, event.username, event.via) == (None, "command:shell", "command:shell")
    assert event.changes == {"is_supervisor": {"before": False, "after": True}}
    password = latest("password_change", target_id=str(carol.pk))
    assert (password.username, password.detail["by"]) == ("command:shell", "command")


def test_it_names_the_actor_given_to_a_service_call(admin_user, carol):
    from portal.accounts.audit import audit_context

    with audit_context(actor=admin_user, via="service"):
        carol.is_active = False
        carol.save(update_fields=["is_active"])
    event = latest("role_change", target_id=str(carol.pk))
    assert (event.actor, event.via, event.changes) == (
        admin_user,
        "service",
        {"is_active": {"before": True, "after": False}},
    )


def test_it_records_a_new_user_and_a_deleted_one(admin_user):
    from portal.accounts.audit import audit_context
    from portal.accounts.models import User

    with audit_context(actor=admin_user):
        user = User.objects.create_user("wang", password=PASSWORD, is_handler=True)
        pk = user.pk
        user.delete()
    created, deleted = AuditEvent.objects.filter(action="role_change", target_id=str(pk)).order_by("pk")
    assert created.detail["created"] and created.changes["is_handler"] == {"before": None, "after": True}
    assert deleted.detail["deleted"] and deleted.changes["is_handler"] == {"before": True, "after": None}
    assert created.actor == deleted.actor == admin_user


def test_it_leaves_the_last_login_out_of_the_log(client, carol):
    before = AuditEvent.objects.exclude(action__in=["login"]).count()
    client.post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    assert AuditEvent.objects.exclude(action__in=["login"]).count() == before


def test_it_shows_the_changes_readably_and_never_lets_them_be_edited(admin_client, admin_user, carol, settings):
    admin_client.post(
        f"/admin/accounts/user/{carol.pk}/change/", user_form(carol, is_active=False, notify_channels="[]")
    )
    event = latest("role_change", actor=admin_user)
    page = admin_client.get(f"/admin/accounts/auditevent/{event.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "<th>字段</th><th>变更前</th><th>变更后</th>" in page.content.decode()
    assert "<tr><th>启用</th><td>是</td><td>否</td></tr>" in page.content.decode()
    admin_client.cookies["django_language"] = "en"
    english = admin_client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert "<tr><th>active</th><td>Yes</td><td>No</td></tr>" in english.content.decode()

    listing = admin_client.get(
        "/admin/accounts/auditevent/", {"action__exact": "role_change", "actor__id__exact": admin_user.pk}
    )
    assert listing.status_code == 200 and "carol" in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert admin_client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(
        "/admin/accounts/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    admin_client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "login", "changes": "{}"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.changes) == ("role_change", {"is_active": {"before": True, "after": False}})


def test_it_records_users_added_to_a_group_from_the_group_side(admin_user, carol, dave):
    from django.contrib.auth.models import Group

    from portal.accounts.audit import audit_context

    group = Group.objects.create(name="审计员")
    with audit_context(actor=admin_user):
        group.user_set.add(carol, dave)
        group.user_set.clear()
    rows = AuditEvent.objects.filter(action="role_change", actor=admin_user, target_type="accounts.user")
    seen = sorted((event.object_repr, event.changes["groups"]["after"]) for event in rows)
    assert seen == [("carol", []), ("carol", ["审计员"]), ("dave", []), ("dave", ["审计员"])]
