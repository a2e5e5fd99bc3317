"""The department selects written from the kept listing (portal/orgs/listing.py) are byte for byte what
the general loop of QuickSelect writes from the database, and a change to the departments is on the
next page."""

import pytest
from django.urls import reverse

from issues import filters
from issues.models import Request
from portal.orgs.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _select(filterset, name: str, listed: bool) -> str:
    field = filterset.form.fields[name]
    if not listed:
        del field.listed  # QuickSelect's general loop over the field's queryset
    return str(filterset.form[name])


KINDS = [
    ("bob", "CommissionerQueueFilter"),
    ("carol", "DepartmentQueueFilter"),
    ("dave", "SupervisorListFilter"),
]


@pytest.mark.parametrize("chosen", [None, "first", "12345678", "abc"])
@pytest.mark.parametrize("who, kind", KINDS)
def test_the_kept_options_are_what_the_queryset_renders(request, hr_bureau, kuiwen_town, who, kind, chosen):
    outside = DepartmentFactory(name="外地部门")  # outside the supervisor's city, in a region of its own
    DepartmentFactory(name="<特殊>&部门", region=hr_bureau.region)
    user = request.getfixturevalue(who)
    names = ["region"] + (["department"] if kind != "DepartmentQueueFilter" else [])
    for name in names:
        first = {"region": hr_bureau.region.pk, "department": hr_bureau.pk}[name]
        data = None if chosen is None else {name: str(first) if chosen == "first" else chosen}

        def make(data=data):
            return getattr(filters, kind)(data, queryset=Request.objects.all(), user=user)

        kept, plain = _select(make(), name, listed=True), _select(make(), name, listed=False)
        assert kept == plain
        if chosen == "first":
            assert f'<option value="{first}" selected>' in kept
        if name == "department":
            assert "&lt;特殊&gt;&amp;部门" in kept
            assert ("外地部门" in kept) is (who == "bob")
        else:
            assert kuiwen_town.name not in kept  # no towns
            assert (outside.region.name in kept) is (who != "dave")


def test_a_renamed_department_is_on_the_next_page(client, bob, hr_bureau):
    client.force_login(bob)
    assert hr_bureau.name in client.get(reverse("issues:queue")).content.decode()
    hr_bureau.name = "人力资源和社会保障局（新）"
    hr_bureau.save()
    page = client.get(reverse("issues:queue")).content.decode()
    assert page.count("人力资源和社会保障局（新）") == 2  # the filter and the bulk-dispatch form
