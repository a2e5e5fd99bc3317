"""Read queries for the organisation: who belongs where, and what a supervisor's scope covers."""

from django.db.models import Q, QuerySet

from portal.statements import Statement

from .models import (
    HANDLED_DEPARTMENTS,
    SUPERVISED_PATHS,
    Department,
    DepartmentMembership,
    Enterprise,
    Pairing,
    Region,
    SupervisorScope,
)


def supervised_paths(user) -> tuple[str, ...]:
    """The paths of the regions this supervisor watches, in order (none for others). Read once per user
    object: a page's rows and its filters both ask (a ``SupervisorScope`` saved or deleted with that user
    object clears it: ``models.KeptOnUser``)."""
    if not user.is_authenticated or not user.is_supervisor:
        return ()
    return _kept(user, SUPERVISED_PATHS, lambda: [path for (path,) in _PATHS.rows(user.pk)])


# asked by every page of a supervisor's or a handler's: compiled once (portal/statements.py)
_PATHS = Statement(
    lambda user_id: SupervisorScope.objects.filter(user_id=user_id).order_by().values_list("region__path"),
    ((-1,), (-2,)),
)
_HANDLED = Statement(
    lambda user_id: department_ids_for_handler(user_id).order_by().values_list("department_id"), ((-1,), (-2,))
)


def _kept(user, name: str, read) -> tuple:
    """``read()`` sorted into a tuple, kept on the user object under ``name`` after the first call."""
    value = getattr(user, name, None)
    if value is None:
        value = tuple(sorted(read()))
        setattr(user, name, value)
    return value


def region_scope_for(user, paths: tuple[str, ...] | None = None) -> QuerySet[Region]:
    """Every region inside the subtrees this supervisor watches (empty for others); ``paths``: their
    ``supervised_paths``, when already read."""
    paths = supervised_paths(user) if paths is None else paths
    if not paths:
        return Region.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Region.objects.filter(condition)


def region_in_scope(user, region: Region) -> bool:
    """Whether a region already loaded lies inside the subtrees this supervisor watches: the test of
    ``region_scope_for`` done on the region's path, with one query (the scope's paths) instead of two."""
    if not user.is_authenticated or not user.is_supervisor:
        return False
    return region.path.startswith(supervised_paths(user))


def enterprise_ids_for_member(user) -> QuerySet:
    return Enterprise.objects.filter(memberships__user=user).values("pk")


def enterprise_ids_for_commissioner(user, on=None) -> QuerySet:
    """The enterprises the commissioner is paired with on ``on`` (today); ``user``: the user or their id."""
    return Pairing.objects.active(on).filter(commissioner=user).values("enterprise_id")


def department_ids_for_handler(user) -> QuerySet:
    return DepartmentMembership.objects.filter(user=user, kind=DepartmentMembership.Kind.HANDLER).values(
        "department_id"
    )


def handled_department_ids(user) -> tuple[int, ...]:
    """The ids of the departments whose tasks the handler works, read once per user object (as
    ``supervised_paths``: a page's rows and their actions both ask)."""
    return _kept(user, HANDLED_DEPARTMENTS, lambda: [pk for (pk,) in _HANDLED.rows(user.pk)])


def commissioner_unit(user) -> Department | None:
    membership = (
        DepartmentMembership.objects.filter(user=user, kind=DepartmentMembership.Kind.COMMISSIONER)
        .select_related("department")
        .first()
    )
    return membership.department if membership else None


def pairings_of(enterprise: Enterprise) -> QuerySet[Pairing]:
    return Pairing.objects.active().filter(enterprise=enterprise).select_related("commissioner").order_by("role")
