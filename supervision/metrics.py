"""The figures of the dashboard, one definition each.

Every figure counts requests *submitted* in the chosen period (the period's cohort) inside the
supervisor's scope and filters. Each figure is a ``Q`` built here and used twice: inside the one
aggregate query of the dashboard (``Count("pk", filter=q)``) and as the filter of its drill-down list,
so a figure always equals the length of the list behind it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from issues.deadlines import overdue_q
from issues.models import OPEN_STATUSES, Card, CardKind, CloseReason, Outcome, Request, Status, Verdict

RECEIVED = ~Q(status=Status.WITHDRAWN)


def _card(kind: str) -> Q:
    return Q(Exists(Card.objects.filter(request=OuterRef("pk"), kind=kind, revoked_at__isnull=True)))


@dataclass(frozen=True)
class Metric:
    label: str
    condition: Callable[[datetime], Q]
    help: str = ""

    def q(self, now: datetime) -> Q:
        return self.condition(now)


METRICS: dict[str, Metric] = {
    "received": Metric(
        _("Received"), lambda now: RECEIVED, _("Requests submitted in the period, withdrawn ones excluded.")
    ),
    "resolved": Metric(
        _("Resolved"),
        lambda now: RECEIVED & Q(outcome=Outcome.RESOLVED, status__in=(Status.ANSWERED, Status.CLOSED)),
        _(
            "Answered or closed with the outcome “resolved”; a request reopened as dissatisfied "
            "is not resolved until it is answered again."
        ),
    ),
    "dispatch_due": Metric(
        _("Due for dispatch"),
        lambda now: RECEIVED & (Q(assigned_at__isnull=False) | Q(assign_due_at__lt=now)),
        _("Dispatched, or past the dispatch deadline."),
    ),
    "dispatched_on_time": Metric(_("Dispatched on time"), lambda now: RECEIVED & Q(assigned_on_time=True)),
    "dispatched_late": Metric(
        _("Dispatched late"),
        lambda now: RECEIVED & (Q(assigned_on_time=False) | Q(assigned_at__isnull=True, assign_due_at__lt=now)),
    ),
    "answer_due": Metric(
        _("Due for an answer"),
        lambda now: RECEIVED & (Q(answered_at__isnull=False) | Q(answer_due_at__lt=now)),
        _("Answered, or past the answer deadline."),
    ),
    "answered_on_time": Metric(_("Answered on time"), lambda now: RECEIVED & Q(answered_on_time=True)),
    "answered_late": Metric(
        _("Answered late"),
        lambda now: RECEIVED & (Q(answered_on_time=False) | Q(answered_at__isnull=True, answer_due_at__lt=now)),
    ),
    "evaluated": Metric(
        _("Evaluated"),
        lambda now: RECEIVED & Q(satisfaction_score__isnull=False),
        _(
            "Requests the enterprise has rated. Its last verdict stands until it gives a new one: a request "
            "rated dissatisfied, answered again and closed without a new rating counts as dissatisfied."
        ),
    ),
    "satisfied": Metric(
        _("Rated satisfied"),
        lambda now: RECEIVED & Q(satisfaction_score__isnull=False, verdict=Verdict.SATISFIED),
        _("Requests whose last rating by the enterprise is “satisfied”."),
    ),
    "answered": Metric(
        _("Answered at least once"),
        lambda now: RECEIVED & (Q(answered_at__isnull=False) | Q(reopen_count__gt=0)),
        _("Requests a department or commissioner has answered, also those reopened since."),
    ),
    "reopened": Metric(
        _("Reopened at least once"),
        lambda now: RECEIVED & Q(reopen_count__gt=0),
        _("Requests the enterprise rejected as dissatisfied at least once, counted once each."),
    ),
    "open": Metric(_("Open"), lambda now: Q(status__in=OPEN_STATUSES)),
    "overdue": Metric(_("Overdue"), lambda now: overdue_q(now), _("Open past the dispatch or the answer deadline.")),
    "yellow_cards": Metric(
        _("Yellow cards"),
        lambda now: RECEIVED & _card(CardKind.YELLOW),
        _("Requests with a yellow card that was not revoked."),
    ),
    "red_cards": Metric(
        _("Red cards"), lambda now: RECEIVED & _card(CardKind.RED), _("Requests with a red card that was not revoked.")
    ),
    "not_evaluated": Metric(
        _("Not evaluated"), lambda now: Q(status=Status.CLOSED, close_reason=CloseReason.NOT_EVALUATED)
    ),
    "withdrawn": Metric(_("Withdrawn"), lambda now: Q(status=Status.WITHDRAWN)),
    "dispatch_timed": Metric(
        _("Dispatched (timed)"),
        lambda now: RECEIVED & Q(timing__dispatch_hours__isnull=False),
        _("Requests whose working hours to dispatch are counted."),
    ),
    "answer_timed": Metric(
        _("Answered (timed)"),
        lambda now: RECEIVED & Q(timing__answer_hours__isnull=False),
        _("Requests whose working hours to answer are counted."),
    ),
}


PREFIX = "fig_"


# Totals that are not a count of requests: the number of reopens (a request rejected twice counts twice).
# total column: (summed field, the figure whose requests it sums over)
TOTALS = {"reopens": ("reopen_count", "received")}


def aggregate_expressions(now: datetime) -> dict:
    """Conditional counts and averages for one aggregate query over a request queryset."""
    exprs = {PREFIX + name: Count("pk", filter=metric.q(now)) for name, metric in METRICS.items()}
    for column, (field, count) in TOTALS.items():
        exprs[PREFIX + column] = Coalesce(Sum(field, filter=METRICS[count].q(now)), 0)
    exprs[PREFIX + "satisfaction"] = Avg("satisfaction_score", filter=METRICS["evaluated"].q(now))
    exprs[PREFIX + "dispatch_hours"] = Avg("timing__dispatch_hours", filter=METRICS["dispatch_timed"].q(now))
    exprs[PREFIX + "answer_hours"] = Avg("timing__answer_hours", filter=METRICS["answer_timed"].q(now))
    return exprs


# The daily aggregate (``DailyStat``) stores every figure but the live ones as a count column of the same
# name, plus the sums behind the averages; it is counted with these very ``Q``s, so the figure read from
# it equals the drill-down list as of the aggregate's time. Open and overdue change with the clock for
# every open request and are always counted live.
LIVE = ("open", "overdue")
STORED = tuple(name for name in METRICS if name not in LIVE)
# sum column: (summed field, the figure counting the requests it averages over, the average's name)
SUMS = {
    "score_sum": ("satisfaction_score", "evaluated", "satisfaction"),
    "dispatch_hours_sum": ("timing__dispatch_hours", "dispatch_timed", "dispatch_hours"),
    "answer_hours_sum": ("timing__answer_hours", "answer_timed", "answer_hours"),
}

STAT_COLUMNS = (*STORED, *TOTALS, *SUMS)


def stored_expressions(now: datetime) -> dict:
    """The aggregate columns counted over a request queryset, as of ``now``."""
    exprs = {PREFIX + name: Count("pk", filter=METRICS[name].q(now)) for name in STORED}
    for column, (field, count, _average) in SUMS.items():
        exprs[PREFIX + column] = Sum(field, filter=METRICS[count].q(now))
    for column, (field, count) in TOTALS.items():
        exprs[PREFIX + column] = Coalesce(Sum(field, filter=METRICS[count].q(now)), 0)
    return exprs


def with_averages(row: dict) -> dict:
    """Turn the stored sums of an aggregate row into the averages the dashboard shows."""
    row = dict(row)
    for column, (_field, count, average) in SUMS.items():
        total = row.pop(column, None)
        row[average] = None if not row.get(count) or total is None else Decimal(str(total)) / Decimal(row[count])
    return row


def unprefixed(row: dict) -> dict:
    """Aggregate names carry a prefix so they never shadow a field (``answered_on_time``); drop it."""
    return {key.removeprefix(PREFIX): value for key, value in row.items()}


ONE_DECIMAL = Decimal("0.1")


def half_up(value, places: Decimal = ONE_DECIMAL) -> Decimal | None:
    """Round half up (四舍五入) as people do: 2.05 -> 2.1, 2.25 -> 2.3 (``round`` would give 2.0 and 2.2).

    Floats are read through their shortest decimal form, so 2.05 is the 2.05 that was meant."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value.quantize(places, rounding=ROUND_HALF_UP)


def exact_ratio(part, whole) -> Decimal | None:
    """part ÷ whole as an unrounded percentage (Decimal), or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(100) * Decimal(part or 0) / Decimal(whole)


def shown(value) -> float | None:
    """A figure as the dashboard shows it: rounded half up to one decimal (a float holding that decimal)."""
    rounded = half_up(value)
    return None if rounded is None else float(rounded)


def ratio(part: int | None, whole: int | None) -> float | None:
    """A percentage rounded half up to one decimal, or None when there is nothing to divide by."""
    return shown(exact_ratio(part, whole))


def with_rates(row: dict) -> dict:
    """Add the derived rates to an aggregate row."""
    row = dict(row)
    row["resolution_rate"] = ratio(row.get("resolved"), row.get("received"))
    row["on_time_dispatch_rate"] = ratio(row.get("dispatched_on_time"), row.get("dispatch_due"))
    row["on_time_answer_rate"] = ratio(row.get("answered_on_time"), row.get("answer_due"))
    # the share of answered requests that were reopened at least once (the number of reopens is "reopens")
    row["reopen_rate"] = ratio(row.get("reopened"), row.get("answered"))
    for key in ("satisfaction", "dispatch_hours", "answer_hours"):
        if row.get(key) is not None:
            row[key] = shown(row[key])
    row["reopens"] = row.get("reopens") or 0
    return row


def metric_queryset(base, name: str, now: datetime):
    return base.filter(METRICS[name].q(now))


__all__ = [
    "LIVE",
    "METRICS",
    "Metric",
    "RECEIVED",
    "Request",
    "STAT_COLUMNS",
    "STORED",
    "SUMS",
    "TOTALS",
    "aggregate_expressions",
    "exact_ratio",
    "half_up",
    "shown",
    "metric_queryset",
    "ratio",
    "stored_expressions",
    "with_averages",
    "with_rates",
]
