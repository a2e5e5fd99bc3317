"""A key project's commissioners see its requests: who they are, and for which period, is audited."""

import pytest

from portal.accounts.models import AuditEvent
from projects.models import Project, ProjectPairing

pytestmark = pytest.mark.django_db


def _form(project, kuiwen, pairings):
    data = {
        "name": project.name,
        "region": kuiwen.pk,
        "enterprise": "",
        "industry": "other",
        "level": project.level,
        "total_investment": "0",
        "planned_investment": "0",
        "completed_investment": "0",
        "site_address": "",
        "leader": "",
        "visit_every_days": "7",
        "reports_from": "2026-01-01",
        "pairings-TOTAL_FORMS": str(len(pairings)),
        "pairings-INITIAL_FORMS": str(sum(1 for p in pairings if p.get("id"))),
        "pairings-MIN_NUM_FORMS": "0",
        "pairings-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(pairings):
        for key, value in row.items():
            data[f"pairings-{index}-{key}"] = value
    return data


def test_it_records_commissioners_given_to_a_project_in_the_admin(admin_client, admin_user, kuiwen, bob, bert):
    project = Project.objects.create(name="潍坊高端装备产业园", region=kuiwen)
    pairing = ProjectPairing.objects.create(project=project, commissioner=bob, role="A")
    rows = [
        {
            "id": str(pairing.pk),
            "project": str(project.pk),
            "commissioner": str(bob.pk),
            "role": "A",
            "starts_on": str(pairing.starts_on),
            "DELETE": "on",
        },
        {"project": str(project.pk), "commissioner": str(bert.pk), "role": "A", "starts_on": "2026-01-01"},
    ]
    response = admin_client.post(
        f"/admin/projects/project/{project.pk}/change/",
        _form(project, kuiwen, rows),
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.11",
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    events = AuditEvent.objects.filter(action="pairing_change", actor=admin_user, target_type="projects.projectpairing")
    assert events.count() == 2
    assert all(event.ip_address and event.via == "admin" for event in events)
    assert list(project.pairings.values_list("commissioner__username", flat=True)) == [bert.username]


def test_it_refuses_a_completed_investment_beyond_the_total_without_the_flag(admin_client, kuiwen):
    project = Project.objects.create(name="潍坊高端装备产业园", region=kuiwen)
    data = _form(project, kuiwen, [])
    data.update(total_investment="100", completed_investment="120")
    response = admin_client.post(f"/admin/projects/project/{project.pk}/change/", data, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert "completed_investment" in response.context["adminform"].form.errors
    data["exceeds_total"] = "on"
    response = admin_client.post(f"/admin/projects/project/{project.pk}/change/", data, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.completed_investment == 120
