"""The stored working hours (``timings_refresh``): each dispatched request counted once, and again only
when its dispatch or answer stamp changes; the beat run looks only at the requests changed since the
newest stamp it counted."""

from datetime import timedelta

import time_machine
from django.db.models import F

from issues import services as s
from issues.models import Request
from supervision.models import RequestTiming, StatDirtyDay
from supervision.services import timings_refresh

from .conftest import LATER, _answer


def test_it_counts_each_request_once_and_again_only_when_its_stamps_change(month, bob, chris, housing_bureau):
    dispatched = Request.objects.exclude(assigned_at=None)
    assert timings_refresh() == dispatched.count() == RequestTiming.objects.count()
    StatDirtyDay.objects.all().delete()
    assert timings_refresh() == 0 and not StatDirtyDay.objects.exists()

    r5 = month.r[5]  # submitted Monday 3 March 09:00, dispatched two weeks later: ten working days and 2 hours
    with time_machine.travel(LATER + timedelta(hours=1), tick=False):
        s.request_dispatch(req_id=r5.pk, actor=bob, lead=housing_bureau)
    assert timings_refresh() == 1
    timing = RequestTiming.objects.get(request=r5)
    assert (timing.dispatch_hours, timing.answer_hours) == (242.0, None)
    assert timings_refresh() == 0  # in progress, unanswered: nothing changed since
    assert set(StatDirtyDay.objects.values_list("day", flat=True)) == {r5.submitted_at.date()}

    with time_machine.travel(LATER + timedelta(hours=3), tick=False):
        _answer(r5, chris)
    assert timings_refresh() == 1
    assert RequestTiming.objects.get(request=r5).answer_hours == 244.0
    assert timings_refresh() == 0


def test_a_stamp_written_around_the_services_waits_for_the_full_count(month, bob, housing_bureau):
    with time_machine.travel(LATER, tick=False):  # the newest stamp counted is now two weeks after r1's
        s.request_dispatch(req_id=month.r[5].pk, actor=bob, lead=housing_bureau)
    timings_refresh()
    r1 = month.r[1]
    before = RequestTiming.objects.get(request=r1).answer_hours
    Request.objects.filter(pk=r1.pk).update(answered_at=F("answered_at") + timedelta(hours=5))  # updated_at kept
    assert timings_refresh() == 0
    assert timings_refresh(full=True) == Request.objects.exclude(assigned_at=None).count()
    assert RequestTiming.objects.get(request=r1).answer_hours == before + 5
