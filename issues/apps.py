from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from portal import health

        from .categories import ensure_categories
        from .health import check_reminder_sweep

        health.register("reminder_sweep", check_reminder_sweep)
        post_migrate.connect(ensure_categories, sender=self, dispatch_uid="issues.ensure_categories")
