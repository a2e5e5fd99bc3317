"""Read queries for requests: what a user may see. The policy and the working calendar are in issues/deadlines.py."""

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from portal.orgs.models import Enterprise, Pairing
from portal.orgs.selectors import (
    department_ids_for_handler,
    enterprise_ids_for_commissioner,
    enterprise_ids_for_member,
    region_scope_for,
)
from projects.selectors import project_ids_for_commissioner

from .clock import WorkCalendar
from .deadlines import DEFAULT_POLICY, Policy, kept_policies, policies_by_region, policy_for, work_calendar  # noqa: F401 (the policy lives in deadlines.py)
from .models import Dispatch, Extension, HolidayOverride, Request
from .permissions import client_scope


def calendar_missing_years(today) -> list[int]:
    """Years the portal is about to count deadlines in with no holiday data: this year and, from
    November, the next one — unless administrators have entered that year's holidays.

    A year counts as entered once overrides exist for both New Year's Day and National Day (the two
    fixed-date statutory holidays): a single stray override does not silence the warning while Spring
    Festival and the rest are still counted Monday to Friday."""
    calendar = WorkCalendar()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    missing = [year for year in years if not calendar.covers(year)]
    if not missing:
        return []
    return [year for year in missing if calendar_missing_marks(missing).get(year)]


def calendar_missing_marks(years) -> dict[int, list[date]]:
    """For each of ``years``, the fixed-date holidays (1 January, 1 October) with no override yet: what the
    calendar banner still waits for."""
    years = list(years)
    entered = set(
        HolidayOverride.objects.filter(date__year__in=years, date__month__in=(1, 10), date__day=1).values_list(
            "date", flat=True
        )
    )
    marks = {year: [day for day in (date(year, 1, 1), date(year, 10, 1)) if day not in entered] for year in years}
    return {year: days for year, days in marks.items() if days}


def _visibility(user) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if user.is_enterprise_user:
        condition |= Q(enterprise_id__in=enterprise_ids_for_member(user))
    if user.is_commissioner:
        condition |= Q(enterprise_id__in=enterprise_ids_for_commissioner(user)) | Q(commissioner=user)
        condition |= Q(project_id__in=project_ids_for_commissioner(user))
    if user.is_handler:
        condition |= Q(
            pk__in=Dispatch.objects.filter(department_id__in=department_ids_for_handler(user)).values("request_id")
        )
    if user.is_supervisor:
        condition |= Q(region_id__in=region_scope_for(user).values("pk"))
    scope = client_scope(user)
    if scope is not None:  # a system calling the API: the requests of its regions
        condition |= Q(region_id__in=scope.region_ids)
    return condition


def request_visible_to(user) -> QuerySet[Request]:
    """Every request this user may see. Every view, download, export and API starts here."""
    return Request.objects.filter(_visibility(user))


def dispatch_visible_to(user) -> QuerySet[Dispatch]:
    """Dispatches of requests the user may see."""
    return Dispatch.objects.filter(request__in=request_visible_to(user).values("pk"))


def access_request(user, pk: int) -> Request:
    """The request if the user may see it; 404 otherwise, so ids do not leak."""
    req = (
        request_visible_to(user)
        .select_related("enterprise", "region", "category", "project", "commissioner", "lead_department", "created_by")
        .filter(pk=pk)
        .first()
    )
    if req is None:
        raise Http404
    return req


def access_dispatch(user, pk: int) -> Dispatch:
    dispatch = dispatch_visible_to(user).select_related("request", "department").filter(pk=pk).first()
    if dispatch is None:
        raise Http404
    return dispatch


def extension_visible_to(user) -> QuerySet[Extension]:
    return Extension.objects.filter(request__in=request_visible_to(user).values("pk"))


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    """Enterprises whose requests the user may see (for the enterprise search of the work lists)."""
    if not user.is_authenticated:
        return Enterprise.objects.none()
    condition = Q(pk__in=[])
    if user.is_enterprise_user:
        condition |= Q(pk__in=enterprise_ids_for_member(user))
    if user.is_commissioner:
        condition |= Q(pk__in=enterprise_ids_for_commissioner(user))
    if user.is_handler:
        condition |= Q(
            pk__in=Dispatch.objects.filter(department_id__in=department_ids_for_handler(user)).values(
                "request__enterprise_id"
            )
        )
    if user.is_supervisor:
        condition |= Q(region_id__in=region_scope_for(user).values("pk"))
    return Enterprise.objects.filter(condition)


def active_commissioners_of(enterprise_id: int) -> list:
    """The A and B commissioners of an enterprise, A first."""
    pairings = Pairing.objects.active().filter(enterprise_id=enterprise_id).select_related("commissioner")
    return [p.commissioner for p in sorted(pairings, key=lambda p: p.role)]


def pairing_role(user, enterprise_id: int) -> str | None:
    pairing = Pairing.objects.active().filter(enterprise_id=enterprise_id, commissioner=user).order_by("role").first()
    return pairing.role if pairing else None


def request_timeline(req: Request) -> QuerySet:
    """The request's events with their actors; the request page adds their tasks and files from the rows
    it has already read (issues/views/requests.py, ``_timeline``)."""
    return req.events.select_related("actor")
