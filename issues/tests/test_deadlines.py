"""The 133 deadlines as stored on real requests (docs/requests.md, "The 133 clock"), with a frozen clock."""

import logging
from datetime import date, datetime

import pytest
import time_machine

from issues import services
from issues.clock import SHANGHAI
from issues.deadlines import kept_policies, overdue_q, policies_by_region
from issues.models import HolidayOverride, Request, SlaPolicy
from issues.selectors import DEFAULT_POLICY, calendar_missing_years, policy_for
from portal.orgs import factories as f
from portal.orgs import listing

from .factories import answered, dispatched, fresh, lead_dispatch, make_request

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def submitted_at(moment: datetime, enterprise, user):
    with time_machine.travel(moment, tick=False):
        return make_request(enterprise, user)


@pytest.fixture
def submit(acme, alice, bob, bert):
    """Submit a request for acme as alice at a frozen moment."""
    return lambda moment: submitted_at(moment, acme, alice)


def test_it_runs_a_friday_afternoon_request_over_the_weekend(submit):
    req = submit(at(2025, 11, 14, 16))  # Friday
    assert (req.submitted_at, req.assign_due_at, req.answer_due_at) == (
        at(2025, 11, 14, 16),
        at(2025, 11, 17, 16),  # Monday
        at(2025, 11, 19, 16),  # Wednesday
    )
    assert fresh(req).answer_due_at == at(2025, 11, 19, 16)  # and stores them so


def test_it_keeps_the_minute_of_a_request_at_2359_on_a_friday(submit):
    req = submit(at(2025, 11, 14, 23, 59))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 17, 23, 59), at(2025, 11, 19, 23, 59))


def test_it_counts_a_sunday_request_from_monday_0000(submit):
    req = submit(at(2025, 11, 16, 10, 30))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 18), at(2025, 11, 20))


def test_it_skips_the_spring_festival_and_counts_its_makeup_saturdays(submit):
    # 2026: 14 Feb (Saturday) is a make-up working day, 15-23 Feb the holiday, 28 Feb (Saturday) works.
    req = submit(at(2026, 2, 13, 16))
    assert (req.assign_due_at, req.answer_due_at) == (at(2026, 2, 14, 16), at(2026, 2, 25, 16))
    req = submit(at(2026, 2, 16, 9))  # in the middle of the holiday
    assert (req.assign_due_at, req.answer_due_at) == (at(2026, 2, 25), at(2026, 2, 27))


def test_it_skips_national_day_and_lands_on_the_makeup_saturday(submit):
    req = submit(at(2025, 9, 30, 16))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 10, 9, 16), at(2025, 10, 11, 16))


def test_it_lets_an_administrators_holiday_override_win_over_the_package(submit):
    HolidayOverride.objects.create(date=date(2025, 11, 17), is_working_day=False, note="临时停工")
    req = submit(at(2025, 11, 14, 16))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 18, 16), at(2025, 11, 20, 16))


def test_it_lets_an_administrators_working_saturday_override_win_too(submit):
    HolidayOverride.objects.create(date=date(2025, 11, 15), is_working_day=True, note="调休上班")
    req = submit(at(2025, 11, 14, 16))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 15, 16), at(2025, 11, 18, 16))


def test_it_falls_back_to_monday_to_friday_beyond_the_package_and_warns(submit, caplog):
    caplog.set_level(logging.WARNING)
    req = submit(at(2026, 12, 31, 15))  # Thursday; 2027 has no holiday data in the package
    assert (req.assign_due_at, req.answer_due_at) == (at(2027, 1, 1, 15), at(2027, 1, 5, 15))
    assert fresh(req).status == "submitted"
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("No PRC holiday data for 2027" in m for m in messages)
    assert any(f"deadlines of request {req.pk} counted Monday-Friday" in m for m in messages)


def test_it_does_not_warn_when_the_package_covers_the_deadlines(submit, caplog):
    caplog.set_level(logging.WARNING)
    submit(at(2026, 6, 1, 10))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_it_uses_overrides_for_a_year_the_package_does_not_cover(submit):
    HolidayOverride.objects.create(date=date(2027, 1, 1), is_working_day=False, note="元旦")
    req = submit(at(2026, 12, 31, 15))
    assert (req.assign_due_at, req.answer_due_at) == (at(2027, 1, 4, 15), at(2027, 1, 6, 15))


def test_it_lists_next_year_as_missing_from_november_until_overrides_exist(db):
    assert calendar_missing_years(date(2026, 10, 31)) == []
    assert calendar_missing_years(date(2026, 11, 25)) == [2027]
    assert calendar_missing_years(date(2027, 3, 1)) == [2027]
    HolidayOverride.objects.create(date=date(2027, 1, 1), is_working_day=False, note="元旦")
    assert calendar_missing_years(date(2026, 11, 25)) == [2027]  # one holiday entered is not the year's calendar
    HolidayOverride.objects.create(date=date(2027, 10, 1), is_working_day=False, note="国庆节")
    assert calendar_missing_years(date(2026, 11, 25)) == []
    assert calendar_missing_years(date(2027, 11, 25)) == [2028]


# ---------------------------------------------------------------------------------------------
# policy per region


def test_it_uses_the_built_in_1_and_3_working_days_without_a_policy(kuiwen):
    assert policy_for(kuiwen) == DEFAULT_POLICY
    assert (DEFAULT_POLICY.assign_days, DEFAULT_POLICY.answer_days, DEFAULT_POLICY.working_days) == (1, 3, True)


def test_it_lets_a_district_policy_override_the_city_and_a_town_inherit_it(city, kuiwen, fangzi, kuiwen_town):
    SlaPolicy.objects.create(region=city, assign_days=1, answer_days=5)
    SlaPolicy.objects.create(region=kuiwen, assign_days=2, answer_days=4, auto_close_days=3)
    assert (policy_for(city).answer_days, policy_for(fangzi).answer_days) == (5, 5)
    assert (policy_for(kuiwen).assign_days, policy_for(kuiwen).answer_days) == (2, 4)
    assert (policy_for(kuiwen_town).assign_days, policy_for(kuiwen_town).auto_close_days) == (2, 3)


def test_the_lists_policy_per_region_agrees_with_the_policy_of_each_region(
    city, kuiwen, fangzi, kuiwen_town, django_assert_num_queries
):
    SlaPolicy.objects.create(region=city, assign_days=1, answer_days=5)
    SlaPolicy.objects.create(region=kuiwen, assign_days=2, answer_days=4, auto_close_days=3)
    with django_assert_num_queries(2):  # every region's id and path, the SLA policies
        policies = policies_by_region()
    for region in (city, kuiwen, fangzi, kuiwen_town):
        assert policies[region.pk] == policy_for(region), region.name
    assert policies[kuiwen_town.pk].answer_days == 4 and policies[fangzi.pk].answer_days == 5


def test_the_kept_policies_are_read_once_and_again_after_each_change_to_a_policy(
    city, kuiwen, kuiwen_town, django_assert_num_queries
):
    policy = SlaPolicy.objects.create(region=kuiwen, assign_days=2, answer_days=4)
    policies = kept_policies(listing.current())
    assert policies == policies_by_region() and policies[kuiwen_town.pk].answer_days == 4
    with django_assert_num_queries(1):  # the listing's token only
        assert kept_policies(listing.current()) is policies
    policy.answer_days = 6
    policy.save()
    assert kept_policies(listing.current())[kuiwen_town.pk].answer_days == 6
    SlaPolicy.objects.create(region=city, answer_days=5)
    assert kept_policies(listing.current())[city.pk].answer_days == 5
    policy.delete()
    assert kept_policies(listing.current())[kuiwen_town.pk].answer_days == 5  # the city's again


def test_it_stores_deadlines_by_the_policy_of_the_enterprise_region(
    city, kuiwen, kuiwen_town, submit, globex, carl, alice
):
    SlaPolicy.objects.create(region=city, assign_days=1, answer_days=5)
    SlaPolicy.objects.create(region=kuiwen, assign_days=2, answer_days=4)
    req = submit(at(2025, 11, 14, 16))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 18, 16), at(2025, 11, 20, 16))

    town_firm = f.EnterpriseFactory(region=kuiwen_town)
    f.member(alice, town_firm)
    req = submitted_at(at(2025, 11, 14, 16), town_firm, alice)
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 18, 16), at(2025, 11, 20, 16))

    globex_user = f.UserFactory(is_enterprise_user=True)
    f.member(globex_user, globex)
    req = submitted_at(at(2025, 11, 14, 16), globex, globex_user)
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 17, 16), at(2025, 11, 21, 16))


def test_it_counts_calendar_days_when_the_policy_says_so(kuiwen, submit):
    SlaPolicy.objects.create(region=kuiwen, assign_days=1, answer_days=3, working_days=False)
    req = submit(at(2025, 11, 14, 16))
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 11, 15, 16), at(2025, 11, 17, 16))
    req = submit(at(2025, 9, 30, 16))  # holidays count too
    assert (req.assign_due_at, req.answer_due_at) == (at(2025, 10, 1, 16), at(2025, 10, 3, 16))


# ---------------------------------------------------------------------------------------------
# met or missed


def test_it_marks_both_deadlines_met_when_acting_in_time(submit, bob, hr_bureau, carol):
    req = submit(at(2025, 11, 14, 16))
    with time_machine.travel(at(2025, 11, 17, 16), tick=False):  # on the assign deadline itself
        req = dispatched(req, bob, hr_bureau)
    with time_machine.travel(at(2025, 11, 19, 16), tick=False):  # on the answer deadline itself
        req = answered(req, bob, hr_bureau, carol)
    assert (req.assigned_at, req.assigned_on_time) == (at(2025, 11, 17, 16), True)
    assert (req.answered_at, req.answered_on_time) == (at(2025, 11, 19, 16), True)


def test_it_marks_both_deadlines_missed_when_acting_late(submit, bob, hr_bureau, carol):
    req = submit(at(2025, 11, 14, 16))
    with time_machine.travel(at(2025, 11, 17, 16, 1), tick=False):
        req = dispatched(req, bob, hr_bureau)
    with time_machine.travel(at(2025, 11, 19, 16, 1), tick=False):
        req = answered(req, bob, hr_bureau, carol)
    assert (req.assigned_on_time, req.answered_on_time) == (False, False)


def test_it_stops_the_assign_clock_when_the_commissioner_takes_it_on(submit, bob):
    req = submit(at(2025, 11, 14, 16))
    with time_machine.travel(at(2025, 11, 18, 9), tick=False):
        services.request_take_on(req_id=req.pk, actor=bob)
    req = fresh(req)
    assert (req.assigned_at, req.assigned_on_time, req.answered_on_time) == (at(2025, 11, 18, 9), False, None)


def test_it_keeps_the_dispatch_deadline_equal_to_the_request_deadline(submit, bob, hr_bureau):
    req = submit(at(2025, 9, 30, 16))
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        req = dispatched(req, bob, hr_bureau)
    assert lead_dispatch(req).answer_due_at == req.answer_due_at == at(2025, 10, 11, 16)


def test_it_lists_overdue_requests_by_their_stored_deadlines(submit, bob, hr_bureau):
    waiting = submit(at(2025, 11, 14, 16))
    sent = dispatched(submit(at(2025, 11, 14, 16)), bob, hr_bureau)
    assert set(Request.objects.filter(overdue_q(at(2025, 11, 17, 15)))) == set()
    assert set(Request.objects.filter(overdue_q(at(2025, 11, 17, 17)))) == {waiting}
    assert set(Request.objects.filter(overdue_q(at(2025, 11, 19, 17)))) == {waiting, sent}
