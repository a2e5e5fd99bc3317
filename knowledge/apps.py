from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from issues import hooks

        from . import services

        hooks.dispatch_listener_add(services.suggestion_record)
        hooks.answer_listener_add(services.citation_record)
        hooks.citable_source_add(services.citable_entries)
