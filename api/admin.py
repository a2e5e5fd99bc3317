"""Administrators register the systems that call the API, issue and revoke their keys, and read the
webhook delivery log and the work orders waiting to be matched."""

import ipaddress

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.tasking import enqueue_all

from .models import ApiKey, Client, ClientAction, UnmatchedWorkOrder, WebhookDelivery, WebhookStatus
from .services import client_account_for, key_issue, key_revoke
from .tasks import deliver_webhook
from .webhooks import QUEUE


class ClientForm(forms.ModelForm):
    actions = forms.MultipleChoiceField(
        label=_("allowed actions"), choices=ClientAction.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "contact",
            "regions",
            "actions",
            "personal_data",
            "allowed_addresses",
            "rate_limit",
            "webhook_url",
            "is_active",
        ]

    def clean_allowed_addresses(self):
        value = self.cleaned_data["allowed_addresses"]
        for line in value.splitlines():
            if line.strip():
                try:
                    ipaddress.ip_network(line.strip(), strict=False)
                except ValueError:
                    raise forms.ValidationError(
                        _("“%(entry)s” is not an IP address or network.") % {"entry": line.strip()}
                    ) from None
        return value


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientForm
    list_display = ["name", "contact", "is_active", "created_at"]
    filter_horizontal = ["regions"]
    readonly_fields = ["user", "webhook_secret"]
    actions = ["issue_key"]

    def save_model(self, request, obj, form, change):
        client_account_for(obj)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Issue a new API key"))
    def issue_key(self, request, queryset):
        for client in queryset:
            _row, key = key_issue(client=client, label=f"{timezone.localdate():%Y-%m-%d}")
            messages.warning(
                request,
                _("New key for %(client)s (shown only now; store it safely): %(key)s") % {"client": client, "key": key},
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["client", "prefix", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["client"]
    readonly_fields = ["client", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["client", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are issued from the client list, so the whole key can be shown once

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            key_revoke(key=key)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what went to which client, how often it was tried, what the client answered."""

    list_display = ["created_at", "client", "event", "status", "attempts", "response_status", "sent_at", "last_error"]
    list_filter = ["status", "client"]
    actions = ["send_again"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try the selected deliveries again now"))
    def send_again(self, request, queryset):
        ids = list(queryset.exclude(status=WebhookStatus.SENT).values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookStatus.PENDING, next_attempt_at=timezone.now())
        enqueue_all((deliver_webhook, (pk,), QUEUE) for pk in ids)


@admin.register(UnmatchedWorkOrder)
class UnmatchedWorkOrderAdmin(admin.ModelAdmin):
    list_display = ["work_order_number", "enterprise_name", "region", "received_at", "request"]
    list_filter = ["region"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
