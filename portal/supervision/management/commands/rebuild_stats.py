"""``manage.py rebuild_stats``: count the working hours to dispatch and answer of every request again
(the beat task ``refresh_timings`` keeps them current incrementally)."""

import time

from django.core.management.base import BaseCommand

from portal.supervision.services import timings_refresh


class Command(BaseCommand):
    help = "Recount the stored working hours behind the dashboard's average-time figures."

    def add_arguments(self, parser):
        parser.add_argument("--changed-only", action="store_true", help="Only requests whose stamps changed.")

    def handle(self, *args, changed_only, **options):
        started = time.monotonic()
        written = timings_refresh(full=not changed_only)
        self.stdout.write(f"{written} request timings written in {time.monotonic() - started:.1f} s\n")
