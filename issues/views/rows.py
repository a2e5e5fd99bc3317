"""Row rendering of the work lists: the values a row shows, its quick actions (from issues/permissions.py),
and the fresh row an htmx quick action answers with."""

from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from portal.choices import choice_labels
from portal.markup import escape_text
from portal.orgs import listing
from portal.orgs.selectors import handled_department_ids

from .. import deadlines, queues
from .. import permissions as perms
from ..models import (
    Category,
    Dispatch,
    Request,
    Status,
)
from ..selectors import (
    DEFAULT_POLICY,
    kept_policies,
)
from ..templatetags.issues_tags import due_badge, status_badge

A = perms.Action


# the URL key of each task action (issues:dispatch_<key>)
TASK_KEYS = {A.TASK_ACCEPT: "accept", A.TASK_ANSWER: "answer", A.TASK_RETURN: "return", A.TASK_EXTENSION: "extension"}


TASK_ACTIONS = {key: action for action, key in TASK_KEYS.items()}


QUICK_REQUEST_ACTIONS = (A.DISPATCH, A.TAKE_ON, A.ANSWER, A.ASK_INFO)


QUICK_TASK_ACTIONS = (A.TASK_ACCEPT, A.TASK_ANSWER, A.TASK_RETURN, A.TASK_EXTENSION)


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
        case = perms.Case(
            user, row.request, task=row, relation=relation, pending_extension=getattr(row, "extension_waiting", False)
        )
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
    "dispatch_extension": "issues:dispatch_extension",
}


def _row_url_patterns() -> dict[str, tuple[str, str]]:
    return {
        key: tuple(reverse(name, args=[_PK_PLACEHOLDER]).split(str(_PK_PLACEHOLDER), 1))
        for key, name in ROW_URLS.items()
    }


def _decorate(kind, rows, user, policies, now, csrf_input="") -> None:
    """Per-row values the template shows, computed in one pass: the running deadline, the reminder lead
    time, the actions, the links, the badges and the labels (each badge and label once per page, not
    once per row), and the row's markup (``row.html``; ``csrf_input`` for the department rows' accept
    form)."""
    urls = _row_url_patterns()
    departments = frozenset(handled_department_ids(user)) if kind == queues.DEPARTMENT else frozenset()
    status_labels = choice_labels(Request, "status")
    dispatch_labels = choice_labels(Dispatch, "status")
    source_labels = choice_labels(Request, "source")
    role_labels = choice_labels(Dispatch, "role")
    badges = {}
    categories = {}
    tz = timezone.get_current_timezone()

    def url(key, pk):
        head, tail = urls[key]
        return f"{head}{pk}{tail}"

    def badge(obj):
        key = (type(obj), obj.status, getattr(obj, "role", None))
        if key not in badges:
            badges[key] = status_badge(obj)
        return badges[key]

    def category(row):
        # the category as its __str__ shows it (Chinese, or English when given and asked for), once a page
        key = (row.category_name, row.category_name_en)
        if key not in categories:
            categories[key] = str(Category(name=row.category_name, name_en=row.category_name_en))
        return categories[key]

    rows = list(rows)  # evaluates a page's rows once (the page keeps the same instances)
    if kind in (queues.COMMISSIONER, queues.SUPERVISOR):
        queues.attach_live_tasks(rows)
    for row in rows:
        req = row.request if kind == queues.DEPARTMENT else row
        row.category_label = category(row)
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
            row.due_text = _minute(row.answer_due_at, tz)
            row.role_label = role_labels.get(row.role, row.role)
            row.request_status_label = status_labels.get(req.status, req.status)
            row.action_urls = {key: url(f"dispatch_{key}", row.pk) for key in row.quick}
            continue
        row.due_text = _minute(row.due, tz)
        row.submitted_text = row.submitted_at.astimezone(tz).strftime("%m-%d %H:%M")
        row.source_label = source_labels.get(row.source, row.source)
        row.action_urls = {key: url(key, row.pk) for key in row.quick}
        for d in getattr(row, "live_dispatches", ()):
            d.status_label = dispatch_labels.get(d.status, d.status)
    texts = _row_texts()
    for row in rows:
        row.html = _row_html(kind, row, texts, csrf_input)


def _minute(moment, tz) -> str:
    """The ``date:"Y-m-d H:i"`` of a template (in the current time zone ``tz``), without the template machinery."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _fresh_row(request, kind, pk, now, notice=None, level=""):
    spec = queues.SPECS[kind]
    rows = list(queues.with_relations(spec, queues.ROWS[kind](request.user).filter(pk=pk)))
    _decorate(kind, rows, request.user, kept_policies(listing.current()), now, csrf_input(request))
    for row in rows:
        row.html = _row_html(kind, row, _row_texts(), csrf_input(request), notice, level)
    return rows[0] if rows else None


def csrf_input(request) -> str:
    """What ``{% csrf_token %}`` renders."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))


def _row_response(request, kind, pk, notice, level):
    """The fresh row after a quick action (or a refused, stale one), replacing the old row; the modal closes."""
    now = timezone.now()
    context = {
        "kind": kind,
        "row": _fresh_row(request, kind, pk, now, notice, level),
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


# ---------------------------------------------------------------------------------------------
# one row's markup, built in Python: the template's row partial took about 1 ms a row (some forty
# variable look-ups, filters and translations each), a third of a 50-row page


def _row_texts() -> dict[str, str]:
    """The row's fixed texts in the active language, translated once per page."""
    keys = ("Lead", "Co", "Dispatch", "Take on", "Answer", "Ask info", "Accept", "Opinion", "Return")
    texts = {key: escape(gettext(key)) for key in keys}
    texts["Ask for more time"] = escape(gettext("Ask for more time"))
    texts["pairing"] = escape(gettext("Your role in the pairing"))
    texts["select"] = gettext("Select %(ref)s")
    return texts


_COMMISSIONER_BUTTONS = {
    "dispatch": ("btn-primary", "Dispatch"),
    "take_on": ("btn-outline-primary", "Take on"),
    "answer": ("btn-primary", "Answer"),
    "ask_info": ("btn-outline-secondary", "Ask info"),
}

_TASK_BUTTONS = {
    "answer": "btn-outline-primary",
    "return": "btn-outline-danger",
    "extension": "btn-outline-secondary",
}


def _row_html(kind, row, texts, csrf_input="", notice=None, notice_level="") -> str:
    """The ``<tr>`` of one row, as ``templates/issues/list.html`` renders it; every value escaped."""
    e = escape_text
    pk = row.pk
    overdue = ' class="row-overdue"' if row.overdue else ""
    out = [f'<tr id="row-{kind}-{pk}"{overdue}>\n  ']
    reference = e(row.request.reference if kind == queues.DEPARTMENT else row.reference)  # digits and letters
    if kind in (queues.COMMISSIONER, queues.SUPERVISOR):
        label = texts["select"] % {"ref": reference}
        out.append(
            '\n  <td class="sel">\n'
            f'    <input type="checkbox" class="form-check-input js-row-select" name="ids" value="{pk}:{row.version}"'
            f' form="bulk" id="sel-{pk}">\n'
            f'    <label class="visually-hidden" for="sel-{pk}">{label}</label>\n'
            "  </td>\n  "
        )
    if kind == queues.DEPARTMENT:
        req = row.request
        role_style = "text-bg-dark" if row.role == "lead" else "text-bg-light border"
        out.append(
            '\n  <td class="text-break">\n'
            f'    <a href="{row.detail_url}#dispatch-{pk}" class="fw-semibold">{e(req.title)}</a>\n'
            f'    <div class="small text-muted">{reference} · {e(row.enterprise_name)}'
            f" · {e(row.category_label)}</div>\n"
            "  </td>\n"
            f'  <td><span class="badge {role_style}">{e(row.role_label)}</span>'
            f'<div class="small text-muted">{e(row.department_name)}</div></td>\n'
            f'  <td>{e(row.status_html)}<div class="small text-muted">{e(row.request_status_label)}</div></td>\n'
            f'  <td class="text-nowrap"><div class="small">{e(row.due_text)}</div>{e(row.due_html)}</td>\n  '
        )
    else:
        source = f" · {e(row.source_label)}" if row.source != "portal" else ""
        out.append(
            '\n  <td class="text-break">\n'
            f'    <a href="{row.detail_url}" class="fw-semibold">{e(row.title)}</a>\n'
            f'    <div class="small text-muted">{reference} · {e(row.category_label)}{source}'
            f" · {e(row.submitted_text)}</div>\n"
            "  </td>\n  "
        )
        if kind != queues.ENTERPRISE:
            out.append(f'\n  <td class="text-break">{e(row.enterprise_name)}\n    ')
            if kind == queues.COMMISSIONER and row.pairing:
                style = "text-bg-dark" if row.pairing == "A" else "text-bg-light border"
                out.append(f'<span class="badge {style}" title="{texts["pairing"]}">{e(row.pairing)}角</span>')
            if kind == queues.SUPERVISOR:
                out.append(f'<div class="small text-muted">{e(row.region_name)}</div>')
            out.append("\n  </td>\n  ")
        out.append(f"\n  <td>{e(row.status_html)}\n    ")
        if kind != queues.ENTERPRISE:
            for d in row.live_dispatches:
                role = texts["Lead"] if d.role == "lead" else texts["Co"]
                name = d.department_short_name or d.department_name
                out.append(
                    f'<div class="small text-nowrap">{role}: {e(name)}'
                    f' <span class="text-muted">· {e(d.status_label)}</span></div>'
                )
        out.append(
            f'\n  </td>\n  <td class="text-nowrap"><div class="small">{e(row.due_text)}</div>{e(row.due_html)}</td>\n  '
        )
    if kind in (queues.COMMISSIONER, queues.DEPARTMENT):
        out.append('\n  <td class="text-nowrap actions">\n    ')
        if notice:
            out.append(
                f'<div class="small alert alert-{e(notice_level)} py-1 px-2 mb-1 text-wrap" role="status">'
                f"{e(notice)}</div>"
            )
        urls = row.action_urls
        buttons = []  # one per line, so the inline buttons keep their gap
        if kind == queues.COMMISSIONER:
            for key in row.quick:
                if key in _COMMISSIONER_BUTTONS:
                    style, text = _COMMISSIONER_BUTTONS[key]
                    buttons.append(
                        f'<a class="btn btn-sm {style}" href="{row.detail_url}#action-{key}"'
                        f' hx-get="{urls[key]}?in=row" hx-target="#portal-modal-content">{texts[text]}</a>'
                    )
        else:
            for key in row.quick:
                if key == "accept":
                    buttons.append(
                        f'<form method="post" action="{urls[key]}" class="d-inline" hx-post="{urls[key]}"'
                        f' hx-target="#row-department-{pk}" hx-swap="outerHTML">{csrf_input}'
                        f'<input type="hidden" name="version" value="{row.version}">'
                        '<input type="hidden" name="in" value="row">'
                        f'<button class="btn btn-sm btn-primary">{texts["Accept"]}</button></form>'
                    )
                elif key in _TASK_BUTTONS:
                    if key == "answer":
                        text = texts["Answer"] if row.role == "lead" else texts["Opinion"]
                    else:
                        text = texts["Return"] if key == "return" else texts["Ask for more time"]
                    buttons.append(
                        f'<a class="btn btn-sm {_TASK_BUTTONS[key]}" href="{row.detail_url}#dispatch-{pk}"'
                        f' hx-get="{urls[key]}?in=row" hx-target="#portal-modal-content">{text}</a>'
                    )
        out.append("\n".join(buttons))
        out.append("\n  </td>\n  ")
    out.append("\n</tr>")
    return mark_safe("".join(out))
