"""Requests in a given state, walked there through the services, never written directly.

Tests that need a request "answered" or "dispatched" get it the way a user would: by
submitting it and calling the same transitions the views call, so the deadlines, events and
notifications along the way are the real ones.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from issues import services
from issues.models import OPEN_DISPATCH_STATUSES, Category, Dispatch, Outcome, Request, Status
from portal.orgs.models import Department


def category(code: str = "finance") -> Category:
    """A category seeded by migration issues/0002."""
    return Category.objects.get(code=code)


def make_request(enterprise, actor, **kw) -> Request:
    """A request filed through request_submit; any keyword of request_submit may be given."""
    kw.setdefault("category", category())
    kw.setdefault("title", "流动资金贷款额度不足")
    kw.setdefault("description", "企业扩大生产，需要增加500万元流动资金贷款额度，银行审批进展缓慢。")
    return services.request_submit(actor=actor, enterprise=enterprise, **kw)


def fresh(obj):
    """The row as it is in the database now."""
    return type(obj).objects.get(pk=obj.pk)


def lead_dispatch(req: Request) -> Dispatch:
    """The live lead dispatch (主办) of a request."""
    return Dispatch.objects.get(request_id=req.pk, role=Dispatch.Role.LEAD, status__in=OPEN_DISPATCH_STATUSES)


def co_dispatch(req: Request, department: Department) -> Dispatch:
    return Dispatch.objects.get(request_id=req.pk, role=Dispatch.Role.CO, department=department)


def bulk_co_task(req: Request, department: Department, commissioner) -> None:
    """A co-handling task of ``req`` written as a bulk load writes it: ``bulk_create``, naming none of the
    request's copies (issues/triggers.py), outside the services."""
    Dispatch.objects.bulk_create(
        [
            Dispatch(
                request=req,
                department=department,
                role=Dispatch.Role.CO,
                dispatched_by=commissioner,
                answer_due_at=req.answer_due_at,
            )
        ]
    )


def dispatched(
    req: Request,
    commissioner,
    lead: Department,
    co: Iterable[Department] = (),
    instruction: str = "请于3个工作日内答复企业。",
) -> Request:
    """Dispatch ``req`` to ``lead`` (and co-handlers) as ``commissioner``."""
    services.request_dispatch(req_id=req.pk, actor=commissioner, lead=lead, co=list(co), instruction=instruction)
    return fresh(req)


def co_opinion_deadline_passes(req: Request) -> None:
    """The co-handling opinion deadline of ``req`` passes: the lead no longer waits for the co-handlers."""
    past = timezone.now() - timedelta(minutes=1)
    Request.objects.filter(pk=req.pk, co_opinion_due_at__isnull=False).update(co_opinion_due_at=past)
    Dispatch.objects.filter(request=req, role=Dispatch.Role.CO, opinion_due_at__isnull=False).update(
        opinion_due_at=past
    )


def answered(
    req: Request,
    commissioner,
    lead: Department,
    handler,
    outcome: str = Outcome.RESOLVED,
    body: str = "已协调合作银行，贷款额度于本周内审批。",
) -> Request:
    """Walk ``req`` to answered: dispatch it to ``lead`` if still waiting, then the lead handler answers
    (after the co-handlers' opinion deadline, which passes here if a co-handler is still silent)."""
    req = fresh(req)
    if req.status == Status.SUBMITTED:
        req = dispatched(req, commissioner, lead)
    co_opinion_deadline_passes(req)
    services.dispatch_answer(dispatch_id=lead_dispatch(req).pk, actor=handler, outcome=outcome, body=body)
    return fresh(req)


def taken_on_and_answered(
    req: Request, commissioner, outcome: str = Outcome.RESOLVED, body: str = "已当面解释政策并协助提交材料。"
) -> Request:
    """The commissioner takes ``req`` on and answers it directly."""
    services.request_take_on(req_id=req.pk, actor=commissioner)
    services.request_answer_directly(req_id=req.pk, actor=commissioner, outcome=outcome, body=body)
    return fresh(req)


def message_of(error: ValidationError) -> str:
    """The user-facing text of a TransitionError."""
    return " ".join(error.messages)
