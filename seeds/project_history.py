"""Demo history of the key projects, loaded by ``seed_demo`` after the request history.

Every demo project gets its stage changes (from 在谈 up to its stage), a half-monthly progress report for
each period of this year that is due (a few filed late, a few missing), weekly site visits by its A角
(some weeks missed), and a few stalled projects that have neither reported nor changed stage for months.
Requests raised for projects are requests of the existing history: some of the owner enterprise's
requests are linked to its project, so the request figures stay what the history seeds. Written with
``bulk_create``; loading twice changes nothing: a marker event says the history is there.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from issues.models import Request, Visit
from portal.accounts.models import AuditEvent, User
from portal.orgs.models import Industry
from projects.models import STAGE_ORDER, ProgressReport, Project, ProjectPairing, Stage, StageChange, period_of
from projects.selectors import rules_by_region

MARKER = "project_history_seeded"
STALLED_EVERY = 9  # one project in nine has stalled
LATE_EVERY = 7  # one report in seven comes after its grace days
MISSING_EVERY = 11  # one project in eleven has not reported the last due half-month
REQUESTS_PER_PROJECT = 2
STREETS = ("胜利东街", "北海路", "潍州路", "东风东街", "健康东街", "宝通街", "文化路", "福寿东街", "鸢飞路", "北宫东街")
INDUSTRIES = [value for value in Industry.values if value != Industry.OTHER] or [Industry.OTHER]


def load(stdout) -> None:
    if AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, target=MARKER).exists():
        stdout.write("Project history already loaded.\n")
        return
    with transaction.atomic():
        counts = _load(timezone.localdate())
        AuditEvent.objects.create(action=AuditEvent.Action.IMPORT, target=MARKER, detail=counts)
    stdout.write(
        "Project history: {projects} projects, {stage_changes} stage changes, {reports} reports, "
        "{visits} visits, {linked_requests} requests linked.\n".format(**counts)
    )


def _load(today: datetime.date) -> dict:
    projects = list(Project.objects.select_related("enterprise").order_by("region_id", "name"))
    primary = {
        p.project_id: p.commissioner_id
        for p in ProjectPairing.objects.filter(role=ProjectPairing.Role.PRIMARY).order_by("pk")
    }
    fallback = User.objects.filter(is_superuser=True).order_by("pk").values_list("pk", flat=True).first()
    rules = rules_by_region()
    year_start = today.replace(month=1, day=1)
    changes, reports, visits = [], [], []
    for index, project in enumerate(projects):
        rng = random.Random(f"project-{project.region_id}-{project.name}")
        actor = primary.get(project.pk) or fallback
        if actor is None:
            continue
        stalled = index % STALLED_EVERY == 4 and project.stage != Stage.COMPLETED
        # stage history: one change per stage reached, the last one dated by stage_changed_on
        reached = [s for s in Stage.values if STAGE_ORDER[s] <= STAGE_ORDER[project.stage]]
        day = today - datetime.timedelta(days=rng.randint(500, 900))
        last_change = day
        for previous, stage in zip(["", *reached], reached, strict=False):
            changes.append(
                StageChange(project=project, from_stage=previous, to_stage=stage, changed_on=day, actor_id=actor)
            )
            last_change = day
            day = min(day + datetime.timedelta(days=rng.randint(40, 150)), today - datetime.timedelta(days=100))
        if not stalled and project.stage not in (Stage.NEGOTIATING, Stage.COMPLETED) and rng.random() < 0.5:
            last_change = today - datetime.timedelta(days=rng.randint(5, 40))
            changes[-1].changed_on = last_change
        project.stage_changed_on = last_change
        project.reports_from = year_start
        project.industry = project.enterprise.industry if project.enterprise else rng.choice(INDUSTRIES)
        project.site_address = project.site_address or f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        project.visit_every_days = 7
        # half-monthly reports of this year, through the newest period whose grace days are over
        grace = rules[project.region_id].report_grace_days
        newest_due = period_of(today - datetime.timedelta(days=grace + 1))
        if newest_due[1] + datetime.timedelta(days=grace) >= today:
            newest_due = period_of(newest_due[0] - datetime.timedelta(days=1))
        periods = []
        start = year_start
        while start <= newest_due[0]:
            periods.append(period_of(start))
            start = period_of(start)[1] + datetime.timedelta(days=1)
        if project.stage == Stage.COMPLETED:
            periods = []
        if stalled:
            periods = [p for p in periods if p[1] < today - datetime.timedelta(days=90)]
        elif index % MISSING_EVERY == 2 and periods:
            periods = periods[:-1]
        per_period = (project.planned_investment / max(len(periods), 1)).quantize(Decimal("0.01"))
        for number, (first, last) in enumerate(periods):
            late = number % LATE_EVERY == index % LATE_EVERY and number > 0
            filed_on = last + datetime.timedelta(days=grace + rng.randint(1, 6) if late else rng.randint(0, grace))
            filed_on = min(filed_on, today)
            reports.append(
                ProgressReport(
                    project=project,
                    period_start=first,
                    period_end=last,
                    progress=f"{project.get_stage_display()}阶段，按计划推进。",
                    investment=min(per_period, project.completed_investment),
                    stage=project.stage,
                    problems="",
                    filed_by_id=actor,
                    filed_at=timezone.make_aware(datetime.datetime.combine(filed_on, datetime.time(16))),
                    on_time=not late,
                )
            )
        project.reported_through = periods[-1][1] if periods else None
        filed_days = [min(p[1] + datetime.timedelta(days=grace), today) for p in periods]
        project.last_progress_on = max([last_change, *filed_days])
        if stalled:
            project.last_progress_on = min(project.last_progress_on, today - datetime.timedelta(days=100))
            project.stage_changed_on = min(project.stage_changed_on, project.last_progress_on)
            changes[-1].changed_on = project.stage_changed_on
        # weekly site visits this year, one week in six missed (none for stalled or completed projects)
        if not stalled and project.stage != Stage.COMPLETED:
            week = year_start - datetime.timedelta(days=year_start.weekday())
            while week + datetime.timedelta(days=7) <= today:
                if rng.randrange(6):
                    visits.append(
                        Visit(
                            commissioner_id=actor,
                            project=project,
                            enterprise=project.enterprise,
                            visited_on=max(week + datetime.timedelta(days=rng.randint(0, 4)), year_start),
                            people_met="项目负责人",
                            notes="查看现场进度，了解项目推进中的困难。",
                        )
                    )
                week += datetime.timedelta(days=7)
    StageChange.objects.bulk_create(changes, batch_size=1000)
    ProgressReport.objects.bulk_create(reports, batch_size=1000)
    Visit.objects.bulk_create(visits, batch_size=1000)
    Project.objects.bulk_update(
        projects,
        [
            "stage_changed_on",
            "reports_from",
            "industry",
            "site_address",
            "visit_every_days",
            "reported_through",
            "last_progress_on",
        ],
        batch_size=500,
    )
    return {
        "projects": len(projects),
        "stage_changes": len(changes),
        "reports": len(reports),
        "visits": len(visits),
        "linked_requests": _link_requests(projects),
    }


def _link_requests(projects: list[Project]) -> int:
    """Link some of each owner enterprise's history requests to its project (no request is created)."""
    owned = {}
    for project in projects:
        if project.enterprise_id is not None:
            owned.setdefault(project.enterprise_id, project)
    linked = 0
    candidates = (
        Request.objects.filter(enterprise_id__in=list(owned), project__isnull=True)
        .filter(work_order_number="")
        .order_by("enterprise_id", "pk")
        .values_list("pk", "enterprise_id")
    )
    chosen: dict[int, list[int]] = {}
    for pk, enterprise_id in candidates:
        picked = chosen.setdefault(enterprise_id, [])
        if len(picked) < REQUESTS_PER_PROJECT:
            picked.append(pk)
    for enterprise_id, pks in chosen.items():
        linked += Request.objects.filter(pk__in=pks).update(project=owned[enterprise_id])
    return linked
