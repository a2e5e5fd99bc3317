"""``manage.py generate_scale``: load a synthetic province for benchmarks (bench/scale.py)."""

import json
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import scale
from portal.orgs.models import Region


class Command(BaseCommand):
    help = "Load a reproducible synthetic province (regions, people, enterprises, requests and their history)."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=210_000)
        parser.add_argument("--requests", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=3, help="Years of requests before --until.")
        parser.add_argument("--seed", type=int, default=133)
        parser.add_argument(
            "--until", type=date.fromisoformat, default=None, help="Last day of the data (default today)."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, enterprises, requests, years, seed, until, quiet, **options):
        if settings.PRODUCTION:
            raise CommandError("generate_scale writes synthetic data; it refuses to run in production.")
        if Region.objects.filter(code__in=[code for code, _name, _weight in scale.CITIES]).exists():
            raise CommandError(
                "The synthetic province is already loaded here; load it into an empty database "
                "(createdb, then migrate)."
            )
        if enterprises < 1 or requests < 0 or years < 1:
            raise CommandError("--enterprises and --years must be positive, --requests not negative.")
        stream = open("/dev/null", "w") if quiet else None  # noqa: SIM115
        try:
            result = scale.generate(
                enterprises=enterprises, requests=requests, years=years, seed=seed, until=until, stream=stream
            )
        finally:
            if stream is not None:
                stream.close()
        self.stdout.write(
            json.dumps({"anchor": result.anchor.isoformat(), "seed": seed, "seconds": result.seconds, **result.counts})
            + "\n"
        )
