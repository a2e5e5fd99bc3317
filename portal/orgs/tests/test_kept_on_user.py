"""A supervisor's region paths and a handler's departments are read once per user object, and read again
after a scope or membership is saved or deleted with that object (portal/orgs/models.py, KeptOnUser)."""

import pytest

from portal.orgs import factories as f
from portal.orgs.models import DepartmentMembership, SupervisorScope
from portal.orgs.selectors import handled_department_ids, region_scope_for, supervised_paths

pytestmark = pytest.mark.django_db


def test_the_paths_are_read_once_and_again_after_a_change(dave, kuiwen, fangzi, django_assert_num_queries):
    with django_assert_num_queries(2):
        first = supervised_paths(dave)
        assert supervised_paths(dave) == first
        list(region_scope_for(dave).values_list("pk", flat=True))  # the regions: one more query, no paths
    SupervisorScope.objects.filter(user=dave).delete()
    scope = SupervisorScope(user=dave, region=kuiwen)
    scope.save()
    assert supervised_paths(dave) == (kuiwen.path,)
    SupervisorScope.objects.create(user=dave, region=fangzi)
    assert supervised_paths(dave) == tuple(sorted([kuiwen.path, fangzi.path]))
    scope.delete()
    assert supervised_paths(dave) == (fangzi.path,)


def test_the_departments_are_read_once_and_again_after_a_change(carol, hr_bureau, housing_bureau):
    assert handled_department_ids(carol) == (hr_bureau.pk,)
    membership = DepartmentMembership.objects.create(user=carol, department=housing_bureau)
    assert handled_department_ids(carol) == tuple(sorted([hr_bureau.pk, housing_bureau.pk]))
    membership.delete()
    assert handled_department_ids(carol) == (hr_bureau.pk,)


def test_another_request_reads_the_current_rows(client, carol, housing_bureau):
    """Each request has its own user object: a change made elsewhere is seen on the next page."""
    client.force_login(carol)
    assert client.get("/department/queue/").status_code == 200
    f.handler_of(carol, housing_bureau)
    response = client.get("/department/queue/")
    assert housing_bureau.name in response.content.decode()
