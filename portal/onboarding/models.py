"""Self-registration of enterprises and the one-time codes sent by SMS (registration, password reset)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import phone_validator
from portal.orgs.models import Enterprise, EnterpriseSize, Industry, Region
from portal.orgs.validators import validate_credit_code


class PhoneCode(models.Model):
    """A one-time code sent to a mobile; only its keyed hash is stored. Rows also count the sends for the
    rate limits, so a send refused for a mobile without an account is recorded the same way."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")
        RESET = "reset", _("Password reset")
        RESET_EMAIL = "reset_email", _("Password reset link by e-mail")
        INVITE = "invite", _("Invitation")

    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    recipient = models.CharField(_("mobile or e-mail"), max_length=254)
    code_hash = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="phonecode_recipient_time"),
            models.Index(fields=["client_ip", "created_at"], name="phonecode_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class Application(models.Model):
    """An enterprise's request for an account: to join an enterprise on the register, or to add a new one."""

    class Kind(models.TextChoices):
        JOIN = "join", _("Join an enterprise on the register")
        PROPOSE = "propose", _("Add a new enterprise")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_credit_code])
    enterprise_name = models.CharField(_("enterprise name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    size = models.CharField(_("size"), max_length=10, choices=EnterpriseSize.choices)
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11, validators=[phone_validator])
    password_hash = models.CharField(max_length=128)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="applications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("applied"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("registration application")
        verbose_name_plural = _("registration applications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="application_status_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(status="pending"), name="application_one_pending_per_phone"
            ),
            models.CheckConstraint(
                condition=Q(kind="propose") | Q(enterprise__isnull=False), name="application_join_has_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_name} · {self.contact_name}"


class Invitation(models.Model):
    """A member asks a colleague to join the enterprise: an SMS carries a one-time link (only its hash is kept)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="invitations"
    )
    phone = models.CharField(_("mobile phone"), max_length=11, validators=[phone_validator])
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["enterprise", "created_at"], name="invitation_enterprise_time")]

    def __str__(self) -> str:
        return f"{self.enterprise} ← {self.phone}"
