"""The PostgreSQL backend reads timestamps with psycopg's compiled loader and gives what Django's gives."""

import datetime
import zoneinfo

import pytest
from django.db import connection

from portal.postgresql.base import UtcTimestampLoader

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
]

VALUES = [
    "2026-12-01 20:15:55.262778+00",
    "2026-12-01 20:15:55+00",
    "2026-12-01 20:15:55.5+08",  # a value written with another offset is read in UTC
    "2026-02-28 23:59:59.999999-05:30",
    "2024-02-29 00:00:00+00",  # a leap day
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def _read(cursor) -> list[datetime.datetime]:
    cursor.execute("SELECT " + ", ".join(f"'{value}'::timestamptz" for value in VALUES))
    return list(cursor.fetchone())


def test_a_connection_reads_timestamps_with_the_compiled_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert loader is UtcTimestampLoader
    with connection.cursor() as cursor:
        # no per-cursor loader of Django's: it would register one if the time zones disagreed
        assert cursor.cursor.adapters.get_loader(1184, 0) is UtcTimestampLoader


def test_the_values_are_those_of_djangos_loader():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        ours = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(datetime.UTC, cursor.cursor)
        djangos = _read(cursor)
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [datetime.UTC] * len(VALUES)
    assert [value.isoformat() for value in ours] == [value.isoformat() for value in djangos]
    assert ours[2] == datetime.datetime(2026, 12, 1, 12, 15, 55, 500000, tzinfo=datetime.UTC)


def test_a_model_round_trip_keeps_the_microseconds():
    from issues.models import SweepRun

    moment = datetime.datetime(2026, 1, 30, 8, 59, 59, 123456, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    run = SweepRun.objects.create(started_at=moment, now=moment)
    read = SweepRun.objects.get(pk=run.pk)
    assert read.started_at == moment
    assert read.started_at.tzinfo is datetime.UTC


def test_a_connection_in_another_time_zone_keeps_djangos_loader(settings):
    other = connection.copy()
    other.settings_dict["TIME_ZONE"] = "Asia/Shanghai"
    try:
        other.ensure_connection()
        assert other.connection.adapters.get_loader(1184, 0) is not UtcTimestampLoader
        with other.cursor() as cursor:
            cursor.execute("SELECT '2026-12-01 20:15:55+00'::timestamptz")
            value = cursor.fetchone()[0]
        assert value == datetime.datetime(2026, 12, 2, 4, 15, 55, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
        assert str(value.tzinfo) == "Asia/Shanghai"
    finally:
        other.close()
