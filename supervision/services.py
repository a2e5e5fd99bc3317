"""Every write of supervision: ranking publication, stored timings, big-screen links, standard
answers, return visits and export jobs. Requests are never written here."""

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.clock import working_time_between
from issues.models import Card, Category, Request, Status
from issues.selectors import work_calendar
from knowledge.models import Entry
from knowledge.services import common_answer_mark
from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.orgs.models import Region

from .metrics import PREFIX, STAT_COLUMNS, stored_expressions
from .models import (
    GRAIN_KEYS,
    BigScreenToken,
    DailyStat,
    ExportJob,
    Grain,
    MonthlyStat,
    RankingEntry,
    RankingSnapshot,
    RankingWeights,
    RequestTiming,
    ReturnVisit,
    StatDirtyDay,
    StatKey,
    StatRefresh,
    UnitKind,
)
from .permissions import check_supervises, may_publish_ranking
from .ranking import ranking_rows

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# ranking snapshots


@transaction.atomic
def ranking_publish(*, month: date, kind: str, actor=None, reason: str = "", http_request=None) -> RankingSnapshot:
    """Freeze the month's ranking as a new version. Version 1 needs no reason; a republish does."""
    month = month.replace(day=1)
    if kind not in UnitKind.values:
        raise ValidationError(_("Unknown kind of unit."))
    if actor is not None and not may_publish_ranking(actor):
        raise PermissionDenied
    last = RankingSnapshot.objects.select_for_update().filter(month=month, kind=kind).order_by("-version").first()
    reason = (reason or "").strip()
    if last is not None and not reason:
        raise ValidationError(_("Say why the month is published again."))
    weights = RankingWeights.current()
    snapshot = RankingSnapshot.objects.create(
        month=month,
        kind=kind,
        version=(last.version + 1) if last else 1,
        reason=reason[:1000],
        weights={
            f: str(getattr(weights, f))
            for f in (
                "on_time_dispatch",
                "on_time_answer",
                "resolution",
                "satisfaction",
                "yellow_card_penalty",
                "red_card_penalty",
                "project_service",
            )
        },
    )
    rows = ranking_rows(kind, month, weights=weights)
    RankingEntry.objects.bulk_create([RankingEntry(snapshot=snapshot, **row) for row in rows])
    snapshot.published_at = timezone.now()
    snapshot.published_by = actor
    snapshot.save(update_fields=["published_at", "published_by"])
    audit_record(
        action=AuditEvent.Action.RANKING,
        actor=actor,
        request=http_request,
        target=f"ranking {month:%Y-%m} {kind} v{snapshot.version}",
        detail={"snapshot": snapshot.pk, "version": snapshot.version, "reason": reason, "units": len(rows)},
    )
    return snapshot


def ranking_publish_month(*, month: date) -> list[RankingSnapshot]:
    """The beat task's work: publish every kind of the month that has no published version yet."""
    published = []
    for kind in UnitKind.values:
        if not RankingSnapshot.objects.filter(
            month=month.replace(day=1), kind=kind, published_at__isnull=False
        ).exists():
            published.append(ranking_publish(month=month, kind=kind))
    return published


# ---------------------------------------------------------------------------------------------
# stored working hours


def timings_refresh(*, full: bool = False) -> int:
    """Count the working hours to dispatch and to answer of requests whose stamps changed. Only the
    requests changed since the newest stamp already counted are looked at (less an overlap for late
    commits; ``req_updated`` serves it, not a read of every request); all of them the first time. A run
    counts every request it finds: stopping part-way could leave the newest stamp ahead of requests not
    yet counted, and the next run would not look at them again."""
    qs = Request.objects.filter(assigned_at__isnull=False)
    if not full:
        newest = RequestTiming.objects.aggregate(assigned=Max("assigned_at"), answered=Max("answered_at"))
        counted = max((stamp for stamp in newest.values() if stamp is not None), default=None)
        if counted is not None:
            qs = qs.filter(updated_at__gte=counted - STATS_OVERLAP)
        qs = qs.filter(
            Q(timing__isnull=True)
            | ~Q(timing__assigned_at=F("assigned_at"))
            | Q(answered_at__isnull=False, timing__answered_at__isnull=True)
            | Q(answered_at__isnull=True, timing__answered_at__isnull=False)
            | Q(answered_at__lt=F("timing__answered_at"))  # not "~Q(=)": true for every unanswered request
            | Q(answered_at__gt=F("timing__answered_at"))
        )
    rows = qs.order_by("pk").values_list("pk", "submitted_at", "assigned_at", "answered_at")
    calendar = work_calendar()
    batch, written, days = [], 0, set()
    for pk, submitted, assigned, answered in rows.iterator(chunk_size=5000):
        days.add(_local_day(submitted))
        dispatch_hours = working_time_between(submitted, assigned, calendar).total_seconds() / 3600
        answer_hours = working_time_between(submitted, answered, calendar).total_seconds() / 3600 if answered else None
        batch.append(
            RequestTiming(
                request_id=pk,
                assigned_at=assigned,
                answered_at=answered,
                dispatch_hours=round(dispatch_hours, 2),
                answer_hours=None if answer_hours is None else round(answer_hours, 2),
            )
        )
        if len(batch) >= 5000:
            written += _save_timings(batch)
            batch = []
    written += _save_timings(batch)
    stat_days_mark(days=days)
    return written


def _save_timings(batch: list[RequestTiming]) -> int:
    if batch:
        RequestTiming.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["request"],
            update_fields=["assigned_at", "answered_at", "dispatch_hours", "answer_hours"],
        )
    return len(batch)


# ---------------------------------------------------------------------------------------------
# big-screen links


@transaction.atomic
def token_create(*, actor, region: Region, label: str = "", http_request=None) -> BigScreenToken:
    check_supervises(actor, region)
    token = BigScreenToken.objects.create(region=region, label=label.strip()[:100], created_by=actor)
    audit_record(
        action=AuditEvent.Action.ACCESS_CHANGE,  # a link opens the region's figures without signing in
        actor=actor,
        request=http_request,
        target=f"big screen link {token.pk}",
        target_type=BigScreenToken._meta.label_lower,
        target_id=str(token.pk),
        detail={"region": region.code, "created": True},
    )
    return token


@transaction.atomic
def token_revoke(*, actor, token_id: int, http_request=None) -> BigScreenToken:
    token = BigScreenToken.objects.select_for_update(of=("self",)).select_related("region").filter(pk=token_id).first()
    if token is None:
        raise PermissionDenied
    check_supervises(actor, token.region)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditEvent.Action.ACCESS_CHANGE,
            actor=actor,
            request=http_request,
            target=f"big screen link {token.pk}",
            target_type=BigScreenToken._meta.label_lower,
            target_id=str(token.pk),
            detail={"region": token.region.code, "revoked": True},
        )
    return token


# ---------------------------------------------------------------------------------------------
# common requests and return visits


@transaction.atomic
def common_issue_mark(
    *, actor, category: Category, industry: str, region: Region, title: str, standard_answer: str
) -> Entry:
    """Mark a group of common requests as a policy issue: its standard answer (快解快答) is published as
    an entry of the knowledge base, the one home of standard answers."""
    check_supervises(actor, region)
    return common_answer_mark(
        actor=actor, category=category, industry=industry, region=region, title=title, body=standard_answer
    )


@transaction.atomic
def return_visit_record(*, actor, req: Request, outcome: str, note: str = "") -> ReturnVisit:
    check_supervises(actor, req.region)
    if outcome not in ReturnVisit.Outcome.values:
        raise ValidationError(_("Choose the outcome of the call."))
    return ReturnVisit.objects.create(request=req, supervisor=actor, outcome=outcome, note=note.strip()[:2000])


# ---------------------------------------------------------------------------------------------
# export jobs


def export_job_create(*, actor, kind: str, params: dict, total: int) -> ExportJob:
    return ExportJob.objects.create(created_by=actor, kind=kind, params=params, total=total)


def export_job_claim(*, job_id: int) -> bool:
    """A worker takes a waiting job; False if another worker already has it (or it is finished)."""
    return bool(
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(status=ExportJob.Status.RUNNING)
    )


def export_jobs_waiting(*, older_than) -> list[int]:
    """Jobs still waiting for a worker: their message was lost with the broker, or never sent."""
    return list(
        ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=older_than).values_list(
            "pk", flat=True
        )
    )


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


EXPORT_DIRECTORY = "exports"


def export_jobs_expire(*, now: datetime | None = None) -> int:
    """Delete the workbooks of export jobs finished more than EXPORT_RETENTION_DAYS ago and mark the jobs
    expired; jobs that never finished within that time are marked too. Files left in the export folder by
    no job (their creator was deleted) go after the same time. Running it again changes nothing more.
    Returns the number of jobs expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff).only("pk", "file"):
        if job.file:
            job.file.delete(save=False)  # a file already gone is not an error
        expired += ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file=""
        )
    expired += ExportJob.objects.filter(
        status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING], created_at__lt=cutoff
    ).update(status=ExportJob.Status.EXPIRED)
    _export_orphans_delete(cutoff)
    if expired:
        logger.info("expired %d export jobs finished before %s", expired, cutoff.isoformat())
    return expired


def _export_orphans_delete(cutoff: datetime) -> None:
    storage = ExportJob._meta.get_field("file").storage
    try:
        _folders, names = storage.listdir(EXPORT_DIRECTORY)
    except FileNotFoundError:
        return
    kept = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    for name in names:
        path = f"{EXPORT_DIRECTORY}/{name}"
        if path not in kept and storage.get_modified_time(path) < cutoff:
            storage.delete(path)


# ---------------------------------------------------------------------------------------------
# the aggregate tables behind the dashboard (DailyStat, MonthlyStat)

# Re-read requests changed this long before the last refresh: a transaction may commit after a later
# refresh has started, with an updated_at from before it.
STATS_OVERLAP = timedelta(minutes=5)
# Contiguous days are counted together, up to this many per query.
RECOUNT_DAYS = 31


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def stat_days_mark(*, days: Iterable[date]) -> None:
    """Have the next refresh count these submission days again."""
    StatDirtyDay.objects.bulk_create([StatDirtyDay(day=day) for day in set(days)], ignore_conflicts=True)


def _changed_days(since: datetime, crossed: tuple[datetime, datetime]) -> set[date]:
    """Submission days of requests that changed since ``since``, whose dispatch or answer deadline
    passed inside ``crossed`` (figures such as "due for dispatch" change with the clock), or whose
    cards were issued or revoked since then."""
    lo, hi = crossed
    day = TruncDate("submitted_at", tzinfo=timezone.get_default_timezone())
    requests = (
        Request.objects.filter(updated_at__gte=since)
        | Request.objects.filter(status__in=Status.values, assign_due_at__gte=lo, assign_due_at__lt=hi)
        | Request.objects.filter(status__in=Status.values, answer_due_at__gte=lo, answer_due_at__lt=hi)
    )
    days = set(requests.order_by().annotate(day=day).values_list("day", flat=True).distinct())
    cards = Card.objects.filter(Q(issued_at__gte=since) | Q(revoked_at__gte=since)).values("request_id")
    days |= set(
        Request.objects.filter(pk__in=cards).order_by().annotate(day=day).values_list("day", flat=True).distinct()
    )
    return days


def _runs(days: Iterable[date], longest: int) -> list[tuple[date, date]]:
    """Sorted days as contiguous (first, last) runs of at most ``longest`` days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1) and (day - runs[-1][0]).days < longest:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


# the aggregate tables' dimension columns; a grain that sums over one stores NULL in it
KEY_COLUMNS = tuple(DailyStat._meta.get_field(name).column for name in StatKey.KEY)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _stat_insert(model, period: str) -> str:
    columns = ", ".join(_q(c) for c in ("grain", period, *KEY_COLUMNS, *STAT_COLUMNS))
    return f"INSERT INTO {_q(model._meta.db_table)} ({columns}) "


def _date(day: date):
    return connection.ops.adapt_datefield_value(day)


def _execute(sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _count_days(first: date, last: date, now: datetime, *, fresh: bool = False) -> None:
    """Replace the daily rows of ``first``..``last`` with a fresh count of the requests submitted then,
    in one ``INSERT … SELECT``: the requests are grouped once by day, region, category and lead
    department, and that is summed to each stored grain. ``fresh``: the days hold no rows (the full
    rebuild emptied them)."""
    counted = (
        Request.objects.filter(
            submitted_at__gte=_day_start(first), submitted_at__lt=_day_start(last + timedelta(days=1))
        )
        .order_by()
        .annotate(stat_day=TruncDate("submitted_at", tzinfo=timezone.get_default_timezone()))
        .values("stat_day", "region_id", "category_id", "lead_department_id")
        .annotate(**stored_expressions(now))
    )
    inner, params = counted.query.sql_with_params()
    if not fresh:
        DailyStat.objects.filter(grain__in=Grain.values, day__gte=first, day__lte=last).delete()
    sums = ", ".join(f"SUM({_q(PREFIX + c)})" for c in STAT_COLUMNS)
    parts = []
    for grain in Grain:
        kept = [_q(c) for c in KEY_COLUMNS if c in GRAIN_KEYS[grain]]
        select = [_q(c) if c in GRAIN_KEYS[grain] else "NULL" for c in KEY_COLUMNS]
        parts.append(
            f"SELECT {int(grain)}, {_q('stat_day')}, {', '.join(select)}, {sums} "
            f"FROM counted GROUP BY {', '.join([_q('stat_day'), *kept])}"
        )
    _execute(f"WITH counted AS ({inner}) {_stat_insert(DailyStat, 'day')}{' UNION ALL '.join(parts)}", params)


GRAIN_LIST = ", ".join(str(int(grain)) for grain in Grain.values)


def _same_key(a: str, b: str) -> str:
    """SQL: rows ``a`` and ``b`` have the same grain and dimensions (an empty dimension equals itself)."""
    same = [f"{a}.{_q('grain')} = {b}.{_q('grain')}"]
    for column in KEY_COLUMNS:
        if not all(column in keys for keys in GRAIN_KEYS.values()):
            # a dimension some grain sums over (NULL there); no dimension id is 0
            same.append(f"COALESCE({a}.{_q(column)}, 0) = COALESCE({b}.{_q(column)}, 0)")
        else:
            same.append(f"{a}.{_q(column)} = {b}.{_q(column)}")
    return " AND ".join(same)


def _unsum_month(month: date, first: date, last: date) -> None:
    """Delete the monthly rows of ``month`` whose grain and dimensions occur in the daily rows of
    ``first``..``last`` (days of that month): those are the months' sums the days take part in."""
    _execute(
        f"DELETE FROM {_q(MonthlyStat._meta.db_table)} WHERE {_q('month')} = %s AND {_q('grain')} IN ({GRAIN_LIST}) "
        f"AND EXISTS (SELECT 1 FROM {_q(DailyStat._meta.db_table)} d WHERE d.{_q('grain')} IN ({GRAIN_LIST}) "
        f"AND d.{_q('day')} >= %s AND d.{_q('day')} <= %s AND {_same_key('d', _q(MonthlyStat._meta.db_table))})",
        [_date(month), _date(first), _date(last)],
    )


def _sum_month(month: date, *, fresh: bool = False) -> None:
    """Add the monthly rows of ``month`` that are missing (all of them when ``fresh``, else those
    ``_unsum_month`` deleted) as the sum of the month's daily rows, grain by grain, in one
    ``INSERT … SELECT``. The other monthly rows sum days that did not change and stay as they are."""
    following = (month + timedelta(days=32)).replace(day=1)
    daily, monthly = _q(DailyStat._meta.db_table), _q(MonthlyStat._meta.db_table)
    keys = ", ".join(f"d.{_q(c)}" for c in KEY_COLUMNS)
    sums = ", ".join(f"SUM(d.{_q(c)})" for c in STAT_COLUMNS)
    missing = (
        ""
        if fresh
        else f"AND NOT EXISTS (SELECT 1 FROM {monthly} m WHERE m.{_q('grain')} IN ({GRAIN_LIST}) "
        f"AND m.{_q('month')} = %s AND {_same_key('d', 'm')}) "
    )
    _execute(
        f"{_stat_insert(MonthlyStat, 'month')}SELECT d.{_q('grain')}, %s, {keys}, {sums} "
        f"FROM {daily} d WHERE d.{_q('grain')} IN ({GRAIN_LIST}) AND d.{_q('day')} >= %s AND d.{_q('day')} < %s "
        f"{missing}GROUP BY d.{_q('grain')}, {keys}",
        [_date(month), _date(month), _date(following), *([] if fresh else [_date(month)])],
    )


def _month_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs of at most RECOUNT_DAYS days, none crossing the end of a month: a whole month
    is one run (the full rebuild counts a month per statement)."""
    by_month: dict[date, list[date]] = {}
    for day in days:
        by_month.setdefault(day.replace(day=1), []).append(day)
    return [run for month in sorted(by_month) for run in _runs(by_month[month], RECOUNT_DAYS)]


def _recount(days: set[date], now: datetime, *, fresh: bool = False) -> None:
    """Count ``days`` again, then the monthly sums they take part in: a key's month is summed again
    when the key occurs on a recounted day before or after the recount."""
    for first, last in _month_runs(days):
        if not fresh:
            _unsum_month(first.replace(day=1), first, last)
        _count_days(first, last, now, fresh=fresh)
        if not fresh:
            _unsum_month(first.replace(day=1), first, last)
    for month in sorted({day.replace(day=1) for day in days}):
        _sum_month(month, fresh=fresh)


def _empty_stats() -> None:
    """Empty both aggregate tables for the full rebuild. PostgreSQL truncates them: deleted rows would
    stay in the indexes until the transaction ends and every insert's unique check would step over the
    old row of its key (about three times slower at a million requests). Readers of the tables wait
    for the rebuild to commit."""
    if connection.vendor == "postgresql":
        _execute(f"TRUNCATE {_q(DailyStat._meta.db_table)}, {_q(MonthlyStat._meta.db_table)}", [])
    else:
        DailyStat.objects.all().delete()
        MonthlyStat.objects.all().delete()


def _analyze_stats() -> None:
    """After the full rebuild, PostgreSQL's statistics of the aggregate tables describe the tables before
    it (or nothing, the first time): the next refreshes would be planned for them until autovacuum
    analyzes the new rows. ANALYZE reads a sample (well under a second at a million requests)."""
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {_q(DailyStat._meta.db_table)}, {_q(MonthlyStat._meta.db_table)}", [])


def stats_refresh(*, now: datetime | None = None, full: bool = False, wait: bool = True) -> int | None:
    """Bring the aggregate tables up to ``now``: count again every submission day with a change since
    the last refresh (or every day, the first time or with ``full``). Returns the number of days
    counted, or None when another refresh holds the lock and ``wait`` is false."""
    now = now or timezone.now()
    StatRefresh.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = StatRefresh.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
        if state is None:
            return None
        dirty = list(StatDirtyDay.objects.values_list("pk", "day"))
        if full or state.as_of is None:
            bounds = Request.objects.aggregate(first=Min("submitted_at"), last=Max("submitted_at"))
            _empty_stats()
            days: set[date] = set()
            if bounds["first"] is not None:
                first, last = _local_day(bounds["first"]), _local_day(bounds["last"])
                days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
            _recount(days, now, fresh=True)
            _analyze_stats()
        else:
            crossed = (min(state.as_of, now), max(state.as_of, now))
            days = _changed_days(state.as_of - STATS_OVERLAP, crossed) | {day for _pk, day in dirty}
            _recount(days, now)
        StatDirtyDay.objects.filter(pk__in=[pk for pk, _day in dirty]).delete()
        state.as_of, state.started_at, state.days = now, now, len(days)
        state.save(update_fields=["as_of", "started_at", "days"])
    logger.info("figures refreshed", extra={"days": len(days), "full": full})
    return len(days)


def stats_refresh_if_stale(*, max_age: timedelta, now: datetime | None = None) -> StatRefresh:
    """The dashboard's fallback when the beat task is late (or never ran, as in development): refresh
    now, unless a refresh is already running. Returns the refresh state to show "as of"."""
    now = now or timezone.now()
    state = StatRefresh.objects.filter(pk=1).first()
    if state is None or state.as_of is None or abs(now - state.as_of) > max_age:
        stats_refresh(now=now, wait=False)
        state = StatRefresh.objects.filter(pk=1).first()
    return state
