"""Who may take the supervisors' actions: big-screen links, common issues, return visits, rankings.

The one place these are decided; the services guard with ``check_*``. Rules about a request itself
(extensions, reassigning) live in issues/permissions.py.
"""

from django.core.exceptions import PermissionDenied

from issues.permissions import supervises_region
from portal.orgs.models import Region
from portal.orgs.selectors import region_scope_for


def supervises(user, region: Region) -> bool:
    """A supervisor whose scope contains ``region``."""
    return supervises_region(user, region.pk)


def check_supervises(user, region: Region) -> None:
    if not supervises(user, region):
        raise PermissionDenied


def may_publish_ranking(user) -> bool:
    """Publishing a month's ranking is for supervisors of a whole city."""
    return user.is_supervisor and region_scope_for(user).filter(level=Region.Level.CITY).exists()
