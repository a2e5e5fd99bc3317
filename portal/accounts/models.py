from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number."))


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise user")
    COMMISSIONER = "commissioner", _("Commissioner")
    HANDLER = "handler", _("Department handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """A person who logs in; roles are flags so one person may hold several."""

    phone = models.CharField(
        _("mobile phone"), max_length=11, unique=True, null=True, blank=True, validators=[phone_validator]
    )
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_enterprise_user = models.BooleanField(_("enterprise user"), default=False)
    is_commissioner = models.BooleanField(_("commissioner"), default=False)
    is_handler = models.BooleanField(_("department handler"), default=False)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    notify_channels = models.JSONField(
        _("external channels"), default=list, blank=True, help_text=_("Extra channels: sms, wecom, dingtalk.")
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts an administrator created: they choose their own password at first sign-in."),
    )

    objects = UserManager()

    ROLE_FLAGS = {
        Role.ENTERPRISE: "is_enterprise_user",
        Role.COMMISSIONER: "is_commissioner",
        Role.HANDLER: "is_handler",
        Role.SUPERVISOR: "is_supervisor",
    }

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_staff or self.is_superuser

    @property
    def roles(self) -> set[str]:
        held = {role for role, flag in self.ROLE_FLAGS.items() if getattr(self, flag)}
        if self.is_administrator:
            held.add(Role.ADMINISTRATOR)
        return held

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def check_password(self, raw_password) -> bool:
        # A correct password may be re-hashed with newer parameters and saved: that is not a password change.
        self._audit_rehash = True
        try:
            return super().check_password(raw_password)
        finally:
            self._audit_rehash = False


class AuditEvent(models.Model):
    """Append-only record of sensitive actions: logins, changes of rights and rules (with the values
    before and after), imports and exports. ``portal.accounts.audit`` writes it."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        LOCKED_OUT = "locked_out", _("Locked out")
        ROLE_CHANGE = "role_change", _("Role change")
        ACCESS_CHANGE = "access_change", _("Access change")
        PASSWORD_CHANGE = "password_change", _("Password change")
        PAIRING_CHANGE = "pairing_change", _("Pairing change")
        RULE_CHANGE = "rule_change", _("Rule change")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        EXTENSION = "extension", _("Extension decision")
        CARD = "card", _("Card")
        RANKING = "ranking", _("Ranking publication")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-factor sign-in enrolled")
        TWO_FACTOR_VERIFIED = "two_factor_verified", _("Two-factor code accepted")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Wrong two-factor code")
        TWO_FACTOR_RECOVERY_USED = "two_factor_recovery_used", _("Recovery code used")
        TWO_FACTOR_CODES_REGENERATED = "two_factor_codes_regenerated", _("Recovery codes regenerated")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor sign-in turned off")
        TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor sign-in reset")
        REGISTRATION = "registration", _("Registration")
        PASSWORD_RESET = "password_reset", _("Password reset")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        OTHER = "other", _("Other")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target = models.CharField(_("target"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Each changed field with its value before and after.")
    )
    via = models.CharField(_("made through"), max_length=100, blank=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only")
