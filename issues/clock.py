"""The "133" working-day clock (docs/requests.md, "The 133 clock").

Pure functions: no models, no database, no "now". The clock is a "working
clock": every working day contributes its full 24 hours and every
non-working day contributes nothing. A moment on a working day sits at its
time into that day; a moment on a non-working day sits at 00:00 of the next
working day. Positions map back to datetimes with half-open days
[00:00, 24:00), so landing exactly on a day boundary gives 00:00 of the next
working day.

All inputs must be timezone-aware; all results are in Asia/Shanghai.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A walk longer than this many calendar days is a bug or a bad calendar, not a deadline.
MAX_WALK_DAYS = 3660

_DAY = timedelta(days=1)


class WorkCalendar:
    """PRC working days from the chinese_calendar package, with optional overrides.

    ``overrides`` maps a date to True (a working day, e.g. a make-up day) or
    False (a holiday) and wins over the package. Years the package has no data
    for fall back to Monday-Friday, with one warning per year per instance.
    Each day's answer is kept once found: counting working hours for a million
    requests asks about the same few thousand days again and again.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = {_as_date(day): bool(working) for day, working in (overrides or {}).items()}
        self._known: dict[date, bool] = {}
        self._fallback_years: set[int] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WorkCalendar(overrides={len(self._overrides)})"

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (a datetime is taken at its Shanghai date)."""
        known = self._known.get(day)  # keyed by plain dates: a datetime misses and is converted below
        if known is None:
            day = _as_date(day)
            known = self._known.get(day)
            if known is None:
                known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self._note_fallback(day.year)
            return day.weekday() < 5

    def covers(self, year: int) -> bool:
        """Whether the holiday package has data for ``year``."""
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    @property
    def fallback_years(self) -> set[int]:
        """Years this instance had to treat as plain Monday-Friday (for an admin banner)."""
        with self._lock:
            return set(self._fallback_years)

    def _note_fallback(self, year: int) -> None:
        with self._lock:
            if year in self._fallback_years:
                return
            self._fallback_years.add(year)
        logger.warning("No PRC holiday data for %d; treating Monday-Friday as working days.", year)


DEFAULT_CALENDAR = WorkCalendar()


def is_working_day(day: date, calendar: WorkCalendar | None = None) -> bool:
    """Whether ``day`` is a working day in ``calendar`` (default: the package alone)."""
    return (calendar or DEFAULT_CALENDAR).is_working_day(day)


def add_working_days(start: datetime, days: int, calendar: WorkCalendar | None = None) -> datetime:
    """The same time of day ``days`` working days after ``start`` (negative goes back)."""
    return add_working_time(start, timedelta(days=days), calendar)


def add_working_time(start: datetime, delta: timedelta, calendar: WorkCalendar | None = None) -> datetime:
    """Move ``start`` by ``delta`` on the working clock; ``delta`` may be negative."""
    cal = calendar or DEFAULT_CALENDAR
    day, offset = _position(_local(start), cal)
    total = offset + delta
    whole_days = total // _DAY
    remainder = total - whole_days * _DAY  # in [0, 24h)
    day = _step_working_days(day, whole_days, cal)
    return datetime.combine(day, time(), tzinfo=SHANGHAI) + remainder


def working_time_between(a: datetime, b: datetime, calendar: WorkCalendar | None = None) -> timedelta:
    """Working time from ``a`` to ``b``; negative if ``b`` is before ``a``."""
    cal = calendar or DEFAULT_CALENDAR
    day_a, offset_a = _position(_local(a), cal)
    day_b, offset_b = _position(_local(b), cal)
    if day_a > day_b:
        return -working_time_between(b, a, cal)
    return _count_working_days(day_a, day_b, cal) * _DAY + offset_b - offset_a


def add_days(start: datetime, days: int, *, working: bool, calendar: WorkCalendar | None = None) -> datetime:
    """Add working days, or plain calendar days (same local time) when ``working`` is False."""
    if working:
        return add_working_days(start, days, calendar)
    return _local(start) + timedelta(days=days)


def add_hours(start: datetime, hours: float, *, working: bool, calendar: WorkCalendar | None = None) -> datetime:
    """Add working hours, or plain hours when ``working`` is False."""
    if working:
        return add_working_time(start, timedelta(hours=hours), calendar)
    return _local(start) + timedelta(hours=hours)


def _local(moment: datetime) -> datetime:
    """``moment`` in Shanghai time; naive datetimes are rejected."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the working clock needs timezone-aware datetimes")
    return moment.astimezone(SHANGHAI)


def _as_date(day: date) -> date:
    """A plain date; an aware datetime is taken at its Shanghai date."""
    if isinstance(day, datetime):
        return _local(day).date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day


def _position(moment: datetime, cal: WorkCalendar) -> tuple[date, timedelta]:
    """A working day and the time into it; a non-working moment sits at 00:00 of the next working day."""
    day = moment.date()
    if cal.is_working_day(day):
        return day, moment.replace(tzinfo=None) - datetime.combine(day, time())
    return _step_working_days(day, 1, cal), timedelta(0)


def _step_working_days(day: date, count: int, cal: WorkCalendar) -> date:
    """The day ``count`` working days after ``day`` (before it if negative); ``day`` itself never counts."""
    step = _DAY if count >= 0 else -_DAY
    remaining = abs(count)
    walked = 0
    while remaining:
        walked += 1
        if walked > MAX_WALK_DAYS:
            raise ValueError(f"working-day walk from {day.isoformat()} exceeds {MAX_WALK_DAYS} days")
        try:
            day += step
        except OverflowError as exc:
            raise ValueError("working-day walk ran off the calendar") from exc
        if cal.is_working_day(day):
            remaining -= 1
    return day


def _count_working_days(first: date, last: date, cal: WorkCalendar) -> int:
    """Working days in the half-open range [first, last)."""
    span = (last - first).days
    if span > MAX_WALK_DAYS:
        raise ValueError(f"working-day span {first.isoformat()}..{last.isoformat()} exceeds {MAX_WALK_DAYS} days")
    return sum(1 for n in range(span) if cal.is_working_day(first + timedelta(days=n)))
