"""Systems that call the API (the 12345 hotline), their keys, and what goes out to them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Request, RequestEvent
from portal.orgs.models import Region


class ClientAction(models.TextChoices):
    FILE = "file", _("File work orders")
    READ = "read", _("Read requests and changes")
    EVALUATE = "evaluate", _("Post return-visit results")


class Client(models.Model):
    """Another government system registered by administrators, acting through its own service account."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.CharField(_("contact"), max_length=200, help_text=_("Who runs the system, and how to reach them."))
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), related_name="+", help_text=_("Each region with everything inside it.")
    )
    actions = models.JSONField(_("allowed actions"), default=list, blank=True)
    personal_data = models.BooleanField(
        _("sees personal data"), default=False, help_text=_("Unticked: callers' mobiles are masked.")
    )
    allowed_addresses = models.TextField(
        _("allowed addresses"),
        blank=True,
        help_text=_("One IP address or network (CIDR) per line; empty: any address."),
    )
    rate_limit = models.PositiveIntegerField(_("calls per minute per key"), default=120)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=64, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A revocable key: only its prefix (for lookup) and the SHA-256 of the whole key are stored."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="keys")
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    hashed = models.CharField(_("hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client} {self.prefix}…"


class RateWindow(models.Model):
    """Calls of one key in one minute, counted in the database so every web worker shares the count."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "minute"], name="api_rate_once_per_minute")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.minute:%H:%M} {self.count}"


class WebhookStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Given up")


class WebhookDelivery(models.Model):
    """Outbox: one row per event for a client, written in the state change's own transaction."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(RequestEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("last response"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["client", "event"], name="webhook_once_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.client} {self.payload.get('event', '')} {self.idempotency_key}"


class UnmatchedWorkOrder(models.Model):
    """A work order whose enterprise could not be found by credit code: it waits in its region's list until a
    commissioner matches it to an enterprise, which files the request."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    work_order_number = models.CharField(_("work-order number"), max_length=40)
    enterprise_name = models.CharField(_("enterprise as given"), max_length=200)
    credit_code = models.CharField(_("credit code as given"), max_length=18, blank=True)
    payload = models.JSONField(_("work order"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    request = models.OneToOneField(
        Request, verbose_name=_("request"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("matched by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    matched_at = models.DateTimeField(_("matched"), null=True, blank=True)

    class Meta:
        verbose_name = _("unmatched work order")
        verbose_name_plural = _("unmatched work orders")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["client", "work_order_number"], name="unmatched_once_per_number")
        ]
        indexes = [
            models.Index(fields=["region", "received_at"], condition=Q(request__isnull=True), name="unmatched_waiting")
        ]

    def __str__(self) -> str:
        return f"{self.work_order_number} {self.enterprise_name}"
