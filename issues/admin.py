"""Admin for requests and their history.

State lives in ``issues.services``: the admin edits reference data (categories, 133 policies,
holiday corrections) and shows the request records read-only, so no deadline, event or
reminder can be changed behind the clock's back.
"""

import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Attachment,
    Card,
    Category,
    Dispatch,
    Evaluation,
    Extension,
    HolidayOverride,
    Reminder,
    Request,
    RequestEvent,
    SlaPolicy,
    Visit,
)

REFERENCE = re.compile(r"^SQ\d{8}(\d{6,})$", re.IGNORECASE)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by administrators; written only by the services."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + [
            field.name for field in self.model._meta.many_to_many
        ]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_en", "code"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "assign_days",
        "answer_days",
        "working_days",
        "reminder_lead_hours",
        "evaluation_reminder_days",
        "auto_close_days",
        "co_opinion_days",
    ]
    list_filter = ["working_days"]
    search_fields = ["region__name", "region__code"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    search_fields = ["note"]
    date_hierarchy = "date"


class DispatchInline(admin.TabularInline):
    model = Dispatch
    extra = 0
    can_delete = False
    fields = ["department", "role", "status", "round", "dispatched_at", "answer_due_at", "answered_at", "outcome"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "enterprise",
        "category",
        "status",
        "submitted_at",
        "assign_due_at",
        "answer_due_at",
        "assigned_on_time",
        "answered_on_time",
    ]
    list_filter = [
        "status",
        "source",
        "category",
        "assigned_on_time",
        "answered_on_time",
        "verdict",
        ("region", admin.RelatedOnlyFieldListFilter),
        "submitted_at",
    ]
    search_fields = ["title", "enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = [
        "enterprise",
        "region",
        "project",
        "category",
        "created_by",
        "commissioner",
        "lead_department",
    ]
    list_select_related = ["enterprise", "category"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "reference",
        "status",
        "submitted_at",
        "assign_due_at",
        "answer_due_at",
        "original_answer_due_at",
        "assigned_at",
        "assigned_on_time",
        "answered_at",
        "answered_on_time",
        "info_needed_since",
        "closed_at",
        "close_reason",
        "outcome",
        "verdict",
        "satisfaction_score",
        "reopen_count",
        "version",
        "updated_at",
        "created_by",
        "enterprise",
        "region",
        "handled_directly",
        "commissioner",
        "lead_department",
    ]
    fields = [
        "reference",
        "enterprise",
        "region",
        "project",
        "category",
        "title",
        "description",
        "source",
        "status",
        "created_by",
        "commissioner",
        "lead_department",
        "handled_directly",
        "submitted_at",
        "assign_due_at",
        "assigned_at",
        "assigned_on_time",
        "answer_due_at",
        "original_answer_due_at",
        "answered_at",
        "answered_on_time",
        "info_needed_since",
        "closed_at",
        "close_reason",
        "outcome",
        "verdict",
        "satisfaction_score",
        "reopen_count",
        "version",
        "updated_at",
    ]
    inlines = [DispatchInline, RequestEventInline]

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference if obj.pk else ""

    def get_search_results(self, request, queryset, search_term):
        match = REFERENCE.match(search_term.strip())
        if match:
            return queryset.filter(pk=int(match.group(1))), False
        if search_term.strip().isdigit():
            found, duplicates = super().get_search_results(request, queryset, search_term)
            return found | queryset.filter(pk=int(search_term.strip())), duplicates
        return super().get_search_results(request, queryset, search_term)

    # A request is filed through the portal so its 133 deadlines come from the clock, and changes only
    # through the services, which lock it, check the state and write its timeline; deleting one would
    # take its immutable events with it. The admin shows, never edits.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ["request", "department", "role", "status", "round", "dispatched_at", "answer_due_at", "answered_at"]
    list_filter = ["status", "role", ("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["request__title", "department__name"]
    list_select_related = ["request", "department"]
    date_hierarchy = "dispatched_at"


@admin.register(RequestEvent)
class RequestEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "request", "action", "from_status", "to_status", "actor"]
    list_filter = ["action", "created_at"]
    search_fields = ["request__title", "actor__username", "comment"]
    list_select_related = ["request", "actor"]
    date_hierarchy = "created_at"


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["request", "verdict", "score", "round", "author", "created_at"]
    list_filter = ["verdict", "created_at"]
    search_fields = ["request__title", "author__username", "comment"]
    list_select_related = ["request", "author"]


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = [
        "request",
        "dispatch",
        "status",
        "previous_due_at",
        "requested_due_at",
        "requested_by",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["request__title", "reason", "requested_by__username"]
    list_select_related = ["request", "dispatch__department", "requested_by", "decided_by"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "content_type", "size", "request", "visit", "uploaded_by", "created_at"]
    list_filter = ["content_type", "created_at"]
    search_fields = ["original_name", "request__title", "uploaded_by__username"]
    list_select_related = ["request", "uploaded_by"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "commissioner", "enterprise", "project", "people_met"]
    list_filter = ["visited_on"]
    search_fields = ["enterprise__name", "project__name", "commissioner__username", "commissioner__real_name", "notes"]
    autocomplete_fields = ["commissioner", "enterprise", "project"]
    list_select_related = ["commissioner", "enterprise", "project"]
    date_hierarchy = "visited_on"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "round", "due_at", "sent_at", "late"]
    list_filter = ["kind", "late", "due_at"]
    search_fields = ["request__title"]
    list_select_related = ["request"]


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "unit", "region", "issued_at", "revoked_at"]
    list_filter = ["kind", ("region", admin.RelatedOnlyFieldListFilter), "issued_at"]
    search_fields = ["request__title", "unit__name", "reason"]
    list_select_related = ["request", "unit", "region"]
    date_hierarchy = "issued_at"
