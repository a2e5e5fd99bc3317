"""Who sees which project, and the stalled / late definitions under each region's policy."""

import datetime

import pytest

from projects.models import Project, ProjectPairing, ProjectPolicy, Stage
from projects.selectors import decorate, project_visible_to

pytestmark = pytest.mark.django_db


def _visible(user):
    return set(project_visible_to(user).values_list("name", flat=True))


def test_each_role_sees_its_own_projects(
    project, alice, bob, carl, carol, dave, dora, dan, admin_user, pat, fangzi, globex
):
    other = Project.objects.create(name="环球新材料项目", region=fangzi, enterprise=globex)
    assert _visible(alice) == {project.name}
    assert _visible(pat) == {project.name}
    assert _visible(carl) == {other.name}  # paired with globex, the owner
    assert _visible(carol) == set()
    assert _visible(dave) == {project.name, other.name}
    assert _visible(dora) == {project.name}
    assert _visible(dan) == {other.name}
    assert _visible(admin_user) == {project.name, other.name}


def test_a_pairing_counts_only_in_its_period(project, pat):
    ProjectPairing.objects.filter(commissioner=pat).update(starts_on=datetime.date(2099, 1, 1))
    assert _visible(pat) == set()


def test_stalled_and_late_follow_the_regions_policy(project, kuiwen, city):
    today = datetime.date(2026, 6, 1)
    Project.objects.filter(pk=project.pk).update(
        last_progress_on=datetime.date(2026, 4, 1), reported_through=datetime.date(2026, 5, 15)
    )
    project.refresh_from_db()
    assert decorate([project], today)[0].stalled  # 61 days without progress, the default is 60
    assert not decorate([project], today)[0].report_late  # 16–31 May is due only after 3 June
    assert decorate([project], datetime.date(2026, 6, 4))[0].report_late
    assert list(Project.objects.report_late(datetime.date(2026, 6, 4), 3)) == [project]
    assert not Project.objects.report_late(datetime.date(2026, 6, 3), 3).exists()
    ProjectPolicy.objects.create(region=city, stalled_after_days=90, report_grace_days=3)
    assert not decorate([project], today)[0].stalled
    ProjectPolicy.objects.create(region=kuiwen, stalled_after_days=30, report_grace_days=20)
    row = decorate([project], today)[0]
    assert row.stalled  # the nearest policy wins
    assert list(Project.objects.stalled(today, 30)) == [project]
    Project.objects.filter(pk=project.pk).update(stage=Stage.COMPLETED)
    assert not Project.objects.stalled(today, 30).exists()
