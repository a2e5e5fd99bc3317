from django.contrib import admin

from .models import BigScreenToken, RankingEntry, RankingSnapshot, RankingWeights, ReturnVisit


@admin.register(RankingWeights)
class RankingWeightsAdmin(admin.ModelAdmin):
    list_display = [
        "on_time_dispatch",
        "on_time_answer",
        "resolution",
        "satisfaction",
        "yellow_card_penalty",
        "red_card_penalty",
        "project_service",
        "updated_at",
    ]


class RankingEntryInline(admin.TabularInline):
    model = RankingEntry
    can_delete = False
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are published by the beat task or republished by a city supervisor, never edited here."""

    list_display = ["month", "kind", "version", "published_at", "published_by"]
    list_filter = ["kind"]
    autocomplete_fields = ["published_by"]
    inlines = [RankingEntryInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BigScreenToken)
class BigScreenTokenAdmin(admin.ModelAdmin):
    list_display = ["region", "label", "created_by", "created_at", "revoked_at"]
    readonly_fields = ["token"]
    autocomplete_fields = ["region", "created_by"]


@admin.register(ReturnVisit)
class ReturnVisitAdmin(admin.ModelAdmin):
    list_display = ["request", "supervisor", "outcome", "called_at"]
    raw_id_fields = ["request"]
    autocomplete_fields = ["supervisor"]
