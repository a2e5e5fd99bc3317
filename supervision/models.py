"""Supervision's own records: stored timings, ranking snapshots, big-screen links,
return visits and export jobs. Requests themselves belong to ``issues`` and are only read here."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Category, Request
from portal.orgs.models import Department, Region


class RequestTiming(models.Model):
    """Working hours a request took to dispatch and to answer, counted on the PRC calendar.

    Maintained by ``refresh_timings`` (beat) and ``manage.py rebuild_stats``; the stamps copied from the
    request tell whether the row is stale (a reopened request gets a new answer time)."""

    request = models.OneToOneField(
        Request, verbose_name=_("request"), primary_key=True, on_delete=models.CASCADE, related_name="timing"
    )
    assigned_at = models.DateTimeField(_("dispatched"), null=True)
    answered_at = models.DateTimeField(_("answered"), null=True)
    dispatch_hours = models.FloatField(_("working hours to dispatch"), null=True)
    answer_hours = models.FloatField(_("working hours to answer"), null=True)

    class Meta:
        verbose_name = _("request timing")
        verbose_name_plural = _("request timings")
        indexes = [  # the newest stamp counted: where the incremental refresh starts
            models.Index(fields=["assigned_at"], name="timing_assigned"),
            models.Index(fields=["answered_at"], name="timing_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.dispatch_hours}/{self.answer_hours}"


class Grain(models.IntegerChoices):
    """Which dimension besides the region a row of the aggregate tables keeps; the others are summed over
    (empty). Grains 1 and 2 (every filter, all but the department) were dropped: at a province's size they
    held about a row per request, and views filtered by department, source or industry count the requests
    themselves (``selectors.dashboard_for``)."""

    DEPARTMENTS = 3, _("region and department")
    SUMMARY = 4, _("region and category")


GRAIN_KEYS = {
    Grain.DEPARTMENTS: ("region_id", "lead_department_id"),
    Grain.SUMMARY: ("region_id", "category_id"),
}


class StatKey(models.Model):
    """The dimensions of the aggregate tables, with every stored figure (``metrics.STORED``) as a count and
    the sums behind the averages (``metrics.SUMS``).

    Each day (or month) is stored at two grains: region × category (figures and charts of the dashboard
    unfiltered or filtered by region and category: a few hundred rows per city and month, however many
    requests) and region × department (the department chart). Rows are derived data: written only by
    ``stats_refresh`` (delete and insert per day or month inside one transaction), never edited."""

    grain = models.PositiveSmallIntegerField(_("grain"), choices=Grain.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    received = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    dispatch_due = models.PositiveIntegerField(default=0)
    dispatched_on_time = models.PositiveIntegerField(default=0)
    dispatched_late = models.PositiveIntegerField(default=0)
    answer_due = models.PositiveIntegerField(default=0)
    answered_on_time = models.PositiveIntegerField(default=0)
    answered_late = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    yellow_cards = models.PositiveIntegerField(default=0)
    red_cards = models.PositiveIntegerField(default=0)
    not_evaluated = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    dispatch_timed = models.PositiveIntegerField(default=0)
    answer_timed = models.PositiveIntegerField(default=0)
    score_sum = models.BigIntegerField(null=True)
    dispatch_hours_sum = models.FloatField(null=True)
    answer_hours_sum = models.FloatField(null=True)

    KEY = ("region", "category", "lead_department")

    class Meta:
        abstract = True


# every count and sum column of the aggregate tables (``metrics.STAT_COLUMNS``)
SUMMARY_COLUMNS = [
    "received",
    "resolved",
    "dispatch_due",
    "dispatched_on_time",
    "dispatched_late",
    "answer_due",
    "answered_on_time",
    "answered_late",
    "evaluated",
    "satisfied",
    "answered",
    "reopened",
    "reopens",
    "yellow_cards",
    "red_cards",
    "not_evaluated",
    "withdrawn",
    "dispatch_timed",
    "answer_timed",
    "score_sum",
    "dispatch_hours_sum",
    "answer_hours_sum",
]


class DailyStat(StatKey):
    """The figures of the requests submitted on one day (Asia/Shanghai)."""

    day = models.DateField(_("submitted on"))

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(fields=["grain", "day", *StatKey.KEY], name="daily_stat_key", nulls_distinct=False)
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}: {self.received}"


class MonthlyStat(StatKey):
    """The daily figures summed per month of submission, so a year reads twelve months, not 365 days."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "month", *StatKey.KEY], name="monthly_stat_key", nulls_distinct=False
            )
        ]
        indexes = [
            # the unfiltered dashboard's figures and charts, and its department chart, read from the index
            # alone (index-only scans of a year's months of the scope); the region first, so a city's or a
            # district's scan reads its own rows, not every region's rows of the months
            models.Index(
                fields=["region", "month"],
                include=["category", *SUMMARY_COLUMNS],
                condition=Q(grain=Grain.SUMMARY),
                name="monthly_stat_summary",
            ),
            models.Index(
                fields=["region", "month"],
                include=["lead_department", "received", "resolved"],
                condition=Q(grain=Grain.DEPARTMENTS),
                name="monthly_stat_departments",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id}: {self.received}"


class StatDirtyDay(models.Model):
    """A submission day whose figures must be counted again (e.g. a request's working hours changed)."""

    day = models.DateField(_("submitted on"), unique=True)

    class Meta:
        verbose_name = _("day to recount")
        verbose_name_plural = _("days to recount")

    def __str__(self) -> str:
        return str(self.day)


class StatRefresh(models.Model):
    """The one row saying as of when the aggregate tables are counted (``as_of``, empty: never)."""

    as_of = models.DateTimeField(_("figures as of"), null=True)
    started_at = models.DateTimeField(_("last refresh started"), null=True)
    days = models.PositiveIntegerField(_("days recounted in the last refresh"), default=0)

    class Meta:
        verbose_name = _("figures refresh")
        verbose_name_plural = _("figures refreshes")

    def __str__(self) -> str:
        return f"as of {self.as_of}"


class RankingWeights(models.Model):
    """Weights of the monthly composite score; the newest row applies."""

    on_time_dispatch = models.DecimalField(
        _("on-time dispatch rate weight"), max_digits=5, decimal_places=2, default=20
    )
    on_time_answer = models.DecimalField(_("on-time answer rate weight"), max_digits=5, decimal_places=2, default=25)
    resolution = models.DecimalField(_("resolution rate weight"), max_digits=5, decimal_places=2, default=30)
    satisfaction = models.DecimalField(_("satisfaction coefficient weight"), max_digits=5, decimal_places=2, default=25)
    yellow_card_penalty = models.DecimalField(
        _("points off per yellow card"), max_digits=5, decimal_places=2, default=1
    )
    red_card_penalty = models.DecimalField(_("points off per red card"), max_digits=5, decimal_places=2, default=3)
    project_service = models.DecimalField(
        _("key project service rate weight"),
        max_digits=5,
        decimal_places=2,
        default=10,
        validators=[MinValueValidator(0)],
        help_text=_("Progress reports on time, site visits made and project requests answered on time."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ranking weights")
        verbose_name_plural = _("ranking weights")
        constraints = [
            models.CheckConstraint(
                condition=Q(on_time_dispatch__gte=0)
                & Q(on_time_answer__gte=0)
                & Q(resolution__gte=0)
                & Q(satisfaction__gte=0),
                name="ranking_weights_positive",
            ),
            models.CheckConstraint(condition=Q(project_service__gte=0), name="ranking_weights_project_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.on_time_dispatch}/{self.on_time_answer}/{self.resolution}/{self.satisfaction}"

    @classmethod
    def current(cls) -> "RankingWeights":
        return cls.objects.order_by("-pk").first() or cls()


class UnitKind(models.TextChoices):
    REGION = "region", _("Districts and counties")
    DEPARTMENT = "department", _("Departments")
    COMMISSIONER_UNIT = "commissioner_unit", _("Commissioners' units")


PUBLISHED_RANKING_CHANGED = _("A published ranking cannot be changed; republish it as a new version.")


class RankingSnapshotQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes that would touch a published snapshot. The database refuses them
    too (a trigger, on PostgreSQL: migration 0004), so raw SQL cannot change a published month either."""

    def update(self, **kwargs):
        if self.filter(published_at__isnull=False).exists():
            raise ValidationError(PUBLISHED_RANKING_CHANGED)
        return super().update(**kwargs)

    def delete(self):
        if self.filter(published_at__isnull=False).exists():
            raise ValidationError(_("A published ranking cannot be deleted."))
        return super().delete()


class RankingEntryQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes of entries of a published snapshot (and the database, see above)."""

    def _touches_published(self) -> bool:
        return self.filter(snapshot__published_at__isnull=False).exists()

    def update(self, **kwargs):
        if self._touches_published():
            raise ValidationError(PUBLISHED_RANKING_CHANGED)
        return super().update(**kwargs)

    def delete(self):
        if self._touches_published():
            raise ValidationError(PUBLISHED_RANKING_CHANGED)
        return super().delete()


class RankingSnapshot(models.Model):
    """One month's ranking of one kind of unit. Immutable once published; a republish is version n+1."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    kind = models.CharField(_("units"), max_length=20, choices=UnitKind.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    reason = models.TextField(_("reason for republishing"), max_length=1000, blank=True)
    weights = models.JSONField(_("weights used"), default=dict)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RankingSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        ordering = ["-month", "kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["month", "kind", "version"], name="ranking_snapshot_version")]
        indexes = [models.Index(fields=["kind", "month"], name="ranking_kind_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_kind_display()} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def save(self, *args, **kwargs):
        if self.pk is not None and RankingSnapshot.objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise ValidationError(_("A published ranking cannot be changed; republish it as a new version."))
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError(_("A published ranking cannot be deleted."))
        return super().delete(*args, **kwargs)


class RankingEntry(models.Model):
    snapshot = models.ForeignKey(
        RankingSnapshot, verbose_name=_("snapshot"), on_delete=models.PROTECT, related_name="entries"
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    unit_name = models.CharField(_("unit"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received = models.PositiveIntegerField(_("received"))
    resolved = models.PositiveIntegerField(_("resolved"))
    resolution_rate = models.DecimalField(_("resolution rate"), max_digits=5, decimal_places=1, null=True)
    on_time_dispatch_rate = models.DecimalField(_("on-time dispatch rate"), max_digits=5, decimal_places=1, null=True)
    on_time_answer_rate = models.DecimalField(_("on-time answer rate"), max_digits=5, decimal_places=1, null=True)
    satisfaction = models.DecimalField(_("satisfaction coefficient"), max_digits=5, decimal_places=1, null=True)
    yellow_cards = models.PositiveIntegerField(_("yellow cards"), default=0)
    red_cards = models.PositiveIntegerField(_("red cards"), default=0)
    project_service = models.DecimalField(_("key project service rate"), max_digits=5, decimal_places=1, null=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)

    objects = RankingEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ranking entry")
        verbose_name_plural = _("ranking entries")
        ordering = ["snapshot", "rank", "unit_name"]

    def __str__(self) -> str:
        return f"{self.rank}. {self.unit_name}"

    def save(self, *args, **kwargs):
        if RankingSnapshot.objects.filter(pk=self.snapshot_id, published_at__isnull=False).exists():
            raise ValidationError(_("A published ranking cannot be changed; republish it as a new version."))
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if RankingSnapshot.objects.filter(pk=self.snapshot_id, published_at__isnull=False).exists():
            raise ValidationError(_("A published ranking cannot be changed."))
        return super().delete(*args, **kwargs)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class BigScreenToken(models.Model):
    """A revocable read-only link to the big screen of one region subtree."""

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token, editable=False)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("big-screen link")
        verbose_name_plural = _("big-screen links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.region} {self.label}"


class ReturnVisit(models.Model):
    """A supervisor's return call (回访) about a not-evaluated or dissatisfied request."""

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")
        UNREACHABLE = "unreachable", _("Could not be reached")

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="return_visits"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    called_at = models.DateTimeField(_("called"), default=timezone.now)

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["-called_at"]
        indexes = [models.Index(fields=["request", "called_at"], name="return_visit_request")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_outcome_display()}"


def export_path(instance: "ExportJob", filename: str) -> str:
    return f"exports/{instance.token}.xlsx"


class ExportJob(models.Model):
    """A large Excel ledger written in the background; downloadable only by its creator, until the retention
    task deletes the file (EXPORT_RETENTION_DAYS after it was finished) and marks the job expired."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("ledger"), max_length=30)
    params = models.JSONField(_("filters"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
