"""Reads of the API: the representation of a request for a client, the change window, the lists."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import get_language

from issues.models import Category, Evaluation, EventAction, Outcome, Request, RequestEvent, Verdict
from issues.selectors import request_visible_to
from portal.masking import mask_phone
from portal.orgs.models import Department, Region
from portal.orgs.selectors import commissioner_unit, region_scope_for

from .models import UnmatchedWorkOrder
from .webhooks import open311_status

# Timeline entries whose comment is meant for the enterprise (and so for the hotline that speaks for it).
SHOWN_COMMENTS = {
    EventAction.ANSWER,
    EventAction.ASK_INFO,
    EventAction.SUPPLY_INFO,
    EventAction.EVALUATE,
    EventAction.REOPEN,
    EventAction.WITHDRAW,
}


def _mask_name(name: str) -> str:
    return f"{name[0]}{'*' * (len(name) - 1)}" if name else ""


def requests_for_api(user) -> QuerySet[Request]:
    return (
        request_visible_to(user)
        .select_related("enterprise", "category", "lead_department")
        .prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.order_by("created_at", "pk")),
            Prefetch("evaluations", queryset=Evaluation.objects.order_by("created_at", "pk")),
        )
    )


def event_representation(event: RequestEvent) -> dict:
    return {
        "id": event.pk,
        "action": event.action,
        "label": str(EventAction(event.action).label) if event.action in EventAction.values else event.action,
        "from_state": event.from_status,
        "state": event.to_status,
        "at": event.created_at,
        "comment": event.comment if event.action in SHOWN_COMMENTS else "",
    }


def request_representation(req: Request, scope) -> dict:
    events = list(req.events.all())
    answers = [e for e in events if e.action == EventAction.ANSWER]
    answer = None
    if req.outcome and answers:
        answer = {
            "outcome": req.outcome,
            "outcome_label": str(Outcome(req.outcome).label),
            "text": answers[-1].comment,
            "answered_at": answers[-1].created_at,
        }
    evaluations = list(req.evaluations.all())
    evaluation = None
    if evaluations:
        last = evaluations[-1]
        evaluation = {
            "verdict": last.verdict,
            "verdict_label": str(Verdict(last.verdict).label),
            "score": last.score,
            "comment": last.comment,
            "source": last.source,
            "evaluated_at": last.created_at,
        }
    personal = scope is not None and scope.personal_data
    english = get_language() == "en"
    return {
        "service_request_id": req.pk,
        "reference": req.reference,
        "work_order_number": req.work_order_number,
        "channel": req.channel,
        "status": open311_status(req.status),
        "state": req.status,
        "state_label": req.get_status_display(),
        "service_code": req.category.code,
        "service_name": (req.category.name_en if english and req.category.name_en else req.category.name),
        "title": req.title,
        "description": req.description,
        "enterprise": {"name": req.enterprise.name, "credit_code": req.enterprise.credit_code},
        "caller": {
            "name": req.caller_name if personal else _mask_name(req.caller_name),
            "mobile": req.caller_mobile if personal else mask_phone(req.caller_mobile),
        },
        "agency_responsible": req.lead_department.name if req.lead_department_id else "",
        "requested_datetime": req.submitted_at,
        "updated_datetime": req.updated_at,
        "deadlines": {
            "dispatch_due_at": req.assign_due_at,
            "dispatched_at": req.assigned_at,
            "dispatched_on_time": req.assigned_on_time,
            "answer_due_at": req.answer_due_at,
            "answered_at": req.answered_at,
            "answered_on_time": req.answered_on_time,
        },
        "answer": answer,
        "evaluation": evaluation,
        "events": [event_representation(e) for e in events],
    }


def changes_since(user, cursor: int, limit: int) -> tuple[list[dict], int]:
    """Events after ``cursor`` (an event id) on requests the client may see, oldest first, each with its
    request as it is now; the next cursor is the last event's id (the same cursor when nothing is new)."""
    visible = request_visible_to(user).values("pk")
    events = list(RequestEvent.objects.filter(pk__gt=cursor, request_id__in=visible).order_by("pk")[:limit])
    requests = {req.pk: req for req in requests_for_api(user).filter(pk__in={e.request_id for e in events})}
    scope = getattr(user, "api_scope", None)
    shown = {pk: request_representation(req, scope) for pk, req in requests.items()}
    changes = [{"cursor": e.pk, "event": event_representation(e), "request": shown[e.request_id]} for e in events]
    return changes, (events[-1].pk if events else cursor)


def services_list() -> list[dict]:
    return [
        {"service_code": c.code, "service_name": c.name, "service_name_en": c.name_en}
        for c in Category.objects.filter(is_active=True)
    ]


def departments_for(scope) -> list[dict]:
    rows = (
        Department.objects.filter(is_active=True, region_id__in=scope.region_ids)
        .select_related("region")
        .order_by("region__path", "name")
    )
    return [{"id": d.pk, "name": d.name, "region_code": d.region.code, "region_name": d.region.name} for d in rows]


def unmatched_for(user) -> QuerySet[UnmatchedWorkOrder]:
    """Waiting work orders of the regions a commissioner works in (their unit's region and everything in it),
    or a supervisor watches."""
    regions = Region.objects.none()
    if user.is_authenticated and user.is_commissioner:
        unit = commissioner_unit(user)
        if unit is not None:
            regions = regions | Region.objects.filter(path__startswith=unit.region.path)
    if user.is_authenticated and user.is_supervisor:
        regions = regions | region_scope_for(user)
    return UnmatchedWorkOrder.objects.filter(region__in=regions.values("pk")).select_related("region", "client")
