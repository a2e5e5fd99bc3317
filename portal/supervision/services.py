"""Every write of supervision: ranking publication, stored timings, big-screen links, standard
answers, return visits and export jobs. Requests are never written here."""

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.clock import working_time_between
from issues.models import Category, Request
from issues.selectors import work_calendar
from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.orgs.models import Region
from portal.orgs.selectors import region_scope_for

from .models import (
    BigScreenToken,
    CommonIssue,
    ExportJob,
    RankingEntry,
    RankingSnapshot,
    RankingWeights,
    RequestTiming,
    ReturnVisit,
    UnitKind,
)
from .ranking import ranking_rows

logger = logging.getLogger(__name__)


def _check_supervises(user, region: Region) -> None:
    if not (user.is_authenticated and user.is_supervisor and region_scope_for(user).filter(pk=region.pk).exists()):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# ranking snapshots


@transaction.atomic
def ranking_publish(*, month: date, kind: str, actor=None, reason: str = "", http_request=None) -> RankingSnapshot:
    """Freeze the month's ranking as a new version. Version 1 needs no reason; a republish does."""
    month = month.replace(day=1)
    if kind not in UnitKind.values:
        raise ValidationError(_("Unknown kind of unit."))
    if actor is not None and not (actor.is_supervisor and region_scope_for(actor).filter(
            level=Region.Level.CITY).exists()):
        raise PermissionDenied
    last = (RankingSnapshot.objects.select_for_update().filter(month=month, kind=kind).order_by("-version").first())
    reason = (reason or "").strip()
    if last is not None and not reason:
        raise ValidationError(_("Say why the month is published again."))
    weights = RankingWeights.current()
    snapshot = RankingSnapshot.objects.create(
        month=month, kind=kind, version=(last.version + 1) if last else 1, reason=reason[:1000],
        weights={f: str(getattr(weights, f)) for f in ("on_time_dispatch", "on_time_answer", "resolution",
                                                       "satisfaction", "yellow_card_penalty", "red_card_penalty")})
    rows = ranking_rows(kind, month, weights=weights)
    RankingEntry.objects.bulk_create([RankingEntry(snapshot=snapshot, **row) for row in rows])
    snapshot.published_at = timezone.now()
    snapshot.published_by = actor
    snapshot.save(update_fields=["published_at", "published_by"])
    audit_record(action=AuditEvent.Action.RANKING, actor=actor, request=http_request,
                 target=f"ranking {month:%Y-%m} {kind} v{snapshot.version}",
                 detail={"snapshot": snapshot.pk, "version": snapshot.version, "reason": reason,
                         "units": len(rows)})
    return snapshot


def ranking_publish_month(*, month: date) -> list[RankingSnapshot]:
    """The beat task's work: publish every kind of the month that has no published version yet."""
    published = []
    for kind in UnitKind.values:
        if not RankingSnapshot.objects.filter(month=month.replace(day=1), kind=kind,
                                              published_at__isnull=False).exists():
            published.append(ranking_publish(month=month, kind=kind))
    return published


# ---------------------------------------------------------------------------------------------
# stored working hours


def timings_refresh(*, limit: int | None = None, full: bool = False) -> int:
    """Count the working hours to dispatch and to answer of requests whose stamps changed."""
    qs = Request.objects.filter(assigned_at__isnull=False)
    if not full:
        qs = qs.filter(Q(timing__isnull=True) | ~Q(timing__assigned_at=F("assigned_at"))
                       | Q(answered_at__isnull=False, timing__answered_at__isnull=True)
                       | Q(answered_at__isnull=True, timing__answered_at__isnull=False)
                       | ~Q(timing__answered_at=F("answered_at")))
    rows = qs.order_by("pk").values_list("pk", "submitted_at", "assigned_at", "answered_at")
    if limit:
        rows = rows[:limit]
    calendar = work_calendar()
    batch, written = [], 0
    for pk, submitted, assigned, answered in rows.iterator(chunk_size=5000):
        dispatch_hours = working_time_between(submitted, assigned, calendar).total_seconds() / 3600
        answer_hours = (working_time_between(submitted, answered, calendar).total_seconds() / 3600
                        if answered else None)
        batch.append(RequestTiming(request_id=pk, assigned_at=assigned, answered_at=answered,
                                   dispatch_hours=round(dispatch_hours, 2),
                                   answer_hours=None if answer_hours is None else round(answer_hours, 2)))
        if len(batch) >= 5000:
            written += _save_timings(batch)
            batch = []
    written += _save_timings(batch)
    return written


def _save_timings(batch: list[RequestTiming]) -> int:
    if batch:
        RequestTiming.objects.bulk_create(batch, update_conflicts=True, unique_fields=["request"],
                                          update_fields=["assigned_at", "answered_at", "dispatch_hours",
                                                         "answer_hours"])
    return len(batch)


# ---------------------------------------------------------------------------------------------
# big-screen links


@transaction.atomic
def token_create(*, actor, region: Region, label: str = "", http_request=None) -> BigScreenToken:
    _check_supervises(actor, region)
    token = BigScreenToken.objects.create(region=region, label=label.strip()[:100], created_by=actor)
    audit_record(action=AuditEvent.Action.OTHER, actor=actor, request=http_request,
                 target=f"big screen link {token.pk}", detail={"region": region.code, "created": True})
    return token


@transaction.atomic
def token_revoke(*, actor, token_id: int, http_request=None) -> BigScreenToken:
    token = BigScreenToken.objects.select_for_update().select_related("region").filter(pk=token_id).first()
    if token is None:
        raise PermissionDenied
    _check_supervises(actor, token.region)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action=AuditEvent.Action.OTHER, actor=actor, request=http_request,
                     target=f"big screen link {token.pk}", detail={"region": token.region.code, "revoked": True})
    return token


# ---------------------------------------------------------------------------------------------
# common requests and return visits


@transaction.atomic
def common_issue_mark(*, actor, category: Category, industry: str, region: Region, title: str,
                      standard_answer: str) -> CommonIssue:
    """Mark a group of common requests as a policy issue with a standard answer (快解快答)."""
    _check_supervises(actor, region)
    title, standard_answer = title.strip(), standard_answer.strip()
    if not title or not standard_answer:
        raise ValidationError(_("Give the policy issue a title and a standard answer."))
    issue, _created = CommonIssue.objects.update_or_create(
        category=category, industry=industry, region=region,
        defaults={"title": title[:100], "standard_answer": standard_answer[:5000], "marked_by": actor})
    return issue


@transaction.atomic
def return_visit_record(*, actor, req: Request, outcome: str, note: str = "") -> ReturnVisit:
    _check_supervises(actor, req.region)
    if outcome not in ReturnVisit.Outcome.values:
        raise ValidationError(_("Choose the outcome of the call."))
    return ReturnVisit.objects.create(request=req, supervisor=actor, outcome=outcome, note=note.strip()[:2000])


# ---------------------------------------------------------------------------------------------
# export jobs


def export_job_create(*, actor, kind: str, params: dict, total: int) -> ExportJob:
    return ExportJob.objects.create(created_by=actor, kind=kind, params=params, total=total)


def export_job_progress(*, job_id: int, done: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(done=done, status=ExportJob.Status.RUNNING)


def export_job_finish(*, job: ExportJob, name: str, content, error: str = "") -> None:
    job.finished_at = timezone.now()
    if error:
        job.status, job.error = ExportJob.Status.FAILED, error[:2000]
        job.save(update_fields=["status", "error", "finished_at"])
        return
    job.file.save(name, content, save=False)
    job.status, job.done = ExportJob.Status.DONE, job.total
    job.save(update_fields=["file", "status", "done", "finished_at"])
