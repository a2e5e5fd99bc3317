"""``manage.py bench <target>``: run one benchmark and print JSON lines.

Targets: ``dashboard`` and ``ranking`` (supervision), ``queues`` and ``sweep`` (issues)."""

from django.core.management.base import BaseCommand

from bench import issues, supervision

TARGETS = {
    "dashboard": supervision.dashboard,
    "ranking": supervision.ranking,
    "queues": issues.queues,
    "sweep": issues.sweep,
}


class Command(BaseCommand):
    help = "Run a benchmark on synthetic data and print one JSON line per measured page."

    def add_arguments(self, parser):
        parser.add_argument("target", choices=sorted(TARGETS))
        parser.add_argument("--n", type=int, default=None, help="Number of synthetic requests (default 1,000,000).")
        parser.add_argument("--runs", type=int, default=None, help="Timed runs per page.")

    def handle(self, *args, target, n, runs, **options):
        kwargs = {key: value for key, value in (("n", n), ("runs", runs)) if value is not None}
        TARGETS[target](self.stdout, **kwargs)
