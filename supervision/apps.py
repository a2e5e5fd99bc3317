from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from .models import RankingWeights

        # The weights decide the monthly scores: every change is audited.
        audit.track(
            RankingWeights,
            fields=[
                "on_time_dispatch",
                "on_time_answer",
                "resolution",
                "satisfaction",
                "yellow_card_penalty",
                "red_card_penalty",
            ],
            action=AuditEvent.Action.RULE_CHANGE,
        )
