"""Who acts for which enterprise, works in which unit and supervises which area: every change is audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from portal.accounts.audit import client_ip
from portal.accounts.models import AuditEvent
from portal.orgs import importing
from portal.orgs.models import DepartmentMembership, EnterpriseMembership, Pairing, SupervisorScope
from portal.orgs.tests.helpers import row, xlsx_bytes

BEHIND_PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.8", "HTTP_X_REAL_IP": "203.0.113.8"}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def proxied_client_ip() -> str:
    address = client_ip(RequestFactory().get("/", **BEHIND_PROXY))
    assert address
    return address


def events(action: str, model, **filters):
    return AuditEvent.objects.filter(action=action, target_type=model._meta.label_lower, **filters).order_by("pk")


def test_it_records_a_supervisors_scope_moved_in_the_admin(admin_client, admin_user, dora, kuiwen, fangzi):
    scope = SupervisorScope.objects.get(user=dora)
    response = admin_client.post(
        f"/admin/orgs/supervisorscope/{scope.pk}/change/", {"user": dora.pk, "region": fangzi.pk}, **BEHIND_PROXY
    )
    assert response.status_code == 302
    (event,) = events("access_change", SupervisorScope, actor=admin_user)
    assert (event.username, event.via, event.ip_address) == ("admin", "admin", proxied_client_ip())
    assert event.target_id == str(scope.pk) and "朵拉" in event.object_repr
    assert event.changes == {
        "region": {"before": {"id": kuiwen.pk, "repr": "奎文区"}, "after": {"id": fangzi.pk, "repr": "坊子区"}}
    }


def test_it_records_a_scope_removed_in_the_admin(admin_client, admin_user, dora, kuiwen):
    scope = SupervisorScope.objects.get(user=dora)
    response = admin_client.post(f"/admin/orgs/supervisorscope/{scope.pk}/delete/", {"post": "yes"}, **BEHIND_PROXY)
    assert response.status_code == 302
    (event,) = events("access_change", SupervisorScope, actor=admin_user)
    assert event.detail["deleted"] and event.changes["region"] == {
        "before": {"id": kuiwen.pk, "repr": "奎文区"},
        "after": None,
    }


def test_it_records_a_department_membership_added_in_the_admin(admin_client, admin_user, carol, housing_bureau):
    response = admin_client.post(
        "/admin/orgs/departmentmembership/add/",
        {"user": carol.pk, "department": housing_bureau.pk, "kind": "handler"},
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    membership = DepartmentMembership.objects.get(user=carol, department=housing_bureau)
    (event,) = events("access_change", DepartmentMembership, actor=admin_user)
    assert event.target_id == str(membership.pk) and event.detail["created"]
    assert event.ip_address == proxied_client_ip()
    assert event.changes == {
        "user": {"before": None, "after": {"id": carol.pk, "repr": "卡罗尔"}},
        "department": {"before": None, "after": {"id": housing_bureau.pk, "repr": "奎文区住建局"}},
        "kind": {"before": None, "after": "handler"},
    }


def test_it_records_an_enterprise_membership_added_and_changed_in_the_admin(admin_client, admin_user, alice, globex):
    response = admin_client.post(
        "/admin/orgs/enterprisemembership/add/",
        {"user": alice.pk, "enterprise": globex.pk, "title": "会计"},
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    membership = EnterpriseMembership.objects.get(user=alice, enterprise=globex)
    response = admin_client.post(
        f"/admin/orgs/enterprisemembership/{membership.pk}/change/",
        {"user": alice.pk, "enterprise": globex.pk, "title": "财务总监"},
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    added, changed = events("access_change", EnterpriseMembership, actor=admin_user)
    assert added.changes["enterprise"] == {"before": None, "after": {"id": globex.pk, "repr": globex.name}}
    assert changed.changes == {"title": {"before": "会计", "after": "财务总监"}}
    assert changed.ip_address == proxied_client_ip()


def test_it_records_pairings_changed_by_the_import_through_the_admin(admin_client, admin_user, acme, bob, bert):
    data = xlsx_bytes([row(acme.name, acme.credit_code, primary="bert", backup="bob")])
    response = admin_client.post(
        "/admin/orgs/enterprise/import/",
        {"step": "upload", "file": SimpleUploadedFile("swap.xlsx", data)},
        **BEHIND_PROXY,
    )
    token = response.context["token"]
    response = admin_client.post("/admin/orgs/enterprise/import/", {"step": "confirm", "token": token}, **BEHIND_PROXY)
    assert response.status_code == 302
    rows = list(events("pairing_change", Pairing, actor=admin_user))
    assert len(rows) == 4
    assert {(e.via, e.ip_address) for e in rows} == {("import", proxied_client_ip())}
    yesterday = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    ended = [e for e in rows if not e.detail.get("created")]
    assert [e.changes for e in ended] == [{"ends_on": {"before": None, "after": yesterday}}] * 2
    created = [e for e in rows if e.detail.get("created")]
    assert {(e.changes["role"]["after"], e.changes["commissioner"]["after"]["id"]) for e in created} == {
        ("A", bert.pk),
        ("B", bob.pk),
    }


def test_it_records_the_import_called_directly_as_made_by_its_actor(admin_user, acme, bob, carl):
    preview = importing.parse_workbook(xlsx_bytes([row(acme.name, acme.credit_code, primary="carl")]))
    importing.import_apply(preview=preview, actor=admin_user)
    rows = list(events("pairing_change", Pairing, actor=admin_user))
    assert len(rows) == 2 and {e.via for e in rows} == {"import"}
    assert all(e.ip_address is None and e.username == "admin" for e in rows)


def test_it_records_a_scope_given_from_a_management_command(dave, kuiwen):
    call_command(
        "shell",
        command=(
            "from portal.accounts.models import User\n"
            "from portal.orgs.models import Region, SupervisorScope\n"
            "SupervisorScope.objects.create(user=User.objects.get(username='dave'), "
            "region=Region.objects.get(code='370705'))\n"
        ),
    )
    event = events("access_change", SupervisorScope).last()
    assert (event.actor, event.username, event.via) == (None, "command:shell", "command:shell")
    assert event.changes["region"] == {"before": None, "after": {"id": kuiwen.pk, "repr": "奎文区"}}
