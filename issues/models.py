import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.orgs.models import Department, Enterprise, Region
from projects.models import Project


class Category(models.Model):
    """Request category (政策, 融资, 用工 …), editable by administrators."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class SlaPolicy(models.Model):
    """The 133 policy for a region; the nearest ancestor's policy applies to regions without one."""

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="sla_policy")
    assign_days = models.PositiveSmallIntegerField(_("days to dispatch"), default=1)
    answer_days = models.PositiveSmallIntegerField(_("days to answer"), default=3)
    working_days = models.BooleanField(
        _("count working days"), default=True, help_text=_("Unticked: count calendar days.")
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(_("reminder lead time (hours)"), default=4)
    evaluation_reminder_days = models.PositiveSmallIntegerField(_("days before reminding to evaluate"), default=2)
    auto_close_days = models.PositiveSmallIntegerField(_("days until an unevaluated answer closes"), default=7)
    co_opinion_days = models.PositiveSmallIntegerField(
        _("days for a co-handling opinion"),
        default=2,
        help_text=_("The lead department may answer once every co-handler gave its opinion or this time passed."),
    )

    class Meta:
        verbose_name = _("133 policy")
        verbose_name_plural = _("133 policies")
        constraints = [
            models.CheckConstraint(condition=Q(answer_days__gte=F("assign_days")), name="policy_answer_after_assign"),
            models.CheckConstraint(condition=Q(assign_days__gte=1), name="policy_assign_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region}: {self.assign_days}/{self.answer_days}"


class HolidayOverride(models.Model):
    """An administrator's correction of the PRC calendar: a holiday or a make-up working day."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day (调休). Unticked: a holiday.")
    )
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting dispatch")
    IN_PROGRESS = "in_progress", _("In progress")
    INFO_NEEDED = "info_needed", _("Information needed")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (Status.SUBMITTED, Status.IN_PROGRESS, Status.INFO_NEEDED)


class Source(models.TextChoices):
    PORTAL = "portal", _("Portal")
    VISIT = "visit", _("Visit")
    HOTLINE = "hotline", _("12345 hotline")
    PHONE = "phone", _("Phone")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PLANNED = "planned", _("Partly resolved, with a plan")
    NOT_NOW = "not_now", _("Cannot be resolved now")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


VERDICT_SCORES = {Verdict.SATISFIED: 100, Verdict.BASICALLY: 80, Verdict.DISSATISFIED: 0}


class CloseReason(models.TextChoices):
    EVALUATED = "evaluated", _("Evaluated")
    NOT_EVALUATED = "not_evaluated", _("Not evaluated")


class Request(models.Model):
    """What an enterprise asks for (诉求), with its 133 deadlines stored for indexed reporting."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="requests"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project,
        verbose_name=_("key project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=5000)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    # A request that came in as another system's work order (the 12345 hotline): its number there, unique per
    # source, and who called.
    work_order_number = models.CharField(_("work-order number"), max_length=40, blank=True)
    caller_name = models.CharField(_("caller"), max_length=50, blank=True)
    caller_mobile = models.CharField(_("caller's mobile"), max_length=20, blank=True)
    channel = models.CharField(
        _("channel"), max_length=20, blank=True, help_text=_("How the caller reached the hotline.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible commissioner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_directly = models.BooleanField(_("handled by the commissioner"), default=False)

    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    assign_due_at = models.DateTimeField(_("dispatch deadline"))
    answer_due_at = models.DateTimeField(_("answer deadline"))
    original_answer_due_at = models.DateTimeField(_("original answer deadline"))
    assigned_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    assigned_on_time = models.BooleanField(_("dispatched on time"), null=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_on_time = models.BooleanField(_("answered on time"), null=True)
    info_needed_since = models.DateTimeField(_("waiting for information since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=20, choices=CloseReason.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    verdict = models.CharField(_("evaluation"), max_length=20, choices=Verdict.choices, blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(_("satisfaction score"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    # When each reminder stage falls due, kept in step with the deadlines so the sweep is an indexed query.
    assign_remind_at = models.DateTimeField(_("dispatch reminder due"), null=True, blank=True)
    answer_remind_at = models.DateTimeField(_("answer reminder due"), null=True, blank=True)
    evaluate_remind_at = models.DateTimeField(_("evaluation reminder due"), null=True, blank=True)
    # The latest co-handling opinion deadline among the open co-handling tasks (none when every
    # co-handler has given its opinion): the lead answers after it, the co_opinion reminder falls due at it.
    co_opinion_due_at = models.DateTimeField(_("co-handling opinions due"), null=True, blank=True)
    # The deadline it works against now (dispatch deadline while awaiting dispatch, answer deadline while
    # open after that, none once answered or closed): kept in step by save() so queues sort on an index.
    current_due_at = models.DateTimeField(_("current deadline"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "assign_due_at"], name="req_status_assign_due"),
            models.Index(fields=["status", "answer_due_at"], name="req_status_answer_due"),
            models.Index(fields=["region", "submitted_at"], name="req_region_submitted"),
            # 全部 most urgent first puts a scope's running rows first and the rest after them in id order: a
            # district's rest are its own entries here, read in order until a page is found. Without it
            # PostgreSQL walked the province's primary key and tested the region on each (a district's text
            # search read 23,000 requests for 39: 3.9 ms against 0.3, the page 30 ms against 22)
            models.Index(fields=["region", "id"], name="req_region_id"),
            models.Index(fields=["enterprise", "submitted_at"], name="req_enterprise_submitted"),
            models.Index(fields=["commissioner", "status"], name="req_commissioner_status"),
            models.Index(fields=["lead_department", "status"], name="req_lead_dept_status"),
            models.Index(fields=["category", "submitted_at"], name="req_category_submitted"),
            models.Index(fields=["source", "submitted_at"], name="req_source_submitted"),
            models.Index(fields=["submitted_at"], name="req_submitted"),
            # a large scope's state tab newest or oldest first walks that state's requests in filing order:
            # on req_submitted, a province's 已答复 oldest first read 966,000 requests to find the first 50
            models.Index(fields=["status", "submitted_at"], name="req_status_submitted"),
            models.Index(fields=["updated_at"], name="req_updated"),  # the figures refresh reads changes
            models.Index(fields=["status", "assign_remind_at"], name="req_status_assign_remind"),
            models.Index(fields=["status", "answer_remind_at"], name="req_status_answer_remind"),
            models.Index(fields=["status", "evaluate_remind_at"], name="req_status_evaluate_remind"),
            models.Index(fields=["status", "co_opinion_due_at"], name="req_status_co_opinion_due"),
            models.Index(fields=["work_order_number"], name="req_work_order"),  # the queues' text search
            # the key-project dashboard: the open requests linked to a project (a few hundred in a province)
            models.Index(
                fields=["project"],
                condition=Q(status__in=[status.value for status in OPEN_STATUSES], project__isnull=False),
                name="req_open_project",
            ),
            # work queues: urgency order inside each list's scope
            models.Index(fields=["commissioner", "status", "current_due_at"], name="req_queue_commissioner"),
            models.Index(fields=["enterprise", "status", "current_due_at"], name="req_queue_enterprise"),
            models.Index(fields=["lead_department", "status", "current_due_at"], name="req_queue_lead_dept"),
            models.Index(fields=["region", "status", "current_due_at"], name="req_queue_region"),
            models.Index(fields=["status", "current_due_at"], name="req_queue_status"),
            models.Index(fields=["current_due_at"], name="req_queue_due"),
            # the department queue's tab counts read a dispatch's request status without the heap
            models.Index(fields=["id", "status"], name="req_id_status"),
            # the dashboards' live open/overdue count reads only the open requests of the scope and period,
            # from the index alone: it carries every column the open and overdue conditions test
            models.Index(
                fields=["region", "submitted_at"],
                include=["id", "status", "assigned_at", "assign_due_at", "answer_due_at"],
                condition=Q(status__in=[status.value for status in OPEN_STATUSES]),
                name="req_open_region_submitted",
            ),
            # the work lists' tab counts read only the live requests (open or answered) of the scope's
            # regions, from the index alone: every column the tab conditions test. Led by the region, a
            # city's counts read its own 2,500 live requests, not the province's 15,000. With the id, a
            # large scope's overdue page picks its 50 most urgent rows from the index too
            models.Index(
                fields=["region", "status", "current_due_at", "assigned_at", "assign_due_at", "answer_due_at"],
                include=["id"],
                condition=Q(status__in=[status.value for status in (*OPEN_STATUSES, Status.ANSWERED)]),
                name="req_live_region",
            ),
            models.Index(
                fields=["id", "status"],
                condition=Q(status__in=[status.value for status in (*OPEN_STATUSES, Status.ANSWERED)]),
                name="req_live_id",
            ),
            # the open requests in submission order, carrying the region and every column the open tabs and
            # the overdue condition test: a large scope's 待办, a state's tab or its overdue rows, newest or
            # oldest first, are its first entries that the region allows, read from the index alone (the
            # province's oldest 50 in 0.2 ms, where sorting its 10,700 open requests took 6–23 ms and
            # walking the submission index of the million from the oldest read 74,000 entries for a city)
            models.Index(
                fields=["submitted_at", "id"],
                include=["region", "status", "current_due_at", "assigned_at", "assign_due_at", "answer_due_at"],
                condition=Q(status__in=[status.value for status in OPEN_STATUSES]),
                name="req_open_submitted",
            ),
            # the requests whose clock runs, in urgency order, carrying every column the overdue condition
            # and the supervisors' scope test: a large scope's overdue rows are a range of it read from the
            # index alone (the province's 9,000 in a few ms), and its overdue page the first entries in order
            models.Index(
                fields=["current_due_at", "id"],
                include=["region", "status", "assigned_at", "assign_due_at", "answer_due_at"],
                condition=Q(status__in=[Status.SUBMITTED.value, Status.IN_PROGRESS.value]),
                name="req_running_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(answer_due_at__gte=F("assign_due_at")), name="req_due_order"),
            # the same work order filed twice (a retry, a second import) is the same request
            models.UniqueConstraint(
                fields=["source", "work_order_number"],
                condition=~Q(work_order_number=""),
                name="req_unique_work_order",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def reference(self) -> str:
        """SQ + the submission date in Asia/Shanghai (a request filed at 06:34 on 1 December Beijing time
        is SQ20261201…, not the UTC date before it) + the number."""
        day = timezone.localtime(self.submitted_at, timezone.get_default_timezone())
        return f"SQ{day:%Y%m%d}{self.pk:06d}"

    def running_due_at(self):
        """The deadline the request is working against now."""
        if self.status == Status.SUBMITTED:
            return self.assign_due_at
        if self.status in OPEN_STATUSES:
            return self.answer_due_at
        return None

    def save(self, *args, **kwargs):
        self.current_due_at = self.running_due_at()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"status", "assign_due_at", "answer_due_at"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "current_due_at"}
        super().save(*args, **kwargs)


class DispatchStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    ANSWERED = "answered", _("Answered")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_DISPATCH_STATUSES = (DispatchStatus.PENDING, DispatchStatus.ACCEPTED)


class Dispatch(models.Model):
    """A request sent to one department, as lead (主办) or co-handler (协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CO = "co", _("Co-handling")

    request = models.ForeignKey(Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="dispatches")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="dispatches"
    )
    role = models.CharField(_("role"), max_length=5, choices=Role.choices, default=Role.LEAD)
    status = models.CharField(
        _("status"), max_length=20, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    instruction = models.TextField(_("instruction"), max_length=2000, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dispatched by"), on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("dispatched"), default=timezone.now)
    answer_due_at = models.DateTimeField(_("answer deadline"))
    opinion_due_at = models.DateTimeField(_("opinion deadline"), null=True, blank=True)  # co-handling tasks
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    answer = models.TextField(_("answer / opinion"), max_length=5000, blank=True)
    return_reason = models.TextField(_("return reason"), max_length=1000, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # the request's state, copied by the database whenever a task is written or its request's state changes
    # (issues/triggers.py), so the department queue splits and counts its tasks by it on the task index alone
    # instead of joining the live requests. Read it in queries: a task made in this process keeps "" until
    # read again. The database default lets a writer that does not name the column insert tasks.
    request_status = models.CharField(
        _("request status"), max_length=20, choices=Status.choices, default="", db_default="", editable=False
    )
    # the request's title and description, copied the same way (issues/triggers.py), so the department queue's
    # search finds its tasks' matches on one index of department and text (issues.0024) instead of reading the
    # request of each of the department's tasks
    request_title = models.CharField(_("request title"), max_length=100, default="", db_default="", editable=False)
    request_description = models.TextField(_("request description"), default="", db_default="", editable=False)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["dispatched_at", "pk"]
        indexes = [
            # the department queue in urgency order; request last so its tab counts join without the heap
            models.Index(fields=["department", "status", "answer_due_at", "request"], name="dispatch_queue_request"),
            models.Index(fields=["request", "role"], name="dispatch_request_role"),
            # the department queue's newest / oldest order
            models.Index(fields=["department", "dispatched_at"], name="dispatch_department_time"),
            # the department queue's tabs by the request's state: their counts (the live states, 已办结's
            # bounded count) from the index alone, and a tab's rows in urgency order
            models.Index(
                fields=["department", "request_status", "answer_due_at"],
                include=["status"],
                name="dispatch_department_req_status",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "round"],
                condition=Q(role="lead") & Q(status__in=["pending", "accepted", "answered"]),
                name="dispatch_one_live_lead_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.department}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPATCH_STATUSES


class EventAction(models.TextChoices):
    """What a timeline entry records; the labels are the timeline's words."""

    SUBMIT = "submit", pgettext_lazy("timeline", "Filed")
    WITHDRAW = "withdraw", pgettext_lazy("timeline", "Withdrawn")
    SUPPLY_INFO = "supply_info", pgettext_lazy("timeline", "Information supplied")
    ASK_INFO = "ask_info", pgettext_lazy("timeline", "Information asked for")
    TAKE_ON = "take_on", pgettext_lazy("timeline", "Taken on by the commissioner")
    DISPATCH = "dispatch", pgettext_lazy("timeline", "Dispatched")
    REASSIGN = "reassign", pgettext_lazy("timeline", "Handed over")
    ACCEPT = "accept", pgettext_lazy("timeline", "Accepted by the department")
    RETURN = "return", pgettext_lazy("timeline", "Returned by the department")
    OPINION = "opinion", pgettext_lazy("timeline", "Co-handling opinion")
    ANSWER = "answer", pgettext_lazy("timeline", "Answered")
    REOPEN = "reopen", pgettext_lazy("timeline", "Dissatisfied: reopened")
    EVALUATE = "evaluate", pgettext_lazy("timeline", "Evaluated")
    EXTENSION_REQUEST = "extension_request", pgettext_lazy("timeline", "Extension requested")
    EXTENSION_APPROVED = "extension_approved", pgettext_lazy("timeline", "Extension approved")
    EXTENSION_REJECTED = "extension_rejected", pgettext_lazy("timeline", "Extension rejected")
    CLOSE_UNEVALUATED = "close_unevaluated", pgettext_lazy("timeline", "Closed without evaluation")
    YELLOW_CARD = "yellow_card", pgettext_lazy("timeline", "Yellow card: dispatch deadline missed")
    RED_CARD = "red_card", pgettext_lazy("timeline", "Red card: answer deadline missed")
    YELLOW_CARD_REVOKED = "yellow_card_revoked", pgettext_lazy("timeline", "Yellow card revoked")
    RED_CARD_REVOKED = "red_card_revoked", pgettext_lazy("timeline", "Red card revoked")


class RequestEvent(models.Model):
    """Immutable timeline entry: who did what, when, from which state to which."""

    request = models.ForeignKey(Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events")
    dispatch = models.ForeignKey(
        Dispatch, verbose_name=_("dispatch"), null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30, choices=EventAction.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["request", "created_at"], name="event_request_time")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Request events are immutable")
        return super().save(*args, **kwargs)


class Evaluation(models.Model):
    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="evaluations"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("evaluation"), max_length=20, choices=Verdict.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    # where the verdict came from: the enterprise on the portal, or the hotline's return visit (回访)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["request", "round"], name="evaluation_once_per_round")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_verdict_display()}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Extension(models.Model):
    """A department's request for more time (延期), approved or rejected by a supervisor."""

    request = models.ForeignKey(Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="extensions")
    dispatch = models.ForeignKey(
        Dispatch, verbose_name=_("dispatch"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    requested_due_at = models.DateTimeField(_("requested deadline"))
    previous_due_at = models.DateTimeField(_("previous deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch"], condition=Q(status="pending"), name="extension_one_pending_per_dispatch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.requested_due_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.token}"


class Attachment(models.Model):
    """An uploaded file, stored outside the web root and served only through an authorized view."""

    request = models.ForeignKey(
        Request, verbose_name=_("request"), null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    visit = models.ForeignKey(
        "Visit", verbose_name=_("visit"), null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    event = models.ForeignKey(
        RequestEvent,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Visit(models.Model):
    """A commissioner's visit (走访) to an enterprise or a project site."""

    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("commissioner"), on_delete=models.PROTECT, related_name="visits"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("key project"), null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("date"))
    people_met = models.CharField(_("people met"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["commissioner", "visited_on"], name="visit_commissioner_date"),
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(project__isnull=False), name="visit_has_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.enterprise or self.project}"


class ReminderKind(models.TextChoices):
    ASSIGN_NEAR = "assign_near", _("Dispatch deadline near")
    ASSIGN_MISSED = "assign_missed", _("Dispatch deadline missed")
    ANSWER_NEAR = "answer_near", _("Answer deadline near")
    ANSWER_MISSED = "answer_missed", _("Answer deadline missed")
    EVALUATE = "evaluate", _("Evaluation reminder")
    CO_OPINION = "co_opinion", _("Co-handling opinion overdue")


class Reminder(models.Model):
    """Exactly-once record of a reminder stage for a request in one round, about one deadline.

    ``due_at`` is the moment the stage fell due, computed from the deadline the reminder was about;
    an extension or a 待补充 pause moves the deadline and so the moment, and the stage is due again
    once for the new deadline (the same deadline is never reminded twice)."""

    request = models.ForeignKey(Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    late = models.BooleanField(_("sent late"), default=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "round", "due_at"], name="reminder_once"),
        ]
        indexes = [models.Index(fields=["sent_at"], name="reminder_unsent")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_kind_display()} ({self.round})"


class CardKind(models.TextChoices):
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


class Card(models.Model):
    """A yellow or red card on the unit responsible for a missed deadline (督办)."""

    request = models.ForeignKey(Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="cards")
    unit = models.ForeignKey(Department, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cards")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CardKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoke_reason = models.TextField(_("revoke reason"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["request", "kind", "round"], name="card_once")]
        indexes = [
            models.Index(fields=["unit", "issued_at"], name="card_unit_issued"),
            models.Index(fields=["region", "issued_at"], name="card_region_issued"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit_id} {self.request_id}"


class SweepRun(models.Model):
    """One run of the reminder sweep, for operators: when it ran and what it sent."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    now = models.DateTimeField(_("swept as of"))
    counts = models.JSONField(_("reminders sent per kind"), default=dict, blank=True)
    late = models.PositiveIntegerField(_("sent late"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)

    class Meta:
        verbose_name = _("reminder sweep")
        verbose_name_plural = _("reminder sweeps")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"], name="sweep_started")]

    def __str__(self) -> str:
        return f"sweep {self.started_at:%Y-%m-%d %H:%M}"


def current_due_expression():
    """SQL for Request.running_due_at(), to fill ``current_due_at`` in bulk (migrations, synthetic data)."""
    return models.Case(
        models.When(status=Status.SUBMITTED, then=F("assign_due_at")),
        models.When(status__in=OPEN_STATUSES, then=F("answer_due_at")),
        default=None,
        output_field=models.DateTimeField(),
    )
