"""The knowledge base (快解快答): standard answers and policy notes, and what they did — citations in
answers, filings they deflected, the lead department suggested at dispatch, policy notices sent."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Category, Request, RequestEvent
from portal.orgs.models import Department, Enterprise, EnterpriseSize, Industry, Region


class Kind(models.TextChoices):
    ANSWER = "answer", _("Standard answer")
    POLICY = "policy", _("Policy note")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class EntryQuerySet(models.QuerySet):
    def published(self, today=None):
        """Published, and within its validity dates today."""
        today = today or timezone.localdate()
        return self.filter(status=EntryStatus.PUBLISHED).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        )

    def matching(self, enterprise: Enterprise):
        """Entries whose tags fit the enterprise: every tag left empty matches, a region tag matches its
        whole subtree."""
        path = enterprise.region.path
        prefixes = ["/".join(path.split("/")[: i + 1]) + "/" for i in range(1, path.count("/"))]
        return self.filter(
            Q(industry="") | Q(industry=enterprise.industry),
            Q(size="") | Q(size=enterprise.size),
            Q(region__isnull=True) | Q(region__path__in=prefixes),
        )


class Entry(models.Model):
    """One entry of the knowledge base. Tags left empty mean "for everyone"."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ANSWER)
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    department = models.ForeignKey(
        Department,
        verbose_name=_("issuing department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    size = models.CharField(_("enterprise size"), max_length=10, choices=EnterpriseSize.choices, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    common_group = models.BooleanField(
        _("answers a group of common requests"),
        default=False,
        help_text=_(
            "Marked by a supervisor from the common requests (共性诉求) of one category, industry and district."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge entries")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "kind", "-published_at"], name="entry_status_kind"),
            models.Index(fields=["category", "status"], name="entry_category"),
            models.Index(fields=["region", "status"], name="entry_region"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "industry", "region"],
                condition=Q(common_group=True),
                name="entry_one_per_common_group",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="entry_valid_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Deflection(models.Model):
    """An enterprise found its answer while filing and did not file: one row per "this answers my question"."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), null=True, blank=True, on_delete=models.CASCADE, related_name="deflections"
    )
    similar_request = models.ForeignKey(
        Request, verbose_name=_("similar request"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title typed"), max_length=100, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("deflected filing")
        verbose_name_plural = _("deflected filings")
        indexes = [models.Index(fields=["entry", "created_at"], name="deflection_entry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False) | Q(similar_request__isnull=False), name="deflection_has_answer"
            )
        ]

    def __str__(self) -> str:
        return self.title


class DispatchSuggestion(models.Model):
    """The lead department suggested when the commissioner dispatched, and whether it was followed."""

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="dispatch_suggestions"
    )
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    suggested = models.ForeignKey(
        Department,
        verbose_name=_("suggested department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chosen = models.ForeignKey(
        Department, verbose_name=_("chosen department"), on_delete=models.PROTECT, related_name="+"
    )
    followed = models.BooleanField(_("suggestion followed"), default=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("department suggestion")
        verbose_name_plural = _("department suggestions")
        indexes = [models.Index(fields=["created_at"], name="suggestion_time")]
        constraints = [models.UniqueConstraint(fields=["request", "round"], name="suggestion_once_per_round")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.suggested_id}→{self.chosen_id}"


class Citation(models.Model):
    """An answer that cites a knowledge entry."""

    event = models.OneToOneField(RequestEvent, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="citations")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        indexes = [models.Index(fields=["entry", "request"], name="citation_entry")]

    def __str__(self) -> str:
        return f"{self.entry_id} in {self.request_id}"


class PolicyNotice(models.Model):
    """A published policy told to one matching enterprise: unique, so each enterprise hears of it once."""

    entry = models.ForeignKey(Entry, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="notices")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy notice")
        verbose_name_plural = _("policy notices")
        constraints = [models.UniqueConstraint(fields=["entry", "enterprise"], name="policy_notice_once")]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.enterprise_id}"
