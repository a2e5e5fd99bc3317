import re

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .models import AuditEvent, User

# The role flags offered when an administrator creates a user.
ROLE_FLAGS = ["is_enterprise_user", "is_commissioner", "is_handler", "is_supervisor"]

# Autocomplete fields that must only offer people holding a role.
AUTOCOMPLETE_ROLE_FILTERS = {
    "commissioner": {"is_commissioner": True},
    "commissioners": {"is_commissioner": True},
}


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "real_name", "phone", "email", *ROLE_FLAGS, "is_staff"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    list_display = [
        "username",
        "real_name",
        "phone",
        "is_enterprise_user",
        "is_commissioner",
        "is_handler",
        "is_supervisor",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = [
        "is_enterprise_user",
        "is_commissioner",
        "is_handler",
        "is_supervisor",
        "is_staff",
        "is_superuser",
        "is_active",
    ]
    search_fields = ["username", "real_name", "phone", "email"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["real_name", "phone", "email", "language", "notify_channels"]}),
        (_("Roles"), {"fields": ["is_enterprise_user", "is_commissioner", "is_handler", "is_supervisor"]}),
        (
            _("Administration"),
            {
                "fields": [
                    "is_active",
                    "must_change_password",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "real_name", "phone", "email", "usable_password", "password1", "password2"],
            },
        ),
        (_("Roles"), {"fields": ["is_enterprise_user", "is_commissioner", "is_handler", "is_supervisor", "is_staff"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor sign-in (the user sets it up again)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        reset = 0
        with_devices = Q(pk__in=TOTPDevice.objects.values("user")) | Q(pk__in=StaticDevice.objects.values("user"))
        for user in queryset.filter(with_devices):
            two_factor.devices_remove(
                user=user, actor=request.user, request=request, action=AuditEvent.Action.TWO_FACTOR_RESET
            )
            reset += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d user.", "Two-factor sign-in reset for %(count)d users.", reset
            )
            % {"count": reset},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        if not change:  # the administrator chose this password: its owner replaces it at first sign-in
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(**AUTOCOMPLETE_ROLE_FILTERS.get(request.GET.get("field_name", ""), {}))
        return super().get_search_results(request, queryset, search_term)


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _value_text(model, name: str, value) -> str:
    """A stored before/after value as an administrator reads it, in the current language."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict) and "id" in value:
        return f"{value.get('repr') or ''} (#{value['id']})".strip()
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or "—"
    if model is not None:
        try:
            choices = dict(model._meta.get_field(name).flatchoices)
        except FieldDoesNotExist:
            choices = {}
        if value in choices:
            return str(choices[value])
    return str(value)


PASSWORD_SENTENCES = {
    "administrator": _("Password set by administrator %(actor)s."),
    "user": _("Password changed by the user."),
    "command": _("Password set by the command %(actor)s."),
    "reset": _("Password reset by the user through a reset link."),
    "system": _("Password set by the system."),
}


# events written before they carried the object's type: "request 2401", "card 7", "big screen link 1"
LEGACY_TARGETS = {"request": "issues.request", "card": "issues.card", "big screen link": "supervision.bigscreentoken"}
LEGACY_TARGET = re.compile(r"^(request|card|big screen link) (\d+)$")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only: administrators read the log here; only ``purge_audit`` removes expired rows."""

    list_display = ["created_at", "action", "username", "ip_address", "target_summary", "via"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "via", "target_type", "created_at"]
    search_fields = ["username", "ip_address", "target", "object_repr"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "action",
        "actor",
        "username",
        "ip_address",
        "via",
        "target",
        "target_type",
        "target_id",
        "object_repr",
        "summary",
        "changes_table",
        "detail",
    ]
    fields = readonly_fields
    list_select_related = ["actor"]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("object"), ordering="target")
    def target_summary(self, obj):
        """The object named in the reader's language: its model's verbose name with its name or number."""
        label, pk = obj.target_type, obj.target_id
        if not label and (legacy := LEGACY_TARGET.match(obj.target or "")):
            label, pk = LEGACY_TARGETS[legacy[1]], legacy[2]
        try:
            model = apps.get_model(label) if label else None
        except (LookupError, ValueError):
            model = None
        if model is None:
            return obj.object_repr or obj.target
        if obj.object_repr:
            return f"{model._meta.verbose_name} “{obj.object_repr}”"
        return f"{model._meta.verbose_name} {pk}"

    @admin.display(description=_("summary"))
    def summary(self, obj):
        if obj.action == AuditEvent.Action.PASSWORD_CHANGE:
            sentence = PASSWORD_SENTENCES.get(obj.detail.get("by"), PASSWORD_SENTENCES["system"])
            return sentence % {"actor": obj.username or "—"}
        if obj.detail.get("created"):
            return gettext("Created.")
        if obj.detail.get("deleted"):
            return gettext("Deleted.")
        return "—"

    @admin.display(description=_("before and after"))
    def changes_table(self, obj):
        if not obj.changes:
            return "—"
        try:
            model = apps.get_model(obj.target_type) if obj.target_type else None
        except (LookupError, ValueError):
            model = None
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (
                    _field_label(model, name),
                    _value_text(model, name, values.get("before")),
                    _value_text(model, name, values.get("after")),
                )
                for name, values in obj.changes.items()
            ),
        )
        return format_html(
            '<table class="audit-changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            gettext("Field"),
            gettext("Before"),
            gettext("After"),
            rows,
        )


# Authenticators and recovery codes are secrets: administrators reset them with the audited action on
# the user list instead of editing or deleting devices one by one.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)
