"""Key projects (重点项目): the project, its leader and commissioners, stage history, half-monthly reports."""

import calendar
import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.orgs.models import Enterprise, Industry, Region

MONEY = {"max_digits": 14, "decimal_places": 2}


class Stage(models.TextChoices):
    """The domain's stages in their order; 竣工 (completed) comes after 投产 (in operation)."""

    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    APPROVED = "approved", _("Approved")
    STARTED = "started", _("Construction started")
    OPERATING = "operating", _("In operation")
    COMPLETED = "completed", _("Completed")


STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}
STARTED_OR_LATER = [stage for stage in Stage.values if STAGE_ORDER[stage] >= STAGE_ORDER[Stage.STARTED]]


class Level(models.TextChoices):
    PROVINCE = "province", _("Provincial key project")
    CITY = "city", _("City key project")
    COUNTY = "county", _("County key project")


def period_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The half-month (1–15 or 16–end of month) that contains ``day``: (first day, last day)."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=16), day.replace(day=last)


def previous_period(start: datetime.date) -> tuple[datetime.date, datetime.date]:
    return period_of(start - datetime.timedelta(days=1))


def next_period(start: datetime.date) -> tuple[datetime.date, datetime.date]:
    return period_of(period_of(start)[1] + datetime.timedelta(days=1))


class Leader(models.Model):
    """A responsible leader (包靠领导): a person with a title, who may also have a portal account."""

    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=100, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_projects_as",
    )

    class Meta:
        verbose_name = _("responsible leader")
        verbose_name_plural = _("responsible leaders")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name", "title"], name="leader_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class ProjectQuerySet(models.QuerySet):
    def stalled(self, today: datetime.date, days: int) -> "ProjectQuerySet":
        """No stage change and no report for ``days`` days (projects already completed are never stalled)."""
        return self.exclude(stage=Stage.COMPLETED).filter(last_progress_on__lt=today - datetime.timedelta(days=days))

    def report_late(self, today: datetime.date, grace_days: int) -> "ProjectQuerySet":
        """The newest period whose report is due (period end + grace days) has no report."""
        due_start = latest_due_period(today, grace_days)[0]
        return self.exclude(stage=Stage.COMPLETED).filter(
            Q(reported_through__isnull=True) | Q(reported_through__lt=due_start), reports_from__lte=due_start
        )

    def stalled_under(self, today: datetime.date, rules) -> "ProjectQuerySet":
        return self.stalled(today, rules.stalled_after_days)

    def report_late_under(self, today: datetime.date, rules) -> "ProjectQuerySet":
        return self.report_late(today, rules.report_grace_days)


def latest_due_period(today: datetime.date, grace_days: int) -> tuple[datetime.date, datetime.date]:
    """The newest period whose end plus the grace days has passed on ``today``."""
    return period_of(today - datetime.timedelta(days=grace_days + 1))


class Project(models.Model):
    """A key investment project with its leader and commissioners; requests may be raised for it."""

    Stage = Stage
    Level = Level

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="projects")
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("owner enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.NEGOTIATING)
    stage_changed_on = models.DateField(_("stage since"), default=timezone.localdate)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.CITY)
    total_investment = models.DecimalField(_("total investment (10k yuan)"), default=0, **MONEY)
    planned_investment = models.DecimalField(_("planned investment this year (10k yuan)"), default=0, **MONEY)
    completed_investment = models.DecimalField(_("completed investment this year (10k yuan)"), default=0, **MONEY)
    exceeds_total = models.BooleanField(
        _("completed investment may exceed the total"),
        default=False,
        help_text=_("Tick only when the completed investment really is beyond the total (e.g. the plan grew)."),
    )
    site_address = models.CharField(_("site address"), max_length=255, blank=True)
    leader = models.ForeignKey(
        Leader,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    commissioners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commissioners"),
        blank=True,
        through="ProjectPairing",
        related_name="projects",
    )
    visit_every_days = models.PositiveSmallIntegerField(
        _("expected visit every (days)"), default=7, help_text=_("7 means a visit every week.")
    )
    reports_from = models.DateField(
        _("reports due from"), default=timezone.localdate, help_text=_("The first half-month that needs a report.")
    )
    reported_through = models.DateField(_("reported through"), null=True, blank=True, editable=False)
    last_progress_on = models.DateField(_("last progress"), default=timezone.localdate, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["region", "stage"], name="project_region_stage"),
            models.Index(fields=["stage", "name"], name="project_stage"),
            models.Index(fields=["level", "name"], name="project_level"),
            models.Index(fields=["industry", "name"], name="project_industry"),
            models.Index(fields=["leader", "name"], name="project_leader"),
            models.Index(fields=["last_progress_on"], name="project_last_progress"),
            models.Index(fields=["reported_through"], name="project_reported_through"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__gte=0) & Q(planned_investment__gte=0) & Q(completed_investment__gte=0),
                name="project_investment_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(exceeds_total=True) | Q(completed_investment__lte=F("total_investment")),
                name="project_completed_within_total",
            ),
            models.CheckConstraint(condition=Q(visit_every_days__gte=1), name="project_visit_every_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER[self.stage]


class ProjectPairingQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> "ProjectPairingQuerySet":
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class ProjectPairing(models.Model):
    """A commissioner serving a project as primary (A角) or backup (B角) for a period."""

    class Role(models.TextChoices):
        PRIMARY = "A", _("Primary (A)")
        BACKUP = "B", _("Backup (B)")

    project = models.ForeignKey(
        Project, verbose_name=_("key project"), on_delete=models.CASCADE, related_name="pairings"
    )
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commissioner"),
        on_delete=models.PROTECT,
        related_name="project_pairings",
    )
    role = models.CharField(_("role"), max_length=1, choices=Role.choices, default=Role.PRIMARY)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = ProjectPairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("project commissioner")
        verbose_name_plural = _("project commissioners")
        ordering = ["project", "role"]
        indexes = [
            models.Index(fields=["commissioner", "ends_on"], name="project_pairing_commissioner"),
            models.Index(fields=["project", "role"], name="project_pairing_project_role"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="project_pairing_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} ↔ {self.commissioner} ({self.role})"


class StageChange(models.Model):
    """One immutable change of a project's stage: from, to, the day it happened, who recorded it and why."""

    project = models.ForeignKey(
        Project, verbose_name=_("key project"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=20, choices=Stage.choices)
    changed_on = models.DateField(_("date of change"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_on", "created_at", "pk"]
        indexes = [models.Index(fields=["project", "changed_on"], name="stage_change_project")]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_stage} → {self.to_stage} ({self.changed_on})"

    @property
    def is_backward(self) -> bool:
        return bool(self.from_stage) and STAGE_ORDER[self.to_stage] < STAGE_ORDER[self.from_stage]


class ProgressReport(models.Model):
    """The half-monthly progress report (每半月): one per project and period."""

    project = models.ForeignKey(
        Project, verbose_name=_("key project"), on_delete=models.CASCADE, related_name="reports"
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    progress = models.TextField(_("progress"))
    investment = models.DecimalField(_("investment completed in the period (10k yuan)"), default=0, **MONEY)
    stage = models.CharField(_("current stage"), max_length=20, choices=Stage.choices)
    problems = models.TextField(_("problems"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    on_time = models.BooleanField(_("on time"), default=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period_start"], name="report_once_per_period"),
            models.CheckConstraint(condition=Q(investment__gte=0), name="report_investment_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="report_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.period_start:%Y-%m-%d}–{self.period_end:%d}"


def photo_path(instance: "ProjectPhoto", filename: str) -> str:
    now = timezone.now()
    return f"project-photos/{now:%Y/%m}/{instance.token}"


class ProjectPhoto(models.Model):
    """A photo of the project site, stored outside the web root and served only through an authorized view."""

    project = models.ForeignKey(Project, verbose_name=_("key project"), on_delete=models.CASCADE, related_name="photos")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("project photo")
        verbose_name_plural = _("project photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ProjectPolicy(models.Model):
    """A region's rules for key projects; the nearest ancestor's policy applies to regions without one."""

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="project_policy"
    )
    report_grace_days = models.PositiveSmallIntegerField(
        _("grace days for reports"), default=3, help_text=_("Days after a half-month ends before its report is late.")
    )
    stalled_after_days = models.PositiveSmallIntegerField(
        _("stalled after (days)"), default=60, help_text=_("No stage change and no report for this many days.")
    )

    class Meta:
        verbose_name = _("key project policy")
        verbose_name_plural = _("key project policies")
        constraints = [models.CheckConstraint(condition=Q(stalled_after_days__gte=1), name="project_policy_stalled")]

    def __str__(self) -> str:
        return f"{self.region}: {self.report_grace_days}/{self.stalled_after_days}"


class ProjectReminderKind(models.TextChoices):
    REPORT_LATE = "report_late", _("Report late")
    REPORT_ESCALATED = "report_escalated", _("Late report escalated")
    VISIT_MISSED = "visit_missed", _("Visit missed")


class ProjectReminder(models.Model):
    """Exactly-once record of a reminder about a project for one period or visit window (``due_on``)."""

    project = models.ForeignKey(
        Project, verbose_name=_("key project"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectReminderKind.choices)
    due_on = models.DateField(_("about"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("project reminder")
        verbose_name_plural = _("project reminders")
        constraints = [models.UniqueConstraint(fields=["project", "kind", "due_on"], name="project_reminder_once")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_kind_display()} {self.due_on}"
