"""The departments' listing a process keeps between requests: read again after every change, and
only then."""

import pytest
from django.db import transaction

from portal.orgs import listing
from portal.orgs.factories import DepartmentFactory, RegionFactory
from portal.orgs.models import Department, OrgRevision

pytestmark = pytest.mark.django_db


def names() -> list[str]:
    return [d.name for d in listing.current().departments]


def test_the_listing_is_kept_and_costs_one_query_while_nothing_changes(django_assert_num_queries):
    DepartmentFactory(name="发改局")
    first = listing.current()
    with django_assert_num_queries(1):  # the token only
        assert listing.current() is first
    assert "发改局" in names()


def test_saving_renaming_deactivating_and_deleting_departments_are_seen_at_once():
    dept = DepartmentFactory(name="住建局")
    assert "住建局" in names()
    dept.name = "住房和城乡建设局"
    dept.save()
    assert "住房和城乡建设局" in names() and "住建局" not in names()
    dept.is_active = False
    dept.save()
    assert "住房和城乡建设局" not in names()
    other = DepartmentFactory(name="人社局")
    assert "人社局" in names()
    other.delete()
    assert "人社局" not in names()


def test_a_renamed_region_is_seen_in_the_labels_and_order():
    east = RegionFactory(name="东区")
    dept = DepartmentFactory(name="人社局", region=east)
    DepartmentFactory(name="人社局")
    row = next(d for d in listing.current().departments if d.pk == dept.pk)
    assert listing.current().label_of(row) == "人社局（东区）"
    east.name = "奎文区"
    east.save()
    row = next(d for d in listing.current().departments if d.pk == dept.pk)
    assert row.region_name == "奎文区" and listing.current().label_of(row) == "人社局（奎文区）"


def test_bulk_writes_are_seen_once_they_say_so():
    region = RegionFactory()
    listing.current()
    Department.objects.bulk_create([Department(name="批量部门", region=region)])  # no signal
    listing.changed()
    assert "批量部门" in names()


def test_a_rolled_back_change_leaves_the_token_and_the_rows():
    DepartmentFactory(name="商务局")
    before = listing.current()
    with transaction.atomic():
        DepartmentFactory(name="未提交的部门")
        assert "未提交的部门" in names()
        transaction.set_rollback(True)
    assert OrgRevision.objects.get(key=1).token == before.token
    assert "未提交的部门" not in names()


def test_without_a_revision_row_the_rows_are_read_every_time_until_a_change_writes_one():
    OrgRevision.objects.all().delete()  # a flushed database
    DepartmentFactory(name="应急局")  # the signal writes the row again
    assert OrgRevision.objects.filter(key=1).exists()
    OrgRevision.objects.all().delete()
    Department.objects.filter(name="应急局").update(name="应急管理局")  # no signal, no row: read anyway
    assert "应急管理局" in names()


def test_the_departments_of_a_scope_are_those_under_its_paths():
    city = RegionFactory(level="city")
    inside = RegionFactory(parent=city)
    kept = DepartmentFactory(region=inside)
    DepartmentFactory()
    rows = listing.current().within((city.path,))
    assert [d.pk for d in rows] == [kept.pk]
