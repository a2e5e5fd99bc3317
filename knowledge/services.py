"""Every write of the knowledge base: entries written, published and retired; standard answers marked from
common requests; deflected filings; the lead department suggested at dispatch; citations in answers. The
policy notices to matching enterprises are written by knowledge/notices.py, run by a task after commit."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.errors import TransitionError
from issues.models import Category, Request
from portal.accounts.models import AuditEvent
from portal.orgs.models import Enterprise, EnterpriseMembership, Region
from portal.tasking import enqueue_on_commit

from . import permissions as perms
from .models import Citation, Deflection, DispatchSuggestion, Entry, EntryStatus, Kind
from .selectors import suggest_lead
from .tasks import notify_policy

logger = logging.getLogger(__name__)

FIELDS = ["kind", "title", "body", "department", "valid_from", "valid_until", "category", "industry", "size", "region"]


def _audit(actor, action: str, entry: Entry) -> None:
    AuditEvent.objects.create(
        actor=actor,
        action=AuditEvent.Action.OTHER,
        target=f"knowledge entry {entry.pk}",
        detail={"change": action, "title": entry.title},
    )


def _check_dates(valid_from, valid_until) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError(_("The end of validity must not be before its start."))


@transaction.atomic
def entry_create(*, actor, publish: bool = False, **data) -> Entry:
    """A new entry, as a draft or published at once. A handler's entry is issued by their department."""
    perms.check(actor, perms.Action.CREATE)
    _check_dates(data.get("valid_from"), data.get("valid_until"))
    entry = Entry(created_by=actor, **{k: v for k, v in data.items() if k in FIELDS})
    entry.title, entry.body = entry.title.strip(), entry.body.strip()
    if not entry.title or not entry.body:
        raise ValidationError(_("Give the entry a title and a text."))
    if not perms.manages(actor, entry):
        raise ValidationError(_("Choose a region in your scope, or your own department as the issuing department."))
    entry.save()
    if publish:
        _publish(actor, entry)
    return entry


def _publish(actor, entry: Entry) -> None:
    entry.status = EntryStatus.PUBLISHED
    entry.published_at = timezone.now()
    entry.retired_at = None
    entry.save(update_fields=["status", "published_at", "retired_at", "updated_at"])
    _audit(actor, "publish", entry)
    if entry.kind == Kind.POLICY:
        enqueue_on_commit(notify_policy, entry.pk)


@transaction.atomic
def entry_publish(*, actor, entry_id: int) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    perms.check(actor, perms.Action.PUBLISH, entry)
    _publish(actor, entry)
    return entry


@transaction.atomic
def entry_retire(*, actor, entry_id: int) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    perms.check(actor, perms.Action.RETIRE, entry)
    entry.status = EntryStatus.RETIRED
    entry.retired_at = timezone.now()
    entry.save(update_fields=["status", "retired_at", "updated_at"])
    _audit(actor, "retire", entry)
    return entry


@transaction.atomic
def common_answer_mark(*, actor, category: Category, industry: str, region: Region, title: str, body: str) -> Entry:
    """The standard answer (快解快答) of one group of common requests, published at once; marking the group
    again replaces its text. The caller checks the actor supervises the region."""
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ValidationError(_("Give the policy issue a title and a standard answer."))
    entry, _created = Entry.objects.update_or_create(
        common_group=True,
        category=category,
        industry=industry,
        region=region,
        defaults={
            "kind": Kind.ANSWER,
            "title": title[:200],
            "body": body[:10000],
            "status": EntryStatus.PUBLISHED,
            "published_at": timezone.now(),
            "retired_at": None,
        },
        create_defaults={
            "kind": Kind.ANSWER,
            "title": title[:200],
            "body": body[:10000],
            "status": EntryStatus.PUBLISHED,
            "published_at": timezone.now(),
            "created_by": actor,
        },
    )
    return entry


@transaction.atomic
def deflection_record(
    *,
    actor,
    enterprise: Enterprise,
    entry: Entry | None = None,
    similar_request: Request | None = None,
    title: str = "",
    category: Category | None = None,
) -> Deflection:
    """The enterprise found its answer while filing and does not file: counted against the entry."""
    perms.check(actor, perms.Action.DEFLECT)
    if not EnterpriseMembership.objects.filter(user=actor, enterprise=enterprise).exists():
        raise ValidationError(_("You do not act for this enterprise."))
    if entry is None and similar_request is None:
        raise ValidationError(_("Choose the answer that answers your question."))
    return Deflection.objects.create(
        entry=entry,
        similar_request=similar_request,
        user=actor,
        enterprise=enterprise,
        title=title.strip()[:100],
        category=category,
    )


def suggestion_record(*, req: Request, lead, actor) -> None:
    """At dispatch (inside its transaction): the lead department the knowledge base suggested for this
    request, and whether the commissioner followed it. Once per request and round."""
    suggestion = suggest_lead(req)
    suggested = suggestion.department
    DispatchSuggestion.objects.update_or_create(
        request=req,
        round=req.reopen_count,
        defaults={
            "suggested": suggested,
            "chosen": lead,
            "followed": suggested is not None and suggested.pk == lead.pk,
        },
    )


def citation_record(*, req: Request, event, actor, cited: int | None) -> None:
    """An answer citing a knowledge entry (inside the answer's transaction); an entry no longer published
    refuses the answer, so nothing is half-recorded."""
    if cited is None:
        return
    entry = Entry.objects.published().filter(pk=cited).first()
    if entry is None:
        raise TransitionError(_("The cited knowledge entry is no longer published; choose another."))
    Citation.objects.create(event=event, request=req, entry=entry)


def citable_entries(req: Request) -> list[tuple[int, str]]:
    """What an answer to ``req`` may cite: published entries of its category or of none."""
    qs = Entry.objects.published().filter(Q(category_id=req.category_id) | Q(category__isnull=True))
    return [(pk, title) for pk, title in qs.order_by("-published_at").values_list("pk", "title")[:50]]
