"""The 133 policy and the calendar corrections move deadlines: every change is audited with its values."""

import datetime

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from issues.models import HolidayOverride, SlaPolicy
from portal.accounts.audit import client_ip
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

BEHIND_PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_REAL_IP": "203.0.113.9"}


def proxied_client_ip() -> str:
    address = client_ip(RequestFactory().get("/", **BEHIND_PROXY))
    assert address
    return address


def rule_changes(model, **filters):
    return AuditEvent.objects.filter(action="rule_change", target_type=model._meta.label_lower, **filters).order_by(
        "pk"
    )


def policy_form(region, **values) -> dict:
    return {
        "region": region.pk,
        "assign_days": 1,
        "answer_days": 3,
        "working_days": "on",
        "reminder_lead_hours": 4,
        "evaluation_reminder_days": 2,
        "auto_close_days": 7,
        "co_opinion_days": 2,
        **values,
    }


def test_it_records_a_133_policy_created_and_changed_in_the_admin(admin_client, admin_user, kuiwen):
    response = admin_client.post("/admin/issues/slapolicy/add/", policy_form(kuiwen), **BEHIND_PROXY)
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(region=kuiwen)
    response = admin_client.post(
        f"/admin/issues/slapolicy/{policy.pk}/change/",
        policy_form(kuiwen, answer_days=5, working_days=""),
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    created, changed = rule_changes(SlaPolicy, actor=admin_user)
    assert created.detail["created"] and created.changes["answer_days"] == {"before": None, "after": 3}
    assert changed.changes == {
        "answer_days": {"before": 3, "after": 5},
        "working_days": {"before": True, "after": False},
    }
    assert (changed.username, changed.via, changed.ip_address) == ("admin", "admin", proxied_client_ip())
    assert changed.target_id == str(policy.pk) and "奎文区" in changed.object_repr


def test_it_records_holiday_overrides_added_and_removed_in_the_admin(admin_client, admin_user):
    response = admin_client.post(
        "/admin/issues/holidayoverride/add/", {"date": "2026-12-31", "note": "市政府临时调休"}, **BEHIND_PROXY
    )
    assert response.status_code == 302
    override = HolidayOverride.objects.get(date=datetime.date(2026, 12, 31))
    response = admin_client.post(
        f"/admin/issues/holidayoverride/{override.pk}/delete/", {"post": "yes"}, **BEHIND_PROXY
    )
    assert response.status_code == 302
    added, removed = rule_changes(HolidayOverride, actor=admin_user)
    assert added.changes == {
        "date": {"before": None, "after": "2026-12-31"},
        "is_working_day": {"before": None, "after": False},
        "note": {"before": None, "after": "市政府临时调休"},
    }
    assert removed.detail["deleted"] and removed.changes["date"] == {"before": "2026-12-31", "after": None}
    assert removed.ip_address == proxied_client_ip()


def test_it_records_a_policy_changed_from_a_management_command(kuiwen):
    SlaPolicy.objects.create(region=kuiwen)
    call_command(
        "shell",
        command=(
            "from issues.models import SlaPolicy\n"
            "policy = SlaPolicy.objects.get(region__code='370705')\n"
            "policy.assign_days = 2\n"
            "policy.save()\n"
        ),
    )
    event = rule_changes(SlaPolicy).last()
    assert (event.actor, event.username, event.via) == (None, "command:shell", "command:shell")
    assert event.changes == {"assign_days": {"before": 1, "after": 2}}
