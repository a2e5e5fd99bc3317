"""``manage.py bench [target …]``: time the pages and jobs on the synthetic province (bench/targets.py).

One JSON line per measurement, then a table with PASS/FAIL against the budgets."""

from django.core.management.base import BaseCommand, CommandError

from bench import targets as bench_targets


class Command(BaseCommand):
    help = "Time the portal's pages and jobs on the synthetic province (manage.py generate_scale first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "targets", nargs="*", help=f"Any of: {', '.join(bench_targets.TARGETS)} (default all), or figures_rebuild."
        )
        parser.add_argument("--runs", type=int, default=30, help="Timed runs per page (default 30).")

    def handle(self, *args, targets: list[str], runs: int, **options):
        unknown = sorted(set(targets) - set(bench_targets.TARGETS) - set(bench_targets.OPTIONAL))
        if unknown:
            raise CommandError(
                f"Unknown targets: {', '.join(unknown)}. Choose from {', '.join(bench_targets.TARGETS)}."
            )
        try:
            bench_targets.run(self.stdout, targets, runs=runs)
        except LookupError as error:
            raise CommandError(str(error)) from error
