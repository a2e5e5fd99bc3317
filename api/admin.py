"""Administrators register the systems that call the API, issue and revoke their keys, and read the
webhook delivery log and the work orders waiting to be matched."""

import ipaddress
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.orgs import importing
from portal.orgs.importing import ImportFileError
from portal.tasking import enqueue_all

from . import batch
from .models import ApiKey, Client, ClientAction, UnmatchedWorkOrder, WebhookDelivery, WebhookStatus
from .services import client_account_for, key_issue, key_revoke
from .tasks import deliver_webhook
from .webhooks import QUEUE

BATCH_SESSION_KEY = "api_batch_import"


def _batch_dir() -> Path:
    directory = Path(settings.PRIVATE_MEDIA_ROOT) / "imports" / "hotline"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class BatchUploadForm(forms.Form):
    file = forms.FileField(label=_("Work-order file (.xlsx or .csv)"))


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
    readonly_fields = ["user", "webhook_secret", "batch_import"]
    actions = ["issue_key"]

    def save_model(self, request, obj, form, change):
        client_account_for(obj)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Daily batch"))
    def batch_import(self, obj):
        if obj.pk is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:api_client_import", args=[obj.pk]), gettext("Import work orders")
        )

    def get_urls(self):
        return [
            path("<int:pk>/import/", self.admin_site.admin_view(self.import_view), name="api_client_import"),
            *super().get_urls(),
        ]

    def import_view(self, request, pk: int):
        """The daily batch: the hotline's export of work orders, checked first (dry run), filed on confirm."""
        if not request.user.has_perms(["api.change_client", "issues.add_request"]) and not request.user.is_superuser:
            raise PermissionDenied
        client = get_object_or_404(Client, pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": client,
            "title": gettext("Import hotline work orders for %(client)s") % {"client": client},
            "headers": list(batch.COLUMNS),
            "required": batch.REQUIRED,
        }
        form = BatchUploadForm()
        if request.method == "POST" and request.POST.get("step") == "confirm":
            kept = request.session.get(BATCH_SESSION_KEY) or {}
            token = request.POST.get("token", "")
            path_ = _batch_dir() / f"{kept.get('token', 'none')}.bin"
            if not token or not secrets.compare_digest(token, kept.get("token", "")) or not path_.exists():
                messages.error(request, gettext("The uploaded file has expired. Upload it again."))
                return redirect("admin:api_client_import", pk)
            try:
                preview = batch.parse_batch(path_.read_bytes(), kept["name"], client=client)
            except ImportFileError as exc:
                messages.error(request, str(exc))
                return redirect("admin:api_client_import", pk)
            if not preview.is_valid:
                context.update(form=form, preview=preview, file_name=kept["name"])
                return TemplateResponse(request, "admin/api/client/import.html", context)
            counts = batch.batch_apply(
                preview=preview, client=client, actor=request.user, request=request, file_name=kept["name"]
            )
            path_.unlink(missing_ok=True)
            request.session.pop(BATCH_SESSION_KEY, None)
            messages.success(
                request,
                gettext(
                    "Imported: %(filed)d requests filed, %(existing)d already filed, "
                    "%(unmatched)d waiting to be matched."
                )
                % counts,
            )
            return redirect("admin:api_client_changelist")
        if request.method == "POST":
            form = BatchUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                if upload.size > importing.MAX_UPLOAD_BYTES:  # before reading it whole
                    form.add_error("file", "文件超过 5 MB，请拆分后分批导入。")
                else:
                    data = upload.read()
                    try:
                        preview = batch.parse_batch(data, upload.name, client=client)
                    except ImportFileError as exc:
                        form.add_error("file", str(exc))
                    else:
                        context.update(preview=preview, file_name=upload.name)
                        if preview.is_valid:
                            token = secrets.token_urlsafe(24)
                            (_batch_dir() / f"{token}.bin").write_bytes(data)
                            request.session[BATCH_SESSION_KEY] = {"token": token, "name": upload.name[:150]}
                            context["token"] = token
        context["form"] = form
        return TemplateResponse(request, "admin/api/client/import.html", context)

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
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=WebhookStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        enqueue_all((deliver_webhook, (pk,), QUEUE) for pk in ids)


@admin.register(UnmatchedWorkOrder)
class UnmatchedWorkOrderAdmin(admin.ModelAdmin):
    list_display = ["work_order_number", "enterprise_name", "region", "received_at", "request"]
    list_filter = ["region"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
