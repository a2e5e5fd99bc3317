from django.contrib import admin

from .models import Delivery, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "attempts", "not_before", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "urgent", "created_at", "read_at"]
    list_filter = ["kind", "urgent", "created_at"]
    search_fields = ["title", "user__username", "user__real_name", "dedupe_key"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "dedupe_key"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Where administrators look for failed SMS/WeCom/e-mail deliveries; the sender owns these rows."""

    list_display = ["notification", "channel", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "channel", "created_at"]
    search_fields = ["notification__title", "notification__user__username", "last_error"]
    readonly_fields = [
        "notification",
        "channel",
        "status",
        "attempts",
        "not_before",
        "last_error",
        "created_at",
        "sent_at",
    ]
    list_select_related = ["notification"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
