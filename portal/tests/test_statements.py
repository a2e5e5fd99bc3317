"""Statements compiled once (portal/statements.py): the same rows as their querysets, built twice at most."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from portal.notifications.models import Notification
from portal.notifications.selectors import unread_count
from portal.orgs import factories as f
from portal.orgs.models import Pairing
from portal.orgs.selectors import enterprise_ids_for_commissioner
from portal.statements import Statement

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="compiled for PostgreSQL only")


class Built:
    """``build`` that counts its calls."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, *values):
        self.calls += 1
        return self.build(*values)


def test_its_rows_are_the_querysets_for_every_value(acme, bob, bert):
    build = Built(
        lambda user_id, on: enterprise_ids_for_commissioner(user_id, on).order_by().values_list("enterprise_id")
    )
    statement = Statement(build, ((-1, date(1901, 1, 2)), (-2, date(1902, 3, 4))))
    today = date.today()
    for user, on in [(bob, today), (bert, today), (bob, date(2000, 1, 1))]:
        expected = sorted(Pairing.objects.active(on).filter(commissioner=user).values_list("enterprise_id"))
        assert sorted(statement.rows(user.pk, on)) == expected
    assert Pairing.objects.active(today).filter(commissioner=bob).exists()  # a row to find
    if connection.vendor == "postgresql":
        assert build.calls == 2  # the two samples, then only values put in


@on_postgresql
def test_a_shape_that_depends_on_a_value_is_built_every_time(acme):
    """A list's length changes the SQL (``IN (%s, %s)``): no compiled text is kept."""
    build = Built(lambda n: Notification.objects.filter(pk__in=list(range(1, n + 1))).values_list("pk"))
    statement = Statement(build, ((2,), (3,)))
    assert statement.rows(1) == [] and statement.rows(4) == []
    assert build.calls == 2 + 2


@on_postgresql
def test_samples_it_cannot_tell_apart_are_not_compiled(bob):
    build = Built(
        lambda a, b: Notification.objects.filter(user_id=a).exclude(user_id=b).values_list("pk")  # both ids
    )
    statement = Statement(build, ((-1, -1), (-2, -2)))
    assert statement.rows(bob.pk, 0) == []
    assert build.calls == 3  # the samples, then built for the call


def test_the_bells_count_is_the_users_unread_notifications(alice, bob):
    made = [Notification.objects.create(user=alice, kind="test", title=f"通知{i}") for i in range(3)]
    Notification.objects.filter(pk=made[0].pk).update(read_at=timezone.now())
    assert unread_count(alice) == 2 and unread_count(bob) == 0
    assert unread_count(f.UserFactory()) == 0
