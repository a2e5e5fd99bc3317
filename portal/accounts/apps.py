from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The user fields that decide what someone may see or do; any change is a role change in the audit log.
AUDITED_USER_FIELDS = [
    "is_active",
    "is_enterprise_user",
    "is_commissioner",
    "is_handler",
    "is_supervisor",
    "is_staff",
    "is_superuser",
]


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.apps import apps
        from django.contrib import admin
        from django.contrib.auth.models import Group

        # the admin says whose it is, and the lockout section has a name in the reader's language
        admin.site.site_header = admin.site.site_title = _("Enterprise Service Portal administration")
        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")

        from . import audit, signals  # noqa: F401  (login audit)
        from .models import AuditEvent, User

        audit.audit_management_commands()
        audit.track(
            User,
            fields=AUDITED_USER_FIELDS,
            m2m=["groups", "user_permissions"],
            action=AuditEvent.Action.ROLE_CHANGE,
            describe=lambda user: user.username,
            passwords=True,
        )
        audit.track(Group, fields=["name"], m2m=["permissions"], action=AuditEvent.Action.ROLE_CHANGE)
