"""Reads: who decides an application, and the applications a person may decide."""

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.orgs.models import Pairing, SupervisorScope

from .models import Application


def primary_commissioners(enterprise) -> QuerySet:
    ids = Pairing.objects.active().filter(enterprise=enterprise, role=Pairing.Role.PRIMARY).values("commissioner")
    return User.objects.filter(pk__in=ids, is_active=True)


def region_administrators(region) -> QuerySet:
    """Administrators whose supervision scope covers the region; every administrator when none does."""
    admins = User.objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
    region_paths = [region.path[: i + 1] for i, ch in enumerate(region.path) if ch == "/"]
    scoped = admins.filter(pk__in=SupervisorScope.objects.filter(region__path__in=region_paths).values("user"))
    return scoped if scoped.exists() else admins


def application_reviewers(app: Application) -> list[User]:
    """The A角 commissioners of the enterprise applied for, or the region's administrators when it has none."""
    if app.enterprise_id:
        people = list(primary_commissioners(app.enterprise))
        if people:
            return people
    return list(region_administrators(app.region))


def may_decide(user, app: Application) -> bool:
    if not user.is_authenticated or app.status != Application.Status.PENDING:
        return False
    if user.is_administrator:
        return True
    return bool(app.enterprise_id) and primary_commissioners(app.enterprise).filter(pk=user.pk).exists()


def application_queue_for(user) -> QuerySet:
    """Pending applications this person decides: A角 of the enterprise; administrators see every one."""
    pending = Application.objects.filter(status=Application.Status.PENDING).select_related("region", "enterprise")
    if user.is_administrator:
        return pending
    if not user.is_commissioner:
        return pending.none()
    paired = Pairing.objects.active().filter(commissioner=user, role=Pairing.Role.PRIMARY).values("enterprise")
    return pending.filter(enterprise__in=paired)


def application_visible_to(user) -> QuerySet:
    """Every application a person may open (decided ones included): the same scope as the queue."""
    everything = Application.objects.select_related("region", "enterprise", "decided_by")
    if user.is_administrator:
        return everything
    if not user.is_commissioner:
        return everything.none()
    paired = Pairing.objects.active().filter(commissioner=user, role=Pairing.Role.PRIMARY).values("enterprise")
    return everything.filter(enterprise__in=paired)
