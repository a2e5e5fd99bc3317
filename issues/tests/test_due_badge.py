"""The time-left badges write the time as ``timeuntil`` does, byte for byte, in Chinese and in English, with
the unit texts formatted once per language and the calendar months counted only for spans of four weeks or
more."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.timesince import timeuntil

from issues.templatetags.issues_tags import _time_until, due_badge, time_left_badge

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 27, 23, 59, 59, 999_999, tzinfo=UTC)
# moments where months are short or end: a month's last day, a leap day, the turn of a year
ANCHORS = [
    NOW,
    datetime(2026, 1, 31, 12, 30, 15, 500, tzinfo=UTC),
    datetime(2027, 12, 31, 23, 0, tzinfo=UTC),
    datetime(2028, 2, 29, 16, 0, 1, tzinfo=UTC),
    datetime(2026, 3, 31, 0, 0, tzinfo=UTC),
    datetime(2026, 4, 30, 15, 59, 59, 999_999, tzinfo=UTC),
]

SPANS = [
    timedelta(days=28, microseconds=-1),
    timedelta(days=29),
    timedelta(days=30, hours=23, minutes=59),
    timedelta(days=59, hours=1),
    timedelta(days=61),
    timedelta(days=364, hours=23),
    timedelta(days=366),
    timedelta(days=730, hours=12),
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(seconds=59, microseconds=999_999),
    timedelta(minutes=1),
    timedelta(minutes=1, microseconds=-1),
    timedelta(minutes=59, seconds=59),
    timedelta(hours=1),
    timedelta(hours=1, minutes=1),
    timedelta(hours=3, minutes=59, seconds=30),
    timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999),
    timedelta(days=1),
    timedelta(days=1, seconds=59),
    timedelta(days=1, minutes=1),
    timedelta(days=2, hours=5, minutes=7),
    timedelta(days=6, hours=23, minutes=59),
    timedelta(days=7),
    timedelta(days=7, minutes=3),
    timedelta(days=8, hours=2),
    timedelta(days=13, hours=23, minutes=59, seconds=59),
    timedelta(days=21, seconds=1),
    timedelta(days=26, hours=23, minutes=59, seconds=59, microseconds=999_999),
    timedelta(days=27),
    timedelta(days=28),
    timedelta(days=29, hours=1),
    timedelta(days=31),
    timedelta(days=45, hours=3),
    timedelta(days=365),
    timedelta(days=400, hours=5),
    -timedelta(microseconds=1),
    -timedelta(days=1),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("span", SPANS, ids=str)
@pytest.mark.parametrize("zone", [UTC, SHANGHAI, ZoneInfo("Europe/Berlin")], ids=str)  # Berlin: summer time
def test_it_writes_the_time_as_timeuntil_does(language, depth, span, zone):
    with translation.override(language):
        for anchor in ANCHORS:
            now = anchor.astimezone(zone)
            for earlier in (
                now,
                now - timedelta(days=20, hours=7, seconds=13),
                now + timedelta(days=3, microseconds=7),
            ):
                later = earlier + span
                assert _time_until(later, earlier, depth) == timeuntil(later, earlier, depth=depth)
                assert _time_until(earlier, later, depth) == timeuntil(earlier, later, depth=depth)
                # a deadline read from the database is in UTC, the clock in the current time zone
                assert _time_until(later.astimezone(UTC), earlier, depth) == timeuntil(
                    later.astimezone(UTC), earlier, depth=depth
                )


def _row(due, lead_hours=4):
    return SimpleNamespace(paused=False, due=due, lead_hours=lead_hours, answered_on_time=None)


@pytest.mark.parametrize(
    "language, due, text",
    [
        ("zh-hans", NOW + timedelta(days=2, hours=3, minutes=20), "剩余 2\xa0日、3\xa0小时"),
        ("zh-hans", NOW + timedelta(minutes=30), "剩余 30\xa0分钟"),
        ("zh-hans", NOW - timedelta(days=9, hours=2), "已超期 1\xa0周"),
        ("en", NOW + timedelta(days=2, hours=3, minutes=20), "2\xa0days, 3\xa0hours left"),
        ("en", NOW + timedelta(hours=1, seconds=5), "1\xa0hour left"),
        ("en", NOW - timedelta(minutes=1), "Overdue by 1\xa0minute"),
        ("en", NOW - timedelta(days=40), "Overdue by 1\xa0month"),
    ],
)
def test_the_badge_reads_the_same_in_each_language(language, due, text):
    with translation.override(language):
        badge = str(due_badge(_row(due), NOW))
        expected_time = timeuntil(due, NOW, depth=2) if due > NOW else timeuntil(NOW, due, depth=1)
    assert f">{text}</span>" in badge
    assert expected_time in badge


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "span", [timedelta(hours=2, minutes=5), timedelta(days=3, hours=1), -timedelta(days=50)], ids=str
)
def test_the_request_pages_badge_reads_as_timeuntil_writes_it(language, span):
    due = NOW + span
    with translation.override(language):
        badge = str(time_left_badge(due, NOW))
        expected = timeuntil(due, NOW, depth=2) if span > timedelta(0) else timeuntil(NOW, due, depth=1)
    assert expected in badge
