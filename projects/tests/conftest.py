import datetime
from decimal import Decimal

import pytest

from portal.orgs import factories as f
from projects.models import Leader, Project, ProjectPairing


@pytest.fixture
def leader(kuiwen):
    return Leader.objects.create(name="王建国", title="奎文区副区长", region=kuiwen)


@pytest.fixture
def pat(db):
    """A commissioner serving the project only (not paired with its owner enterprise)."""
    return f.UserFactory(username="pat", real_name="帕特", phone="13900000020", is_commissioner=True)


@pytest.fixture
def project(kuiwen, acme, leader, pat, bob):
    project = Project.objects.create(
        name="潍坊高端装备产业园",
        region=kuiwen,
        enterprise=acme,
        leader=leader,
        total_investment=Decimal("50000"),
        planned_investment=Decimal("12000"),
        reports_from=datetime.date(2026, 1, 1),
        stage_changed_on=datetime.date(2026, 1, 1),
        last_progress_on=datetime.date(2026, 1, 1),
    )
    ProjectPairing.objects.create(project=project, commissioner=pat, role="A", starts_on=datetime.date(2025, 1, 1))
    ProjectPairing.objects.create(project=project, commissioner=bob, role="B", starts_on=datetime.date(2025, 1, 1))
    return project
