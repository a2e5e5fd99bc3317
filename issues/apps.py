from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from portal import health
        from portal.notifications.selectors import status_source_add

        from .categories import ensure_categories
        from .health import check_reminder_sweep
        from .reminders import reminders_status
        from .triggers import ensure_triggers

        health.register("reminder_sweep", check_reminder_sweep)
        post_migrate.connect(ensure_categories, sender=self, dispatch_uid="issues.ensure_categories")
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="issues.ensure_triggers")
        status_source_add(reminders_status)
        self.keep_with_listing()
        self.hand_over_problem_desk()
        self.audit_rules()

    def keep_with_listing(self) -> None:
        """The list pages read the categories and the SLA policies from the listing each process keeps
        (portal/orgs/listing.py): a change to either is seen on the next page."""
        from portal.orgs import listing

        from .models import Category, SlaPolicy

        listing.watch(Category)
        listing.watch(SlaPolicy)

    def hand_over_problem_desk(self) -> None:
        """A problem in a key project's progress report is filed as a request (projects cannot import us)."""
        from projects.problems import ProblemDesk, problem_desk_set

        from .services import project_problem_categories, request_raise_for_project

        problem_desk_set(ProblemDesk(categories=project_problem_categories, file=request_raise_for_project))

    def audit_rules(self) -> None:
        """The 133 policy and the calendar corrections move deadlines: every change is audited."""
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from .models import HolidayOverride, SlaPolicy

        rule = AuditEvent.Action.RULE_CHANGE
        audit.track(
            SlaPolicy,
            fields=[
                "region",
                "assign_days",
                "answer_days",
                "working_days",
                "reminder_lead_hours",
                "evaluation_reminder_days",
                "auto_close_days",
                "co_opinion_days",
            ],
            action=rule,
        )
        audit.track(HolidayOverride, fields=["date", "is_working_day", "note"], action=rule)
