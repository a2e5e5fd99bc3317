"""``manage.py bench [target …]``: time the pages and jobs on the synthetic province (bench/targets.py).

One JSON line per measurement, then a table with PASS/FAIL against the budgets."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from bench import targets as bench_targets


def _counts(value: str) -> list[int]:
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of user counts, e.g. 1,5,10") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("user counts must be positive")
    return counts


class Command(BaseCommand):
    help = "Time the portal's pages and jobs on the synthetic province (manage.py generate_scale first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "targets", nargs="*", help=f"Any of: {', '.join(bench_targets.TARGETS)} (default all), or figures_rebuild."
        )
        parser.add_argument("--runs", type=int, default=30, help="Timed runs per page (default 30).")
        parser.add_argument(
            "--http", action="store_true", help="Fetch the pages over HTTP from gunicorn on 127.0.0.1 (started here)."
        )
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers with --http (default 3).")
        parser.add_argument(
            "--users",
            type=_counts,
            default=None,
            help="With --http: run the mixed workload for each number of concurrent users, e.g. 1,5,10,20.",
        )
        parser.add_argument(
            "--requests-per-user", type=int, default=40, help="Requests each user sends in a --users step (default 40)."
        )

    def handle(self, *args, targets: list[str], runs: int, http: bool, workers: int, users, **options):
        unknown = sorted(set(targets) - set(bench_targets.TARGETS) - set(bench_targets.OPTIONAL))
        if unknown:
            raise CommandError(
                f"Unknown targets: {', '.join(unknown)}. Choose from {', '.join(bench_targets.TARGETS)}."
            )
        if users and not http:
            raise CommandError("--users needs --http: the workload runs against gunicorn.")
        if workers < 1 or options["requests_per_user"] < 1:
            raise CommandError("--workers and --requests-per-user must be positive.")
        try:
            bench_targets.run(
                self.stdout,
                targets,
                runs=runs,
                http=http,
                workers=workers,
                users=users,
                per_user=options["requests_per_user"],
            )
        except (LookupError, RuntimeError) as error:
            raise CommandError(str(error)) from error
