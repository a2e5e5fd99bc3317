"""Demo request history for the supervision pages, loaded by ``seed_demo`` after the organisation.

This year's requests are written directly with ``bulk_create`` (it is history, not live work), with
consistent deadlines, dispatches, answers, evaluations and events, so that the dashboards show the
figures of the source articles: the city resolves about 97.5% of its requests; 奎文区 resolved 92 of
116 with a satisfaction coefficient of 96.2; 坊子区 resolved 142 of 150 with the enterprise satisfied.
Loading twice changes nothing: a marker event says the history is there.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from issues.clock import WorkCalendar, add_days
from issues.models import (
    Card,
    Category,
    CloseReason,
    Dispatch,
    DispatchStatus,
    Evaluation,
    Outcome,
    Request,
    RequestEvent,
    Source,
    Status,
    Verdict,
)
from portal.accounts.models import AuditEvent
from portal.orgs.models import Department, Enterprise, EnterpriseMembership, Pairing, Region

SEED = 7700
MARKER = "history_seeded"
KUIWEN, FANGZI = "370705", "370704"
OTHER_RECEIVED, OTHER_RESOLVED = 2134, 2106  # with 奎文区 and 坊子区: 2,340 of 2,400 = 97.5%
TITLES = {
    "policy": "咨询{}政策兑现流程",
    "finance": "申请{}贷款额度提高",
    "labor": "招聘{}技术工人困难",
    "talent": "引进{}高层次人才落户",
    "land": "新增{}建设用地指标",
    "approval": "{}审批手续办理进度",
    "infrastructure": "厂区{}道路和供水接入",
    "environment": "{}环评审批咨询",
    "market": "拓展{}市场渠道",
    "legal": "{}合同纠纷法律咨询",
}
SCORES = {Verdict.SATISFIED: 100, Verdict.BASICALLY: 80, Verdict.DISSATISFIED: 0}


def _plan(
    received: int, resolved: int, basically: int, open_count: int, not_evaluated: int = 0, late: int = 0
) -> list[dict]:
    """One dict per request: what happened to it."""
    plans = []
    for i in range(received):
        if i < resolved:
            plan = {"outcome": Outcome.RESOLVED, "evaluated": i >= not_evaluated}
        elif i < received - open_count:
            plan = {"outcome": Outcome.PLANNED if i % 2 else Outcome.NOT_NOW, "evaluated": True}
        else:
            plan = {"outcome": "", "evaluated": False}
        plans.append(plan)
    evaluated = [p for p in plans if p["evaluated"]]
    for n, plan in enumerate(reversed(evaluated)):
        plan["verdict"] = Verdict.BASICALLY if n < basically else Verdict.SATISFIED
    for n, plan in enumerate(plans):
        plan["late"] = n < late
        plan["reopened"] = plan.get("verdict") == Verdict.SATISFIED and n % 37 == 5
    return plans


def load(stdout) -> None:
    if AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, target=MARKER).exists():
        stdout.write("Request history already loaded.\n")
        return
    city = Region.objects.filter(level=Region.Level.CITY).order_by("pk").first()
    categories = list(Category.objects.filter(is_active=True).order_by("sort_order"))
    if city is None or not categories:
        stdout.write("No demo city or categories: request history skipped.\n")
        return
    with transaction.atomic():
        written = _load(city, categories)
        AuditEvent.objects.create(action=AuditEvent.Action.IMPORT, target=MARKER, detail={"requests": written})
    from supervision.services import timings_refresh

    timings_refresh()
    stdout.write(f"Request history: {written} requests this year.\n")


def _load(city: Region, categories: list[Category]) -> int:
    rng = random.Random(SEED)
    calendar = WorkCalendar()
    now = timezone.now()
    year_start = timezone.make_aware(datetime.combine(timezone.localdate().replace(month=1, day=1), time(9)))
    span = max(1, int((now - timedelta(days=5) - year_start).total_seconds()))
    districts = list(Region.objects.filter(parent=city).order_by("code"))
    commissioner_of = dict(
        Pairing.objects.filter(role=Pairing.Role.PRIMARY).values_list("enterprise_id", "commissioner_id")
    )
    member_of = dict(EnterpriseMembership.objects.values_list("enterprise_id", "user_id"))
    groups = []
    others = [d for d in districts if d.code not in (KUIWEN, FANGZI)]
    for district in districts:
        if district.code == KUIWEN:
            plans = _plan(116, 92, basically=19, open_count=16, late=6)
        elif district.code == FANGZI:
            plans = _plan(150, 142, basically=4, open_count=4, late=3)
        else:
            share = others.index(district)
            received = OTHER_RECEIVED // len(others) + (1 if share < OTHER_RECEIVED % len(others) else 0)
            resolved = OTHER_RESOLVED // len(others) + (1 if share < OTHER_RESOLVED % len(others) else 0)
            plans = _plan(
                received,
                resolved,
                basically=received // 8,
                open_count=(received - resolved) // 2,
                not_evaluated=received // 30,
                late=received // 20,
            )
        enterprises = list(
            Enterprise.objects.filter(region__path__startswith=district.path)
            .filter(pairings__role=Pairing.Role.PRIMARY)
            .distinct()
            .order_by("pk")
        )
        departments = list(
            Department.objects.filter(Q(region__path__startswith=district.path) | Q(region=city))
            .filter(is_active=True)
            .order_by("pk")
        )
        if enterprises and departments:
            groups.append((plans, enterprises, departments))
    requests, details = [], []
    for plans, enterprises, departments in groups:
        for n, plan in enumerate(plans):
            enterprise = enterprises[n % len(enterprises)]
            commissioner_id = commissioner_of[enterprise.pk]
            member_id = member_of.get(enterprise.pk)
            category = categories[rng.randrange(len(categories))]
            submitted = year_start + timedelta(seconds=rng.randrange(span))
            if not plan["outcome"]:  # still open: submitted in the last days
                submitted = now - timedelta(hours=rng.randint(2, 90))
            assign_due = add_days(submitted, 1, working=True, calendar=calendar)
            answer_due = add_days(submitted, 3, working=True, calendar=calendar)
            req = Request(
                enterprise=enterprise,
                region_id=enterprise.region_id,
                category=category,
                title=TITLES.get(category.code, "{}相关诉求").format(category.name)[:100],
                description="企业反映：" + category.name + "方面的问题，请协调解决。",
                source=Source.PORTAL if member_id else Source.VISIT,
                created_by_id=member_id or commissioner_id,
                commissioner_id=commissioner_id,
                submitted_at=submitted,
                assign_due_at=assign_due,
                answer_due_at=answer_due,
                original_answer_due_at=answer_due,
                status=Status.SUBMITTED,
            )
            department = departments[rng.randrange(len(departments))]
            assigned = submitted + timedelta(hours=rng.randint(1, 6))
            if assigned < now:
                req.assigned_at, req.assigned_on_time = assigned, assigned <= assign_due
                req.lead_department, req.status = department, Status.IN_PROGRESS
            if plan["outcome"]:
                hours = rng.randint(8, 60) if not plan["late"] else rng.randint(100, 200)
                answered = min(submitted + timedelta(hours=hours), now - timedelta(hours=1))
                req.answered_at, req.answered_on_time = answered, answered <= answer_due
                req.outcome, req.status = plan["outcome"], Status.ANSWERED
                if plan["evaluated"]:
                    req.verdict, req.satisfaction_score = plan["verdict"], SCORES[plan["verdict"]]
                    req.status, req.close_reason = Status.CLOSED, CloseReason.EVALUATED
                    req.closed_at = answered + timedelta(hours=rng.randint(2, 40))
                    req.reopen_count = 1 if plan["reopened"] else 0
                elif answered < now - timedelta(days=10):
                    req.status, req.close_reason = Status.CLOSED, CloseReason.NOT_EVALUATED
                    req.closed_at = answered + timedelta(days=9)
            requests.append(req)
            details.append((plan, department))
    created = Request.objects.bulk_create(requests, batch_size=1000)
    dispatches, events, evaluations, cards = [], [], [], []
    for req, (_plan_of, department) in zip(created, details, strict=True):
        events.append(
            RequestEvent(
                request=req,
                actor_id=req.created_by_id,
                action="submit",
                to_status="submitted",
                created_at=req.submitted_at,
            )
        )
        if req.assigned_at:
            dispatches.append(
                Dispatch(
                    request=req,
                    department=department,
                    role=Dispatch.Role.LEAD,
                    dispatched_by_id=req.commissioner_id,
                    dispatched_at=req.assigned_at,
                    answer_due_at=req.answer_due_at,
                    status=DispatchStatus.ANSWERED if req.answered_at else DispatchStatus.ACCEPTED,
                    accepted_at=req.assigned_at + timedelta(hours=1),
                    answered_at=req.answered_at,
                    outcome=req.outcome,
                    answer="已按政策办理并答复企业。" if req.answered_at else "",
                    round=req.reopen_count,
                )
            )
            events.append(
                RequestEvent(
                    request=req,
                    actor_id=req.commissioner_id,
                    action="dispatch",
                    from_status="submitted",
                    to_status="in_progress",
                    created_at=req.assigned_at,
                    data={"lead": department.name, "co": []},
                )
            )
        if req.answered_at:
            events.append(
                RequestEvent(
                    request=req,
                    action="answer",
                    from_status="in_progress",
                    to_status="answered",
                    comment="已按政策办理并答复企业。",
                    created_at=req.answered_at,
                    data={"outcome": req.outcome, "on_time": req.answered_on_time},
                )
            )
            if not req.answered_on_time:
                cards.append(
                    Card(
                        request=req,
                        unit=department,
                        region_id=req.region_id,
                        kind="yellow",
                        issued_at=req.answer_due_at,
                        reason="答复超期",
                    )
                )
        if req.verdict:
            if req.reopen_count:
                evaluations.append(
                    Evaluation(
                        request=req,
                        author_id=req.created_by_id,
                        verdict=Verdict.DISSATISFIED,
                        score=0,
                        comment="问题未彻底解决",
                        round=0,
                        created_at=req.answered_at - timedelta(hours=1),
                    )
                )
            evaluations.append(
                Evaluation(
                    request=req,
                    author_id=req.created_by_id,
                    verdict=req.verdict,
                    score=req.satisfaction_score,
                    round=req.reopen_count,
                    created_at=req.closed_at,
                )
            )
            events.append(
                RequestEvent(
                    request=req,
                    actor_id=req.created_by_id,
                    action="evaluate",
                    from_status="answered",
                    to_status="closed",
                    created_at=req.closed_at,
                    data={"verdict": req.verdict, "score": req.satisfaction_score},
                )
            )
        elif req.close_reason == CloseReason.NOT_EVALUATED:
            events.append(
                RequestEvent(
                    request=req,
                    action="close_unevaluated",
                    from_status="answered",
                    to_status="closed",
                    created_at=req.closed_at,
                )
            )
    Dispatch.objects.bulk_create(dispatches, batch_size=1000)
    RequestEvent.objects.bulk_create(events, batch_size=2000)
    Evaluation.objects.bulk_create(evaluations, batch_size=1000)
    Card.objects.bulk_create(cards, batch_size=1000)
    return len(created)
