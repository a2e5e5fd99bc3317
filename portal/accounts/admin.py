from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .audit import audit_record
from .models import AuditEvent, User

# The flags whose change is a role change and is written to the audit log.
AUDITED_FLAGS = ["is_enterprise_user", "is_commissioner", "is_handler", "is_supervisor", "is_staff", "is_superuser"]

# Autocomplete fields that must only offer people holding a role.
AUTOCOMPLETE_ROLE_FILTERS = {
    "commissioner": {"is_commissioner": True},
    "commissioners": {"is_commissioner": True},
}


def role_flags(user: User | None) -> dict[str, bool]:
    return {flag: bool(getattr(user, flag, False)) if user else False for flag in AUDITED_FLAGS}


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "real_name", "phone", "email", *AUDITED_FLAGS[:4], "is_staff"]


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
        (_("Administration"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
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

    def get_search_results(self, request, queryset, search_term):
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(**AUTOCOMPLETE_ROLE_FILTERS.get(request.GET.get("field_name", ""), {}))
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        before = role_flags(User.objects.filter(pk=obj.pk).first() if change else None)
        super().save_model(request, obj, form, change)
        after = role_flags(obj)
        if before != after:
            audit_record(
                action=AuditEvent.Action.ROLE_CHANGE,
                actor=request.user,
                request=request,
                target=f"user:{obj.pk} {obj.username}",
                detail={
                    "before": before,
                    "after": after,
                    "created": not change,
                    "changed": [flag for flag in AUDITED_FLAGS if before[flag] != after[flag]],
                },
            )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only: administrators read the log here; only ``purge_audit`` removes expired rows."""

    list_display = ["created_at", "action", "username", "ip_address", "target"]
    list_filter = ["action", "created_at"]
    search_fields = ["username", "ip_address", "target"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "action", "actor", "username", "ip_address", "target", "detail"]
    fields = readonly_fields
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Authenticators and recovery codes are secrets: administrators reset them with the audited action on
# the user list instead of editing or deleting devices one by one.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)
