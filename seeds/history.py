"""Demo request history for the supervision pages, loaded by ``seed_demo`` after the organisation.

This year's requests are written directly with ``bulk_create`` (it is history, not live work), with
consistent deadlines, dispatches, answers, evaluations and events, so that the dashboards show the
figures of the source articles: the city resolves about 97.5% of its requests; 奎文区 resolved 92 of
116 with a satisfaction coefficient of 96.2; 坊子区 resolved 142 of 150 with the enterprise satisfied.
The live demo work of ``seeds/live.py`` (the requests the demo logins act on) belongs to the home
enterprise in 奎文区 and is counted inside these totals: 奎文区's history holds 116 - 5 requests, 92 - 1
of them resolved, so that with the live work the district shows exactly 116 received and 92 resolved
(and the city 2,340 of 2,400).

Every figure has its trail: late answers carry a red card on the lead department, late dispatches a
yellow card on the commissioner's unit; a reopened request has its first answer, the 不满意 rating of
that answer, the reopen event and the second answer, in that order; a request filed on a visit has the
commissioner's visit (走访) record. Loading twice changes nothing: a marker event says the history is there.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from issues.clock import WorkCalendar, add_days
from issues.models import (
    Card,
    CardKind,
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
    Visit,
)
from portal.accounts.models import AuditEvent
from portal.orgs.models import Department, DepartmentMembership, Enterprise, EnterpriseMembership, Pairing, Region

from .enterprises import HOME_ENTERPRISE, REAL_ENTERPRISES
from .live import LIVE

SEED = 7700
MARKER = "history_seeded"
KUIWEN, FANGZI = "370705", "370704"
OTHER_RECEIVED, OTHER_RESOLVED = 2134, 2106  # with 奎文区 and 坊子区: 2,340 of 2,400 = 97.5%
KUIWEN_RECEIVED, KUIWEN_RESOLVED = 116, 92
# Titles as an enterprise would write them, per category code.
TITLES = {
    "policy": [
        "咨询技改补贴政策兑现流程",
        "申请研发费用加计扣除辅导",
        "了解专精特新企业奖励申报条件",
        "咨询稳岗返还资金到账时间",
    ],
    "finance": [
        "申请提高流动资金贷款额度",
        "希望对接银行办理设备融资租赁",
        "咨询知识产权质押贷款办理",
        "申请应急转贷资金支持",
    ],
    "labour": ["招聘技术工人困难", "急需焊工和电工各十名", "希望对接职业院校订单式培养", "咨询新招员工岗前培训补贴"],
    "talent": ["引进高层次人才落户咨询", "申请人才公寓配租", "博士后工作站设立条件咨询", "外籍技术专家工作许可办理"],
    "land": ["扩建项目急需新增建设用地", "咨询工业用地弹性年期出让", "厂区土地证变更登记进度", "闲置厂房盘活利用咨询"],
    "approval": [
        "新建厂房施工许可办理进度",
        "食品生产许可证延续办理",
        "项目竣工联合验收预约",
        "危化品经营许可变更咨询",
    ],
    "infrastructure": ["厂区门前道路需要修缮", "新车间用电增容申请", "园区天然气管道接入", "厂区供水压力不足"],
    "environment": ["技改项目环评审批咨询", "排污许可证变更办理", "危废处置单位对接", "VOCs治理设施改造政策咨询"],
    "market": ["希望参加外地产品推介会", "拓展海外市场渠道咨询", "申请政府采购供应商入库", "产品进入本地重点项目配套"],
    "legal": ["合同纠纷法律咨询", "商标被抢注维权咨询", "拖欠货款追讨法律援助", "劳动争议调解咨询"],
    "other": ["企业搬迁过渡期生产协调", "厂区周边交通信号灯设置建议", "员工子女入学咨询", "企业用车停放场地协调"],
}
SCORES = {Verdict.SATISFIED: 100, Verdict.BASICALLY: 80, Verdict.DISSATISFIED: 0}


def _live_in(district: Region) -> tuple[int, int]:
    """(received, resolved) of the live demo work when it lands in ``district`` (the home enterprise's)."""
    home = next((code for name, code, _industry, _size in REAL_ENTERPRISES if name == HOME_ENTERPRISE), None)
    if home != district.code:
        return 0, 0
    return len(LIVE), sum(1 for row in LIVE if row[3] == "answered")


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
        # a few dispatches after the deadline, on requests that were answered on time
        plan["dispatch_late"] = not plan["late"] and bool(plan["outcome"]) and n % 53 == 11
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
    unit_of = dict(
        DepartmentMembership.objects.filter(kind=DepartmentMembership.Kind.COMMISSIONER)
        .order_by("-pk")
        .values_list("user_id", "department_id")
    )
    groups = []
    others = [d for d in districts if d.code not in (KUIWEN, FANGZI)]
    for district in districts:
        if district.code == KUIWEN:
            live_received, live_resolved = _live_in(district)  # 4 of the 5 live requests are still open
            plans = _plan(
                KUIWEN_RECEIVED - live_received,
                KUIWEN_RESOLVED - live_resolved,
                basically=19,
                open_count=16 - (live_received - live_resolved),
                late=6,
            )
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
                title=rng.choice(TITLES.get(category.code, TITLES["other"])),
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
            if plan["dispatch_late"]:
                assigned = assign_due + timedelta(hours=rng.randint(2, 20))
            if assigned < now:
                req.assigned_at, req.assigned_on_time = assigned, assigned <= assign_due
                req.lead_department, req.status = department, Status.IN_PROGRESS
            if plan["outcome"]:
                hours = rng.randint(8, 60) if not plan["late"] else rng.randint(100, 200)
                answered = min(max(submitted, assigned) + timedelta(hours=hours), now - timedelta(hours=1))
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
            req.current_due_at = req.running_due_at()  # as Request.save keeps it: bulk_create does not
            requests.append(req)
            details.append((plan, department))
    created = Request.objects.bulk_create(requests, batch_size=1000)
    dispatches, events, evaluations, cards, visits = [], [], [], [], []
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
                    # what the database's triggers copy too (issues/triggers.py)
                    request_status=req.status,
                    request_title=req.title,
                    request_description=req.description,
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
        if req.assigned_at and not req.assigned_on_time and unit_of.get(req.commissioner_id):
            cards.append(
                Card(
                    request=req,
                    unit_id=unit_of[req.commissioner_id],
                    region_id=req.region_id,
                    kind=CardKind.YELLOW,
                    issued_at=req.assign_due_at,
                    reason=f"交办期限{_when(req.assign_due_at)}已超期",
                )
            )
        if req.answered_at and req.reopen_count:
            # the first answer, rated 不满意 after it was given, and reopened: then the second answer below
            first_answer = req.submitted_at + (req.answered_at - req.submitted_at) / 3
            rated = first_answer + (req.answered_at - first_answer) / 3
            events.append(
                RequestEvent(
                    request=req,
                    action="answer",
                    from_status="in_progress",
                    to_status="answered",
                    comment="已按政策办理并答复企业。",
                    created_at=first_answer,
                    data={"outcome": req.outcome, "on_time": True},
                )
            )
            evaluations.append(
                Evaluation(
                    request=req,
                    author_id=req.created_by_id,
                    verdict=Verdict.DISSATISFIED,
                    score=0,
                    comment="问题未彻底解决，请再协调。",
                    round=0,
                    created_at=rated,
                )
            )
            events.append(
                RequestEvent(
                    request=req,
                    actor_id=req.created_by_id,
                    action="reopen",
                    from_status="answered",
                    to_status="in_progress",
                    comment="问题未彻底解决，请再协调。",
                    created_at=rated,
                    data={"verdict": Verdict.DISSATISFIED, "score": 0},
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
                        kind=CardKind.RED,
                        round=req.reopen_count,
                        issued_at=req.answer_due_at,
                        reason=f"答复期限{_when(req.answer_due_at)}已超期",
                    )
                )
        if req.verdict:
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
        if req.source == Source.VISIT:
            visits.append(
                Visit(
                    commissioner_id=req.commissioner_id,
                    enterprise_id=req.enterprise_id,
                    visited_on=timezone.localtime(req.submitted_at).date(),
                    people_met="企业负责人",
                    notes=f"走访企业，了解生产经营情况，现场记录诉求：{req.title}。",
                    created_at=req.submitted_at,
                )
            )
    Dispatch.objects.bulk_create(dispatches, batch_size=1000)
    RequestEvent.objects.bulk_create(events, batch_size=2000)
    Evaluation.objects.bulk_create(evaluations, batch_size=1000)
    Card.objects.bulk_create(cards, batch_size=1000)
    Visit.objects.bulk_create(visits, batch_size=1000)
    return len(created)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
