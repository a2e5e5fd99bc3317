import pytest
from django.contrib import admin
from django.urls import reverse

from portal.accounts.models import AuditEvent, User
from portal.orgs.factories import make_credit_code
from portal.orgs.models import Department, DepartmentMembership, Enterprise, EnterpriseMembership, Pairing, Region
from portal.orgs.selectors import region_scope_for


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def inline_management(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def add(client, model: str, data: dict):
    app = {"user": "accounts"}.get(model, "orgs")
    response = client.post(f"/admin/{app}/{model}/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def new_user(client, username: str, phone: str, **roles) -> User:
    add(
        client,
        "user",
        {
            "username": username,
            "real_name": username.title(),
            "phone": phone,
            "email": "",
            "usable_password": "true",
            "password1": "Qingzhou#2026",
            "password2": "Qingzhou#2026",
            **{flag: "on" for flag, held in roles.items() if held},
        },
    )
    return User.objects.get(username=username)


def test_it_sets_up_a_new_district_from_the_admin_alone(admin_client, city, admin_user):
    add(
        admin_client,
        "region",
        {"code": "370781", "name": "青州市", "level": "district", "parent": city.pk, "sort_order": "7"},
    )
    district = Region.objects.get(code="370781")
    add(
        admin_client,
        "region",
        {"code": "370781001", "name": "王府街道", "level": "town", "parent": district.pk, "sort_order": "1"},
    )
    town = Region.objects.get(code="370781001")
    assert town.path == "/370700/370781/370781001/"

    add(
        admin_client,
        "department",
        {"name": "青州市住建局", "short_name": "住建局", "region": district.pk, "is_active": "on"},
    )
    bureau = Department.objects.get(name="青州市住建局")

    code = make_credit_code(77, "370781")
    add(
        admin_client,
        "enterprise",
        {
            "name": "青州示例机械有限公司",
            "credit_code": code,
            "region": town.pk,
            "industry": "manufacturing",
            "size": "small",
            "address": "王府街道 1 号",
            "contact_name": "王经理",
            "contact_phone": "13800000077",
            "legal_representative": "",
            **inline_management("memberships"),
            **inline_management("pairings"),
        },
    )
    enterprise = Enterprise.objects.get(credit_code=code)

    owner = new_user(admin_client, "qz_owner", "13700000001", is_enterprise_user=True)
    commissioner_a = new_user(admin_client, "qz_comm_a", "13700000002", is_commissioner=True)
    commissioner_b = new_user(admin_client, "qz_comm_b", "13700000003", is_commissioner=True)
    handler = new_user(admin_client, "qz_handler", "13700000004", is_handler=True)
    supervisor = new_user(admin_client, "qz_super", "13700000005", is_supervisor=True)
    assert owner.check_password("Qingzhou#2026") and commissioner_a.is_commissioner and not owner.is_staff

    add(admin_client, "enterprisemembership", {"user": owner.pk, "enterprise": enterprise.pk, "title": "总经理"})
    add(admin_client, "departmentmembership", {"user": handler.pk, "department": bureau.pk, "kind": "handler"})
    add(
        admin_client,
        "departmentmembership",
        {"user": commissioner_a.pk, "department": bureau.pk, "kind": "commissioner"},
    )
    for commissioner, role in ((commissioner_a, "A"), (commissioner_b, "B")):
        add(
            admin_client,
            "pairing",
            {
                "enterprise": enterprise.pk,
                "commissioner": commissioner.pk,
                "role": role,
                "starts_on": "2026-01-01",
                "ends_on": "",
            },
        )
    add(admin_client, "supervisorscope", {"user": supervisor.pk, "region": district.pk})

    assert EnterpriseMembership.objects.filter(user=owner, enterprise=enterprise).exists()
    assert DepartmentMembership.objects.filter(user=handler, department=bureau, kind="handler").exists()
    assert {(p.role, p.commissioner) for p in Pairing.objects.filter(enterprise=enterprise)} == {
        ("A", commissioner_a),
        ("B", commissioner_b),
    }
    assert set(region_scope_for(supervisor)) == {district, town}
    assert AuditEvent.objects.filter(action="role_change", actor=admin_user).count() == 5
    assert AuditEvent.objects.filter(action="pairing_change", actor=admin_user).count() == 2


def test_it_refuses_to_pair_someone_without_the_commissioner_role(admin_client, acme, alice):
    response = admin_client.post(
        "/admin/orgs/pairing/add/",
        {"enterprise": acme.pk, "commissioner": alice.pk, "role": "A", "starts_on": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "commissioner" in response.context["adminform"].form.errors
    assert not Pairing.objects.filter(commissioner=alice).exists()


def test_it_audits_pairing_changes_and_deletions(admin_client, bob, acme, admin_user):
    pairing = Pairing.objects.get(commissioner=bob)
    response = admin_client.post(
        f"/admin/orgs/pairing/{pairing.pk}/change/",
        {"enterprise": acme.pk, "commissioner": bob.pk, "role": "B", "starts_on": "2020-01-01", "ends_on": ""},
    )
    assert response.status_code == 302
    change = AuditEvent.objects.get(action="pairing_change", actor=admin_user)
    assert change.detail["before"]["role"] == "A" and change.detail["after"]["role"] == "B"
    assert change.ip_address == "127.0.0.1" and change.actor == admin_user
    assert f"pairing:{pairing.pk}" in change.target

    response = admin_client.post(f"/admin/orgs/pairing/{pairing.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deletion = AuditEvent.objects.filter(action="pairing_change").order_by("-pk").first()
    assert deletion.detail["before"]["commissioner_username"] == "bob" and deletion.detail["after"] is None


def test_it_audits_bulk_deletion_of_pairings(admin_client, admin_user, bob, bert, acme):
    pks = list(Pairing.objects.values_list("pk", flat=True))
    response = admin_client.post(
        "/admin/orgs/pairing/", {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Pairing.objects.exists()
    assert AuditEvent.objects.filter(action="pairing_change", actor=admin_user).count() == 2


def test_it_audits_pairings_edited_inline_on_the_enterprise(admin_client, admin_user, bob, bert, acme):
    pairings = list(Pairing.objects.filter(enterprise=acme).order_by("role"))
    data = {
        "name": acme.name,
        "credit_code": acme.credit_code,
        "region": acme.region_id,
        "industry": acme.industry,
        "size": acme.size,
        "address": "",
        "contact_name": "",
        "contact_phone": "",
        "legal_representative": "",
        **inline_management("memberships"),
        "pairings-TOTAL_FORMS": "2",
        "pairings-INITIAL_FORMS": "2",
        "pairings-MIN_NUM_FORMS": "0",
        "pairings-MAX_NUM_FORMS": "1000",
    }
    for i, pairing in enumerate(pairings):
        data.update(
            {
                f"pairings-{i}-id": pairing.pk,
                f"pairings-{i}-enterprise": acme.pk,
                f"pairings-{i}-commissioner": pairing.commissioner_id,
                f"pairings-{i}-role": pairing.role,
                f"pairings-{i}-starts_on": "2020-01-01",
                f"pairings-{i}-ends_on": "",
            }
        )
    data["pairings-0-ends_on"] = "2026-01-31"
    data["pairings-1-DELETE"] = "on"
    response = admin_client.post(f"/admin/orgs/enterprise/{acme.pk}/change/", data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    events = list(AuditEvent.objects.filter(action="pairing_change", actor=admin_user).order_by("pk"))
    assert [(e.detail["before"]["role"], bool(e.detail["after"])) for e in events] == [("A", True), ("B", False)]
    assert events[0].detail["after"]["ends_on"] == "2026-01-31"


def registered_models():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("model", [m for m, _ in registered_models()], ids=lambda m: m._meta.label)
def test_it_shows_every_model_in_the_admin_with_search(admin_client, model, acme, bob, dave):
    opts = model._meta
    model_admin = admin.site._registry[model]
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    if model_admin.search_fields:
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "13"})
        assert response.status_code == 200
    expected_add = 200 if model_admin.has_add_permission(response.wsgi_request) else 403
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == expected_add


@pytest.mark.parametrize("model", [m for m, _ in registered_models()], ids=lambda m: m._meta.label)
def test_it_uses_autocomplete_for_every_foreign_key(model):
    model_admin = admin.site._registry[model]
    skipped = set(model_admin.get_readonly_fields(None)) | set(model_admin.raw_id_fields)
    for field in model._meta.get_fields():
        if field.many_to_one and field.concrete and field.editable and field.name not in skipped:
            assert field.name in model_admin.autocomplete_fields, f"{model._meta.label}.{field.name}"


def test_it_offers_only_commissioners_when_pairing(admin_client, bob, alice, acme):
    response = admin_client.get(
        "/admin/autocomplete/", {"app_label": "orgs", "model_name": "pairing", "field_name": "commissioner", "term": ""}
    )
    names = {item["text"] for item in response.json()["results"]}
    assert bob.real_name in names and alice.real_name not in names
