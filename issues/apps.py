from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from portal.notifications.selectors import status_source_add

        from .categories import ensure_categories
        from .reminders import reminders_status

        post_migrate.connect(ensure_categories, sender=self, dispatch_uid="issues.ensure_categories")
        status_source_add(reminders_status)
