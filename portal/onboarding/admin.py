from django.contrib import admin

from .models import Application, PhoneCode


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications are decided on the applications page, where the decision is audited."""

    list_display = ["enterprise_name", "credit_code", "kind", "status", "contact_name", "region", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["enterprise_name", "credit_code", "phone", "contact_name"]
    exclude = ["password_hash"]
    readonly_fields = [
        "kind",
        "status",
        "credit_code",
        "enterprise_name",
        "region",
        "industry",
        "size",
        "contact_name",
        "phone",
        "enterprise",
        "user",
        "created_at",
        "decided_by",
        "decided_at",
        "reason",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PhoneCode)
class PhoneCodeAdmin(admin.ModelAdmin):
    list_display = ["purpose", "recipient", "client_ip", "created_at", "expires_at", "used_at", "attempts"]
    list_filter = ["purpose"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
