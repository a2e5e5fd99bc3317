from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from .import_admin import ProjectImportMixin
from .models import Leader, ProgressReport, Project, ProjectPairing, ProjectPhoto, ProjectPolicy, StageChange


class ProjectPairingForm(forms.ModelForm):
    class Meta:
        model = ProjectPairing
        fields = ["commissioner", "role", "starts_on", "ends_on"]

    def clean_commissioner(self):
        commissioner = self.cleaned_data["commissioner"]
        if commissioner is not None and not commissioner.is_commissioner:
            raise ValidationError(
                gettext("%(name)s does not hold the commissioner role.") % {"name": commissioner.display_name}
            )
        return commissioner

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", gettext("A pairing cannot end before it starts."))
        return cleaned


class ProjectPairingInline(admin.TabularInline):
    model = ProjectPairing
    form = ProjectPairingForm
    extra = 0
    autocomplete_fields = ["commissioner"]


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "region",
            "enterprise",
            "industry",
            "level",
            "stage",
            "total_investment",
            "planned_investment",
            "completed_investment",
            "exceeds_total",
            "site_address",
            "leader",
            "visit_every_days",
            "reports_from",
        ]

    def clean(self):
        cleaned = super().clean()
        total, completed = cleaned.get("total_investment"), cleaned.get("completed_investment")
        for name in ("total_investment", "planned_investment", "completed_investment"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, gettext("Investment figures cannot be negative."))
        if total is not None and completed is not None and completed > total and not cleaned.get("exceeds_total"):
            self.add_error(
                "completed_investment",
                gettext("The completed investment is beyond the total: tick the box below if that is right."),
            )
        return cleaned


@admin.register(Project)
class ProjectAdmin(ProjectImportMixin, admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = [
        "name",
        "region",
        "level",
        "stage",
        "total_investment",
        "planned_investment",
        "completed_investment",
        "leader",
        "visit_every_days",
    ]
    list_filter = ["stage", "level", "industry", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "leader__name", "enterprise__name"]
    autocomplete_fields = ["region", "enterprise", "leader"]
    list_select_related = ["region", "leader"]
    readonly_fields = ["stage", "stage_changed_on", "reported_through", "last_progress_on"]
    inlines = [ProjectPairingInline]

    def get_readonly_fields(self, request, obj=None):
        # The stage of an existing project changes only through a stage change (dated, audited);
        # a new project starts at the stage it is entered with.
        return self.readonly_fields if obj is not None else ["reported_through", "last_progress_on"]


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "region", "user"]
    search_fields = ["name", "title"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["region", "user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # nothing here is edited: every field is shown as it was recorded
        return [f.name for f in self.model._meta.fields]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["project", "from_stage", "to_stage", "changed_on", "actor", "created_at"]
    list_filter = ["to_stage"]
    search_fields = ["project__name"]
    list_select_related = ["project", "actor"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["project", "period_start", "period_end", "stage", "investment", "on_time", "filed_by"]
    list_filter = ["on_time", "stage"]
    search_fields = ["project__name"]
    list_select_related = ["project", "filed_by"]


@admin.register(ProjectPhoto)
class ProjectPhotoAdmin(ReadOnlyAdmin):
    list_display = ["project", "original_name", "uploaded_by", "created_at"]
    search_fields = ["project__name"]
    list_select_related = ["project", "uploaded_by"]


@admin.register(ProjectPolicy)
class ProjectPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "report_grace_days", "stalled_after_days"]
    autocomplete_fields = ["region"]
