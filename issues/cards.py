"""Yellow and red cards (红黄牌): who may see and revoke them, and the counts rankings use.

Cards are issued by the reminder sweep (issues/reminders.py) on the unit responsible for a missed
deadline; a supervisor whose scope contains the request's region may revoke one with a reason.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.orgs.selectors import region_scope_for

from .filters import EARLIEST_DATE, LATEST_DATE
from .models import Card, RequestEvent
from .services import TransitionError


def card_visible_to(user) -> QuerySet[Card]:
    """Cards of requests in the supervisor's regions (nothing for other roles)."""
    if not user.is_authenticated or not user.is_supervisor:
        return Card.objects.none()
    return Card.objects.filter(region_id__in=region_scope_for(user).values("pk"))


def access_card(user, pk: int) -> Card:
    card = card_visible_to(user).select_related("request", "unit", "region").filter(pk=pk).first()
    if card is None:
        raise Http404  # not 403: card ids must not reveal what exists outside one's scope
    return card


def month_range(month: date) -> tuple[datetime, datetime]:
    """[first moment of the month, first moment of the next) in local time; ValueError for a month outside
    the years filters accept (a month near year 9999 would overflow)."""
    if not EARLIEST_DATE.year <= month.year <= LATEST_DATE.year:
        raise ValueError(f"month {month:%Y-%m} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}")
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time(), tzinfo=tz), datetime.combine(following, time(), tzinfo=tz)


@transaction.atomic
def card_revoke(*, card_id: int, actor, reason: str, http_request=None) -> Card:
    """A supervisor in scope revokes a card with a reason; audited and shown on the request timeline."""
    card = card_visible_to(actor).select_for_update().filter(pk=card_id).first()
    if card is None:
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give the reason for revoking the card."))
    if len(reason) > 1000:
        raise TransitionError(_("The text is too long (at most %(n)d characters).") % {"n": 1000})
    if card.revoked_at is not None:
        raise TransitionError(_("This card has already been revoked."))
    now = timezone.now()
    card.revoked_at, card.revoked_by, card.revoke_reason = now, actor, reason
    card.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    RequestEvent.objects.create(
        request_id=card.request_id,
        actor=actor,
        action=f"{card.kind}_card_revoked",
        comment=reason,
        created_at=now,
        data={"card": card.pk, "unit": str(card.unit)},
    )
    audit_record(
        action=AuditEvent.Action.CARD,
        actor=actor,
        request=http_request,
        target=f"card {card.pk}",
        target_type=card._meta.label_lower,
        target_id=str(card.pk),
        detail={"request": card.request_id, "kind": card.kind, "unit": card.unit_id, "revoked": True, "reason": reason},
    )
    return card
