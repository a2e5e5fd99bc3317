"""Every change to a key project: stage changes, half-monthly reports (a problem becomes a request in the
same transaction) and site photos. Each runs in one transaction, checks ``permissions`` first and writes
its event row."""

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.uploads import check_uploads, download_name

from . import permissions as perms
from .models import STAGE_ORDER, ProgressReport, Project, ProjectPhoto, StageChange, period_of
from .problems import problem_desk
from .selectors import rules_for

logger = logging.getLogger(__name__)

PHOTO_LIMIT = 50


def _lock(project_id: int) -> Project:
    return Project.objects.select_for_update().get(pk=project_id)


def _stage_change(
    project: Project, *, actor, to_stage: str, changed_on: datetime.date, reason: str, today: datetime.date
) -> StageChange:
    """The stage rule: forward (skipping allowed) any time; back only with a reason, audited; never dated in
    the future nor before the current stage began."""
    if to_stage not in STAGE_ORDER:
        raise ValidationError(_("Choose a stage."))
    if to_stage == project.stage:
        raise ValidationError(_("The project is already at this stage."))
    if changed_on > today:
        raise ValidationError(_("A stage change cannot be dated in the future."))
    if changed_on < project.stage_changed_on:
        raise ValidationError(
            _("The current stage began on %(date)s; a change cannot be dated before it.")
            % {"date": project.stage_changed_on.isoformat()}
        )
    reason = (reason or "").strip()
    backward = STAGE_ORDER[to_stage] < STAGE_ORDER[project.stage]
    if backward and not reason:
        raise ValidationError(_("Moving a project back to an earlier stage needs a reason."))
    if len(reason) > 2000:
        raise ValidationError(_("The reason is too long (at most 2000 characters)."))
    change = StageChange.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage=to_stage,
        changed_on=changed_on,
        actor=actor,
        reason=reason,
    )
    project.stage = to_stage
    project.stage_changed_on = changed_on
    project.last_progress_on = max(project.last_progress_on, changed_on)
    project.save(update_fields=["stage", "stage_changed_on", "last_progress_on"])
    if backward:
        audit_record(
            action=AuditEvent.Action.OTHER,
            actor=actor,
            target=str(project),
            target_type="projects.project",
            target_id=str(project.pk),
            object_repr=str(project),
            detail={"stage_back": {"from": change.from_stage, "to": to_stage}, "reason": reason},
        )
    return change


@transaction.atomic
def project_change_stage(
    *, project_id: int, actor, to_stage: str, changed_on: datetime.date, reason: str = ""
) -> StageChange:
    project = _lock(project_id)
    perms.check(actor, perms.Action.CHANGE_STAGE, project)
    return _stage_change(
        project, actor=actor, to_stage=to_stage, changed_on=changed_on, reason=reason, today=timezone.localdate()
    )


def _money(value, label) -> Decimal:
    value = Decimal(value or 0)
    if value < 0:
        raise ValidationError(_("%(field)s cannot be negative.") % {"field": label})
    return value


@transaction.atomic
def report_file(
    *,
    project_id: int,
    actor,
    period_start: datetime.date,
    progress: str,
    investment,
    stage: str,
    stage_reason: str = "",
    problems: str = "",
    problem_category: int | None = None,
    now: datetime.datetime | None = None,
) -> ProgressReport:
    """File the half-monthly report for the period containing ``period_start``. A changed stage goes through
    the stage rule; a problem is filed as a request of the owner enterprise linked to the project. Any
    refusal leaves nothing behind."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    project = _lock(project_id)
    perms.check(actor, perms.Action.FILE_REPORT, project)
    start, end = period_of(period_start)
    if start > today:
        raise ValidationError(
            _("The half-month %(start)s – %(end)s has not begun; a report cannot be filed for a future period.")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    if ProgressReport.objects.filter(project=project, period_start=start).exists():
        raise ValidationError(
            _("The report for %(start)s – %(end)s has already been filed; each half-month is reported once.")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    progress = (progress or "").strip()
    if not progress:
        raise ValidationError(_("Describe the progress in this half-month."))
    investment = _money(investment, _("The investment completed in the period"))
    completed = project.completed_investment + (investment if start.year == today.year else 0)
    if completed > project.total_investment and not project.exceeds_total:
        raise ValidationError(
            _(
                "With this report the investment completed this year (%(completed)s) would exceed the total "
                "investment (%(total)s). Check the figure, or ask an administrator to confirm the project may "
                "exceed its total."
            )
            % {"completed": completed, "total": project.total_investment}
        )
    if stage and stage != project.stage:
        _stage_change(project, actor=actor, to_stage=stage, changed_on=today, reason=stage_reason, today=today)
    grace = rules_for(project.region).report_grace_days
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(
                project=project,
                period_start=start,
                period_end=end,
                progress=progress[:5000],
                investment=investment,
                stage=project.stage,
                problems=(problems or "").strip()[:5000],
                filed_by=actor,
                filed_at=now,
                on_time=today <= end + datetime.timedelta(days=grace),
            )
    except IntegrityError:
        raise ValidationError(_("The report for this half-month has just been filed by someone else.")) from None
    project.completed_investment = completed
    project.reported_through = max(project.reported_through or end, end)
    project.last_progress_on = max(project.last_progress_on, today)
    project.save(update_fields=["completed_investment", "reported_through", "last_progress_on"])
    if report.problems:
        if project.enterprise_id is None:
            raise ValidationError(
                _(
                    "This project has no owner enterprise, so a problem cannot be filed as a request; ask an "
                    "administrator to set the owner enterprise."
                )
            )
        if not problem_category:
            raise ValidationError(_("Choose the category of the problem."))
        problem_desk().file(
            actor=actor,
            project=project,
            category_id=problem_category,
            title=_("%(project)s: problem in the report of %(start)s") % {"project": project.name, "start": start},
            description=report.problems,
        )
    return report


@transaction.atomic
def photo_upload(*, project_id: int, actor, files, caption: str = "") -> list[ProjectPhoto]:
    project = _lock(project_id)
    perms.check(actor, perms.Action.UPLOAD_PHOTO, project)
    files = list(files)
    if not files:
        raise ValidationError(_("Choose at least one photo."))
    if project.photos.count() + len(files) > PHOTO_LIMIT:
        raise ValidationError(_("A project keeps at most %(n)d photos.") % {"n": PHOTO_LIMIT})
    checked = check_uploads(files, images_only=True)
    photos = []
    for upload, content_type in checked:
        photo = ProjectPhoto(
            project=project,
            original_name=download_name(upload.name, content_type),
            content_type=content_type,
            size=upload.size,
            caption=(caption or "").strip()[:200],
            uploaded_by=actor,
        )
        photo.file.save(photo.original_name, upload, save=False)
        photo.save(force_insert=True)
        photos.append(photo)
    return photos
