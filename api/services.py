"""Every write of the API app: clients and keys, the per-key rate count, work orders in, matching."""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import services as issue_services
from issues.errors import TransitionError
from issues.models import Category, Request, Source
from issues.permissions import ClientScope
from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.orgs.models import Enterprise, Region

from .models import ApiKey, Client, ClientAction, RateWindow, UnmatchedWorkOrder

User = get_user_model()
KEY_PREFIX = "wqt_"


# ---------------------------------------------------------------------------------------------
# clients and keys


def client_account_for(client: Client) -> None:
    """Give a new client its service account (no password: it never logs in) and its webhook secret."""
    if client.user_id is None:
        user = User(username=f"api-{secrets.token_hex(6)}", real_name=client.name[:50], is_active=True)
        user.set_unusable_password()
        user.save()
        client.user = user
    if not client.webhook_secret:
        client.webhook_secret = secrets.token_urlsafe(32)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_issue(*, client: Client, label: str = "") -> tuple[ApiKey, str]:
    """A new key for the client; the whole key is returned once and only its hash is kept."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(client=client, label=label, prefix=prefix, hashed=_digest(key))
    audit_record(
        action=AuditEvent.Action.ACCESS_CHANGE, target=f"api key {prefix} for {client}", detail={"client": client.pk}
    )
    return row, key


def key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action=AuditEvent.Action.ACCESS_CHANGE, target=f"api key {key.prefix} revoked")


def key_find(raw: str) -> ApiKey | None:
    """The live key of an active client this string is, or None."""
    if not raw.startswith(KEY_PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(KEY_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("client__user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.hashed, _digest(raw)):
        return None
    if key.revoked_at is not None or not key.client.is_active or not key.client.user.is_active:
        return None
    return key


def address_allowed(client: Client, address: str | None) -> bool:
    entries = [line.strip() for line in client.allowed_addresses.splitlines() if line.strip()]
    if not entries:
        return True
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    for entry in entries:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def scope_of(client: Client) -> ClientScope:
    paths = [region.path for region in client.regions.all()]
    region_ids = set()
    for path in paths:
        region_ids |= set(Region.objects.filter(path__startswith=path).values_list("pk", flat=True))
    return ClientScope(
        region_ids=frozenset(region_ids), actions=frozenset(client.actions), personal_data=client.personal_data
    )


def rate_count(*, key: ApiKey, now: datetime | None = None) -> int:
    """Count one call in the key's current minute; returns the calls so far in it."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    if not RateWindow.objects.filter(key=key, minute=minute).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateWindow.objects.create(key=key, minute=minute, count=1)
        except IntegrityError:  # another worker created it a moment ago
            RateWindow.objects.filter(key=key, minute=minute).update(count=F("count") + 1)
    if now.second == 0:  # once a minute, forget the old windows
        RateWindow.objects.filter(minute__lt=minute - timedelta(minutes=10)).delete()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return RateWindow.objects.filter(key=key, minute=minute).values_list("count", flat=True).first() or 0


# ---------------------------------------------------------------------------------------------
# work orders in


@dataclass
class Received:
    req: Request | None  # None: waiting in the unmatched list
    unmatched: UnmatchedWorkOrder | None
    created: bool


def _region_for(client: Client, scope: ClientScope, code: str) -> Region:
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None or region.pk not in scope.region_ids:
            raise TransitionError(_("Unknown region code, or a region this client does not serve."))
        return region
    regions = list(client.regions.all()[:2])
    if len(regions) != 1:
        raise TransitionError(_("Give the region code: the enterprise could not be found by its credit code."))
    return regions[0]


def work_order_receive(*, client: Client, actor, data: dict, files=()) -> Received:
    """File a hotline work order (``data`` is the validated body); the same number again changes nothing.

    With a credit code of a known enterprise the request is filed at once through the issues services
    (the 133 clock, events and reminders apply); otherwise it waits in the region's unmatched list."""
    scope = actor.api_scope
    if not scope.may(ClientAction.FILE):
        raise PermissionDenied(_("This client may not file work orders."))
    number = data["work_order_number"]
    existing = Request.objects.filter(source=Source.HOTLINE, work_order_number=number).first()
    if existing is not None:
        if existing.region_id not in scope.region_ids:
            raise TransitionError(_("This work-order number is already in use."))
        return Received(existing, None, False)
    waiting = UnmatchedWorkOrder.objects.filter(client=client, work_order_number=number).first()
    if waiting is not None:
        return Received(waiting.request, waiting, False)
    category = Category.objects.filter(code=data["service_code"], is_active=True).first()
    if category is None:
        raise TransitionError(_("Unknown service code; see the service list."))
    code = (data.get("credit_code") or "").strip().upper()
    enterprise = Enterprise.objects.filter(credit_code=code).first() if code else None
    if enterprise is None:
        region = _region_for(client, scope, data.get("region_code", ""))
        payload = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
        try:
            with transaction.atomic():
                row = UnmatchedWorkOrder.objects.create(
                    client=client,
                    region=region,
                    work_order_number=number,
                    enterprise_name=data.get("enterprise_name") or code,
                    credit_code=code,
                    payload=payload,
                    received_at=data.get("received_at") or timezone.now(),
                )
        except IntegrityError:
            return Received(None, UnmatchedWorkOrder.objects.get(client=client, work_order_number=number), False)
        return Received(None, row, True)
    req, created = issue_services.request_file_work_order(
        actor=actor,
        work_order_number=number,
        caller_name=data.get("caller_name", ""),
        caller_mobile=data.get("caller_mobile", ""),
        channel=data.get("channel", ""),
        enterprise=enterprise,
        category=category,
        title=data["title"],
        description=data["description"],
        files=files,
        now=min(data.get("received_at") or timezone.now(), timezone.now()),
    )
    return Received(req, None, created)


def unmatched_match(*, row_id: int, enterprise: Enterprise, actor, http_request=None) -> Request:
    """A commissioner names the enterprise of a waiting work order; the request is filed in the client's name."""
    with transaction.atomic():
        row = UnmatchedWorkOrder.objects.select_for_update().select_related("client__user").get(pk=row_id)
        if row.request_id is not None:
            raise TransitionError(_("This work order has already been matched."))
        client = row.client
        service = client.user
        service.api_scope = scope_of(client)
        if enterprise.region_id not in service.api_scope.region_ids:
            raise TransitionError(_("This enterprise is outside the regions the hotline serves."))
        data = row.payload
        received = datetime.fromisoformat(data["received_at"]) if data.get("received_at") else row.received_at
        req, _created = issue_services.request_file_work_order(
            actor=service,
            work_order_number=row.work_order_number,
            caller_name=data.get("caller_name", ""),
            caller_mobile=data.get("caller_mobile", ""),
            channel=data.get("channel", ""),
            enterprise=enterprise,
            category=Category.objects.get(code=data["service_code"]),
            title=data["title"],
            description=data["description"],
            now=min(received, timezone.now()),
        )
        row.request, row.matched_by, row.matched_at = req, actor, timezone.now()
        row.save(update_fields=["request", "matched_by", "matched_at"])
        audit_record(
            action=AuditEvent.Action.OTHER,
            actor=actor,
            request=http_request,
            target=f"work order {row.work_order_number} matched to {enterprise.name}",
            target_type="api.unmatchedworkorder",
            target_id=str(row.pk),
        )
    return req
