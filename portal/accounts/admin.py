from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

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
