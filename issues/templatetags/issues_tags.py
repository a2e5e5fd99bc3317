"""Badges for states and the 133 deadlines, and labels for timeline events."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import avoid_wrapping
from django.utils.safestring import mark_safe
from django.utils.timesince import MONTHS_DAYS, TIME_STRINGS
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.markup import escape_text

from ..models import DispatchStatus, EventAction, ExtensionStatus, Outcome, Status

register = template.Library()

STATUS_STYLES = {
    Status.SUBMITTED: "text-bg-warning",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.INFO_NEEDED: "text-bg-info",
    Status.ANSWERED: "text-bg-success",
    Status.CLOSED: "text-bg-secondary",
    Status.WITHDRAWN: "text-bg-light border",
}
DISPATCH_STYLES = {
    DispatchStatus.PENDING: "text-bg-warning",
    DispatchStatus.ACCEPTED: "text-bg-primary",
    DispatchStatus.ANSWERED: "text-bg-success",
    DispatchStatus.RETURNED: "text-bg-danger",
    DispatchStatus.CANCELLED: "text-bg-light border",
}
EXTENSION_STYLES = {
    ExtensionStatus.PENDING: "text-bg-warning",
    ExtensionStatus.APPROVED: "text-bg-success",
    ExtensionStatus.REJECTED: "text-bg-danger",
}

EVENT_LABELS = dict(EventAction.choices)  # the timeline's words live with the choices (issues/models.py)


def _badge(style: str, text: str, title: str = ""):
    # format_html's characters, without its wrappers (two badges a row of a work list)
    style, title, text = escape_text(style), escape_text(title), escape_text(text)
    return mark_safe(f'<span class="badge {style} badge-time" title="{title}">{text}</span>')


@register.simple_tag
def status_badge(obj):
    """A coloured badge for a request, dispatch or extension status."""
    styles = {"Dispatch": DISPATCH_STYLES, "Extension": EXTENSION_STYLES}.get(type(obj).__name__, STATUS_STYLES)
    if type(obj).__name__ == "Dispatch" and obj.role == "co" and obj.status == "cancelled":
        # a co-handler that never gave its opinion before the request closed: not a cancelled task
        return _badge("text-bg-light border", _("Closed without an opinion"))
    return _badge(styles.get(obj.status, "text-bg-secondary"), obj.get_status_display())


@register.simple_tag
def time_left_badge(due, now=None):
    """Time left until a running deadline, or how long it is overdue."""
    if due is None:
        return ""
    now = now or timezone.now()
    if now > due:
        return _badge("text-bg-danger", _("Overdue by %(time)s") % {"time": _time_until(now, due, 1)})
    style = "text-bg-warning" if (due - now).total_seconds() < 4 * 3600 else "text-bg-light border"
    return _badge(style, _("%(time)s left") % {"time": _time_until(due, now, 2)})


def _stopped(on_time):
    if on_time is True:
        return _badge("text-bg-success", _("Met"))
    if on_time is False:
        return _badge("text-bg-danger", _("Missed"))
    return None


@register.simple_tag
def assign_badge(req, now=None):
    """Dispatch deadline: met / missed once the clock stopped, time left while it runs."""
    stopped = _stopped(req.assigned_on_time)
    if stopped:
        return stopped
    if req.status == Status.SUBMITTED:
        return time_left_badge(req.assign_due_at, now)
    if req.status == Status.INFO_NEEDED:
        return _badge("text-bg-info", _("Paused"), _("Waiting for the enterprise"))
    return _badge("text-bg-light border", _("Not applicable"))


@register.simple_tag
def answer_badge(req, now=None):
    """Answer deadline: met / missed once answered, paused in 待补充, time left while it runs."""
    stopped = _stopped(req.answered_on_time)
    if stopped:
        return stopped
    if req.status in (Status.SUBMITTED, Status.IN_PROGRESS):
        return time_left_badge(req.answer_due_at, now)
    if req.status == Status.INFO_NEEDED:
        return _badge("text-bg-info", _("Paused"), _("Waiting for the enterprise"))
    return _badge("text-bg-light border", _("Not applicable"))


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.filter
def status_label(code: str) -> str:
    try:
        return Status(code).label
    except ValueError:
        return code


@register.filter
def outcome_label(code: str) -> str:
    try:
        return Outcome(code).label
    except ValueError:
        return code


# the parts of ``timeuntil``: (seconds, key of django.utils.timesince.TIME_STRINGS), after years and months
_UNITS = ((7 * 24 * 3600, "week"), (24 * 3600, "day"), (3600, "hour"), (60, "minute"))
_MONTH = 27 * 24 * 3600  # no span shorter than this holds a calendar month (February, with a margin)
_unit_texts: dict[tuple[str | None, str, int], str] = {}


def _unit_text(language: str | None, key: str, count: int) -> str:
    """ "3 hours" as ``timeuntil`` writes it (translated, non-breaking space), formatted once per language."""
    cache_key = (language, key, count)
    text = _unit_texts.get(cache_key)
    if text is None:
        text = _unit_texts[cache_key] = avoid_wrapping(TIME_STRINGS[key] % {"num": count})
    return text


def _months(earlier, later) -> tuple[int, int, datetime]:
    """Whole years and months from ``earlier`` to ``later`` and the moment they end, as ``timesince`` counts
    them (on ``later``'s calendar; the day of month capped as it caps it)."""
    earlier = earlier.astimezone(later.tzinfo)
    total = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if earlier.day > later.day or (earlier.day == later.day and earlier.time() > later.time()):
        total -= 1
    years, months = divmod(total, 12)
    if not total:
        return 0, 0, earlier
    year, month = earlier.year + years, earlier.month + months
    if month > 12:
        month, year = month - 12, year + 1
    day = min(MONTHS_DAYS[month - 1], earlier.day)
    pivot = datetime(year, month, day, earlier.hour, earlier.minute, earlier.second, tzinfo=earlier.tzinfo)
    return years, months, pivot


def _time_until(later, earlier, depth: int) -> str:
    """``timeuntil(later, earlier, depth=depth)``, byte for byte, with each unit's text formatted once per
    language instead of through the lazy plural strings on every call (two badges a row); years and months
    only for spans of four weeks or more (the overdue ones), counted as ``timesince`` counts them."""
    language = get_language()
    delta = later - earlier
    since = delta.days * 24 * 3600 + delta.seconds
    if since <= 0:
        return _unit_text(language, "minute", 0)  # not in the future (seconds and microseconds aside)
    parts = []
    remaining = delta.total_seconds()
    if since >= _MONTH:
        years, months, pivot = _months(earlier, later)
        remaining = (later - pivot).total_seconds()
        counts = [(years, "year"), (months, "month")]
    else:
        counts = []
    for seconds, key in _UNITS:
        count = int(remaining // seconds)
        remaining -= seconds * count
        counts.append((count, key))
    for count, key in counts:
        if count:
            parts.append(_unit_text(language, key, count))
            if len(parts) == depth:
                break
        elif parts:
            break  # only adjacent units: "2 weeks, 3 hours" is never written
    return _(", ").join(parts) if parts else _unit_text(language, "minute", 0)


@register.simple_tag
def due_badge(row, now=None):
    """A work-list row's time left: green, amber within the policy's reminder lead time, red overdue;
    paused while waiting for the enterprise; met / missed once answered."""
    now = now or timezone.now()
    if getattr(row, "paused", False):
        return _badge("text-bg-info", _("Paused"), _("Waiting for the enterprise"))
    due = getattr(row, "due", None)
    if due is None:
        req = getattr(row, "request", row)
        return _stopped(req.answered_on_time) or ""
    if now > due:
        return _badge("text-bg-danger", _("Overdue by %(time)s") % {"time": _time_until(now, due, 1)})
    lead = getattr(row, "lead_hours", 4)
    style = "text-bg-warning" if (due - now).total_seconds() < lead * 3600 else "text-bg-success"
    return _badge(style, _("%(time)s left") % {"time": _time_until(due, now, 2)})
