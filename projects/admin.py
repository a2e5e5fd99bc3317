from django.contrib import admin

from .models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "region",
        "level",
        "stage",
        "total_investment",
        "planned_investment",
        "completed_investment",
        "leader",
    ]
    list_filter = ["stage", "level", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "leader", "enterprise__name"]
    autocomplete_fields = ["region", "enterprise", "commissioners"]
    list_select_related = ["region"]
