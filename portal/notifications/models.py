from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message for one person; external deliveries hang off it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    # the message id and parameters of the title (portal/notifications/text.py), rendered again in the
    # reader's language; empty on rows stored before, which show their stored title
    title_key = models.CharField(_("title message"), max_length=300, blank=True)
    title_params = models.JSONField(_("title parameters"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    dedupe_key = models.CharField(
        _("dedupe key"),
        max_length=120,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Set for messages that must exist once only, e.g. reminders."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the active language (the reader's), or as stored."""
        if not self.title_key:
            return self.title
        from .text import render

        return render(self.title_key, self.title_params, self.title)


class Delivery(models.Model):
    """One attempt to carry a notification over an external channel (email, SMS, WeCom, DingTalk)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DEFERRED = "deferred", _("Deferred (quiet hours)")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(
        _("claimed"), null=True, blank=True, help_text=_("When a worker took it for sending.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_unique_channel")]
        indexes = [models.Index(fields=["status", "not_before"], name="delivery_status")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.notification}"
