"""The department selects written from the kept listing (portal/orgs/listing.py) are byte for byte what
the general loop of QuickSelect writes from the database, and a change to the departments is on the
next page."""

import pytest
from django.urls import reverse
from django.utils import translation

from issues import filters
from issues.models import Category, Request
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
    assert page.count("人力资源和社会保障局（新）") == 1  # the filter
    bulk = client.get(reverse("issues:bulk_departments")).content.decode()  # the bulk-dispatch form's
    assert bulk.count("人力资源和社会保障局（新）") == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("chosen", [None, "first", "999999"])
def test_the_kept_category_options_are_what_the_queryset_renders(bob, language, chosen):
    Category.objects.create(code="closed-kind", name="<旧>&类别", name_en="", sort_order=0, is_active=False)
    first = Category.objects.order_by("sort_order", "pk").first()
    data = None if chosen is None else {"category": str(first.pk) if chosen == "first" else chosen}
    with translation.override(language):

        def make():
            return filters.CommissionerQueueFilter(data, queryset=Request.objects.all(), user=bob)

        kept, plain = _select(make(), "category", listed=True), _select(make(), "category", listed=False)
    assert kept == plain
    assert "&lt;旧&gt;&amp;类别" in kept  # an inactive category still filters older requests
    assert ("Financing" in kept) is (language == "en")
    if chosen == "first":
        assert f'<option value="{first.pk}" selected>' in kept


def test_a_renamed_or_added_category_is_on_the_next_page(client, bob):
    client.force_login(bob)
    assert "融资" in client.get(reverse("issues:queue")).content.decode()
    finance = Category.objects.get(code="finance")
    finance.name = "金融服务"
    finance.save()
    Category.objects.create(code="export", name="出口退税", sort_order=99)
    page = client.get(reverse("issues:queue")).content.decode()
    assert "金融服务" in page and "融资" not in page and "出口退税" in page
