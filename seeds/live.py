"""Live demo work: requests in every state, filed and moved through the real services, so each demo
login finds something to do — the enterprise has an answer to rate, the commissioner has requests to
dispatch (one of them overdue), the department has tasks to accept and answer.

Loaded by ``seed_demo`` after the history; loading twice changes nothing (the titles are the marker).
"""

from django.db import transaction
from django.utils import timezone

from issues import services
from issues.clock import add_working_time
from issues.models import Category, Outcome, Request, Source
from issues.selectors import work_calendar
from portal.accounts.models import User
from portal.orgs.models import Department, DepartmentMembership, EnterpriseMembership, Pairing

# (title, category, description, what happens, working hours ago it was filed)
LIVE = [
    (
        "申请高新技术企业认定辅导",
        "policy",
        "企业今年研发投入增长较快，希望了解高新技术企业认定条件并获得申报辅导。",
        "submitted",
        2,
    ),
    (
        "厂区门前道路破损影响货车通行",
        "infrastructure",
        "厂区东侧道路多处塌陷，重载货车进出困难，雨天积水严重，希望协调有关部门尽快修复。",
        "submitted",
        30,
    ),
    (
        "急需数控机床操作工30名",
        "labour",
        "新生产线下月投产，数控机床操作工缺口约30人，希望协助对接技师学院定向培养和招聘。",
        "dispatched",
        6,
    ),
    (
        "技改项目贷款额度不足",
        "finance",
        "技改项目设备款缺口约800万元，现有授信额度不足，希望帮助对接银行增加授信。",
        "answered",
        20,
    ),
    (
        "新建厂房消防验收材料咨询",
        "approval",
        "新建二号厂房即将竣工，想了解消防验收需要提交的材料和办理流程。",
        "info_needed",
        10,
    ),
]


def _handler_of(department: Department) -> User | None:
    membership = (
        DepartmentMembership.objects.filter(department=department, kind=DepartmentMembership.Kind.HANDLER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def load(stdout) -> None:
    qiye = User.objects.filter(username="qiye").first()
    membership = EnterpriseMembership.objects.filter(user=qiye).select_related("enterprise").first()
    if qiye is None or membership is None:
        stdout.write("No demo enterprise user: live requests skipped.\n")
        return
    enterprise = membership.enterprise
    if Request.objects.filter(enterprise=enterprise, title__in=[row[0] for row in LIVE]).exists():
        stdout.write("Live demo requests already loaded.\n")
        return
    commissioner = Pairing.objects.active().filter(enterprise=enterprise, role=Pairing.Role.PRIMARY).first()
    hr = Department.objects.filter(name="市人社局").first()
    finance = Department.objects.filter(name__contains="金融").order_by("region__path").first() or hr
    if commissioner is None or hr is None:
        stdout.write("No commissioner or department: live requests skipped.\n")
        return
    commissioner = commissioner.commissioner
    calendar = work_calendar()
    now = timezone.now()
    with transaction.atomic():
        for title, category, description, state, hours_ago in LIVE:
            filed = add_working_time(now, timezone.timedelta(hours=-hours_ago), calendar)
            req = services.request_submit(
                actor=qiye,
                enterprise=enterprise,
                title=title,
                description=description,
                category=Category.objects.get(code=category),
                source=Source.PORTAL,
                now=min(filed, now),
            )
            if state == "dispatched":
                services.request_dispatch(
                    req_id=req.pk,
                    actor=commissioner,
                    lead=hr,
                    instruction="请对接技师学院定向培养并发布招聘信息，3个工作日内答复企业。",
                )
            elif state == "answered":
                services.request_dispatch(
                    req_id=req.pk, actor=commissioner, lead=finance, instruction="请协调合作银行评估授信，答复企业。"
                )
                dispatch = req.dispatches.get()
                handler = _handler_of(finance)
                if handler is not None:
                    services.dispatch_accept(dispatch_id=dispatch.pk, actor=handler)
                    services.dispatch_answer(
                        dispatch_id=dispatch.pk,
                        actor=handler,
                        outcome=Outcome.RESOLVED,
                        body="已协调潍坊农商银行上门对接，新增授信800万元，本周内完成审批放款。",
                    )
            elif state == "info_needed":
                services.request_ask_info(
                    req_id=req.pk, actor=commissioner, question="请补充厂房建筑面积、使用性质和设计单位名称。"
                )
    stdout.write(f"Live demo requests: {len(LIVE)} for {enterprise.name}.\n")
