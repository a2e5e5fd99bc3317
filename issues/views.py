"""Thin views: fetch through the selectors, validate with a form, change state only through the services."""

from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from portal.accounts.audit import audit_record
from portal.accounts.masking import mask_phone
from portal.accounts.models import AuditEvent
from portal.http import back_to
from portal.orgs.models import Enterprise, Pairing
from portal.orgs.selectors import (
    commissioner_unit,
    department_ids_for_handler,
    enterprise_ids_for_commissioner,
    pairings_of,
    region_scope_for,
)
from projects.models import Project

from . import deadlines, exports, filters, forms, queues, services
from . import permissions as perms
from .exports import XLSX
from .models import (
    OPEN_DISPATCH_STATUSES,
    Attachment,
    Dispatch,
    ExtensionStatus,
    Request,
    Status,
    Visit,
)
from .selectors import (
    DEFAULT_POLICY,
    access_dispatch,
    access_request,
    active_commissioners_of,
    enterprises_visible_to,
    extension_visible_to,
    policies_by_region,
    policy_for,
    request_timeline,
    request_visible_to,
)
from .templatetags.issues_tags import due_badge, status_badge
from .uploads import ALLOWED_TYPES, IMAGE_TYPES

PAGE_SIZE = 25
IMAGE_CONTENT_TYPES = {ALLOWED_TYPES[kind] for kind in IMAGE_TYPES}


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _require(flag: bool) -> None:
    if not flag:
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# the action forms; which ones a user is offered is decided in issues/permissions.py

A = perms.Action
# the URL key of each task action (issues:dispatch_<key>)
TASK_KEYS = {A.TASK_ACCEPT: "accept", A.TASK_ANSWER: "answer", A.TASK_RETURN: "return", A.TASK_EXTENSION: "extension"}
TASK_ACTIONS = {key: action for action, key in TASK_KEYS.items()}


def _reassign_candidates(req):
    labels = dict(Pairing.Role.choices)
    pairings = pairings_of(req.enterprise)
    return [(p.commissioner, labels[p.role]) for p in pairings if p.commissioner_id != req.commissioner_id]


def _request_form(key, req, data=None, files=None):
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
        kwargs["candidates"] = _reassign_candidates(req)
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


def _request_actions(req, case, bound):
    """The request-level action forms this user may use now (issues/permissions.py decides)."""
    actions = []
    for action in perms.actions_for(case.user, req, case=case):
        key = str(action)
        if key not in REQUEST_ACTION_TEXT:
            continue
        if action == A.REASSIGN and not _reassign_candidates(req):
            continue  # allowed, but there is no other commissioner to hand it to
        text = REQUEST_ACTION_TEXT[key]
        form = bound.get(key) or _request_form(key, req)
        if action == A.ANSWER:
            text = (_("Answer the enterprise directly"), *text[1:])
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
    bound = bound or {}
    user = request.user
    relation = perms.Relation(user, req)
    dispatches = list(req.dispatches.select_related("department", "accepted_by", "answered_by", "request"))
    by_pk = {d.pk: d for d in dispatches}
    extensions = list(req.extensions.select_related("dispatch__department", "requested_by", "decided_by"))
    pending = {x.dispatch_id for x in extensions if x.status == ExtensionStatus.PENDING}
    open_lead = any(d.role == Dispatch.Role.LEAD and d.is_open for d in dispatches)
    events = list(request_timeline(req))

    def case(task=None):
        return perms.Case(
            user, req, task=task, relation=relation, open_lead=open_lead, pending_extension=task and task.pk in pending
        )

    dispatch_panels = [{"dispatch": d, "actions": _dispatch_actions(case(d), bound)} for d in dispatches]
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
        "my_dispatch_panels": [p for p in dispatch_panels if p["actions"]],
        "actions": _request_actions(req, case(), bound),
        "events": events,
        "submitted_files": [a for e in events if e.action == "submit" for a in e.attachments.all()],
        "answers": [e for e in events if e.action in ("answer", "opinion")],
        "evaluations": list(req.evaluations.select_related("author")),
        "extension_rows": extension_rows,
        "commissioners": active_commissioners_of(req.enterprise_id),
        "may_see_contact_card": perms.may_see_contact_card(relation),
        "policy": policy_for(req.region),
        "extended": any(x.status == ExtensionStatus.APPROVED for x in extensions),
    }


def _render_detail(request, req, bound=None, status=200):
    return render(request, "issues/request_detail.html", _detail_context(request, req, bound), status=status)


# ---------------------------------------------------------------------------------------------
# enterprise pages


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
        form = forms.RequestForm(user=request.user, initial={"enterprise": preselect} if preselect.isdigit() else {})
    if not form.fields["enterprise"].queryset.exists():
        raise PermissionDenied
    return render(request, "issues/request_form.html", {"form": form})


@login_required
@require_GET
def request_detail(request, pk):
    return _render_detail(request, access_request(request.user, pk))


# ---------------------------------------------------------------------------------------------
# actions: one POST endpoint each; GET gives the form as an htmx fragment for the modal


def _modal(request, action, back_url):
    return render(request, "issues/request_detail.html#action_modal", {"action": action, "back_url": back_url})


def _in_row(request) -> bool:
    """An action started from a row of a work list: answer with the fresh row, not the detail page."""
    return bool(request.htmx) and (request.GET.get("in") or request.POST.get("in")) == "row"


def _request_action(request, pk, key, run, success):
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
        run(req, form.cleaned_data)
    except ValidationError as error:
        if in_row:
            return _row_response(request, queues.COMMISSIONER, req.pk, " ".join(error.messages), "warning")
        messages.error(request, " ".join(error.messages))
    else:
        if in_row:
            return _row_response(request, queues.COMMISSIONER, req.pk, success, "success")
        messages.success(request, success)
    return redirect(detail)


def _files(data):
    return data.get("attachments") or ()


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_withdraw(request, pk):
    return _request_action(
        request,
        pk,
        "withdraw",
        lambda req, d: services.request_withdraw(
            req_id=req.pk, actor=request.user, reason=d["reason"], expected_version=d["version"]
        ),
        _("The request has been withdrawn."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_supply_info(request, pk):
    return _request_action(
        request,
        pk,
        "supply_info",
        lambda req, d: services.request_supply_info(
            req_id=req.pk, actor=request.user, comment=d["comment"], files=_files(d), expected_version=d["version"]
        ),
        _("Thank you; the information has been sent and the request continues."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_evaluate(request, pk):
    return _request_action(
        request,
        pk,
        "evaluate",
        lambda req, d: services.request_evaluate(
            req_id=req.pk, actor=request.user, verdict=d["verdict"], comment=d["comment"], expected_version=d["version"]
        ),
        _("Thank you for your evaluation."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_take_on(request, pk):
    return _request_action(
        request,
        pk,
        "take_on",
        lambda req, d: services.request_take_on(
            req_id=req.pk, actor=request.user, comment=d["comment"], expected_version=d["version"]
        ),
        _("You are handling this request yourself; answer it below."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_dispatch(request, pk):
    return _request_action(
        request,
        pk,
        "dispatch",
        lambda req, d: services.request_dispatch(
            req_id=req.pk,
            actor=request.user,
            lead=d["lead"],
            co=d["co"],
            instruction=d["instruction"],
            expected_version=d["version"],
        ),
        _("The request has been dispatched."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_ask_info(request, pk):
    return _request_action(
        request,
        pk,
        "ask_info",
        lambda req, d: services.request_ask_info(
            req_id=req.pk, actor=request.user, question=d["question"], expected_version=d["version"]
        ),
        _("The question has been sent; the answer clock pauses until the enterprise replies."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_reassign(request, pk):
    return _request_action(
        request,
        pk,
        "reassign",
        lambda req, d: services.request_reassign(
            req_id=req.pk,
            actor=request.user,
            commissioner=d["commissioner"],
            comment=d["comment"],
            expected_version=d["version"],
        ),
        _("The request has been handed over."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def request_answer(request, pk):
    return _request_action(
        request,
        pk,
        "answer",
        lambda req, d: services.request_answer_directly(
            req_id=req.pk,
            actor=request.user,
            outcome=d["outcome"],
            body=d["body"],
            files=_files(d),
            expected_version=d["version"],
        ),
        _("The answer has been sent to the enterprise."),
    )


def _dispatch_action(request, pk, key, run, success):
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
    try:
        run(dispatch, form.cleaned_data)
    except ValidationError as error:
        if in_row:
            return _row_response(request, queues.DEPARTMENT, dispatch.pk, " ".join(error.messages), "warning")
        messages.error(request, " ".join(error.messages))
    else:
        if in_row:
            return _row_response(request, queues.DEPARTMENT, dispatch.pk, success, "success")
        messages.success(request, success)
    return redirect(detail)


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def dispatch_accept(request, pk):
    return _dispatch_action(
        request,
        pk,
        "accept",
        lambda dispatch, d: services.dispatch_accept(
            dispatch_id=dispatch.pk, actor=request.user, expected_version=d["version"]
        ),
        _("Task accepted. Answer it before the deadline."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def dispatch_return(request, pk):
    return _dispatch_action(
        request,
        pk,
        "return",
        lambda dispatch, d: services.dispatch_return(
            dispatch_id=dispatch.pk, actor=request.user, reason=d["reason"], expected_version=d["version"]
        ),
        _("The task has been returned to the commissioner."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def dispatch_answer(request, pk):
    return _dispatch_action(
        request,
        pk,
        "answer",
        lambda dispatch, d: services.dispatch_answer(
            dispatch_id=dispatch.pk,
            actor=request.user,
            outcome=d.get("outcome", ""),
            body=d["body"],
            files=_files(d),
            expected_version=d["version"],
        ),
        _("Your answer has been sent."),
    )


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def dispatch_extension(request, pk):
    return _dispatch_action(
        request,
        pk,
        "extension",
        lambda dispatch, d: services.extension_request(
            dispatch_id=dispatch.pk, actor=request.user, reason=d["reason"], requested_due_at=d["requested_due_at"]
        ),
        _("The extension request has been sent to the supervisors."),
    )


# ---------------------------------------------------------------------------------------------
# extensions (supervisors)


@login_required
@require_GET
def extension_list(request):
    _require(request.user.is_supervisor)
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


# ---------------------------------------------------------------------------------------------
# files and the contact card


@login_required
@require_GET
def attachment_download(request, token):
    attachment = Attachment.objects.filter(
        token=token, request__in=request_visible_to(request.user).values("pk")
    ).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=attachment.content_type not in IMAGE_CONTENT_TYPES,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def contact_card(request, pk):
    user = request.user
    enterprise, standing = _contact_card_enterprise(user, pk)
    member, paired = standing.member, standing.paired
    cards = [
        {
            "pairing": p,
            "name": p.commissioner.display_name,
            "unit": commissioner_unit(p.commissioner),
            "phone": p.commissioner.phone if member else mask_phone(p.commissioner.phone),
        }
        for p in pairings_of(enterprise)
    ]
    visits = []
    if standing.sees_visits:
        visits = list(
            enterprise.visits.select_related("commissioner", "project")
            .prefetch_related("photos")
            .order_by("-visited_on", "-pk")[:20]
        )
    return render(
        request,
        "issues/contact_card.html",
        {
            "enterprise": enterprise,
            "cards": cards,
            "member": member,
            "paired": paired,
            "visits": visits,
            "show_visits": standing.sees_visits,
        },
    )


# ---------------------------------------------------------------------------------------------
# work lists: one component for the commissioner queue, the department queue, an enterprise's
# requests and the supervisors' list


LIST_TITLES = {
    queues.COMMISSIONER: (
        _l("My queue"),
        _l(
            "Open requests of the enterprises and projects paired with you, most "
            "urgent first: the dispatch deadline while awaiting dispatch, the "
            "answer deadline after."
        ),
    ),
    queues.DEPARTMENT: (_l("Department queue"), _l("Tasks dispatched to your departments, most urgent first.")),
    queues.ENTERPRISE: (_l("My requests"), _l("Everything your enterprise has filed, with its state and deadlines.")),
    queues.SUPERVISOR: (_l("Requests in your region"), _l("Every request filed in the regions you supervise.")),
}
LIST_URLS = {
    queues.COMMISSIONER: "issues:queue",
    queues.DEPARTMENT: "issues:department_queue",
    queues.ENTERPRISE: "issues:my_requests",
    queues.SUPERVISOR: "issues:supervisor_list",
}


QUICK_REQUEST_ACTIONS = (A.DISPATCH, A.TAKE_ON, A.ANSWER, A.ASK_INFO)
QUICK_TASK_ACTIONS = (A.TASK_ACCEPT, A.TASK_ANSWER, A.TASK_RETURN)


def _quick_actions(kind, row, user, departments) -> list[str]:
    """Which quick actions a row offers, from the rules of issues/permissions.py with what the row already
    holds: the pairing annotation and the live dispatches (commissioner rows), the handler's departments
    (department rows). No query per row."""
    if kind == queues.COMMISSIONER:
        relation = perms.Relation(user, row, pairing=row.pairing)
        open_lead = any(d.role == Dispatch.Role.LEAD and d.is_open for d in row.live_dispatches)
        case = perms.Case(user, row, relation=relation, open_lead=open_lead)
        return [str(a) for a in perms.actions_for(user, row, case=case, among=QUICK_REQUEST_ACTIONS)]
    if kind == queues.DEPARTMENT:
        relation = perms.Relation(user, row.request, departments=departments)
        case = perms.Case(user, row.request, task=row, relation=relation, pending_extension=False)
        return [TASK_KEYS[a] for a in perms.task_actions_for(user, row, case=case, among=QUICK_TASK_ACTIONS)]
    return []


# the row links, reversed once per page with a placeholder id (a reverse() per link and row adds up at
# 50-100 rows); the pk converter of these URLs is <int:pk>
_PK_PLACEHOLDER = 987654321
ROW_URLS = {
    "detail": "issues:request_detail",
    "dispatch": "issues:request_dispatch",
    "take_on": "issues:request_take_on",
    "answer": "issues:request_answer",
    "ask_info": "issues:request_ask_info",
    "dispatch_accept": "issues:dispatch_accept",
    "dispatch_answer": "issues:dispatch_answer",
    "dispatch_return": "issues:dispatch_return",
}


def _row_url_patterns() -> dict[str, tuple[str, str]]:
    return {
        key: tuple(reverse(name, args=[_PK_PLACEHOLDER]).split(str(_PK_PLACEHOLDER), 1))
        for key, name in ROW_URLS.items()
    }


def _choice_labels(model, field: str) -> dict[str, str]:
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def _decorate(kind, rows, user, policies, now) -> None:
    """Per-row values the template shows, computed in one pass: the running deadline, the reminder lead
    time, the actions, the links, the badges and the labels (each badge and label once per page, not
    once per row)."""
    urls = _row_url_patterns()
    departments = (
        frozenset(department_ids_for_handler(user).values_list("department_id", flat=True))
        if kind == queues.DEPARTMENT
        else frozenset()
    )
    status_labels = _choice_labels(Request, "status")
    dispatch_labels = _choice_labels(Dispatch, "status")
    source_labels = _choice_labels(Request, "source")
    role_labels = _choice_labels(Dispatch, "role")
    badges = {}

    def url(key, pk):
        head, tail = urls[key]
        return f"{head}{pk}{tail}"

    def badge(obj):
        key = (type(obj), obj.status)
        if key not in badges:
            badges[key] = status_badge(obj)
        return badges[key]

    for row in rows:
        req = row.request if kind == queues.DEPARTMENT else row
        if kind == queues.DEPARTMENT:
            row.due = row.answer_due_at if row.is_open else None
            row.overdue = deadlines.task_is_overdue(row, now)
        else:
            row.due = deadlines.running_deadline(req)
            row.overdue = deadlines.is_overdue(req, now)
        row.paused = req.status == Status.INFO_NEEDED
        row.lead_hours = policies.get(req.region_id, DEFAULT_POLICY).reminder_lead_hours
        row.quick = _quick_actions(kind, row, user, departments)
        row.dispatchable = kind == queues.COMMISSIONER and "dispatch" in row.quick
        row.status_html = badge(row)
        row.due_html = due_badge(row, now)
        row.detail_url = url("detail", req.pk)
        if kind == queues.DEPARTMENT:
            row.due_text = _minute(row.answer_due_at)
            row.role_label = role_labels.get(row.role, row.role)
            row.request_status_label = status_labels.get(req.status, req.status)
            row.action_urls = {key: url(f"dispatch_{key}", row.pk) for key in row.quick}
            continue
        row.due_text = _minute(row.due)
        row.submitted_text = timezone.localtime(row.submitted_at).strftime("%m-%d %H:%M")
        row.source_label = source_labels.get(row.source, row.source)
        row.action_urls = {key: url(key, row.pk) for key in row.quick}
        for d in getattr(row, "live_dispatches", ()):
            d.status_label = dispatch_labels.get(d.status, d.status)


def _minute(moment) -> str:
    """The ``date:"Y-m-d H:i"`` of a template, without the template machinery."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _list_page(request, kind):
    user = request.user
    spec = queues.SPECS[kind]
    now = timezone.now()
    data = request.GET if request.GET else None
    filterset = filters.FILTERS[kind](data, queryset=queues.ROWS[kind](user), user=user, now=now)
    base = filterset.qs
    tab = filterset.cleaned("tab", spec.default_tab)
    sort = filterset.cleaned("sort", spec.default_sort)
    size = int(filterset.cleaned("size", queues.DEFAULT_PAGE_SIZE))
    counts = queues.tab_counts(spec, base, now)
    rows = queues.with_relations(spec, queues.ordered(spec, base.filter(queues.tab_condition(spec, tab, now)), sort))
    paginator = Paginator(rows, size)
    paginator.count = counts[tab]  # the tab's count is already known: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    _decorate(kind, page.object_list, user, policies_by_region(), now)
    ignored = [
        str(filterset.form.fields[name].label) for name in filterset.form.errors if name in filterset.form.fields
    ]
    page_asked = request.GET.get("page", "")
    title, intro = LIST_TITLES[kind]
    context = {
        "kind": kind,
        "filter": filterset,
        "page": page,
        "now": now,
        "tab": tab,
        "sort": sort,
        "size": size,
        "tabs": [(key, label, counts[key]) for key, label in queues.TABS],
        "ignored": ignored,
        "page_adjusted": bool(page_asked) and page_asked != str(page.number),
        "list_url": reverse(LIST_URLS[kind]),
        "title": title,
        "intro": intro,
        "bulk_form": forms.BulkDispatchForm(auto_id="bulk-%s") if kind == queues.COMMISSIONER else None,
        "bulk_departments": forms.department_choices() if kind == queues.COMMISSIONER else (),
        "filtered": bool(data),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "issues/list.html#rows" if partial else "issues/list.html", context)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def queue(request):
    _require(request.user.is_commissioner)
    return _list_page(request, queues.COMMISSIONER)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def department_queue(request):
    _require(request.user.is_handler)
    return _list_page(request, queues.DEPARTMENT)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def my_requests(request):
    _require(request.user.is_enterprise_user)
    return _list_page(request, queues.ENTERPRISE)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def supervisor_list(request):
    _require(request.user.is_supervisor)
    return _list_page(request, queues.SUPERVISOR)


def _fresh_row(request, kind, pk, now):
    spec = queues.SPECS[kind]
    rows = list(queues.with_relations(spec, queues.ROWS[kind](request.user).filter(pk=pk)))
    _decorate(kind, rows, request.user, policies_by_region(), now)
    return rows[0] if rows else None


def _row_response(request, kind, pk, notice, level):
    """The fresh row after a quick action (or a refused, stale one), replacing the old row; the modal closes."""
    now = timezone.now()
    context = {
        "kind": kind,
        "row": _fresh_row(request, kind, pk, now),
        "row_pk": pk,
        "now": now,
        "notice": notice,
        "notice_level": level,
    }
    response = render(request, "issues/list.html#row", context)
    response["HX-Trigger"] = "closeModal"
    return response


def _row_modal(request, action, kind, pk, req, invalid=False):
    response = render(request, "issues/list.html#row_modal", {"action": action, "kind": kind, "row_pk": pk, "req": req})
    if invalid:
        response["HX-Retarget"] = "#portal-modal-content"
        response["HX-Reswap"] = "innerHTML"
    return response


@login_required
@require_http_methods(["POST"])
def bulk_dispatch(request):
    """Dispatch the selected requests to one lead department, one service call per request; each row's
    outcome is reported."""
    _require(request.user.is_commissioner)
    back = back_to(request, "issues:queue")
    form = forms.BulkDispatchForm(request.POST)
    chosen = forms.parse_selection(request.POST.getlist("ids"))
    if not chosen:
        messages.error(request, _("Tick the requests to dispatch first."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose the lead department for the selected requests."))
        return redirect(back)
    mine = queues.commissioner_rows(request.user).in_bulk([pk for pk, _v in chosen])
    done, failed = [], []
    for pk, version in chosen:
        req = mine.get(pk)
        if req is None:
            failed.append(_("#%(pk)s: not in your queue.") % {"pk": pk})
            continue
        try:
            services.request_dispatch(
                req_id=pk,
                actor=request.user,
                lead=form.cleaned_data["lead"],
                co=[],
                instruction=form.cleaned_data["instruction"],
                expected_version=version,
            )
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else _("not allowed for you.")
            failed.append(
                _("%(ref)s %(title)s: %(reason)s") % {"ref": req.reference, "title": req.title, "reason": reason}
            )
        else:
            done.append(f"{req.reference} {req.title}")
    if done:
        messages.success(
            request,
            _("Dispatched to %(dept)s: %(list)s") % {"dept": form.cleaned_data["lead"].name, "list": "；".join(done)},
        )
    for line in failed:
        messages.error(request, _("Not dispatched: %(line)s") % {"line": line})
    return redirect(back)


EXPORT_COLUMNS = [
    _l("Reference"),
    _l("Title"),
    _l("Enterprise"),
    _l("Contact person"),
    _l("Contact phone"),
    _l("Region"),
    _l("Category"),
    _l("Source"),
    _l("State"),
    _l("Filed"),
    _l("Current deadline"),
    _l("Lead department"),
]


@login_required
@require_http_methods(["POST"])
def request_export(request):
    """The selected rows as an Excel workbook (台账); contact phones in full only for the enterprise's
    own commissioners. Every export is audited."""
    user = request.user
    kind = queues.SUPERVISOR if request.POST.get("list") == queues.SUPERVISOR else queues.COMMISSIONER
    _require(user.is_supervisor if kind == queues.SUPERVISOR else user.is_commissioner)
    chosen = [pk for pk, _v in forms.parse_selection(request.POST.getlist("ids"))]
    if not chosen:
        messages.error(request, _("Tick the requests to export first."))
        return redirect(back_to(request, LIST_URLS[kind]))
    rows = list(
        queues.ROWS[kind](user)
        .filter(pk__in=chosen)
        .select_related("enterprise", "region", "category", "lead_department")
        .order_by("pk")
    )
    if not rows:
        messages.error(request, _("None of the selected requests is in your list any more; nothing was exported."))
        return redirect(back_to(request, LIST_URLS[kind]))
    paired = (
        set(enterprise_ids_for_commissioner(user).values_list("enterprise_id", flat=True))
        if user.is_commissioner
        else set()
    )
    workbook = exports.requests_workbook(rows, [str(c) for c in EXPORT_COLUMNS], paired)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=user,
        request=request,
        target="requests",
        detail={"list": kind, "count": len(rows), "ids": [r.pk for r in rows][:500]},
    )
    response = HttpResponse(workbook, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="requests-{stamp}.xlsx"'
    return response


@vary_on_headers("HX-Request")
@login_required
@require_GET
def enterprise_suggest(request):
    """Enterprises the user may see whose name contains the typed text, as <option>s for a datalist."""
    text = (request.GET.get("enterprise") or request.GET.get("q") or "").strip()[:100]
    matches = []
    if text:
        matches = list(
            enterprises_visible_to(request.user)
            .filter(name__icontains=text)
            .order_by("name")
            .values_list("name", flat=True)[:20]
        )
    return render(request, "issues/list.html#enterprise_options", {"matches": matches})


# ---------------------------------------------------------------------------------------------
# contact card QR code, filing on behalf, visits


def _contact_card_enterprise(user, pk):
    enterprise = get_object_or_404(Enterprise.objects.select_related("region"), pk=pk)
    standing = perms.contact_card_standing(user, enterprise)
    if not standing.may_see:
        raise Http404
    return enterprise, standing


@login_required
@require_GET
def contact_card_qr(request, pk):
    """A QR code (SVG) that opens "file a request" for this enterprise, for the printed card."""
    enterprise, _standing = _contact_card_enterprise(request.user, pk)
    target = request.build_absolute_uri(f"{reverse('issues:request_create')}?enterprise={enterprise.pk}")
    image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _paired_enterprises(user):
    return Enterprise.objects.filter(pk__in=enterprise_ids_for_commissioner(user)).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def request_create_on_behalf(request):
    """A commissioner files a request taken by phone or from the 12345 hotline for a paired enterprise."""
    _require(request.user.is_commissioner)
    enterprises = _paired_enterprises(request.user)
    if request.method == "POST":
        form = forms.OnBehalfForm(request.POST, request.FILES, enterprises=enterprises)
        if form.is_valid():
            data = form.cleaned_data
            try:
                req = services.request_submit(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    source=data["source"],
                    files=data["attachments"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The request has been filed for %(enterprise)s.") % {"enterprise": data["enterprise"].name},
                )
                return redirect("issues:request_detail", req.pk)
    else:
        preselect = request.GET.get("enterprise", "")
        form = forms.OnBehalfForm(
            enterprises=enterprises,
            initial={"enterprise": preselect if preselect.isdigit() else None, "source": "hotline"},
        )
    return render(request, "issues/on_behalf_form.html", {"form": form})


def visits_visible_to(user):
    """Visits a commissioner recorded, and for supervisors every visit to an enterprise or project in scope."""
    condition = Q(pk__in=[])
    if user.is_commissioner:
        condition |= Q(commissioner=user) | Q(enterprise_id__in=enterprise_ids_for_commissioner(user))
    if user.is_supervisor:
        scope = region_scope_for(user).values("pk")
        condition |= Q(enterprise__region_id__in=scope) | Q(project__region_id__in=scope)
    return Visit.objects.filter(condition)


@login_required
@require_GET
def visit_list(request):
    user = request.user
    _require(user.is_commissioner or user.is_supervisor)
    visits = visits_visible_to(user)
    if user.is_commissioner and not user.is_supervisor:
        visits = visits.filter(commissioner=user)
    page = _page(
        request,
        visits.select_related("enterprise", "project", "commissioner")
        .prefetch_related("photos")
        .order_by("-visited_on", "-pk"),
    )
    since = (timezone.localdate().replace(day=1) - timedelta(days=335)).replace(day=1)
    monthly = (
        visits.filter(visited_on__gte=since)
        .annotate(month=TruncMonth("visited_on"))
        .values("commissioner_id", "commissioner__real_name", "commissioner__username", "month")
        .annotate(n=Count("pk"))
        .order_by("commissioner__real_name", "commissioner_id", "month")
    )
    months = sorted({row["month"] for row in monthly})
    table: dict[int, dict] = {}
    for row in monthly:
        entry = table.setdefault(
            row["commissioner_id"],
            {"name": row["commissioner__real_name"] or row["commissioner__username"], "counts": {}},
        )
        entry["counts"][row["month"]] = row["n"]
    counts = [
        {"name": e["name"], "cells": [e["counts"].get(m, 0) for m in months], "total": sum(e["counts"].values())}
        for e in table.values()
    ]
    return render(request, "issues/visit_list.html", {"page": page, "months": months, "counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    user = request.user
    _require(user.is_commissioner)
    enterprises = _paired_enterprises(user)
    projects = Project.objects.filter(Q(commissioners=user) | Q(enterprise__in=enterprises)).distinct().order_by("name")
    if request.method == "POST":
        form = forms.VisitForm(request.POST, request.FILES, enterprises=enterprises, projects=projects)
        formset = forms.VisitRequestFormSet(request.POST, prefix="req")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            collected = [f.cleaned_data for f in formset if f.has_changed() and f.cleaned_data]
            try:
                visit = services.visit_record(
                    actor=user,
                    visited_on=data["visited_on"],
                    enterprise=data["enterprise"],
                    project=data["project"],
                    people_met=data["people_met"],
                    notes=data["notes"],
                    photos=data["photos"],
                    requests=collected,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if collected:
                    messages.success(
                        request,
                        _("The visit has been recorded and %(n)d request(s) filed for the enterprise.")
                        % {"n": len(collected)},
                    )
                else:
                    messages.success(request, _("The visit has been recorded."))
                if visit.enterprise_id:
                    return redirect("issues:contact_card", visit.enterprise_id)
                return redirect("issues:visit_list")
    else:
        preselect = request.GET.get("enterprise", "")
        form = forms.VisitForm(
            enterprises=enterprises,
            projects=projects,
            initial={"visited_on": timezone.localdate(), "enterprise": preselect if preselect.isdigit() else None},
        )
        formset = forms.VisitRequestFormSet(prefix="req")
    return render(request, "issues/visit_form.html", {"form": form, "formset": formset})


@login_required
@require_GET
def visit_photo(request, token):
    photo = Attachment.objects.filter(token=token, visit__in=visits_visible_to(request.user).values("pk")).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type, filename=photo.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
