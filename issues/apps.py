from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from .categories import ensure_categories

        post_migrate.connect(ensure_categories, sender=self, dispatch_uid="issues.ensure_categories")
