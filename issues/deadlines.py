"""The 133 deadlines: the policy that applies, the arithmetic over the pure clock (issues/clock.py), the
reminder moments that go with each deadline, and the one definition of "overdue".

Every change of a deadline goes through a function here, and each of them sets the reminder moments
again (``_set_moments``), so a deadline and its reminders never drift apart.

Overdue means a running clock is past its deadline:

- the **dispatch clock** runs while the request awaits its first dispatch (待分解, never dispatched or
  taken on). It stops for good at the first dispatch or take-on: a request a department returned is
  back in 待分解 but its dispatch clock stays stopped, so it is overdue only on the answer deadline;
- the **answer clock** runs while the request awaits dispatch or is in progress. It is stopped while the
  enterprise is asked for information (待补充: paused, the deadlines move later when it replies) and
  once answered, closed or withdrawn.

``overdue_q`` is that rule as a ``Q`` (queue tabs, dashboards, ``Request.objects.overdue``) and
``is_overdue`` as a predicate for one request (row badges); the reminder sweep's stages use the same
running-clock conditions (issues/reminders.py). A task (dispatch) is overdue when it is open, past its
answer deadline and its request's answer clock runs.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from portal.orgs.models import Region

from . import clock
from .models import OPEN_DISPATCH_STATUSES, Dispatch, HolidayOverride, Request, SlaPolicy, Status

# ---------------------------------------------------------------------------------------------
# the policy


@dataclass(frozen=True)
class Policy:
    assign_days: int = 1
    answer_days: int = 3
    working_days: bool = True
    reminder_lead_hours: int = 4
    evaluation_reminder_days: int = 2
    auto_close_days: int = 7
    co_opinion_days: int = 2

    @classmethod
    def from_model(cls, policy: SlaPolicy) -> "Policy":
        return cls(
            assign_days=policy.assign_days,
            answer_days=policy.answer_days,
            working_days=policy.working_days,
            reminder_lead_hours=policy.reminder_lead_hours,
            evaluation_reminder_days=policy.evaluation_reminder_days,
            auto_close_days=policy.auto_close_days,
            co_opinion_days=policy.co_opinion_days,
        )


DEFAULT_POLICY = Policy()


def policy_for(region) -> Policy:
    """The policy of the nearest region up the tree that has one; the built-in 1/3 otherwise."""
    codes = [code for code in region.path.split("/") if code]
    policies = {p.region.code: p for p in SlaPolicy.objects.filter(region__code__in=codes).select_related("region")}
    for code in reversed(codes):
        if code in policies:
            return Policy.from_model(policies[code])
    return DEFAULT_POLICY


def policies_by_region(regions=None) -> dict[int, Policy]:
    """Policy per region id for every region, in two queries (for sweeps and queues); in one with
    ``regions`` already read, as (id, path) pairs (portal/orgs/listing.py keeps them)."""
    if regions is None:
        regions = Region.objects.order_by().values_list("pk", "path")  # tuples: every list page reads them
    by_code = {p.region.code: Policy.from_model(p) for p in SlaPolicy.objects.select_related("region")}
    result = {}
    for pk, path in regions:
        policy = DEFAULT_POLICY
        for code in path.split("/"):
            if code:
                policy = by_code.get(code, policy)
        result[pk] = policy
    return result


def kept_policies(kept) -> dict[int, Policy]:
    """``policies_by_region`` of every region, kept with the process's listing of the regions (``kept``,
    portal/orgs/listing.py; SLA policies are watched by it): no query while nothing changed. Shared by
    the pages of the process: read it, do not change it."""
    return kept.derived("sla-policies", lambda: policies_by_region(kept.region_paths()))


def work_calendar() -> clock.WorkCalendar:
    """The PRC calendar with the administrators' overrides applied."""
    return clock.WorkCalendar(dict(HolidayOverride.objects.values_list("date", "is_working_day")))


# ---------------------------------------------------------------------------------------------
# setting deadlines (each setter sets the reminder moments too)


def _add_days(start: datetime, days: int, policy: Policy, calendar: clock.WorkCalendar) -> datetime:
    return clock.add_days(start, days, working=policy.working_days, calendar=calendar)


def _set_moments(req: Request, policy: Policy, calendar: clock.WorkCalendar) -> None:
    """When the reminder stages fall due from the request's current deadlines (see issues/reminders.py):
    the dispatch and answer reminders the policy's lead time before each deadline (working hours when
    the policy counts working days), the evaluation reminder some days after the answer."""
    lead = -policy.reminder_lead_hours
    req.assign_remind_at = clock.add_hours(req.assign_due_at, lead, working=policy.working_days, calendar=calendar)
    req.answer_remind_at = clock.add_hours(req.answer_due_at, lead, working=policy.working_days, calendar=calendar)
    req.evaluate_remind_at = (
        _add_days(req.answered_at, policy.evaluation_reminder_days, policy, calendar) if req.answered_at else None
    )


def start_clocks(req: Request, now: datetime, policy: Policy, calendar: clock.WorkCalendar) -> None:
    """A new request: both clocks start at submission."""
    req.assign_due_at = _add_days(now, policy.assign_days, policy, calendar)
    req.answer_due_at = req.original_answer_due_at = _add_days(now, policy.answer_days, policy, calendar)
    _set_moments(req, policy, calendar)


def resume_after_pause(req: Request, now: datetime, policy: Policy, calendar: clock.WorkCalendar) -> timedelta:
    """The enterprise replied: the deadlines move later by the (working) time spent waiting; the dispatch
    deadline only while its clock had not stopped. Returns the pause."""
    if policy.working_days:
        paused = clock.working_time_between(req.info_needed_since, now, calendar)
    else:
        paused = now - req.info_needed_since

    def later(moment: datetime) -> datetime:
        return clock.add_working_time(moment, paused, calendar) if policy.working_days else moment + paused

    req.answer_due_at = later(req.answer_due_at)
    req.original_answer_due_at = later(req.original_answer_due_at)
    if req.assigned_at is None:
        req.assign_due_at = later(req.assign_due_at)
    _set_moments(req, policy, calendar)
    return paused


def stop_assign_clock(req: Request, now: datetime) -> None:
    """The first dispatch or take-on stops the dispatch clock for good (a return does not restart it)."""
    if req.assigned_at is None:
        req.assigned_at = now
        req.assigned_on_time = now <= req.assign_due_at


def stop_answer_clock(req: Request, now: datetime, policy: Policy, calendar: clock.WorkCalendar) -> None:
    req.answered_at = now
    req.answered_on_time = now <= req.answer_due_at
    _set_moments(req, policy, calendar)  # the evaluation reminder counts from the answer


def restart_answer_clock(req: Request, now: datetime, policy: Policy, calendar: clock.WorkCalendar) -> None:
    """不满意: a fresh answer deadline counted from the evaluation."""
    req.answer_due_at = _add_days(now, policy.answer_days, policy, calendar)
    req.answered_at = None
    req.answered_on_time = None
    _set_moments(req, policy, calendar)


def move_answer_deadline(req: Request, due: datetime, policy: Policy, calendar: clock.WorkCalendar) -> None:
    """An approved extension: the new deadline replaces the answer deadline."""
    req.answer_due_at = due
    _set_moments(req, policy, calendar)


def co_opinion_due_at(dispatched_at: datetime, policy: Policy, calendar: clock.WorkCalendar) -> datetime:
    """When a co-handling department's opinion is due: the policy's co-handling days after the dispatch
    (working days when the policy counts working days)."""
    return _add_days(dispatched_at, policy.co_opinion_days, policy, calendar)


def co_opinions_wait(req: Request, now: datetime) -> bool:
    """The lead still waits for a co-handler: an open co-handling task whose opinion is not yet due."""
    return req.co_opinion_due_at is not None and req.co_opinion_due_at > now


def auto_close_at(req: Request, policy: Policy, calendar: clock.WorkCalendar) -> datetime:
    """When an answer the enterprise never evaluated closes."""
    return _add_days(req.answered_at, policy.auto_close_days, policy, calendar)


# ---------------------------------------------------------------------------------------------
# running clocks and "overdue"

ANSWER_CLOCK_STATUSES = (Status.SUBMITTED, Status.IN_PROGRESS)  # 待补充 pauses it


def assign_clock_q(prefix: str = "") -> Q:
    """The dispatch clock runs: awaiting the first dispatch."""
    return Q(**{f"{prefix}status": Status.SUBMITTED, f"{prefix}assigned_at__isnull": True})


def answer_clock_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": ANSWER_CLOCK_STATUSES})


def assign_clock_runs(req: Request) -> bool:
    return req.status == Status.SUBMITTED and req.assigned_at is None


def answer_clock_runs(req: Request) -> bool:
    return req.status in ANSWER_CLOCK_STATUSES


def answer_overdue_q(now: datetime, prefix: str = "") -> Q:
    return answer_clock_q(prefix) & Q(**{f"{prefix}answer_due_at__lt": now})


def overdue_q(now: datetime, prefix: str = "") -> Q:
    """Requests past the deadline of a running clock (``prefix`` "request__" from dispatch rows)."""
    return (assign_clock_q(prefix) & Q(**{f"{prefix}assign_due_at__lt": now})) | answer_overdue_q(now, prefix)


def is_overdue(req: Request, now: datetime) -> bool:
    return (assign_clock_runs(req) and req.assign_due_at < now) or (answer_clock_runs(req) and req.answer_due_at < now)


def running_deadline(req: Request) -> datetime | None:
    """The deadline the request works against now: the dispatch deadline while that clock runs, the
    answer deadline while the answer clock runs; None while paused or once answered or closed."""
    if assign_clock_runs(req):
        return req.assign_due_at
    if answer_clock_runs(req):
        return req.answer_due_at
    return None


def task_overdue_q(now: datetime) -> Q:
    """Open tasks past their answer deadline whose request's answer clock runs (read on the task's copy of
    the request's state, ``Dispatch.request_status``)."""
    return Q(status__in=OPEN_DISPATCH_STATUSES, answer_due_at__lt=now, request_status__in=ANSWER_CLOCK_STATUSES)


def task_is_overdue(task: Dispatch, now: datetime) -> bool:
    return task.is_open and task.answer_due_at < now and answer_clock_runs(task.request)
