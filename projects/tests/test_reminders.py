"""Late half-monthly reports and missed visits: reminded exactly once, escalated once, caught up after outages."""

import datetime

import pytest
import time_machine

from issues.models import Visit
from portal.notifications.models import Notification
from projects.models import ProgressReport, ProjectPolicy, ProjectReminder
from projects.tasks import sweep_project_reminders

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def sweep(*args):
    with time_machine.travel(at(*args), tick=False):
        return sweep_project_reminders()


@pytest.fixture
def fresh(project):
    """Reports due from March 1st; visits every week from Monday March 2nd; every visit recorded."""
    project.reports_from = datetime.date(2026, 3, 1)
    project.save(update_fields=["reports_from"])
    return project


def _visit_every_week(project, commissioner, until):
    day = datetime.date(2026, 2, 23)
    while day <= until:
        Visit.objects.create(commissioner=commissioner, project=project, visited_on=day)
        day += datetime.timedelta(days=7)


def _titles(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).values_list("title", flat=True))


def test_a_late_report_reminds_the_commissioners_exactly_once(fresh, pat, bob):
    _visit_every_week(fresh, pat, datetime.date(2026, 3, 31))
    assert sweep(2026, 3, 18, 23)["report_late"] == 0  # the 18th is the last grace day
    assert sweep(2026, 3, 19, 0, 5)["report_late"] == 1
    assert sweep(2026, 3, 19, 0, 35)["report_late"] == 0
    assert sweep(2026, 3, 20, 9)["report_late"] == 0
    assert len(_titles(pat, "project_report_late")) == 1
    assert "2026-03-01 – 2026-03-15" in _titles(bob, "project_report_late")[0]


def test_it_escalates_to_the_regions_supervisors_once(fresh, pat, dora, dave, dan):
    _visit_every_week(fresh, pat, datetime.date(2026, 3, 31))
    sweep(2026, 3, 19, 1)
    assert sweep(2026, 3, 21, 23)["report_escalated"] == 0
    assert sweep(2026, 3, 22, 1)["report_escalated"] == 1
    assert sweep(2026, 3, 23, 1)["report_escalated"] == 0
    assert len(_titles(dora, "project_report_escalated")) == 1
    assert len(_titles(dave, "project_report_escalated")) == 1  # the city contains Kuiwen
    assert _titles(dan, "project_report_escalated") == []
    assert _titles(pat, "project_report_escalated") == []


def test_a_report_filed_in_time_is_never_reminded(fresh, pat):
    _visit_every_week(fresh, pat, datetime.date(2026, 3, 31))
    ProgressReport.objects.create(
        project=fresh,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 15),
        progress="进展顺利",
        stage=fresh.stage,
        filed_by=pat,
    )
    assert sweep(2026, 3, 25, 1)["report_late"] == 0
    assert not ProjectReminder.objects.exists()


def test_the_grace_days_are_the_regions(fresh, pat, kuiwen):
    _visit_every_week(fresh, pat, datetime.date(2026, 3, 31))
    ProjectPolicy.objects.create(region=kuiwen, report_grace_days=5)
    assert sweep(2026, 3, 20, 23)["report_late"] == 0
    assert sweep(2026, 3, 21, 1)["report_late"] == 1


def test_it_catches_up_after_an_outage(fresh, pat):
    """No sweep ran from March 1st to April 10th: both half-months are reminded and escalated, once."""
    _visit_every_week(fresh, pat, datetime.date(2026, 4, 30))
    counts = sweep(2026, 4, 10, 9)
    assert counts["report_late"] == 2 and counts["report_escalated"] == 2
    assert sweep(2026, 4, 10, 9, 30) == {"report_late": 0, "report_escalated": 0, "visit_missed": 0}
    assert sorted(ProjectReminder.objects.filter(kind="report_late").values_list("due_on", flat=True)) == [
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 16),
    ]


def test_a_missed_visit_week_reminds_once(fresh, pat, bob):
    ProgressReport.objects.bulk_create(
        ProgressReport(project=fresh, period_start=s, period_end=e, progress="ok", stage=fresh.stage, filed_by=pat)
        for s, e in [
            (datetime.date(2026, 3, 1), datetime.date(2026, 3, 15)),
            (datetime.date(2026, 3, 16), datetime.date(2026, 3, 31)),
        ]
    )
    Visit.objects.create(commissioner=pat, project=fresh, visited_on=datetime.date(2026, 3, 4))  # week of the 2nd
    assert sweep(2026, 3, 15, 23)["visit_missed"] == 0
    assert sweep(2026, 3, 16, 1)["visit_missed"] == 1  # nobody went in the week of the 9th
    assert sweep(2026, 3, 16, 2)["visit_missed"] == 0
    assert ProjectReminder.objects.get(kind="visit_missed").due_on == datetime.date(2026, 3, 9)
    assert len(_titles(pat, "project_visit_missed")) == 1


def test_a_fortnightly_project_is_reminded_per_fortnight(fresh, pat):
    fresh.visit_every_days = 14
    fresh.save(update_fields=["visit_every_days"])
    ProgressReport.objects.create(
        project=fresh,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 15),
        progress="ok",
        stage=fresh.stage,
        filed_by=pat,
    )
    Visit.objects.create(commissioner=pat, project=fresh, visited_on=datetime.date(2026, 3, 12))
    assert sweep(2026, 3, 17, 1)["visit_missed"] == 0  # 2–15 March was visited on the 12th
    assert sweep(2026, 3, 30, 1)["visit_missed"] == 1  # 16–29 March was not
