import logging
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import importing
from .models import Department, DepartmentMembership, Enterprise, EnterpriseMembership, Pairing, Region, SupervisorScope

logger = logging.getLogger(__name__)

IMPORT_SESSION_KEY = "enterprise_import_token"
IMPORT_FILE_MAX_AGE = 24 * 3600


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "sort_order"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]
    list_select_related = ["parent"]
    ordering = ["path"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "region", "is_active"]
    list_filter = ["is_active", "region__level"]
    search_fields = ["name", "short_name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]


class PairingForm(forms.ModelForm):
    class Meta:
        model = Pairing
        fields = ["enterprise", "commissioner", "role", "starts_on", "ends_on"]

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


class EnterpriseMembershipInline(admin.TabularInline):
    model = EnterpriseMembership
    extra = 0
    autocomplete_fields = ["user"]


class PairingInline(admin.TabularInline):
    model = Pairing
    form = PairingForm
    extra = 0
    autocomplete_fields = ["commissioner"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


def _import_dir() -> Path:
    directory = Path(settings.PRIVATE_MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _forget_old_uploads(directory: Path) -> None:
    cutoff = time.time() - IMPORT_FILE_MAX_AGE
    for stale in directory.glob("*.xlsx"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
        except FileNotFoundError:
            continue


class ExcelImportMixin:
    """导入 on a model admin: upload, dry run, confirm, through an import module (``parse_workbook``,
    ``import_apply``, ``template_workbook``, ``HEADERS``, ``REQUIRED``, ``ImportFileError``).

    The upload is checked and previewed without writing; the file waits under a random token kept in the
    session until the administrator confirms, and is checked again then, so data that changed in between
    is shown again instead of imported."""

    import_module = None
    import_permissions: list[str] = []
    import_title = ""
    import_template = ""
    import_session_key = ""
    import_template_filename = "import-template.xlsx"

    def import_success_message(self, summary) -> str:
        """What the administrator reads once the import is written; each admin says what it counted."""
        return gettext("Import finished.")

    def _import_url_name(self, suffix: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{suffix}"

    def get_urls(self):
        wrap = self._import_guard
        return [
            path("import/", wrap(self.import_view), name=self._import_url_name("import")),
            path(
                "import/template.xlsx", wrap(self.import_template_view), name=self._import_url_name("import_template")
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.has_perms(self.import_permissions)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def _import_guard(self, view):
        """Anonymous people go to the admin login; logged-in people without the right get 403."""

        @never_cache
        @csrf_protect
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                login_url = reverse("admin:login", current_app=self.admin_site.name)
                return redirect_to_login(request.get_full_path(), login_url)
            if not self.has_import_permission(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    def import_template_view(self, request):
        response = HttpResponse(
            self.import_module.template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f"attachment; filename={self.import_template_filename}"
        return response

    def import_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": self.import_title,
            "headers": self.import_module.HEADERS,
            "required": self.import_module.REQUIRED,
            "max_rows": importing.max_rows(),
        }
        if request.method == "POST" and request.POST.get("step") == "confirm":
            return self._import_confirm(request, context)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importing.MAX_UPLOAD_BYTES:
                form.add_error("file", "文件超过 5 MB，请拆分后分批导入。")
            else:
                data = upload.read()
                try:
                    preview = self.import_module.parse_workbook(data)
                except self.import_module.ImportFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    context.update(preview=preview, file_name=upload.name)
                    if preview.is_valid:
                        context["token"] = self._keep_upload(request, data, upload.name)
        context["form"] = form
        return TemplateResponse(request, self.import_template, context)

    def _keep_upload(self, request, data: bytes, name: str) -> str:
        directory = _import_dir()
        _forget_old_uploads(directory)
        token = secrets.token_urlsafe(24)
        (directory / f"{token}.xlsx").write_bytes(data)
        request.session[self.import_session_key] = {"token": token, "name": name[:150]}
        return token

    def _import_confirm(self, request, context):
        kept = request.session.get(self.import_session_key) or {}
        token = request.POST.get("token", "")
        expired = gettext("The uploaded file has expired. Upload it again.")
        again = f"admin:{self._import_url_name('import')}"
        if not token or not secrets.compare_digest(token, kept.get("token", "")):
            messages.error(request, expired)
            return redirect(again)
        file_path = _import_dir() / f"{kept['token']}.xlsx"
        try:
            data = file_path.read_bytes()
        except FileNotFoundError:
            request.session.pop(self.import_session_key, None)
            messages.error(request, expired)
            return redirect(again)
        try:
            preview, error = self.import_module.parse_workbook(data), None
        except self.import_module.ImportFileError as exc:
            preview, error = None, str(exc)
        if preview is None or not preview.is_valid:
            # The data changed since the dry run (a user lost a role, a region was removed …): show it again.
            context.update(form=ImportUploadForm(), preview=preview, file_name=kept.get("name", ""))
            if error:
                messages.error(request, error)
            return TemplateResponse(request, self.import_template, context)
        summary = self.import_module.import_apply(
            preview=preview, actor=request.user, request=request, file_name=kept.get("name", "")
        )
        file_path.unlink(missing_ok=True)
        request.session.pop(self.import_session_key, None)
        logger.info("%s import by user %s: %s", self.model._meta.label, request.user.pk, summary)
        messages.success(request, self.import_success_message(summary))
        return redirect(f"admin:{self._import_url_name('changelist')}")


@admin.register(Enterprise)
class EnterpriseAdmin(ExcelImportMixin, admin.ModelAdmin):
    list_display = ["name", "credit_code", "region", "industry", "size", "contact_name", "contact_phone"]
    list_filter = ["industry", "size", "region__level", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    inlines = [EnterpriseMembershipInline, PairingInline]

    import_module = importing
    import_permissions = ["orgs.add_enterprise", "orgs.change_enterprise", "orgs.add_pairing", "orgs.change_pairing"]
    import_title = _("Import enterprises and commissioner pairings")
    import_template = "admin/orgs/enterprise/import.html"
    import_session_key = IMPORT_SESSION_KEY
    import_template_filename = "enterprise-import-template.xlsx"

    def import_success_message(self, summary) -> str:
        return gettext(
            "Import finished: %(created)d enterprises created, %(updated)d updated, %(paired)d pairings created, "
            "%(ended)d pairings ended."
        ) % {
            "created": summary.created,
            "updated": summary.updated,
            "paired": summary.pairings_created,
            "ended": summary.pairings_ended,
        }


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "title"]
    search_fields = ["user__username", "user__real_name", "enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["user", "enterprise"]
    list_select_related = ["user", "enterprise"]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "kind"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__real_name", "department__name"]
    autocomplete_fields = ["user", "department"]
    list_select_related = ["user", "department"]


class ActivePairingFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        active = Pairing.objects.active(timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=active)
        if self.value() == "no":
            return queryset.exclude(pk__in=active)
        return queryset


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    form = PairingForm
    list_display = ["enterprise", "commissioner", "role", "starts_on", "ends_on"]
    list_filter = ["role", ActivePairingFilter, ("enterprise__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "enterprise__name",
        "enterprise__credit_code",
        "commissioner__username",
        "commissioner__real_name",
        "commissioner__phone",
    ]
    autocomplete_fields = ["enterprise", "commissioner"]
    list_select_related = ["enterprise", "commissioner"]
    date_hierarchy = "starts_on"


@admin.register(SupervisorScope)
class SupervisorScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "region"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__real_name", "region__name", "region__code"]
    autocomplete_fields = ["user", "region"]
    list_select_related = ["user", "region"]
