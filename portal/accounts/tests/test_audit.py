from datetime import timedelta
from io import StringIO

import pytest
import time_machine
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
