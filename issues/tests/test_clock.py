"""The "133" working-day clock: pure, no database."""

import logging
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
import time_machine

from issues.clock import (
    DEFAULT_CALENDAR,
    MAX_WALK_DAYS,
    SHANGHAI,
    WorkCalendar,
    add_days,
    add_hours,
    add_working_days,
    add_working_time,
    is_working_day,
    working_time_between,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# 14 Nov 2025 is an ordinary Friday, 17 Nov the Monday after.
FRIDAY = date(2025, 11, 14)
MONDAY = date(2025, 11, 17)


def test_the_fixture_dates_are_what_the_tests_assume():
    assert FRIDAY.weekday() == 4 and MONDAY.weekday() == 0
    assert [chinese_calendar.is_workday(date(2025, 11, d)) for d in range(14, 18)] == [True, False, False, True]


def test_it_skips_an_ordinary_weekend():
    assert add_working_days(at(2025, 11, 14, 16), 1) == at(2025, 11, 17, 16)
    assert add_working_days(at(2025, 11, 14, 16), 3) == at(2025, 11, 19, 16)
    assert add_working_days(at(2025, 11, 13, 9, 30), 1) == at(2025, 11, 14, 9, 30)


def test_it_skips_national_day_and_counts_the_makeup_saturday():
    start = datetime(2025, 9, 30, 16, tzinfo=SHANGHAI)
    assert add_working_days(start, 1) == datetime(2025, 10, 9, 16, tzinfo=SHANGHAI)
    assert add_working_days(start, 3) == datetime(2025, 10, 11, 16, tzinfo=SHANGHAI)


def test_it_counts_a_makeup_saturday_as_working():
    assert chinese_calendar.get_holiday_detail(date(2025, 10, 11)) == (False, "National Day")
    assert is_working_day(date(2025, 10, 11))
    assert is_working_day(date(2025, 9, 28))  # the make-up Sunday before National Day
    assert not is_working_day(date(2025, 10, 12))
    # A submission on the make-up Saturday runs from that Saturday itself.
    assert add_working_days(at(2025, 10, 11, 10), 1) == at(2025, 10, 13, 10)
    # Friday 26 Sep -> make-up Sunday 28 Sep.
    assert add_working_days(at(2025, 9, 26, 15), 1) == at(2025, 9, 28, 15)


def test_it_skips_the_2026_spring_festival():
    holidays = [date(2026, 2, d) for d in range(15, 24)]
    assert all(chinese_calendar.get_holiday_detail(d) == (True, "Spring Festival") for d in holidays)
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 14)) == (False, "Spring Festival")  # make-up Saturday
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 28)) == (False, "Spring Festival")  # make-up Saturday

    start = at(2026, 2, 13, 16)  # Friday before the festival
    assert add_working_days(start, 1) == at(2026, 2, 14, 16)
    assert add_working_days(start, 2) == at(2026, 2, 24, 16)
    assert add_working_days(start, 3) == at(2026, 2, 25, 16)
    # Submitted on New Year's Eve (a holiday): counts from Tuesday 24 Feb 00:00.
    assert add_working_days(at(2026, 2, 16, 20), 1) == at(2026, 2, 25, 0)
    assert add_working_days(at(2026, 2, 16, 20), 3) == at(2026, 2, 27, 0)


def test_it_keeps_a_friday_2359_submission_at_2359():
    with time_machine.travel(at(2025, 11, 14, 23, 59), tick=False):
        submitted = datetime.now(SHANGHAI)
    assert add_working_days(submitted, 1) == at(2025, 11, 17, 23, 59)
    assert add_working_days(submitted, 3) == at(2025, 11, 19, 23, 59)


def test_it_counts_a_sunday_submission_from_monday_midnight():
    with time_machine.travel(at(2025, 11, 16, 10), tick=False):
        submitted = datetime.now(SHANGHAI)
    assert add_working_days(submitted, 1) == at(2025, 11, 18, 0)
    assert add_working_days(submitted, 3) == at(2025, 11, 20, 0)


def test_it_lands_on_the_next_working_day_at_a_day_boundary():
    assert add_working_days(at(2025, 11, 14, 0), 1) == at(2025, 11, 17, 0)
    assert add_working_time(at(2025, 11, 14, 20), timedelta(hours=4)) == at(2025, 11, 17, 0)


def test_it_returns_start_for_zero_days_on_a_working_day():
    start = at(2025, 11, 14, 16, 5)
    assert add_working_days(start, 0) == start
    assert add_working_time(start, timedelta(0)) == start


def test_it_moves_zero_days_from_a_weekend_to_the_next_working_morning():
    assert add_working_days(at(2025, 11, 15, 12), 0) == at(2025, 11, 17, 0)
    assert add_working_days(at(2025, 10, 3, 12), 0) == at(2025, 10, 9, 0)


def test_it_walks_back_for_a_reminder_before_a_monday_deadline():
    deadline = at(2025, 11, 17, 2)
    assert add_working_time(deadline, timedelta(hours=-4)) == at(2025, 11, 14, 22)
    assert add_hours(deadline, -4, working=True) == at(2025, 11, 14, 22)
    assert add_working_time(at(2025, 11, 17, 10), timedelta(hours=-4)) == at(2025, 11, 17, 6)
    # Across National Day: 4 working hours before 9 Oct 02:00 is 30 Sep 22:00.
    assert add_working_time(at(2025, 10, 9, 2), timedelta(hours=-4)) == at(2025, 9, 30, 22)
    assert add_working_days(at(2025, 11, 17, 16), -1) == at(2025, 11, 14, 16)


def test_it_adds_working_hours_across_a_weekend():
    assert add_hours(at(2025, 11, 14, 22), 4, working=True) == at(2025, 11, 17, 2)
    assert add_hours(at(2025, 11, 14, 22), 1.5, working=True) == at(2025, 11, 14, 23, 30)


def test_it_measures_working_time_across_a_holiday():
    start = at(2025, 9, 30, 16)
    assert working_time_between(start, at(2025, 10, 9, 16)) == timedelta(days=1)
    assert working_time_between(start, at(2025, 10, 11, 16)) == timedelta(days=3)
    # A moment inside the holiday sits at 9 Oct 00:00.
    assert working_time_between(start, at(2025, 10, 3, 10)) == timedelta(hours=8)
    assert working_time_between(at(2025, 10, 3, 10), at(2025, 10, 5, 23)) == timedelta(0)
    assert working_time_between(at(2025, 10, 9, 16), start) == -timedelta(days=1)
    assert working_time_between(start, start) == timedelta(0)


def test_it_round_trips_working_time():
    start = at(2025, 9, 30, 16)
    for target in (at(2025, 10, 9, 7, 15), at(2025, 10, 11, 23, 59), at(2025, 9, 29, 1), at(2026, 2, 24, 12)):
        assert add_working_time(start, working_time_between(start, target)) == target


def test_overrides_win_over_the_package():
    calendar = WorkCalendar({date(2025, 10, 1): True, date(2025, 10, 9): False})
    assert calendar.is_working_day(date(2025, 10, 1))
    assert not calendar.is_working_day(date(2025, 10, 9))
    assert is_working_day(date(2025, 10, 1), calendar)
    start = at(2025, 9, 30, 16)
    assert add_working_days(start, 1, calendar) == at(2025, 10, 1, 16)
    assert add_working_days(start, 2, calendar) == at(2025, 10, 10, 16)
    assert working_time_between(start, at(2025, 10, 10, 16), calendar) == timedelta(days=2)
    # The default calendar is untouched.
    assert not DEFAULT_CALENDAR.is_working_day(date(2025, 10, 1))


def test_it_falls_back_to_weekdays_beyond_the_package_and_warns_once_a_year(caplog):
    calendar = WorkCalendar()
    assert calendar.covers(2026)
    assert not calendar.covers(2027)
    assert calendar.fallback_years == set()

    with caplog.at_level(logging.WARNING):
        start = at(2026, 12, 31, 16)  # Thursday, package data
        assert add_working_days(start, 1, calendar) == at(2027, 1, 1, 16)  # no holiday data for 2027
        assert add_working_days(start, 2, calendar) == at(2027, 1, 4, 16)
        assert add_working_days(at(2027, 3, 6, 9), 1, calendar) == at(2027, 3, 9, 0)  # a Saturday
        assert working_time_between(at(2027, 1, 1), at(2027, 1, 8), calendar) == timedelta(days=5)
        assert add_working_days(at(2028, 1, 7, 10), 1, calendar) == at(2028, 1, 10, 10)

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "2027" in warnings[0].getMessage()
    assert "2028" in warnings[1].getMessage()
    assert calendar.fallback_years == {2027, 2028}


def test_an_override_beyond_the_package_needs_no_fallback(caplog):
    calendar = WorkCalendar({date(2027, 1, 1): False})
    with caplog.at_level(logging.WARNING):
        assert not calendar.is_working_day(date(2027, 1, 1))
    assert caplog.records == []
    assert calendar.fallback_years == set()


def test_it_adds_plain_calendar_days_and_hours():
    start = at(2025, 9, 30, 16)
    assert add_days(start, 3, working=False) == at(2025, 10, 3, 16)
    assert add_days(start, 3, working=True) == at(2025, 10, 11, 16)
    assert add_days(at(2025, 11, 15, 10), 1, working=False) == at(2025, 11, 16, 10)
    assert add_hours(start, 10, working=False) == at(2025, 10, 1, 2)
    assert add_hours(start, -4, working=False) == at(2025, 9, 30, 12)


def test_it_rejects_naive_datetimes():
    naive = datetime(2025, 11, 14, 16)
    with pytest.raises(ValueError):
        add_working_days(naive, 1)
    with pytest.raises(ValueError):
        add_working_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError):
        working_time_between(at(2025, 11, 14), naive)
    with pytest.raises(ValueError):
        add_days(naive, 1, working=False)
    with pytest.raises(ValueError):
        add_hours(naive, 1, working=False)


def test_it_converts_other_time_zones_to_shanghai():
    friday_16_shanghai = datetime(2025, 11, 14, 8, tzinfo=UTC)
    result = add_working_days(friday_16_shanghai, 1)
    assert result == at(2025, 11, 17, 16)
    assert result.tzinfo == SHANGHAI
    assert (result.hour, result.minute) == (16, 0)
    # Saturday 01:00 in Shanghai is still Friday in UTC.
    assert add_working_days(datetime(2025, 11, 14, 17, tzinfo=UTC), 0) == at(2025, 11, 17, 0)


def test_it_refuses_to_walk_forever():
    never = WorkCalendar({date(2025, 1, 1) + timedelta(days=n): False for n in range(MAX_WALK_DAYS + 10)})
    with pytest.raises(ValueError):
        add_working_days(at(2025, 1, 1, 9), 1, never)
    with pytest.raises(ValueError):
        working_time_between(at(2004, 1, 5), at(2025, 1, 5))


def test_it_asks_the_holiday_package_once_per_day(monkeypatch):
    asked = []
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", lambda day: asked.append(day) or real(day))
    calendar = WorkCalendar({date(2025, 10, 9): False})
    # over National Day: the make-up Sunday 28 Sep and Saturday 11 Oct work, 1-8 Oct and the override 9 Oct do not
    hours = 8 + 24 * 5 + 9  # the rest of Friday 26 Sep; 28, 29, 30 Sep, 10 and 11 Oct; Monday 13 Oct until 9:00
    for _ in range(3):
        assert working_time_between(at(2025, 9, 26, 16), at(2025, 10, 13, 9), calendar) == timedelta(hours=hours)
        assert calendar.is_working_day(at(2025, 10, 11, 9)) and not calendar.is_working_day(date(2025, 10, 9))
    assert sorted(asked) == sorted(set(asked)) and date(2025, 10, 9) not in asked
