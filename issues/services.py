"""Every state change of a request, one function per transition.

Each transition locks the request row, checks the actor and the state, writes an immutable
RequestEvent and creates notifications; external deliveries are queued after commit. Views and tasks
call these functions and never write to the models themselves.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.notifications.services import notify
from portal.notifications.text import Text
from portal.orgs.models import Department, DepartmentMembership, Enterprise
from projects.models import Project

from . import deadlines, hooks
from . import permissions as perms
from .deadlines import policy_for, work_calendar
from .errors import StaleError, TransitionError
from .models import (
    OPEN_DISPATCH_STATUSES,
    VERDICT_SCORES,
    Attachment,
    Category,
    CloseReason,
    Dispatch,
    DispatchStatus,
    Evaluation,
    EventAction,
    Extension,
    ExtensionStatus,
    Outcome,
    Request,
    RequestEvent,
    Source,
    Status,
    Verdict,
    Visit,
)
from .selectors import active_commissioners_of
from .uploads import check_uploads, download_name

logger = logging.getLogger(__name__)
User = get_user_model()


# ---------------------------------------------------------------------------------------------
# who hears about it


def _enterprise_users(req: Request):
    return User.objects.filter(enterprise_memberships__enterprise_id=req.enterprise_id, is_active=True)


def _commissioners(req: Request) -> list:
    people = active_commissioners_of(req.enterprise_id)
    if req.commissioner_id and all(p.pk != req.commissioner_id for p in people):
        people.append(req.commissioner)
    return people


def _handlers(department_ids: Iterable[int]):
    return User.objects.filter(
        department_memberships__department_id__in=list(department_ids),
        department_memberships__kind=DepartmentMembership.Kind.HANDLER,
        is_active=True,
    ).distinct()


def _supervisors(req: Request):
    supervisors = User.objects.filter(
        is_supervisor=True, is_active=True, supervisor_scopes__region__path__in=_ancestor_paths(req)
    ).distinct()
    return supervisors


def _ancestor_paths(req: Request) -> list[str]:
    codes = [c for c in req.region.path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def request_url(req: Request) -> str:
    return reverse("issues:request_detail", args=[req.pk])


# ---------------------------------------------------------------------------------------------
# the transition frame


def _lock(req_id: int, expected_version: int | None) -> Request:
    try:
        req = (
            Request.objects.select_for_update(of=("self",))
            .select_related("region", "enterprise", "commissioner")
            .get(pk=req_id)
        )
    except Request.DoesNotExist:
        raise TransitionError(_("This request does not exist.")) from None
    if expected_version is not None and req.version != expected_version:
        raise StaleError(
            _("Someone else has just handled this request; its current state is shown. Check it before acting again.")
        )
    return req


def _record(
    req: Request,
    *,
    actor,
    action: str,
    old_status: str,
    comment: str = "",
    dispatch=None,
    data: dict | None = None,
    now: datetime | None = None,
) -> RequestEvent:
    req.version += 1  # the row is locked (select_for_update), so no one else can bump it meanwhile
    req.save()
    event = RequestEvent.objects.create(
        request=req,
        dispatch=dispatch,
        actor=actor,
        action=action,
        from_status=old_status,
        to_status=req.status,
        comment=comment,
        data=data or {},
        created_at=now or timezone.now(),
    )
    hooks.event_written(event)
    return event


def _cancel_open_dispatches(req: Request) -> None:
    """A closed request leaves no task open in a department's queue (e.g. a co-handler that never replied)."""
    req.dispatches.filter(status__in=OPEN_DISPATCH_STATUSES).update(
        status=DispatchStatus.CANCELLED, version=F("version") + 1
    )
    req.co_opinion_due_at = None


def _refresh_co_wait(req: Request) -> None:
    """The lead waits until the latest opinion deadline of the co-handling tasks still open in this round
    (none open: it no longer waits). Saved with the request by ``_record``."""
    req.co_opinion_due_at = req.dispatches.filter(
        role=Dispatch.Role.CO, status__in=OPEN_DISPATCH_STATUSES, round=req.reopen_count
    ).aggregate(due=Max("opinion_due_at"))["due"]


def _attach(files, *, req: Request, event: RequestEvent, actor) -> None:
    if not files:
        return
    existing = req.attachments.count()
    for upload, content_type in check_uploads(files, existing=existing):
        Attachment.objects.create(
            request=req,
            event=event,
            file=upload,
            original_name=download_name(upload.name, content_type),
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )


def _clean_text(value: str, *, required_message: str | None = None, limit: int = 5000) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise TransitionError(required_message)
    if len(value) > limit:
        raise TransitionError(_("The text is too long (at most %(n)d characters).") % {"n": limit})
    return value


# ---------------------------------------------------------------------------------------------
# enterprise actions


def project_fits(project: Project, enterprise: Enterprise) -> bool:
    """Whether a request of ``enterprise`` may name ``project``: the project is the enterprise's own or has no
    enterprise, and its region and the enterprise's lie on one branch (one contains the other). Another
    enterprise's project never fits, whatever its region."""
    if project.enterprise_id not in (None, enterprise.pk):
        return False
    if project.region_id == enterprise.region_id:
        return True
    return project.region.contains(enterprise.region) or enterprise.region.contains(project.region)


@transaction.atomic
def _check_new_work_order(source: str, number: str) -> None:
    filed = Request.objects.filter(source=source, work_order_number=number).only("pk", "submitted_at").first()
    if filed is not None:
        raise TransitionError(
            _("Work order %(number)s has already been filed as request %(reference)s; open it instead of filing again.")
            % {"number": number, "reference": filed.reference}
        )


def request_submit(
    *,
    actor,
    enterprise: Enterprise,
    category: Category,
    title: str,
    description: str,
    project: Project | None = None,
    source: str = Source.PORTAL,
    files=(),
    now: datetime | None = None,
    work_order_number: str = "",
    caller_name: str = "",
    caller_mobile: str = "",
) -> Request:
    """An enterprise files a request, or a commissioner files one on its behalf (visit, hotline, phone);
    a hotline request may carry its 12345 work-order number (unique per source) and the caller."""
    now = now or timezone.now()
    perms.check_may_file(actor, enterprise.pk, on_behalf=source != Source.PORTAL, project=project)
    work_order_number = work_order_number.strip()
    if work_order_number:
        _check_new_work_order(source, work_order_number)
    if not category.is_active:
        raise TransitionError(_("This category is no longer in use; choose another."))
    if project is not None and not project_fits(project, enterprise):
        raise TransitionError(_("This key project does not belong to the enterprise."))
    title = _clean_text(title, required_message=_("Enter a title."), limit=100)
    description = _clean_text(description, required_message=_("Describe the problem."))
    policy = policy_for(enterprise.region)
    calendar = work_calendar()
    commissioners = active_commissioners_of(enterprise.pk)
    req = Request(
        enterprise=enterprise,
        region=enterprise.region,
        project=project,
        category=category,
        title=title,
        description=description,
        source=source,
        status=Status.SUBMITTED,
        created_by=actor,
        commissioner=commissioners[0] if commissioners else None,
        submitted_at=now,
        work_order_number=work_order_number[:40],
        caller_name=caller_name.strip()[:50],
        caller_mobile=caller_mobile.strip()[:20],
    )
    deadlines.start_clocks(req, now, policy, calendar)
    try:
        with transaction.atomic():
            req.save(force_insert=True)
    except IntegrityError:  # filed at the same moment by someone else
        _check_new_work_order(source, work_order_number)
        raise
    event = RequestEvent.objects.create(
        request=req,
        actor=actor,
        action=EventAction.SUBMIT,
        from_status="",
        to_status=req.status,
        created_at=now,
        data={"assign_due_at": req.assign_due_at.isoformat(), "answer_due_at": req.answer_due_at.isoformat()},
    )
    hooks.event_written(event)
    _attach(files, req=req, event=event, actor=actor)
    if calendar.fallback_years:
        logger.warning(
            "deadlines of request %s counted Monday-Friday for years %s without holiday data",
            req.pk,
            sorted(calendar.fallback_years),
            extra={"request_id": req.pk},
        )
    notify(
        users=commissioners,
        kind="request_submitted",
        url=request_url(req),
        title=Text(N_("New request from %(enterprise)s: %(title)s"), {"enterprise": enterprise.name, "title": title}),
    )
    return req


def request_file_work_order(
    *,
    actor,
    work_order_number: str,
    caller_name: str = "",
    caller_mobile: str = "",
    channel: str = "",
    source: str = Source.HOTLINE,
    **submit,
) -> tuple[Request, bool]:
    """Another system's work order (the 12345 hotline's 工单) filed as a request, exactly once.

    The same number again returns the request already filed (``created`` False), also when two copies
    arrive at the same moment: the unique constraint on (source, number) decides, and the loser's
    savepoint is rolled back with its notifications. ``submit`` are request_submit's arguments."""
    number = (work_order_number or "").strip()
    if not number:
        raise TransitionError(_("Enter the work-order number."))
    existing = Request.objects.filter(source=source, work_order_number=number).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            req = request_submit(
                actor=actor,
                source=source,
                work_order_number=number,
                caller_name=caller_name or "",
                caller_mobile=caller_mobile or "",
                **submit,
            )
            req.channel = (channel or "").strip()[:20]
            req.save(update_fields=["channel", "updated_at"])
    except (IntegrityError, TransitionError):
        # filed by another call at the same moment: the unique constraint (or the check before it) decided
        existing = Request.objects.filter(source=source, work_order_number=number).first()
        if existing is None:
            raise
        return existing, False
    return req, True


def request_raise_for_project(*, actor, project: Project, category_id: int, title: str, description: str) -> Request:
    """A problem in a key project's progress report becomes a request of the owner enterprise linked to the
    project, in the caller's transaction: filed by the enterprise itself (portal) or by the project's
    commissioner on its behalf (visit). Refusals are ``ValidationError``s with the reason to show."""
    category = Category.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise TransitionError(_("Choose the category of the problem."))
    enterprise = Enterprise.objects.select_related("region").get(pk=project.enterprise_id)
    source = Source.PORTAL if perms.acts_for(actor, enterprise.pk) else Source.VISIT
    try:
        return request_submit(
            actor=actor,
            enterprise=enterprise,
            category=category,
            title=title[:100],
            description=description,
            project=project,
            source=source,
        )
    except PermissionDenied as error:
        raise TransitionError(str(error) or _("You may not file a request for this enterprise.")) from None


def project_problem_categories() -> list[tuple[int, str]]:
    return [(c.pk, str(c)) for c in Category.objects.filter(is_active=True).order_by("sort_order", "pk")]


@transaction.atomic
def request_withdraw(*, req_id: int, actor, reason: str = "", expected_version: int | None = None) -> Request:
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.WITHDRAW, req)
    old, now = req.status, timezone.now()
    req.status = Status.WITHDRAWN
    req.closed_at = now
    open_dispatches = list(req.dispatches.filter(status__in=OPEN_DISPATCH_STATUSES))
    req.dispatches.filter(status__in=OPEN_DISPATCH_STATUSES).update(
        status=DispatchStatus.CANCELLED, version=F("version") + 1
    )
    _record(
        req, actor=actor, action=EventAction.WITHDRAW, old_status=old, comment=_clean_text(reason, limit=1000), now=now
    )
    notify(
        users=[*_commissioners(req), *_handlers(d.department_id for d in open_dispatches)],
        kind="request_withdrawn",
        url=request_url(req),
        title=Text(N_("Request withdrawn by the enterprise: %(title)s"), {"title": req.title}),
    )
    return req


@transaction.atomic
def request_supply_info(*, req_id: int, actor, comment: str, files=(), expected_version: int | None = None) -> Request:
    """The enterprise answers a question, or its commissioner records the answer the enterprise gave by
    phone (on its behalf, marked so on the timeline); the paused clocks resume, extended by the time
    spent waiting."""
    req = _lock(req_id, expected_version)
    relation = perms.Relation(actor, req)
    perms.check(actor, perms.Action.SUPPLY_INFO, req, relation=relation)
    on_behalf = not relation.member
    comment = _clean_text(comment, required_message=_("Write the information that was asked for."))
    old, now = req.status, timezone.now()
    policy, calendar = policy_for(req.region), work_calendar()
    paused = deadlines.resume_after_pause(req, now, policy, calendar)
    req.dispatches.filter(status__in=OPEN_DISPATCH_STATUSES).update(answer_due_at=req.answer_due_at)
    # Back to the commissioner's queue unless someone is working on it (a live lead task, or taken on).
    working = (
        req.handled_directly
        or req.dispatches.filter(role=Dispatch.Role.LEAD, status__in=OPEN_DISPATCH_STATUSES).exists()
    )
    req.status = Status.IN_PROGRESS if working else Status.SUBMITTED
    req.info_needed_since = None
    event = _record(
        req,
        actor=actor,
        action=EventAction.SUPPLY_INFO,
        old_status=old,
        comment=comment,
        now=now,
        data={
            "paused_seconds": int(paused.total_seconds()),
            "answer_due_at": req.answer_due_at.isoformat(),
            **({"on_behalf": True} if on_behalf else {}),
        },
    )
    _attach(files, req=req, event=event, actor=actor)
    if on_behalf:
        notify(
            users=_enterprise_users(req),
            kind="info_supplied",
            url=request_url(req),
            title=Text(
                N_("Your commissioner recorded the information you gave by phone: %(title)s"), {"title": req.title}
            ),
            body=comment,
        )
        return req
    notify(
        users=_commissioners(req),
        kind="info_supplied",
        url=request_url(req),
        title=Text(N_("The enterprise supplied information: %(title)s"), {"title": req.title}),
    )
    return req


@transaction.atomic
def request_evaluate(
    *,
    req_id: int,
    actor,
    verdict: str,
    comment: str = "",
    expected_version: int | None = None,
    source: str = Source.PORTAL,
) -> Request:
    """满意 / 基本满意 close the request; 不满意 needs a reason and reopens it (企业不认可不罢休).

    ``source`` says where the verdict came from: the portal, or the hotline's return visit (回访)."""
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.EVALUATE, req)
    if verdict not in Verdict.values:
        raise TransitionError(_("Choose satisfied, basically satisfied or dissatisfied."))
    comment = _clean_text(
        comment,
        limit=2000,
        required_message=(
            _("Say why you are not satisfied, so the request can be handled again.")
            if verdict == Verdict.DISSATISFIED
            else None
        ),
    )
    old, now = req.status, timezone.now()
    score = VERDICT_SCORES[verdict]
    try:
        with transaction.atomic():
            Evaluation.objects.create(
                request=req,
                author=actor,
                verdict=verdict,
                score=score,
                comment=comment,
                round=req.reopen_count,
                source=source,
                created_at=now,
            )
    except IntegrityError:
        raise TransitionError(_("This answer has already been evaluated.")) from None
    req.verdict, req.satisfaction_score = verdict, score
    if verdict == Verdict.DISSATISFIED:
        policy, calendar = policy_for(req.region), work_calendar()
        req.status = Status.IN_PROGRESS
        req.reopen_count += 1
        deadlines.restart_answer_clock(req, now, policy, calendar)
        req.outcome = ""
        lead = req.dispatches.filter(role=Dispatch.Role.LEAD, status=DispatchStatus.ANSWERED).last()
        if lead is not None:
            Dispatch.objects.filter(pk=lead.pk).update(
                status=DispatchStatus.ACCEPTED,
                answered_at=None,
                answer_due_at=req.answer_due_at,
                version=F("version") + 1,
            )
        action = EventAction.REOPEN
    else:
        req.status = Status.CLOSED
        req.closed_at = now
        req.close_reason = CloseReason.EVALUATED
        _cancel_open_dispatches(req)
        lead = None
        action = EventAction.EVALUATE
    _record(
        req,
        actor=actor,
        action=action,
        old_status=old,
        comment=comment,
        now=now,
        data={"verdict": verdict, "score": score, "source": source},
    )
    recipients = [*_commissioners(req)]
    if req.lead_department_id:
        recipients += list(_handlers([req.lead_department_id]))
    title = Text(
        N_("Dissatisfied, request reopened: %(title)s")
        if verdict == Verdict.DISSATISFIED
        else N_("Evaluated “%(verdict)s”: %(title)s"),
        {"title": req.title, "verdict": Verdict(verdict).label},
    )
    notify(
        users=recipients,
        kind=f"request_{action}",
        url=request_url(req),
        title=title,
        body=comment,
        urgent=verdict == Verdict.DISSATISFIED,
    )
    return req


# ---------------------------------------------------------------------------------------------
# commissioner actions


@transaction.atomic
def request_take_on(*, req_id: int, actor, comment: str = "", expected_version: int | None = None) -> Request:
    """The commissioner handles the request himself and will answer it directly."""
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.TAKE_ON, req)
    old, now = req.status, timezone.now()
    req.status = Status.IN_PROGRESS
    req.handled_directly = True
    req.commissioner = actor
    req.lead_department = None
    deadlines.stop_assign_clock(req, now)
    _record(
        req, actor=actor, action=EventAction.TAKE_ON, old_status=old, comment=_clean_text(comment, limit=2000), now=now
    )
    notify(
        users=_enterprise_users(req),
        kind="request_taken_on",
        url=request_url(req),
        title=Text(N_("Your commissioner is handling your request: %(title)s"), {"title": req.title}),
    )
    return req


@transaction.atomic
def request_dispatch(
    *,
    req_id: int,
    actor,
    lead: Department,
    co: Iterable[Department] = (),
    instruction: str = "",
    expected_version: int | None = None,
) -> Request:
    """Send the request to one lead department (主办) and any co-handling departments (协办)."""
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.DISPATCH, req)
    co = [d for d in co if d.pk != lead.pk]
    if not lead.is_active or any(not d.is_active for d in co):
        raise TransitionError(_("One of the chosen departments no longer receives tasks."))
    # the decided rule (docs/requests.md): a request the commissioner took on may still be handed to a
    # department; the direct handling ends and the dispatch event says so
    was_taken_on = req.handled_directly
    req.handled_directly = False
    instruction = _clean_text(instruction, limit=2000)
    old, now = req.status, timezone.now()
    deadlines.stop_assign_clock(req, now)
    req.status = Status.IN_PROGRESS
    req.lead_department = lead
    if req.commissioner_id is None:
        req.commissioner = actor
    existing_co = set(
        req.dispatches.filter(
            role=Dispatch.Role.CO, status__in=OPEN_DISPATCH_STATUSES, round=req.reopen_count
        ).values_list("department_id", flat=True)
    )
    rows = [
        Dispatch(
            request=req,
            department=lead,
            role=Dispatch.Role.LEAD,
            instruction=instruction,
            round=req.reopen_count,
            dispatched_by=actor,
            dispatched_at=now,
            answer_due_at=req.answer_due_at,
        )
    ]
    opinion_due_at = deadlines.co_opinion_due_at(now, policy_for(req.region), work_calendar()) if co else None
    rows += [
        Dispatch(
            request=req,
            department=d,
            role=Dispatch.Role.CO,
            instruction=instruction,
            round=req.reopen_count,
            dispatched_by=actor,
            dispatched_at=now,
            answer_due_at=req.answer_due_at,
            opinion_due_at=opinion_due_at,
        )
        for d in co
        if d.pk not in existing_co
    ]
    try:
        with transaction.atomic():
            Dispatch.objects.bulk_create(rows)
    except IntegrityError:
        raise TransitionError(_("This request has already been dispatched.")) from None
    if co:
        _refresh_co_wait(req)
    _record(
        req,
        actor=actor,
        action=EventAction.DISPATCH,
        old_status=old,
        comment=instruction,
        now=now,
        data={"lead": lead.name, "co": [d.name for d in co], **({"taken_on_before": True} if was_taken_on else {})},
    )
    hooks.dispatched(req=req, lead=lead, actor=actor)
    notify(
        users=_handlers([lead.pk]),
        kind="dispatch_received",
        url=request_url(req),
        urgent=True,
        title=Text(N_("New task for %(dept)s (lead): %(title)s"), {"dept": lead.name, "title": req.title}),
    )
    if co:
        notify(
            users=_handlers([d.pk for d in co]),
            kind="dispatch_received",
            url=request_url(req),
            title=Text(N_("New co-handling task: %(title)s"), {"title": req.title}),
        )
    notify(
        users=_enterprise_users(req),
        kind="request_dispatched",
        url=request_url(req),
        title=Text(N_("Your request was sent to %(dept)s: %(title)s"), {"dept": lead.name, "title": req.title}),
    )
    return req


@transaction.atomic
def request_ask_info(*, req_id: int, actor, question: str, expected_version: int | None = None) -> Request:
    """Ask the enterprise for more information (待补充); the clocks pause until it answers."""
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.ASK_INFO, req)
    question = _clean_text(question, required_message=_("Write the question for the enterprise."), limit=2000)
    old, now = req.status, timezone.now()
    req.status = Status.INFO_NEEDED
    req.info_needed_since = now
    _record(req, actor=actor, action=EventAction.ASK_INFO, old_status=old, comment=question, now=now)
    notify(
        users=_enterprise_users(req),
        kind="info_needed",
        url=request_url(req),
        urgent=True,
        title=Text(N_("More information is needed for your request: %(title)s"), {"title": req.title}),
        body=question,
    )
    return req


@transaction.atomic
def request_reassign(
    *, req_id: int, actor, commissioner, comment: str = "", expected_version: int | None = None
) -> Request:
    """Hand the request to the other commissioner of the pairing (A ↔ B)."""
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.REASSIGN, req)
    if not perms.is_paired(commissioner, req.enterprise_id):
        raise TransitionError(_("%(name)s is not paired with this enterprise.") % {"name": commissioner})
    if commissioner.pk == req.commissioner_id:
        raise TransitionError(_("%(name)s is already responsible for this request.") % {"name": commissioner})
    old = req.status
    previous = req.commissioner
    req.commissioner = commissioner
    _record(
        req,
        actor=actor,
        action=EventAction.REASSIGN,
        old_status=old,
        comment=_clean_text(comment, limit=1000),
        data={"from": str(previous or ""), "to": str(commissioner)},
    )
    notify(
        users=[commissioner],
        kind="request_reassigned",
        url=request_url(req),
        title=Text(N_("A request was handed to you: %(title)s"), {"title": req.title}),
    )
    return req


@transaction.atomic
def request_answer_directly(
    *,
    req_id: int,
    actor,
    outcome: str,
    body: str,
    files=(),
    expected_version: int | None = None,
    cited: int | None = None,
) -> Request:
    """The commissioner who took the request on answers it (optionally citing a knowledge entry)."""
    req = _lock(req_id, expected_version)
    perms.check(actor, perms.Action.ANSWER, req)
    return _answer(req, actor=actor, outcome=outcome, body=body, files=files, dispatch=None, cited=cited)


def _check_answer(outcome: str, body: str) -> str:
    if outcome not in Outcome.values:
        raise TransitionError(_("Choose an outcome for the answer."))
    return _clean_text(
        body,
        required_message=(
            _("Explain the reason why it cannot be resolved now.")
            if outcome == Outcome.NOT_NOW
            else _("Write the answer.")
        ),
    )


def _answer(
    req: Request, *, actor, outcome: str, body: str, files, dispatch: Dispatch | None, cited: int | None = None
) -> Request:
    body = _check_answer(outcome, body)
    old, now = req.status, timezone.now()
    req.status = Status.ANSWERED
    deadlines.stop_answer_clock(req, now, policy_for(req.region), work_calendar())
    req.outcome = outcome
    event = _record(
        req,
        actor=actor,
        action=EventAction.ANSWER,
        old_status=old,
        comment=body,
        dispatch=dispatch,
        now=now,
        data={"outcome": outcome, "on_time": req.answered_on_time},
    )
    _attach(files, req=req, event=event, actor=actor)
    hooks.answered(req=req, event=event, actor=actor, cited=cited)
    notify(
        users=_enterprise_users(req),
        kind="request_answered",
        url=request_url(req),
        urgent=True,
        title=Text(N_("Your request has been answered: %(title)s"), {"title": req.title}),
        body=body,
    )
    # the commissioners hear it as the ones who follow the enterprise, not as the one who asked
    answerer = dispatch.department.name if dispatch is not None else str(actor.display_name)
    notify(
        users=_commissioners(req),
        kind="request_answered",
        url=request_url(req),
        title=Text(
            N_("%(answerer)s answered %(enterprise)s: %(title)s"),
            {"answerer": answerer, "enterprise": req.enterprise.name, "title": req.title},
        ),
        body=body,
    )
    return req


# ---------------------------------------------------------------------------------------------
# department actions


def _lock_dispatch(
    dispatch_id: int, actor, expected_version: int | None, action: perms.Action
) -> tuple[Request, Dispatch]:
    try:
        request_id = Dispatch.objects.values_list("request_id", flat=True).get(pk=dispatch_id)
    except Dispatch.DoesNotExist:
        raise TransitionError(_("This task does not exist.")) from None
    req = _lock(request_id, None)  # always lock the request first: one lock order, no deadlocks
    dispatch = Dispatch.objects.select_for_update(of=("self",)).select_related("department").get(pk=dispatch_id)
    verdict = perms.allowed(actor, action, req, task=dispatch)
    if verdict.refusal == perms.WHO:
        perms.enforce(verdict)  # not this user's department: refused before anything about the task is said
    if expected_version is not None and dispatch.version != expected_version:
        raise StaleError(_("Someone in your department has just handled this task; its current state is shown."))
    perms.enforce(verdict)
    return req, dispatch


def _bump(dispatch: Dispatch, **fields) -> None:
    for name, value in fields.items():
        setattr(dispatch, name, value)
    dispatch.version += 1
    dispatch.save(update_fields=[*fields, "version"])


@transaction.atomic
def dispatch_accept(*, dispatch_id: int, actor, expected_version: int | None = None) -> Dispatch:
    req, dispatch = _lock_dispatch(dispatch_id, actor, expected_version, perms.Action.TASK_ACCEPT)
    now = timezone.now()
    _bump(dispatch, status=DispatchStatus.ACCEPTED, accepted_at=now, accepted_by=actor)
    _record(
        req,
        actor=actor,
        action=EventAction.ACCEPT,
        old_status=req.status,
        dispatch=dispatch,
        now=now,
        data={"department": dispatch.department.name, "role": dispatch.role},
    )
    return dispatch


@transaction.atomic
def dispatch_return(*, dispatch_id: int, actor, reason: str, expected_version: int | None = None) -> Dispatch:
    """A misrouted task goes back to the commissioner; the assign clock does not restart."""
    req, dispatch = _lock_dispatch(dispatch_id, actor, expected_version, perms.Action.TASK_RETURN)
    reason = _clean_text(
        reason, required_message=_("Say why the task is returned and who should handle it."), limit=1000
    )
    old, now = req.status, timezone.now()
    _bump(dispatch, status=DispatchStatus.RETURNED, return_reason=reason)
    _refresh_co_wait(req)
    if dispatch.role == Dispatch.Role.LEAD:
        req.lead_department = None
        if req.status == Status.IN_PROGRESS:
            req.status = Status.SUBMITTED  # back in the commissioner's queue to dispatch again
    _record(
        req,
        actor=actor,
        action=EventAction.RETURN,
        old_status=old,
        comment=reason,
        dispatch=dispatch,
        now=now,
        data={"department": dispatch.department.name, "role": dispatch.role},
    )
    notify(
        users=_commissioners(req),
        kind="dispatch_returned",
        url=request_url(req),
        urgent=True,
        title=Text(N_("%(dept)s returned a task: %(title)s"), {"dept": dispatch.department.name, "title": req.title}),
        body=reason,
    )
    return dispatch


@transaction.atomic
def dispatch_answer(
    *,
    dispatch_id: int,
    actor,
    outcome: str = "",
    body: str,
    files=(),
    expected_version: int | None = None,
    cited: int | None = None,
) -> Dispatch:
    """The lead department answers the request; a co-handling department gives its opinion to the lead."""
    req, dispatch = _lock_dispatch(dispatch_id, actor, expected_version, perms.Action.TASK_ANSWER)
    now = timezone.now()
    if dispatch.role == Dispatch.Role.CO:
        body = _clean_text(body, required_message=_("Write your department's opinion."))
        _bump(
            dispatch,
            status=DispatchStatus.ANSWERED,
            answered_at=now,
            answered_by=actor,
            answer=body,
            accepted_at=dispatch.accepted_at or now,
        )
        _refresh_co_wait(req)
        event = _record(
            req,
            actor=actor,
            action=EventAction.OPINION,
            old_status=req.status,
            comment=body,
            dispatch=dispatch,
            now=now,
            data={"department": dispatch.department.name},
        )
        _attach(files, req=req, event=event, actor=actor)
        lead_ids = req.dispatches.filter(role=Dispatch.Role.LEAD, status__in=OPEN_DISPATCH_STATUSES).values_list(
            "department_id", flat=True
        )
        notify(
            users=[*_handlers(lead_ids), *_commissioners(req)],
            kind="co_opinion",
            url=request_url(req),
            title=Text(
                N_("%(dept)s gave its opinion: %(title)s"), {"dept": dispatch.department.name, "title": req.title}
            ),
            body=body,
        )
        return dispatch
    body = _check_answer(outcome, body)
    _bump(
        dispatch,
        status=DispatchStatus.ANSWERED,
        answered_at=now,
        answered_by=actor,
        answer=body,
        outcome=outcome,
        accepted_at=dispatch.accepted_at or now,
    )
    _answer(req, actor=actor, outcome=outcome, body=body, files=files, dispatch=dispatch, cited=cited)
    return dispatch


@transaction.atomic
def extension_request(*, dispatch_id: int, actor, reason: str, requested_due_at: datetime) -> Extension:
    req, dispatch = _lock_dispatch(dispatch_id, actor, None, perms.Action.TASK_EXTENSION)
    reason = _clean_text(reason, required_message=_("Give the reason for the extension."), limit=2000)
    if requested_due_at <= req.answer_due_at:
        raise TransitionError(
            _("The new deadline must be later than the current one (%(due)s).")
            % {"due": timezone.localtime(req.answer_due_at).strftime("%Y-%m-%d %H:%M")}
        )
    if requested_due_at > req.answer_due_at + timedelta(days=90):
        raise TransitionError(_("An extension may not exceed 90 days."))
    extension = Extension.objects.create(
        request=req,
        dispatch=dispatch,
        requested_by=actor,
        reason=reason,
        requested_due_at=requested_due_at,
        previous_due_at=req.answer_due_at,
    )
    _record(
        req,
        actor=actor,
        action=EventAction.EXTENSION_REQUEST,
        old_status=req.status,
        comment=reason,
        dispatch=dispatch,
        data={"requested_due_at": requested_due_at.isoformat()},
    )
    notify(
        users=_supervisors(req),
        kind="extension_requested",
        url=reverse("issues:extension_list"),
        title=Text(
            N_("%(dept)s asks for an extension: %(title)s"), {"dept": dispatch.department.name, "title": req.title}
        ),
        body=reason,
    )
    return extension


@transaction.atomic
def extension_decide(*, extension_id: int, actor, approve: bool, comment: str = "", http_request=None) -> Extension:
    """A supervisor approves (the new deadline replaces the answer deadline) or rejects an extension."""
    try:
        request_id = Extension.objects.values_list("request_id", flat=True).get(pk=extension_id)
    except Extension.DoesNotExist:
        raise TransitionError(_("This extension request does not exist.")) from None
    req = _lock(request_id, None)
    extension = (
        Extension.objects.select_for_update(of=("self",)).select_related("dispatch__department").get(pk=extension_id)
    )
    verdict = perms.allowed(actor, perms.Action.DECIDE_EXTENSION, req, task=extension.dispatch)
    if verdict.refusal == perms.WHO:
        perms.enforce(verdict)
    if extension.status != ExtensionStatus.PENDING:
        raise TransitionError(_("This extension request has already been decided."))
    perms.enforce(verdict)
    comment = _clean_text(
        comment, limit=1000, required_message=None if approve else _("Give the reason for rejecting the extension.")
    )
    now = timezone.now()
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by, extension.decided_at, extension.decision_comment = actor, now, comment
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approve:
        deadlines.move_answer_deadline(req, extension.requested_due_at, policy_for(req.region), work_calendar())
        Dispatch.objects.filter(request=req, status__in=OPEN_DISPATCH_STATUSES).update(
            answer_due_at=extension.requested_due_at, version=F("version") + 1
        )
    _record(
        req,
        actor=actor,
        action=EventAction.EXTENSION_APPROVED if approve else EventAction.EXTENSION_REJECTED,
        old_status=req.status,
        comment=comment,
        dispatch=extension.dispatch,
        now=now,
        data={
            "requested_due_at": extension.requested_due_at.isoformat(),
            "previous_due_at": extension.previous_due_at.isoformat(),
        },
    )
    audit_record(
        action=AuditEvent.Action.EXTENSION,
        actor=actor,
        request=http_request,
        target=f"request {req.pk}",
        target_type=Request._meta.label_lower,
        target_id=str(req.pk),
        detail={"extension": extension.pk, "approved": approve, "comment": comment},
    )
    notify(
        users=[*_handlers([extension.dispatch.department_id]), *_commissioners(req)],
        kind="extension_decided",
        url=request_url(req),
        title=Text(
            N_("Extension approved: %(title)s") if approve else N_("Extension rejected: %(title)s"),
            {"title": req.title},
        ),
        body=comment,
    )
    return extension


# ---------------------------------------------------------------------------------------------
# system actions


@transaction.atomic
def request_close_unevaluated(*, req_id: int, now: datetime | None = None) -> bool:
    """Close an answer the enterprise never evaluated; idempotent (False when there is nothing to do)."""
    now = now or timezone.now()
    req = Request.objects.select_for_update(of=("self",)).select_related("region").filter(pk=req_id).first()
    if req is None or req.status != Status.ANSWERED:
        return False
    if now < deadlines.auto_close_at(req, policy_for(req.region), work_calendar()):
        return False
    old = req.status
    req.status = Status.CLOSED
    req.closed_at = now
    req.close_reason = CloseReason.NOT_EVALUATED
    _cancel_open_dispatches(req)
    _record(req, actor=None, action=EventAction.CLOSE_UNEVALUATED, old_status=old, now=now)
    notify(
        users=_commissioners(req),
        kind="request_closed_unevaluated",
        url=request_url(req),
        title=Text(N_("Closed without evaluation: %(title)s"), {"title": req.title}),
    )
    return True


# ---------------------------------------------------------------------------------------------
# visits (走访)


@transaction.atomic
def visit_record(
    *,
    actor,
    visited_on,
    enterprise: Enterprise | None = None,
    project: Project | None = None,
    people_met: str = "",
    notes: str = "",
    photos=(),
    requests: Iterable[dict] = (),
) -> Visit:
    """A commissioner records a visit to a paired enterprise or one of their key projects, with photos, and
    files the requests collected on the visit on the enterprise's behalf (source 走访), all or nothing."""
    if not actor.is_commissioner:
        raise PermissionDenied
    if enterprise is None and project is None:
        raise TransitionError(_("Choose the enterprise or the key project you visited."))
    if enterprise is not None and not perms.is_paired(actor, enterprise.pk):
        raise PermissionDenied(_("You may record visits only to enterprises paired with you."))
    if (
        project is not None
        and not project.pairings.active().filter(commissioner=actor).exists()
        and not (project.enterprise_id and perms.is_paired(actor, project.enterprise_id))
    ):
        raise PermissionDenied(_("You may record visits only to your own key projects."))
    if visited_on > timezone.localdate():
        raise TransitionError(_("The visit date cannot be in the future."))
    requests = list(requests)
    target = enterprise or (project.enterprise if project is not None else None)
    if requests and target is None:
        raise TransitionError(_("Requests collected on a visit need an enterprise; choose the enterprise."))
    checked = check_uploads(photos, images_only=True) if photos else []
    visit = Visit.objects.create(
        commissioner=actor,
        enterprise=enterprise,
        project=project,
        visited_on=visited_on,
        people_met=_clean_text(people_met, limit=200),
        notes=_clean_text(notes),
    )
    for upload, content_type in checked:
        Attachment.objects.create(
            visit=visit,
            file=upload,
            original_name=download_name(upload.name, content_type),
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
    for item in requests:
        request_submit(
            actor=actor,
            enterprise=target,
            category=item["category"],
            title=item["title"],
            description=item["description"],
            project=project,
            source=Source.VISIT,
        )
    return visit
