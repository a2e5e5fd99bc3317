"""The 133 enforcer: a periodic sweep that sends each reminder stage exactly once.

Stages (docs/reminders.md, "Stages"), each due at a moment stored on the request whenever its deadlines
are set (issues/deadlines.py):

=============  ==========================  =========================================================
kind           due when                    what happens
=============  ==========================  =========================================================
assign_near    ``assign_remind_at``        A and B commissioners reminded
assign_missed  ``assign_due_at``           yellow card on the commissioner's unit; commissioners and
                                           the supervisors of the region notified
answer_near    ``answer_remind_at``        lead department handlers and commissioners reminded
answer_missed  ``answer_due_at``           red card on the lead department (the commissioner's unit
                                           when handled directly); supervisors notified, urgent
evaluate       ``evaluate_remind_at``      enterprise users asked to evaluate the answer
co_opinion     ``co_opinion_due_at``       handlers of the co-handling departments whose opinion is
                                           still missing reminded; the lead department may now answer
=============  ==========================  =========================================================

Exactly once: a short transaction locks a handful of requests (``LOCK_SIZE``, in primary-key order),
re-checks each under its lock (a request that moved on is not reminded) and that no ``Reminder`` row
exists for (request, kind, round, due_at); only then it writes the Reminder, the card and the
notifications (``dedupe_key=reminder:<pk>``). If a batch fails, its requests are retried one per
transaction. The round is the request's ``reopen_count``, so a reopened request gets fresh answer
reminders. ``due_at`` is the stage's moment, computed from the deadline it is about: an approved
extension or the end of a 待补充 pause moves the deadline and the moment, so the stage falls due once
more for the new deadline, while the same deadline is never reminded twice. Cards stay one per
(request, kind, round): a deadline missed again after it moved re-sends the message, not the card.
A re-run, a second beat or a restarted worker finds the row and does nothing; a sweep
after an outage finds every stage still due and sends it once, marked late.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop as N_

from portal.notifications.services import enqueue_now, notify_new_bulk
from portal.notifications.text import Text
from portal.orgs.models import Department, DepartmentMembership, EnterpriseMembership, Pairing, Region, SupervisorScope

from .deadlines import answer_clock_q, answer_clock_runs, assign_clock_q, assign_clock_runs
from .models import (
    OPEN_DISPATCH_STATUSES,
    Card,
    CardKind,
    Dispatch,
    Reminder,
    ReminderKind,
    Request,
    RequestEvent,
    Status,
    SweepRun,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # ids per query
LOCK_SIZE = 100  # requests per transaction: locks held for a fraction of a second
# Sent more than this after the stage fell due (about two sweep intervals) counts as late.
LATE_AFTER = timedelta(minutes=30)
# The sweep task's time limits (seconds): a sweep unfinished after SWEEP_TIME_LIMIT was killed.
SWEEP_SOFT_TIME_LIMIT = 600
SWEEP_TIME_LIMIT = 660
UNFINISHED_SHOWN = 20

# a stage is due only while its clock runs (issues/deadlines.py): 待补充 pauses the answer clock, and the
# dispatch clock stops for good at the first dispatch or take-on


@dataclass(frozen=True)
class Stage:
    kind: str
    due_field: str
    condition: Q
    applies: Callable[[Request], bool]
    deadline_field: str  # the deadline the stage is about (a "near" stage is superseded once it passed)


STAGES = {
    ReminderKind.ASSIGN_NEAR: Stage(
        ReminderKind.ASSIGN_NEAR,
        "assign_remind_at",
        assign_clock_q(),
        assign_clock_runs,
        "assign_due_at",
    ),
    ReminderKind.ASSIGN_MISSED: Stage(
        ReminderKind.ASSIGN_MISSED,
        "assign_due_at",
        assign_clock_q(),
        assign_clock_runs,
        "assign_due_at",
    ),
    ReminderKind.ANSWER_NEAR: Stage(
        ReminderKind.ANSWER_NEAR,
        "answer_remind_at",
        answer_clock_q(),
        answer_clock_runs,
        "answer_due_at",
    ),
    ReminderKind.ANSWER_MISSED: Stage(
        ReminderKind.ANSWER_MISSED,
        "answer_due_at",
        answer_clock_q(),
        answer_clock_runs,
        "answer_due_at",
    ),
    ReminderKind.EVALUATE: Stage(
        ReminderKind.EVALUATE,
        "evaluate_remind_at",
        Q(status=Status.ANSWERED),
        lambda req: req.status == Status.ANSWERED,
        "",
    ),
    ReminderKind.CO_OPINION: Stage(
        ReminderKind.CO_OPINION,
        "co_opinion_due_at",
        Q(status=Status.IN_PROGRESS),
        lambda req: req.status == Status.IN_PROGRESS,
        "",
    ),
}
NEAR_KINDS = (ReminderKind.ASSIGN_NEAR, ReminderKind.ANSWER_NEAR)
MISSED_KINDS = (ReminderKind.ASSIGN_MISSED, ReminderKind.ANSWER_MISSED)


def due_requests(kind: str, now: datetime) -> QuerySet[Request]:
    """Requests whose ``kind`` stage is due at ``now`` and has no reminder row for the current round
    and stage moment (a moved deadline moves the moment, so the stage is due again once).

    One indexed range per stage: (status, <stage moment>) plus the reminder_once unique index.
    """
    stage = STAGES[kind]
    sent = Reminder.objects.filter(
        request=OuterRef("pk"), kind=kind, round=OuterRef("reopen_count"), due_at=OuterRef(stage.due_field)
    )
    return Request.objects.filter(stage.condition, **{f"{stage.due_field}__lte": now}).filter(~Exists(sent))


# ---------------------------------------------------------------------------------------------
# who hears about it


class Directory:
    """Recipients and units, loaded once per batch instead of once per request.

    Every getter falls back to a query for an id the batch did not preload (the request changed
    between the batch query and its lock), so answers are always current enough to act on.
    """

    def __init__(self) -> None:
        self.region_paths = dict(Region.objects.values_list("pk", "path"))
        self.scopes = [
            (s.region.path, s.user)
            for s in SupervisorScope.objects.filter(user__is_active=True, user__is_supervisor=True).select_related(
                "user", "region"
            )
        ]
        self._users: dict[int, object] = {}
        self._paired: dict[int, list] = {}
        self._units: dict[int, Department | None] = {}
        self._handlers: dict[int, list] = {}
        self._members: dict[int, list] = {}
        self._departments: dict[int, Department] = {}
        self.outbox: list[int] = []  # delivery ids to enqueue once the batch has committed

    def preload(self, ids: list[int]) -> None:
        """Load the people and units of a batch's requests, in place of the previous batch's: what is
        kept stays the size of one batch however many requests a sweep goes through."""
        for kept in (self._users, self._paired, self._units, self._handlers, self._members, self._departments):
            kept.clear()
        rows = list(
            Request.objects.filter(pk__in=ids).values_list("enterprise_id", "commissioner_id", "lead_department_id")
        )
        self._load_paired({r[0] for r in rows})
        self._load_users({r[1] for r in rows if r[1]})
        self._load_units(set(self._users))
        self._load_handlers({r[2] for r in rows if r[2]})
        self._load_members({r[0] for r in rows})
        self._load_departments({r[2] for r in rows if r[2]} | {u.pk for u in self._units.values() if u})

    def _load_paired(self, enterprise_ids: set[int]) -> None:
        missing = enterprise_ids - set(self._paired)
        if not missing:
            return
        found = defaultdict(list)
        for p in (
            Pairing.objects.active()
            .filter(enterprise_id__in=missing)
            .select_related("commissioner")
            .order_by("enterprise_id", "role")
        ):
            found[p.enterprise_id].append(p.commissioner)
            self._users[p.commissioner_id] = p.commissioner
        for pk in missing:
            self._paired[pk] = found[pk]

    def _load_users(self, user_ids: set[int]) -> None:
        from django.contrib.auth import get_user_model

        missing = user_ids - set(self._users)
        if missing:
            self._users.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing)})

    def _load_units(self, user_ids: set[int]) -> None:
        missing = user_ids - set(self._units)
        if not missing:
            return
        for m in (
            DepartmentMembership.objects.filter(user_id__in=missing, kind=DepartmentMembership.Kind.COMMISSIONER)
            .select_related("department")
            .order_by("pk")
        ):
            self._units.setdefault(m.user_id, m.department)
        for pk in missing:
            self._units.setdefault(pk, None)

    def _load_handlers(self, department_ids: set[int]) -> None:
        missing = department_ids - set(self._handlers)
        if not missing:
            return
        found = defaultdict(list)
        for m in DepartmentMembership.objects.filter(
            department_id__in=missing, kind=DepartmentMembership.Kind.HANDLER, user__is_active=True
        ).select_related("user"):
            found[m.department_id].append(m.user)
        for pk in missing:
            self._handlers[pk] = found[pk]

    def _load_members(self, enterprise_ids: set[int]) -> None:
        missing = enterprise_ids - set(self._members)
        if not missing:
            return
        found = defaultdict(list)
        for m in EnterpriseMembership.objects.filter(enterprise_id__in=missing, user__is_active=True).select_related(
            "user"
        ):
            found[m.enterprise_id].append(m.user)
        for pk in missing:
            self._members[pk] = found[pk]

    def _load_departments(self, department_ids: set[int]) -> None:
        missing = department_ids - set(self._departments)
        if missing:
            self._departments.update({d.pk: d for d in Department.objects.filter(pk__in=missing)})

    # -- getters ------------------------------------------------------------------------------

    def commissioners(self, req: Request) -> list:
        """The A and B commissioners, then the responsible commissioner if not one of them."""
        self._load_paired({req.enterprise_id})
        people = list(self._paired[req.enterprise_id])
        if req.commissioner_id:
            self._load_users({req.commissioner_id})
            if all(p.pk != req.commissioner_id for p in people) and req.commissioner_id in self._users:
                people.append(self._users[req.commissioner_id])
        return people

    def handlers(self, department_id: int | None) -> list:
        if not department_id:
            return []
        self._load_handlers({department_id})
        return self._handlers[department_id]

    def enterprise_users(self, req: Request) -> list:
        self._load_members({req.enterprise_id})
        return self._members[req.enterprise_id]

    def supervisors(self, req: Request) -> list:
        path = self.region_paths.get(req.region_id)
        if path is None:
            path = Region.objects.values_list("path", flat=True).get(pk=req.region_id)
            self.region_paths[req.region_id] = path
        return [user for scope_path, user in self.scopes if path.startswith(scope_path)]

    def department(self, department_id: int) -> Department:
        self._load_departments({department_id})
        return self._departments[department_id]

    def commissioner_unit(self, req: Request) -> Department | None:
        """The responsible commissioner's unit; failing that the unit of the A, then the B commissioner."""
        candidates = ([req.commissioner_id] if req.commissioner_id else []) + [p.pk for p in self.commissioners(req)]
        self._load_units(set(candidates))
        for pk in candidates:
            if self._units.get(pk) is not None:
                return self._units[pk]
        return None


# ---------------------------------------------------------------------------------------------
# one stage of one request


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _card_unit(req: Request, kind: str, people: Directory) -> Department | None:
    if kind == ReminderKind.ANSWER_MISSED and req.lead_department_id and not req.handled_directly:
        return people.department(req.lead_department_id)
    return people.commissioner_unit(req)


def _card(req: Request, kind: str, reminder: Reminder, now: datetime, people: Directory) -> Card | None:
    card_kind = _card_kind(kind)
    unit = _card_unit(req, kind, people)
    if unit is None:
        logger.warning(
            "no unit to put the %s card of request %s on: the commissioner has no unit",
            card_kind,
            req.pk,
            extra={"request_id": req.pk},
        )
        return None
    reason = (
        _("Dispatch deadline %(due)s missed") if card_kind == CardKind.YELLOW else _("Answer deadline %(due)s missed")
    ) % {"due": _when(reminder.due_at)}
    return Card(
        request=req,
        kind=card_kind,
        round=reminder.round,
        unit=unit,
        region_id=req.region_id,
        issued_at=now,
        reason=reason[:200],
    )


def _card_kind(kind: str) -> str:
    return CardKind.YELLOW if kind == ReminderKind.ASSIGN_MISSED else CardKind.RED


def _issued_cards(kind: str, req_ids: list[int]) -> dict[tuple[int, int], Card]:
    """Cards of the kind a "missed" stage gives, already issued (revoked or not), by (request, round)."""
    if kind not in MISSED_KINDS or not req_ids:
        return {}
    cards = Card.objects.filter(request_id__in=req_ids, kind=_card_kind(kind)).select_related("unit")
    return {(c.request_id, c.round): c for c in cards}


def _message(req: Request, kind: str, people: Directory, card: Card | None) -> tuple[list, Text, bool]:
    """Recipients, title and urgency of a stage's notification."""
    values = {
        "title": req.title,
        "assign_due": _when(req.assign_due_at),
        "answer_due": _when(req.answer_due_at),
        "unit": card.unit.name if card else _l("no unit"),
    }
    if kind == ReminderKind.ASSIGN_NEAR:
        return (
            people.commissioners(req),
            Text(N_("Dispatch this request before %(assign_due)s: %(title)s"), values),
            False,
        )
    if kind == ReminderKind.ASSIGN_MISSED:
        return (
            [*people.commissioners(req), *people.supervisors(req)],
            Text(N_("Yellow card for %(unit)s: dispatch deadline %(assign_due)s missed: %(title)s"), values),
            False,
        )
    lead_handlers = [] if req.handled_directly else people.handlers(req.lead_department_id)
    if kind == ReminderKind.ANSWER_NEAR:
        return (
            [*lead_handlers, *people.commissioners(req)],
            Text(N_("Answer this request before %(answer_due)s: %(title)s"), values),
            False,
        )
    if kind == ReminderKind.ANSWER_MISSED:
        return (
            [*people.supervisors(req), *lead_handlers, *people.commissioners(req)],
            Text(N_("Red card for %(unit)s: answer deadline %(answer_due)s missed: %(title)s"), values),
            True,
        )
    if kind == ReminderKind.CO_OPINION:
        late = Dispatch.objects.filter(
            request=req, role=Dispatch.Role.CO, status__in=OPEN_DISPATCH_STATUSES, round=req.reopen_count
        ).values_list("department_id", flat=True)
        values["co_due"] = _when(req.co_opinion_due_at)
        return (
            [user for department_id in late for user in people.handlers(department_id)],
            Text(
                N_("Your co-handling opinion was due %(co_due)s; give it to the lead department now: %(title)s"), values
            ),
            False,
        )
    return (
        people.enterprise_users(req),
        Text(N_("Your request has been answered; please evaluate it: %(title)s"), values),
        False,
    )


@transaction.atomic
def reminders_send(*, req_ids: list[int], kind: str, now: datetime, people: Directory | None = None) -> dict:
    """Send stage ``kind`` of these requests where it is still due and was never sent in this round
    for the current deadline.

    One transaction: lock the requests (in primary-key order, so concurrent sweeps cannot deadlock),
    re-check each under the lock, skip those with a reminder row for (request, kind, round, due_at),
    then write the reminders, cards, timeline events and notifications in a few bulk inserts. The locks
    make "check, then insert" one step; the unique constraints back it up (a clash rolls it all back).
    A "missed" stage whose card kind was already issued in this round (the deadline moved after it was
    missed, then was missed again) is sent without a second card; its message names the existing card.

    Returns {request id: outcome}: sent, late, superseded (a "near" stage whose deadline has already
    passed: recorded, not sent — the "missed" stage says more), exists, or moved_on.
    """
    people = people or Directory()
    stage = STAGES[kind]
    reqs = list(Request.objects.select_for_update().filter(pk__in=req_ids).order_by("pk"))
    outcomes = dict.fromkeys(req_ids, "moved_on")
    done = set(Reminder.objects.filter(request_id__in=req_ids, kind=kind).values_list("request_id", "round", "due_at"))
    todo = []
    for req in reqs:
        due = getattr(req, stage.due_field)
        if not stage.applies(req) or due is None or due > now:
            continue
        if (req.pk, req.reopen_count, due) in done:
            outcomes[req.pk] = "exists"
            continue
        todo.append(
            Reminder(
                request=req,
                kind=kind,
                round=req.reopen_count,
                due_at=due,
                created_at=now,
                sent_at=now,
                late=now - due > LATE_AFTER,
            )
        )
    created = Reminder.objects.bulk_create(todo) if todo else []
    issued = _issued_cards(kind, [r.request_id for r in created])
    cards, messages, sent = [], [], []
    for reminder in created:
        req = reminder.request
        outcomes[req.pk] = "late" if reminder.late else "sent"
        if kind in NEAR_KINDS and getattr(req, stage.deadline_field) <= now:
            outcomes[req.pk] = "superseded"
            continue
        card = None
        if kind in MISSED_KINDS:
            card = issued.get((req.pk, reminder.round))  # one card of a kind per round
            if card is None:
                card = _card(req, kind, reminder, now, people)
                if card is not None:
                    cards.append(card)
        users, title, urgent = _message(req, kind, people, card)
        messages.append(
            {
                "users": users,
                "kind": f"reminder_{kind}",
                "title": title,
                "urgent": urgent,
                "url": reverse("issues:request_detail", args=[req.pk]),
                "dedupe_key": f"reminder:{reminder.pk}",
            }
        )
        sent.append(reminder)
    if cards:
        Card.objects.bulk_create(cards)
        RequestEvent.objects.bulk_create(
            [
                RequestEvent(
                    request=card.request,
                    action=f"{card.kind}_card",
                    from_status=card.request.status,
                    to_status=card.request.status,
                    comment=card.reason,
                    created_at=now,
                    data={"card": card.pk, "unit": card.unit.name, "round": card.round},
                )
                for card in cards
            ]
        )
    people.outbox.extend(notify_new_bulk(messages, now=now))
    return outcomes


def reminder_send(*, req_id: int, kind: str, now: datetime, people: Directory | None = None) -> str:
    """One request's stage ``kind`` (see ``reminders_send``)."""
    return reminders_send(req_ids=[req_id], kind=kind, now=now, people=people)[req_id]


# ---------------------------------------------------------------------------------------------
# the sweep


def _send_or_isolate(ids: list[int], kind: str, now: datetime, people: Directory) -> tuple[list[str], int]:
    """A batch in one transaction; if it fails, request by request so one broken request stops nothing."""
    try:
        return list(reminders_send(req_ids=ids, kind=kind, now=now, people=people).values()), 0
    except Exception:  # noqa: BLE001 — retried one by one below, each failure logged
        logger.warning("reminder batch %s of %d requests failed; retrying one by one", kind, len(ids), exc_info=True)
    outcomes, errors = [], 0
    for pk in ids:
        try:
            outcomes.append(reminder_send(req_id=pk, kind=kind, now=now, people=people))
        except Exception:  # noqa: BLE001 — one broken request must not stop the others
            errors += 1
            logger.exception("reminder %s of request %s failed", kind, pk, extra={"request_id": pk})
    return outcomes, errors


def sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE, lock_size: int = LOCK_SIZE) -> SweepRun:
    """Send every due stage once. Bounded memory: ids in batches by primary key; short transactions of
    ``lock_size`` requests; deliveries enqueued after each transaction has committed."""
    started = timezone.now()
    now = now or started
    run = SweepRun.objects.create(started_at=started, now=now)
    people = Directory()
    counts: dict[str, int] = {}
    late = errors = 0
    for kind in STAGES:
        last = 0
        sent = 0
        while True:
            ids = list(
                due_requests(kind, now).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            last = ids[-1]
            people.preload(ids)
            for start in range(0, len(ids), lock_size):
                outcomes, failed = _send_or_isolate(ids[start : start + lock_size], kind, now, people)
                errors += failed
                sent += sum(o in ("sent", "late", "superseded") for o in outcomes)
                late += sum(o in ("late", "superseded") for o in outcomes)
                enqueue_now(people.outbox)
                people.outbox = []
        counts[str(kind)] = sent
    run.finished_at = timezone.now()
    run.counts, run.late, run.errors = counts, late, errors
    run.save(update_fields=["finished_at", "counts", "late", "errors"])
    logger.info(
        "reminder sweep as of %s: %s (%d late, %d errors) in %.1fs",
        now.isoformat(),
        counts,
        late,
        errors,
        (run.finished_at - started).total_seconds(),
    )
    return run


def due_counts(now: datetime) -> dict[str, int]:
    """Stages due but not yet sent, per kind (for operators)."""
    return {str(kind): due_requests(kind, now).count() for kind in STAGES}


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def unfinished_sweeps(now: datetime, limit: int = UNFINISHED_SHOWN) -> list[dict]:
    """Sweeps that never recorded their end, newest first, with their age. One older than the task's
    time limit was killed (worker lost, out of memory, deploy) and is marked abandoned: the next sweep
    has already caught up with what it left."""
    rows = SweepRun.objects.filter(finished_at__isnull=True).order_by("-started_at")[:limit]
    return [
        {
            "pk": run.pk,
            "started_at": run.started_at.isoformat(),
            "minutes_ago": _minutes(now - run.started_at),
            "abandoned": (now - run.started_at).total_seconds() > SWEEP_TIME_LIMIT,
        }
        for run in rows
    ]


def reminders_status(now: datetime) -> dict:
    """For operators: when the sweep last ran, sweeps that did not finish, and what is due but not sent."""
    last = SweepRun.objects.order_by("-started_at").first()
    return {
        "last_sweep": None
        if last is None
        else {
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            "minutes_ago": _minutes(now - last.started_at),
            "counts": last.counts,
            "late": last.late,
            "errors": last.errors,
        },
        "unfinished_sweeps": unfinished_sweeps(now),
        "unfinished_sweeps_total": SweepRun.objects.filter(finished_at__isnull=True).count(),
        "due_unsent": due_counts(now),
    }
