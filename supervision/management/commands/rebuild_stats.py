"""``manage.py rebuild_stats``: count the working hours to dispatch and answer of every request again,
then the dashboard's aggregate tables (``DailyStat``, ``MonthlyStat``) from scratch. The beat tasks
``refresh_timings`` and ``refresh_stats`` keep both current incrementally; run this after deploying the
aggregate, or after bulk data corrections made outside the services."""

import time

from django.core.management.base import BaseCommand

from supervision.services import stats_refresh, timings_refresh


class Command(BaseCommand):
    help = "Recount the stored working hours and the aggregate tables behind the dashboard."

    def add_arguments(self, parser):
        parser.add_argument(
            "--changed-only",
            action="store_true",
            help="Only requests whose stamps changed, and only the days with changes.",
        )

    def handle(self, *args, changed_only, **options):
        started = time.monotonic()
        written = timings_refresh(full=not changed_only)
        self.stdout.write(f"{written} request timings written in {time.monotonic() - started:.1f} s\n")
        started = time.monotonic()
        days = stats_refresh(full=not changed_only)
        self.stdout.write(f"{days} days of figures counted in {time.monotonic() - started:.1f} s\n")
