"""Stage rules and half-monthly report rules."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from issues.models import Category, Request, Source, Status
from portal.accounts.models import AuditEvent
from projects.models import ProgressReport, Project, Stage, StageChange, period_of
from projects.services import project_change_stage, report_file

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _march():
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        yield


def test_the_half_months_are_1_to_15_and_16_to_the_end_of_the_month():
    assert period_of(datetime.date(2026, 2, 15)) == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 15))
    assert period_of(datetime.date(2026, 2, 16)) == (datetime.date(2026, 2, 16), datetime.date(2026, 2, 28))
    assert period_of(datetime.date(2028, 2, 29)) == (datetime.date(2028, 2, 16), datetime.date(2028, 2, 29))


# stage rules ------------------------------------------------------------------------------------


def test_it_lets_a_project_skip_stages_forward_and_records_the_change(project, pat):
    change = project_change_stage(
        project_id=project.pk, actor=pat, to_stage=Stage.STARTED, changed_on=datetime.date(2026, 3, 18)
    )
    project.refresh_from_db()
    assert (project.stage, project.stage_changed_on) == (Stage.STARTED, datetime.date(2026, 3, 18))
    assert (change.from_stage, change.to_stage, change.actor) == (Stage.NEGOTIATING, Stage.STARTED, pat)
    assert not AuditEvent.objects.filter(action="other", target_type="projects.project").exists()


def test_it_refuses_a_stage_dated_in_the_future(project, pat):
    with pytest.raises(ValidationError, match="future"):
        project_change_stage(
            project_id=project.pk, actor=pat, to_stage=Stage.SIGNED, changed_on=datetime.date(2026, 3, 21)
        )
    assert not StageChange.objects.exists()


def test_moving_back_needs_a_reason_and_is_audited(project, pat):
    project_change_stage(project_id=project.pk, actor=pat, to_stage=Stage.STARTED, changed_on=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="reason"):
        project_change_stage(
            project_id=project.pk, actor=pat, to_stage=Stage.SIGNED, changed_on=datetime.date(2026, 3, 10)
        )
    project_change_stage(
        project_id=project.pk,
        actor=pat,
        to_stage=Stage.SIGNED,
        changed_on=datetime.date(2026, 3, 10),
        reason="环评未通过，停工整改",
    )
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED
    event = AuditEvent.objects.get(action="other", target_type="projects.project", target_id=str(project.pk))
    assert event.actor == pat
    assert event.detail["reason"] == "环评未通过，停工整改"
    assert [c.is_backward for c in project.stage_changes.all()] == [False, True]


def test_it_refuses_a_change_dated_before_the_current_stage_began(project, pat):
    project_change_stage(project_id=project.pk, actor=pat, to_stage=Stage.SIGNED, changed_on=datetime.date(2026, 3, 10))
    with pytest.raises(ValidationError, match="2026-03-10"):
        project_change_stage(
            project_id=project.pk, actor=pat, to_stage=Stage.APPROVED, changed_on=datetime.date(2026, 3, 9)
        )


def test_only_the_projects_commissioners_change_its_stage(project, alice, carl, dora):
    for who in (alice, carl, dora):
        with pytest.raises(PermissionDenied):
            project_change_stage(
                project_id=project.pk, actor=who, to_stage=Stage.SIGNED, changed_on=datetime.date(2026, 3, 10)
            )


def test_an_ended_pairing_no_longer_counts(project, pat):
    project.pairings.filter(commissioner=pat).update(ends_on=datetime.date(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        project_change_stage(
            project_id=project.pk, actor=pat, to_stage=Stage.SIGNED, changed_on=datetime.date(2026, 3, 10)
        )


# report rules -----------------------------------------------------------------------------------


def _report(project, actor, **overrides):
    values = {
        "project_id": project.pk,
        "actor": actor,
        "period_start": datetime.date(2026, 3, 1),
        "progress": "主体厂房封顶，设备进场",
        "investment": "800",
        "stage": project.stage,
    }
    values.update(overrides)
    return report_file(**values)


def test_a_commissioner_files_the_half_monthly_report(project, pat):
    with time_machine.travel(at(2026, 3, 18, 22), tick=False):
        report = _report(project, pat, period_start=datetime.date(2026, 3, 9))
    project.refresh_from_db()
    assert (report.period_start, report.period_end) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 15))
    assert report.on_time  # 3 grace days: the 18th was the last day
    assert project.completed_investment == Decimal("800")
    assert project.reported_through == datetime.date(2026, 3, 15)
    assert project.last_progress_on == datetime.date(2026, 3, 18)


def test_the_owner_enterprise_files_too_and_a_late_report_is_marked(project, alice):
    report = _report(project, alice, period_start=datetime.date(2026, 2, 16))
    assert not report.on_time


def test_it_refuses_a_future_period(project, pat):
    with pytest.raises(ValidationError, match="future"):
        _report(project, pat, period_start=datetime.date(2026, 4, 1))
    assert not ProgressReport.objects.exists()


def test_it_refuses_a_second_report_for_the_same_half_month(project, pat, alice):
    _report(project, pat)
    with pytest.raises(ValidationError, match="already been filed"):
        _report(project, alice, period_start=datetime.date(2026, 3, 15))
    assert ProgressReport.objects.count() == 1


def test_it_refuses_negative_figures_and_investment_beyond_the_total(project, pat):
    with pytest.raises(ValidationError, match="negative"):
        _report(project, pat, investment="-1")
    with pytest.raises(ValidationError, match="exceed"):
        _report(project, pat, investment="60000")
    assert not ProgressReport.objects.exists()
    Project.objects.filter(pk=project.pk).update(exceeds_total=True)
    _report(project, pat, investment="60000")


def test_a_stage_in_the_report_goes_through_the_stage_rule(project, pat):
    _report(project, pat, stage=Stage.STARTED)
    project.refresh_from_db()
    assert project.stage == Stage.STARTED
    assert project.stage_changes.get().changed_on == datetime.date(2026, 3, 20)
    with pytest.raises(ValidationError, match="reason"):
        _report(project, pat, period_start=datetime.date(2026, 3, 16), stage=Stage.SIGNED)
    assert ProgressReport.objects.count() == 1


def test_a_problem_becomes_a_request_linked_to_the_project_in_the_same_step(project, pat, bob, bert):
    category = Category.objects.get(code="finance")
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        report = _report(project, pat, problems="配套电力线路迟迟未接入", problem_category=category.pk)
    req = Request.objects.get(project=project)
    assert (req.enterprise, req.source, req.status, req.created_by) == (
        project.enterprise,
        Source.VISIT,
        Status.SUBMITTED,
        pat,
    )
    assert req.description == "配套电力线路迟迟未接入"
    assert report.problems == req.description
    assert req.answer_due_at > timezone.now()


def test_the_owner_enterprise_raises_a_problem_as_its_own_request(project, alice):
    category = Category.objects.get(code="finance")
    _report(project, alice, problems="融资难", problem_category=category.pk)
    assert Request.objects.get(project=project).source == Source.PORTAL


def test_nothing_is_saved_when_the_problem_cannot_be_filed(project, pat):
    with pytest.raises(ValidationError, match="category"):
        _report(project, pat, problems="用地指标不足", stage=Stage.SIGNED)
    project.refresh_from_db()
    assert (project.stage, project.completed_investment, project.reported_through) == (Stage.NEGOTIATING, 0, None)
    assert not ProgressReport.objects.exists() and not StageChange.objects.exists() and not Request.objects.exists()


def test_only_the_commissioners_and_the_owner_file_reports(project, carl, dora, bert):
    for who in (carl, dora, bert):  # bert is B角 of the enterprise, not of the project
        with pytest.raises(PermissionDenied):
            _report(project, who)
