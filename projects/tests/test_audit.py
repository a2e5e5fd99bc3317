"""A key project's commissioners see its requests: who they are is audited."""

import pytest

from portal.accounts.models import AuditEvent
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_it_records_commissioners_given_to_a_project_in_the_admin(admin_client, admin_user, kuiwen, bob, bert):
    project = Project.objects.create(name="潍坊高端装备产业园", region=kuiwen)
    project.commissioners.add(bob)
    response = admin_client.post(
        f"/admin/projects/project/{project.pk}/change/",
        {
            "name": project.name,
            "region": kuiwen.pk,
            "enterprise": "",
            "stage": project.stage,
            "level": project.level,
            "total_investment": "0",
            "planned_investment": "0",
            "completed_investment": "0",
            "leader": "",
            "commissioners": [bert.pk],
        },
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.11",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = AuditEvent.objects.filter(action="access_change", actor=admin_user, target_type="projects.project")
    assert [event.changes["commissioners"] for event in rows.order_by("pk")] == [
        {"before": ["鲍勃"], "after": []},
        {"before": [], "after": ["伯特"]},
    ]
    assert all(event.ip_address and event.via == "admin" for event in rows)
