from django.contrib import admin

from .models import Citation, Deflection, DispatchSuggestion, Entry, PolicyNotice


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "department", "category", "region", "published_at"]
    list_filter = ["kind", "status", "category", "industry", "size"]
    search_fields = ["title"]
    autocomplete_fields = ["department", "region", "created_by", "category"]
    readonly_fields = ["published_at", "retired_at", "created_at"]


class _ReadOnly(admin.ModelAdmin):
    """Records of what happened: read only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # nothing here is edited: every field is shown as it was recorded
        return [f.name for f in self.model._meta.fields]


@admin.register(Deflection)
class DeflectionAdmin(_ReadOnly):
    list_display = ["title", "entry", "similar_request", "enterprise", "created_at"]
    raw_id_fields = ["entry", "similar_request", "user", "enterprise"]


@admin.register(DispatchSuggestion)
class DispatchSuggestionAdmin(_ReadOnly):
    list_display = ["request", "round", "suggested", "chosen", "followed", "created_at"]
    list_filter = ["followed"]
    raw_id_fields = ["request"]


@admin.register(Citation)
class CitationAdmin(_ReadOnly):
    list_display = ["entry", "request", "created_at"]
    raw_id_fields = ["event", "request", "entry"]


@admin.register(PolicyNotice)
class PolicyNoticeAdmin(_ReadOnly):
    list_display = ["entry", "enterprise", "created_at", "sent_at"]
    raw_id_fields = ["entry", "enterprise"]
