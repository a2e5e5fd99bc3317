"""The request page and its actions: one table of action views (URL key → service, message), the
forms offered from issues/permissions.py, extensions, attachments and filing a request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from portal.accounts.models import User
from portal.orgs.models import Department, Pairing
from portal.orgs.selectors import (
    pairings_of,
    region_scope_for,
)

from .. import deadlines, forms, hooks, queues, services
from .. import permissions as perms
from ..models import (
    OPEN_DISPATCH_STATUSES,
    Attachment,
    Card,
    Dispatch,
    EventAction,
    ExtensionStatus,
    Request,
)
from ..selectors import (
    access_dispatch,
    access_request,
    extension_visible_to,
    policy_for,
    request_timeline,
    request_visible_to,
)
from ..templatetags.issues_tags import event_label, status_label
from ..uploads import attachment_response
from .common import _files, _local, _page, _require
from .rows import TASK_ACTIONS, TASK_KEYS, A, _row_modal, _row_response


def _reassign_candidates(req, pairings=None):
    """The enterprise's other active commissioners, A first; ``pairings`` when the page has read them."""
    labels = dict(Pairing.Role.choices)
    pairings = pairings_of(req.enterprise) if pairings is None else pairings
    return [(p.commissioner, labels[p.role]) for p in pairings if p.commissioner_id != req.commissioner_id]


def _request_form(key, req, data=None, files=None, candidates=None):
    """The form of a request action, bound to POST data or fresh with the request's version."""
    cls = {
        "withdraw": forms.WithdrawForm,
        "supply_info": forms.SupplyInfoForm,
        "evaluate": forms.EvaluateForm,
        "take_on": forms.TakeOnForm,
        "dispatch": forms.DispatchForm,
        "ask_info": forms.AskInfoForm,
        "reassign": forms.ReassignForm,
        "answer": forms.AnswerForm,
    }[key]
    kwargs = {"auto_id": f"{key}-%s"}
    if key == "reassign":
        kwargs["candidates"] = _reassign_candidates(req) if candidates is None else candidates
    if key == "answer":
        kwargs["citable"] = hooks.citable_for(req)
    form = cls(data, files, **kwargs) if data is not None else cls(initial={"version": req.version}, **kwargs)
    if hasattr(form, "clean_attachments"):
        form.existing_attachments = req.attachments.count()
    return form


def _dispatch_form(key, dispatch, data=None, files=None):
    if key == "answer":
        cls = forms.AnswerForm if dispatch.role == Dispatch.Role.LEAD else forms.OpinionForm
    else:
        cls = {"accept": forms.AcceptForm, "return": forms.ReturnForm, "extension": forms.ExtensionForm}[key]
    kwargs = {"auto_id": f"{key}-{dispatch.pk}-%s"}
    if cls is forms.AnswerForm:
        kwargs["citable"] = hooks.citable_for(dispatch.request)
    if data is not None:
        form = cls(data, files, **kwargs)
    else:
        form = cls(initial={"version": dispatch.version}, **kwargs)
    if hasattr(form, "clean_attachments"):
        form.existing_attachments = dispatch.request.attachments.count()
    return form


REQUEST_ACTION_TEXT = {
    # key: (heading, button, button style, confirmation question or "", open by default)
    "evaluate": (_l("Evaluate the answer"), _l("Submit evaluation"), "btn-primary", "", True),
    "supply_info": (_l("Supply the information asked for"), _l("Send"), "btn-primary", "", True),
    "dispatch": (_l("Dispatch to departments"), _l("Dispatch"), "btn-primary", "", True),
    "answer": (_l("Answer the enterprise"), _l("Send answer"), "btn-primary", "", True),
    "take_on": (_l("Handle it myself"), _l("Take on"), "btn-outline-primary", "", False),
    "ask_info": (_l("Ask the enterprise for information"), _l("Ask"), "btn-outline-primary", "", False),
    "reassign": (_l("Hand over to the other commissioner"), _l("Hand over"), "btn-outline-secondary", "", False),
    "withdraw": (
        _l("Withdraw the request"),
        _l("Withdraw"),
        "btn-outline-danger",
        _l("Withdraw this request? The departments stop working on it."),
        False,
    ),
}


DISPATCH_ACTION_TEXT = {
    "accept": (_l("Accept the task"), _l("Accept"), "btn-primary", "", True),
    "answer": (_l("Answer the enterprise"), _l("Send answer"), "btn-primary", "", True),
    "return": (
        _l("Return a misrouted task"),
        _l("Return"),
        "btn-outline-danger",
        _l("Return this task to the commissioner?"),
        False,
    ),
    "extension": (_l("Ask for more time"), _l("Request extension"), "btn-outline-secondary", "", False),
}


def _action(key, text, form, url, bound):
    heading, button, style, confirm, open_ = text
    return {
        "key": key,
        "heading": heading,
        "button": button,
        "style": style,
        "confirm": confirm,
        "open": open_ or form.is_bound,
        "form": form,
        "url": url,
    }


def _request_actions(req, case, bound, pairings=None):
    """The request-level action forms this user may use now (issues/permissions.py decides)."""
    actions = []
    for action in perms.actions_for(case.user, req, case=case):
        key = str(action)
        if key not in REQUEST_ACTION_TEXT:
            continue
        candidates = _reassign_candidates(req, pairings) if action == A.REASSIGN else None
        if action == A.REASSIGN and not candidates:
            continue  # allowed, but there is no other commissioner to hand it to
        text = REQUEST_ACTION_TEXT[key]
        form = bound.get(key) or _request_form(key, req, candidates=candidates)
        if action == A.ANSWER:
            text = (_("Answer the enterprise directly"), *text[1:])
        if action == A.SUPPLY_INFO and not case.relation.member:
            text = (_("Record the information the enterprise gave by phone"), _("Record for the enterprise"), *text[2:])
        actions.append(_action(key, text, form, reverse(f"issues:request_{key}", args=[req.pk]), bound))
    return actions


def _task_text(key, dispatch):
    text = DISPATCH_ACTION_TEXT[key]
    if key == "answer" and dispatch.role == Dispatch.Role.CO:
        text = (_("Give your opinion to the lead department"), _("Send opinion"), *text[2:])
    return text


def _dispatch_actions(case, bound):
    dispatch = case.task
    actions = []
    for action in perms.task_actions_for(case.user, dispatch, case=case):
        key = TASK_KEYS[action]
        form = bound.get(f"{key}-{dispatch.pk}") or _dispatch_form(key, dispatch)
        url = reverse(f"issues:dispatch_{key}", args=[dispatch.pk])
        actions.append(_action(key, _task_text(key, dispatch), form, url, bound))
    return actions


def _detail_context(request, req, bound=None):
    """What the request page shows, read once: each list of related rows in one query, the people and
    departments those rows already hold reused for the rest of the page (see ``_page_request``)."""
    bound = bound or {}
    user = request.user
    pairings = list(
        Pairing.objects.active()
        .filter(enterprise_id=req.enterprise_id)
        .select_related("commissioner")
        .order_by("role", "pk")
    )
    # the user's own pairing with the enterprise (A before B), as Relation.pairing would read it
    known = {"pairing": next((p.role for p in pairings if p.commissioner_id == user.pk), None)}
    relation = perms.Relation(user, req, **(known if user.is_commissioner else {}))
    dispatches = list(req.dispatches.select_related("department"))
    by_pk = {d.pk: d for d in dispatches}
    for d in dispatches:
        d.request = req
    events = _timeline(req, by_pk)
    # an extension is only ever asked for by services.extension_request, which writes this event with it
    asked = any(e.action == EventAction.EXTENSION_REQUEST for e in events)
    extensions = list(req.extensions.select_related("decided_by")) if asked else []
    for x in extensions:
        x.request = req
        if x.dispatch_id in by_pk:
            x.dispatch = by_pk[x.dispatch_id]
    pending = {x.dispatch_id for x in extensions if x.status == ExtensionStatus.PENDING}
    open_lead = any(d.role == Dispatch.Role.LEAD and d.is_open for d in dispatches)
    # the cards partial reads req.cards.all: with each card's unit, in the one query
    prefetch_related_objects([req], Prefetch("cards", queryset=Card.objects.select_related("unit")))
    _complete_request(req, events, pairings, dispatches)

    def case(task=None):
        return perms.Case(
            user, req, task=task, relation=relation, open_lead=open_lead, pending_extension=task and task.pk in pending
        )

    dispatch_panels = [{"dispatch": d, "actions": _dispatch_actions(case(d), bound)} for d in dispatches]
    for panel in dispatch_panels:
        lead = panel["dispatch"]
        if lead.role == Dispatch.Role.LEAD and lead.is_open and relation.handles(lead):
            # the lead reads the co-handlers' opinions where it answers, and sees how long it waits for them
            panel["opinions"] = [d for d in dispatches if d.role == Dispatch.Role.CO and d.round == lead.round]
            panel["co_wait"] = req.co_opinion_due_at if deadlines.co_opinions_wait(req, timezone.now()) else None
    extension_rows = [
        {
            "extension": x,
            "form": (bound.get(f"decide-{x.pk}") or forms.ExtensionDecisionForm(auto_id=f"decide-{x.pk}-%s"))
            if x.status == ExtensionStatus.PENDING
            and perms.judge(case(by_pk.get(x.dispatch_id, x.dispatch)), A.DECIDE_EXTENSION).ok
            else None,
        }
        for x in extensions
    ]
    return {
        "req": req,
        "relation": relation,
        "dispatch_panels": dispatch_panels,
        "my_dispatch_panels": [p for p in dispatch_panels if p["actions"] or p.get("co_wait")],
        "actions": _request_actions(req, case(), bound, pairings),
        "events": events,
        "submitted_files": [a for e in events if e.action == "submit" for a in e.files],
        "answers": [e for e in events if e.action in ("answer", "opinion")],
        "evaluations": list(req.evaluations.all()),
        "extension_rows": extension_rows,
        "pairings": pairings,
        "commissioners": [p.commissioner for p in pairings],
        "may_see_contact_card": perms.may_see_contact_card(relation),
        "policy": policy_for(req.region),
        "extended": any(x.status == ExtensionStatus.APPROVED for x in extensions),
    }


def _timeline(req, dispatches_by_pk) -> list:
    """The request's events, oldest first, each with its task (from the dispatches already loaded) and its
    files (``event.files``: one query for every event's attachments, and none when no event has any)."""
    events = list(request_timeline(req).annotate(has_files=Exists(Attachment.objects.filter(event=OuterRef("pk")))))
    files = {}
    with_files = [e.pk for e in events if e.has_files]
    for attachment in Attachment.objects.filter(event_id__in=with_files) if with_files else ():
        files.setdefault(attachment.event_id, []).append(attachment)
    system = _("System")
    for event in events:
        if event.dispatch_id in dispatches_by_pk:
            event.dispatch = dispatches_by_pk[event.dispatch_id]
        event.files = files.get(event.pk, [])
        # the words of each line, worked out here once rather than by a filter per event in the template
        event.label = event_label(event.action)
        event.when = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M")  # |date:"Y-m-d H:i"
        event.who = (event.actor.display_name if event.actor else "") or system
        if event.from_status == event.to_status:
            event.change = ""
        elif event.from_status:
            event.change = f"{status_label(event.from_status)} → {status_label(event.to_status)}"
        else:
            event.change = status_label(event.to_status)
    return events


def _complete_request(req, events, pairings, dispatches) -> None:
    """The filer, the responsible commissioner and the lead department of a request read without them
    (``_page_request``): taken from the events' actors, the pairings and the tasks already loaded, and
    only those still missing read, the people in one query."""
    if not Request.lead_department.is_cached(req):
        if req.lead_department_id is None:
            req.lead_department = None
        else:
            known = {d.department_id: d.department for d in dispatches}
            req.lead_department = known.get(req.lead_department_id) or Department.objects.get(pk=req.lead_department_id)
    people = {e.actor_id: e.actor for e in events if e.actor_id} | {p.commissioner_id: p.commissioner for p in pairings}
    fields = [f for f in (Request.created_by, Request.commissioner) if not f.is_cached(req)]
    missing = {getattr(req, f.field.attname) for f in fields} - set(people) - {None}
    if missing:
        people |= User.objects.in_bulk(missing)
    for f in fields:
        setattr(req, f.field.name, people.get(getattr(req, f.field.attname)))


def _render_detail(request, req, bound=None, status=200):
    return render(request, "issues/request_detail.html", _detail_context(request, req, bound), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    _require(request.user.is_enterprise_user)
    if request.method == "POST":
        form = forms.RequestForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                req = services.request_submit(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    project=data.get("project"),
                    files=data["attachments"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Your request has been filed. It will be dispatched by %(assign)s and answered by %(answer)s.")
                    % {"assign": _local(req.assign_due_at), "answer": _local(req.answer_due_at)},
                )
                return redirect("issues:request_detail", req.pk)
    else:
        preselect = request.GET.get("enterprise", "")
        initial = {"enterprise": preselect} if preselect.isdigit() else {}
        # coming back from the answers found before filing: what was typed is kept
        initial |= {k: request.GET[k][:5000] for k in ("title", "description", "category") if request.GET.get(k)}
        form = forms.RequestForm(user=request.user, initial=initial)
    if not form.fields["enterprise"].queryset.exists():
        raise PermissionDenied
    return render(request, "issues/request_form.html", {"form": form})


def _page_request(user, pk: int) -> Request:
    """``access_request`` for the request page: the same visibility selector, but only the relations every
    request has are joined; the nullable ones (key project, commissioner, lead department) and the filer
    are filled in by ``_complete_request`` from the rows the page reads anyway. With all of them joined in
    one query PostgreSQL spent 20–40 ms planning it at a province's million requests (a left join per
    nullable relation, over a table of some 35 indexes) for well under a millisecond of execution."""
    found = list(
        request_visible_to(user).select_related("enterprise", "region", "category").filter(pk=pk).order_by()[:1]
    )
    if not found:
        raise Http404
    req = found[0]
    if req.project_id is None:
        req.project = None
    else:
        prefetch_related_objects(found, "project")
    return req


@login_required
@require_GET
def request_detail(request, pk):
    return _render_detail(request, _page_request(request.user, pk))


def _modal(request, action, back_url):
    return render(request, "issues/request_detail.html#action_modal", {"action": action, "back_url": back_url})


def _in_row(request) -> bool:
    """An action started from a row of a work list: answer with the fresh row, not the detail page."""
    return bool(request.htmx) and (request.GET.get("in") or request.POST.get("in")) == "row"


# The action views, one table: URL key → (the service call, the success message). The form of each key is
# in _request_form / _dispatch_form, the permission Action is the key itself (request actions) or
# TASK_ACTIONS[key] (task actions), checked by issues/permissions.py.
REQUEST_RUNS = {
    "withdraw": (
        lambda user, req, d: services.request_withdraw(
            req_id=req.pk, actor=user, reason=d["reason"], expected_version=d["version"]
        ),
        _l("The request has been withdrawn."),
    ),
    "supply_info": (
        lambda user, req, d: services.request_supply_info(
            req_id=req.pk, actor=user, comment=d["comment"], files=_files(d), expected_version=d["version"]
        ),
        _l("Thank you; the information has been sent and the request continues."),
    ),
    "evaluate": (
        lambda user, req, d: services.request_evaluate(
            req_id=req.pk, actor=user, verdict=d["verdict"], comment=d["comment"], expected_version=d["version"]
        ),
        _l("Thank you for your evaluation."),
    ),
    "take_on": (
        lambda user, req, d: services.request_take_on(
            req_id=req.pk, actor=user, comment=d["comment"], expected_version=d["version"]
        ),
        _l("You are handling this request yourself; answer it below."),
    ),
    "dispatch": (
        lambda user, req, d: services.request_dispatch(
            req_id=req.pk,
            actor=user,
            lead=d["lead"],
            co=d["co"],
            instruction=d["instruction"],
            expected_version=d["version"],
        ),
        _l("The request has been dispatched."),
    ),
    "ask_info": (
        lambda user, req, d: services.request_ask_info(
            req_id=req.pk, actor=user, question=d["question"], expected_version=d["version"]
        ),
        _l("The question has been sent; the answer clock pauses until the enterprise replies."),
    ),
    "reassign": (
        lambda user, req, d: services.request_reassign(
            req_id=req.pk,
            actor=user,
            commissioner=d["commissioner"],
            comment=d["comment"],
            expected_version=d["version"],
        ),
        _l("The request has been handed over."),
    ),
    "answer": (
        lambda user, req, d: services.request_answer_directly(
            req_id=req.pk,
            actor=user,
            outcome=d["outcome"],
            body=d["body"],
            files=_files(d),
            expected_version=d["version"],
            cited=d.get("cited"),
        ),
        _l("The answer has been sent to the enterprise."),
    ),
}


TASK_RUNS = {
    "accept": (
        lambda user, task, d: services.dispatch_accept(dispatch_id=task.pk, actor=user, expected_version=d["version"]),
        _l("Task accepted. Answer it before the deadline."),
    ),
    "return": (
        lambda user, task, d: services.dispatch_return(
            dispatch_id=task.pk, actor=user, reason=d["reason"], expected_version=d["version"]
        ),
        _l("The task has been returned to the commissioner."),
    ),
    "answer": (
        lambda user, task, d: services.dispatch_answer(
            dispatch_id=task.pk,
            actor=user,
            outcome=d.get("outcome", ""),
            body=d["body"],
            files=_files(d),
            expected_version=d["version"],
            cited=d.get("cited"),
        ),
        _l("Your answer has been sent."),
    ),
    "extension": (
        lambda user, task, d: services.extension_request(
            dispatch_id=task.pk, actor=user, reason=d["reason"], requested_due_at=d["requested_due_at"]
        ),
        _l("The extension request has been sent to the supervisors."),
    ),
}


def _request_action(request, pk, key):
    run, success = REQUEST_RUNS[key]
    req = access_request(request.user, pk)
    # a user with no standing for the action gets 403; one who may act but not now gets the form and
    # the service's message (the state may change between loading the page and posting)
    _require(perms.allowed(request.user, perms.Action(key), req).refusal != perms.WHO)
    detail = reverse("issues:request_detail", args=[req.pk])
    in_row = _in_row(request)
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{detail}#action-{key}")
        form = _request_form(key, req)
        action = _action(key, REQUEST_ACTION_TEXT[key], form, request.path, {})
        if in_row:
            return _row_modal(request, action, queues.COMMISSIONER, req.pk, req)
        return _modal(request, action, detail)
    form = _request_form(key, req, request.POST, request.FILES)
    if not form.is_valid():
        if in_row:
            action = _action(key, REQUEST_ACTION_TEXT[key], form, request.path, {})
            return _row_modal(request, action, queues.COMMISSIONER, req.pk, req, invalid=True)
        return _render_detail(request, req, bound={key: form})
    try:
        run(request.user, req, form.cleaned_data)
    except ValidationError as error:
        if in_row:
            return _row_response(request, queues.COMMISSIONER, req.pk, " ".join(error.messages), "warning")
        messages.error(request, " ".join(error.messages))
    else:
        if in_row:
            return _row_response(request, queues.COMMISSIONER, req.pk, success, "success")
        messages.success(request, success)
    return redirect(detail)


def _dispatch_action(request, pk, key):
    run, success = TASK_RUNS[key]
    dispatch = access_dispatch(request.user, pk)
    req = access_request(request.user, dispatch.request_id)
    dispatch.request = req
    _require(perms.allowed(request.user, TASK_ACTIONS[key], req, task=dispatch).refusal != perms.WHO)
    detail = reverse("issues:request_detail", args=[req.pk])
    text = _task_text(key, dispatch)
    in_row = _in_row(request)
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{detail}#dispatch-{dispatch.pk}")
        action = _action(key, text, _dispatch_form(key, dispatch), request.path, {})
        if in_row:
            return _row_modal(request, action, queues.DEPARTMENT, dispatch.pk, req)
        return _modal(request, action, detail)
    form = _dispatch_form(key, dispatch, request.POST, request.FILES)
    if not form.is_valid():
        if in_row:
            return _row_modal(
                request, _action(key, text, form, request.path, {}), queues.DEPARTMENT, dispatch.pk, req, invalid=True
            )
        return _render_detail(request, req, bound={f"{key}-{dispatch.pk}": form})
    if key == "answer" and dispatch.role == Dispatch.Role.CO:
        lead = req.lead_department.name if req.lead_department_id else _("the lead department")
        success = _("Your opinion has been sent to the lead department (%(dept)s); it answers the enterprise.") % {
            "dept": lead
        }
    try:
        run(request.user, dispatch, form.cleaned_data)
    except ValidationError as error:
        if in_row:
            return _row_response(request, queues.DEPARTMENT, dispatch.pk, " ".join(error.messages), "warning")
        messages.error(request, " ".join(error.messages))
    else:
        if in_row:
            return _row_response(request, queues.DEPARTMENT, dispatch.pk, success, "success")
        messages.success(request, success)
    return redirect(detail)


def _action_view(handler, key, name):
    """One view of the table: GET gives the form (an htmx fragment for the modal), POST runs the service."""

    @vary_on_headers("HX-Request")
    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request, pk):
        return handler(request, pk, key)

    view.__name__ = view.__qualname__ = name
    return view


request_withdraw = _action_view(_request_action, "withdraw", "request_withdraw")


request_supply_info = _action_view(_request_action, "supply_info", "request_supply_info")


request_evaluate = _action_view(_request_action, "evaluate", "request_evaluate")


request_take_on = _action_view(_request_action, "take_on", "request_take_on")


request_dispatch = _action_view(_request_action, "dispatch", "request_dispatch")


request_ask_info = _action_view(_request_action, "ask_info", "request_ask_info")


request_reassign = _action_view(_request_action, "reassign", "request_reassign")


request_answer = _action_view(_request_action, "answer", "request_answer")


dispatch_accept = _action_view(_dispatch_action, "accept", "dispatch_accept")


dispatch_return = _action_view(_dispatch_action, "return", "dispatch_return")


dispatch_answer = _action_view(_dispatch_action, "answer", "dispatch_answer")


dispatch_extension = _action_view(_dispatch_action, "extension", "dispatch_extension")


@login_required
@require_GET
def extension_list(request):
    _require(request.user.is_supervisor)
    if request.GET.get("decided") == "1":
        # the history: extensions approved or refused, newest first
        decided = (
            extension_visible_to(request.user)
            .exclude(status=ExtensionStatus.PENDING)
            .filter(request__region_id__in=region_scope_for(request.user).values("pk"))
            .select_related("request__enterprise", "dispatch__department", "requested_by", "decided_by")
            .order_by("-created_at", "-pk")
        )
        page = _page(request, decided)
        return render(request, "issues/extension_list.html", {"page": page, "rows": [], "decided": page})
    qs = (
        extension_visible_to(request.user)
        .filter(
            status=ExtensionStatus.PENDING,
            dispatch__status__in=OPEN_DISPATCH_STATUSES,  # a finished task's request can no longer be decided
            request__region_id__in=region_scope_for(request.user).values("pk"),
        )
        .select_related("request__enterprise", "dispatch__department", "requested_by")
        .order_by("created_at", "pk")
    )
    page = _page(request, qs)
    rows = [{"extension": x, "form": forms.ExtensionDecisionForm(auto_id=f"decide-{x.pk}-%s")} for x in page]
    return render(request, "issues/extension_list.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["POST"])
def extension_decide(request, pk):
    extension = get_object_or_404(extension_visible_to(request.user), pk=pk)
    req = access_request(request.user, extension.request_id)
    _require(request.user.is_supervisor)
    form = forms.ExtensionDecisionForm(request.POST, auto_id=f"decide-{pk}-%s")
    if not form.is_valid():
        return _render_detail(request, req, bound={f"decide-{pk}": form})
    try:
        services.extension_decide(
            extension_id=pk,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
            http_request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The extension has been approved.")
            if form.cleaned_data["decision"] == "approve"
            else _("The extension has been rejected."),
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("issues:request_detail", req.pk)


@login_required
@require_GET
def attachment_download(request, token):
    attachment = Attachment.objects.filter(
        token=token, request__in=request_visible_to(request.user).values("pk")
    ).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)
