import pytest

from api.models import Client

pytestmark = pytest.mark.django_db


def test_an_administrator_registers_a_client_with_its_service_account(client, admin_user, kuiwen):
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/client/add/",
        {
            "name": "奎文区12345热线",
            "contact": "值班室 0536-12345",
            "regions": [kuiwen.pk],
            "actions": ["file", "read"],
            "allowed_addresses": "10.20.0.0/16",
            "rate_limit": 60,
            "webhook_url": "https://hotline.example.gov.cn/hooks/portal",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    registered = Client.objects.get()
    assert registered.actions == ["file", "read"] and len(registered.webhook_secret) >= 40
    assert not registered.user.has_usable_password() and registered.user.real_name == "奎文区12345热线"


def test_it_refuses_an_address_list_that_is_not_addresses(client, admin_user, kuiwen):
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/client/add/",
        {"name": "x", "contact": "y", "regions": [kuiwen.pk], "allowed_addresses": "hotline.example", "rate_limit": 60},
    )
    assert response.status_code == 200 and not Client.objects.exists()
    assert "不是 IP 地址或网段" in response.content.decode()


def test_a_change_of_a_clients_scope_is_audited(kuiwen, fangzi):
    from portal.accounts.models import AuditEvent

    from .conftest import make_client

    hotline = make_client("奎文区12345热线", [kuiwen])
    hotline.regions.add(fangzi)
    hotline.personal_data = True
    hotline.save()
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_CHANGE, target_type__icontains="client")
    assert rows.count() >= 3  # created, a region added, personal data granted
