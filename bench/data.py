"""Synthetic requests for benchmarks (sweep, queues, dashboards) at 100k–1M rows.

Everything lives under an internal benchmark city (region code ``990000``) so it never mixes with seeds.
Rows are built with plain arithmetic (deadlines: calendar days, weekends skipped; no holiday calendar,
no model methods) and written with ``bulk_create`` in batches of 5,000.

``ensure(n, due_count)`` makes the data set exist and returns the moment it was built for (``anchor``):
exactly ``due_count`` requests have a reminder stage due at ``anchor`` and no reminder yet; the rest
are spread over three years before it, mostly closed, some still open but not yet due.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from issues.models import (
    Card,
    Category,
    CloseReason,
    Outcome,
    Reminder,
    ReminderKind,
    Request,
    RequestEvent,
    Source,
    Status,
    Verdict,
)
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.orgs import listing
from portal.orgs.models import (
    Department,
    DepartmentMembership,
    Enterprise,
    EnterpriseMembership,
    Pairing,
    Region,
    SupervisorScope,
)
from portal.orgs.validators import make_credit_code

BATCH = 5_000
CITY_CODE = "990000"
DISTRICTS = 8
DEPARTMENTS_PER_DISTRICT = 6
ENTERPRISES = 5_000
COMMISSIONERS = 1_000
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# (share of the due requests, the stage that is due)
DUE_MIX = [
    (0.30, ReminderKind.ASSIGN_NEAR),
    (0.20, ReminderKind.ASSIGN_MISSED),
    (0.25, ReminderKind.ANSWER_NEAR),
    (0.10, ReminderKind.ANSWER_MISSED),
    (0.15, ReminderKind.EVALUATE),
]


@dataclass
class World:
    city: Region
    regions: list[int]
    departments: list[tuple[int, int]]  # (department id, region id)
    enterprises: list[tuple[int, int, int]]  # (enterprise id, region id, A commissioner id)
    creator_ids: list[int]  # enterprise user per enterprise, same order
    categories: list[int]


def _working(moment: datetime, days: int) -> datetime:
    """``days`` weekdays after ``moment`` (Saturday and Sunday skipped; good enough for synthetic data)."""
    while days:
        moment += DAY
        if moment.weekday() < 5:
            days -= 1
    return moment


def world() -> World:
    """The benchmark city with its districts, departments, people and enterprises (created once)."""
    city = Region.objects.filter(code=CITY_CODE).first()
    if city is None:
        _build_world()
        city = Region.objects.get(code=CITY_CODE)
    Region.objects.filter(parent=city, level="").update(level=Region.Level.DISTRICT)  # built before levels were set
    regions = list(Region.objects.filter(parent=city).order_by("pk").values_list("pk", flat=True))
    departments = list(
        Department.objects.filter(region__path__startswith=city.path).order_by("pk").values_list("pk", "region_id")
    )
    enterprises, creators = [], []
    pairs = dict(
        Pairing.objects.filter(enterprise__region__path__startswith=city.path, role="A").values_list(
            "enterprise_id", "commissioner_id"
        )
    )
    members = dict(
        EnterpriseMembership.objects.filter(enterprise__region__path__startswith=city.path).values_list(
            "enterprise_id", "user_id"
        )
    )
    for pk, region_id in (
        Enterprise.objects.filter(region__path__startswith=city.path).order_by("pk").values_list("pk", "region_id")
    ):
        enterprises.append((pk, region_id, pairs[pk]))
        creators.append(members[pk])
    return World(city, regions, departments, enterprises, creators, list(Category.objects.values_list("pk", flat=True)))


@transaction.atomic
def _build_world() -> None:
    city = Region.objects.create(code=CITY_CODE, name="基准测试市", level=Region.Level.CITY)
    districts = [
        Region.objects.create(
            code=f"99{i + 1:02d}00", name=f"基准测试区{i + 1}", parent=city, level=Region.Level.DISTRICT
        )
        for i in range(DISTRICTS)
    ]
    departments = Department.objects.bulk_create(
        [Department(name=f"基准部门{d.code}-{j}", region=d) for d in districts for j in range(DEPARTMENTS_PER_DISTRICT)]
    )
    listing.changed()  # bulk_create sends no signals

    def users(prefix: str, count: int, **flags) -> list[User]:
        return User.objects.bulk_create(
            [
                User(username=f"bench-{prefix}-{i}", real_name=f"{prefix}{i}", password="!", **flags)
                for i in range(count)
            ],
            batch_size=BATCH,
        )

    commissioners = users("commissioner", COMMISSIONERS, is_commissioner=True)
    handlers = users("handler", len(departments) * 2, is_handler=True)
    owners = users("enterprise", ENTERPRISES, is_enterprise_user=True)
    supervisors = users("supervisor", DISTRICTS + 1, is_supervisor=True)
    DepartmentMembership.objects.bulk_create(
        [
            DepartmentMembership(
                user=u, department=departments[i % len(departments)], kind=DepartmentMembership.Kind.COMMISSIONER
            )
            for i, u in enumerate(commissioners)
        ]
        + [DepartmentMembership(user=u, department=departments[i // 2]) for i, u in enumerate(handlers)],
        batch_size=BATCH,
    )
    SupervisorScope.objects.bulk_create(
        [SupervisorScope(user=supervisors[0], region=city)]
        + [SupervisorScope(user=u, region=d) for u, d in zip(supervisors[1:], districts, strict=True)]
    )
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"基准测试企业{i}有限公司",
                credit_code=make_credit_code(50_000_000 + i, CITY_CODE),
                region=districts[i % DISTRICTS],
            )
            for i in range(ENTERPRISES)
        ],
        batch_size=BATCH,
    )
    EnterpriseMembership.objects.bulk_create(
        [EnterpriseMembership(user=u, enterprise=e) for u, e in zip(owners, enterprises, strict=True)], batch_size=BATCH
    )
    since = date(2020, 1, 1)
    Pairing.objects.bulk_create(
        [
            Pairing(enterprise=e, commissioner=commissioners[i % COMMISSIONERS], role="A", starts_on=since)
            for i, e in enumerate(enterprises)
        ]
        + [
            Pairing(enterprise=e, commissioner=commissioners[(i + 1) % COMMISSIONERS], role="B", starts_on=since)
            for i, e in enumerate(enterprises)
        ],
        batch_size=BATCH,
    )


def bench_requests():
    return Request.objects.filter(region__path__startswith=f"/{CITY_CODE}/")


def anchor_of() -> datetime | None:
    latest = bench_requests().aggregate(latest=Max("submitted_at"))["latest"]
    return latest + HOUR if latest else None


def _row(w: World, i: int, rng: random.Random, submitted: datetime, status: str, **extra) -> Request:
    enterprise_id, region_id, commissioner_id = w.enterprises[i % len(w.enterprises)]
    assign_due, answer_due = _working(submitted, 1), _working(submitted, 3)
    department_id = w.departments[rng.randrange(len(w.departments))][0]
    row = Request(
        enterprise_id=enterprise_id,
        region_id=region_id,
        category_id=w.categories[i % len(w.categories)],
        title=f"基准诉求{i}",
        description="基准测试数据。",
        source=Source.PORTAL,
        status=status,
        created_by_id=w.creator_ids[i % len(w.creator_ids)],
        commissioner_id=commissioner_id,
        submitted_at=submitted,
        assign_due_at=assign_due,
        answer_due_at=answer_due,
        original_answer_due_at=answer_due,
        assign_remind_at=assign_due - 4 * HOUR,
        answer_remind_at=answer_due - 4 * HOUR,
    )
    if status != Status.SUBMITTED:
        row.assigned_at = submitted + timedelta(hours=rng.randint(1, 30))
        row.assigned_on_time = row.assigned_at <= assign_due
        row.lead_department_id = department_id
    for name, value in extra.items():
        setattr(row, name, value)
    if row.answered_at:
        row.answered_on_time = row.answered_at <= row.answer_due_at
        row.evaluate_remind_at = row.evaluate_remind_at or _working(row.answered_at, 2)
    return row


def _history(w: World, i: int, rng: random.Random, anchor: datetime, span: timedelta) -> Request:
    """A request from the last three years, well past every stage: closed, withdrawn, or open but
    already reminded is left out (it would be due); open ones are fresh (submitted in the last hour)."""
    if rng.random() < 0.02:  # open and fresh: nothing due yet
        submitted = anchor - HOUR - timedelta(seconds=rng.randint(0, 3000))
        return _row(w, i, rng, submitted, rng.choice([Status.SUBMITTED, Status.IN_PROGRESS]))
    submitted = anchor - HOUR - timedelta(seconds=rng.randint(10 * 86400, int(span.total_seconds())))
    if rng.random() < 0.03:
        return _row(w, i, rng, submitted, Status.WITHDRAWN, closed_at=submitted + DAY)
    answered = submitted + timedelta(hours=rng.randint(4, 120))
    evaluated = rng.random() < 0.8
    verdict = rng.choice([Verdict.SATISFIED, Verdict.SATISFIED, Verdict.BASICALLY, Verdict.DISSATISFIED])
    return _row(
        w,
        i,
        rng,
        submitted,
        Status.CLOSED,
        answered_at=answered,
        outcome=Outcome.RESOLVED,
        closed_at=answered + 2 * DAY,
        close_reason=CloseReason.EVALUATED if evaluated else CloseReason.NOT_EVALUATED,
        verdict=verdict if evaluated else "",
        satisfaction_score={"satisfied": 100, "basically": 80, "dissatisfied": 0}[verdict] if evaluated else None,
    )


def _due(w: World, i: int, rng: random.Random, anchor: datetime, kind: str) -> Request:
    """A request with exactly stage ``kind`` due at ``anchor`` (earlier stages already reminded)."""
    minutes = timedelta(minutes=rng.randint(1, 25))  # due within the last sweep interval: not late
    if kind == ReminderKind.ASSIGN_NEAR:  # anchor between the reminder and the deadline
        row = _row(w, i, rng, anchor - 2 * DAY, Status.SUBMITTED)
        row.assign_due_at, row.assign_remind_at = anchor + HOUR, anchor - minutes
    elif kind == ReminderKind.ASSIGN_MISSED:
        row = _row(w, i, rng, anchor - 2 * DAY, Status.SUBMITTED)
        row.assign_due_at = anchor - minutes
        row.assign_remind_at = row.assign_due_at - 4 * HOUR
    elif kind == ReminderKind.ANSWER_NEAR:
        row = _row(w, i, rng, anchor - 4 * DAY, Status.IN_PROGRESS)
        row.answer_due_at, row.answer_remind_at = anchor + HOUR, anchor - minutes
    elif kind == ReminderKind.ANSWER_MISSED:
        row = _row(w, i, rng, anchor - 4 * DAY, Status.IN_PROGRESS)
        row.answer_due_at = anchor - minutes
        row.answer_remind_at = row.answer_due_at - 4 * HOUR
    else:
        row = _row(
            w,
            i,
            rng,
            anchor - 6 * DAY,
            Status.ANSWERED,
            answered_at=anchor - 3 * DAY,
            outcome=Outcome.RESOLVED,
            evaluate_remind_at=anchor - minutes,
        )
    row.assign_due_at = min(row.assign_due_at, row.answer_due_at)
    row.original_answer_due_at = row.answer_due_at
    return row


def _prior_reminders(req: Request, kind: str, anchor: datetime) -> list[Reminder]:
    """Stages a due request has already passed through (so only ``kind`` is due)."""
    earlier = {
        ReminderKind.ASSIGN_MISSED: [ReminderKind.ASSIGN_NEAR],
        ReminderKind.ANSWER_NEAR: [ReminderKind.ASSIGN_NEAR, ReminderKind.ASSIGN_MISSED],
        ReminderKind.ANSWER_MISSED: [ReminderKind.ASSIGN_NEAR, ReminderKind.ASSIGN_MISSED, ReminderKind.ANSWER_NEAR],
    }.get(kind, [])
    return [
        Reminder(request=req, kind=k, round=0, due_at=anchor - DAY, created_at=anchor - DAY, sent_at=anchor - DAY)
        for k in earlier
    ]


def build(n: int, due_count: int, anchor: datetime | None = None, seed: int = 133, stdout=None) -> datetime:
    """Bulk-create ``n`` requests, ``due_count`` of them due at ``anchor`` (default: now, to the minute)."""
    anchor = (anchor or timezone.now()).replace(second=0, microsecond=0)
    w = world()
    rng = random.Random(seed)
    span = timedelta(days=3 * 365)
    kinds = [kind for share, kind in DUE_MIX for _ in range(round(share * due_count))]
    kinds = (kinds + [ReminderKind.ASSIGN_NEAR] * due_count)[:due_count]
    due_every = max(1, n // max(1, due_count))
    rows, pending_kinds = [], []
    made = 0
    for i in range(n):
        if kinds and i % due_every == 0:
            kind = kinds.pop()
            rows.append(_due(w, i, rng, anchor, kind))
            pending_kinds.append(kind)
        else:
            rows.append(_history(w, i, rng, anchor, span))
            pending_kinds.append(None)
        if len(rows) == BATCH or i == n - 1:
            with transaction.atomic():
                created = Request.objects.bulk_create(rows)
                Reminder.objects.bulk_create(
                    [
                        r
                        for req, kind in zip(created, pending_kinds, strict=True)
                        if kind
                        for r in _prior_reminders(req, kind, anchor)
                    ]
                )
            made += len(rows)
            rows, pending_kinds = [], []
            if stdout is not None and made % 100_000 == 0:
                stdout.write(f"  {made:,} requests\n")
    # the newest request marks the anchor (see anchor_of)
    newest = bench_requests().order_by("-submitted_at").values_list("pk", flat=True).first()
    bench_requests().filter(pk=newest).update(submitted_at=anchor - HOUR)
    return anchor


def reset_sweep(anchor: datetime) -> None:
    """Undo what a sweep at ``anchor`` wrote, so the same data set can be swept again."""
    requests = bench_requests()
    Reminder.objects.filter(request__in=requests, created_at=anchor).delete()
    Card.objects.filter(request__in=requests, issued_at=anchor).delete()
    RequestEvent.objects.filter(request__in=requests, created_at=anchor, action__endswith="_card").delete()
    Notification.objects.filter(user__username__startswith="bench-", kind__startswith="reminder_").delete()


def ensure(n: int, due_count: int, reuse: bool = True, stdout=None) -> datetime:
    """The benchmark data set with ``n`` requests (``due_count`` due), reused when it exists already."""
    existing = bench_requests().count()
    anchor = anchor_of()
    if reuse and existing == n and anchor is not None:
        reset_sweep(anchor)
        return anchor
    if existing:
        with transaction.atomic():
            requests = bench_requests()
            Notification.objects.filter(user__username__startswith="bench-").delete()
            for model in (Reminder, Card, RequestEvent):
                rows = model.objects.filter(request__in=requests)
                rows._raw_delete(rows.db)  # no cascades to follow: skip loading a million objects
            requests._raw_delete(requests.db)
    return build(n, due_count, stdout=stdout)
