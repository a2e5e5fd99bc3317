"""``manage.py bench <target>``: run one benchmark and print JSON lines.

Targets: ``dashboard`` and ``ranking`` (supervision), ``queues`` and ``sweep`` (issues)."""

import importlib
import json

from django.core.management.base import BaseCommand

TARGETS = {
    "dashboard": "supervision.benchmarks.dashboard",
    "ranking": "supervision.benchmarks.ranking",
    "queues": "issues.benchmarks.queues",
    "sweep": "issues.benchmarks.sweep",
}


class Command(BaseCommand):
    help = "Run a benchmark on synthetic data and print one JSON line per measured page."

    def add_arguments(self, parser):
        parser.add_argument("target", choices=sorted(TARGETS))
        parser.add_argument("--n", type=int, default=None, help="Number of synthetic requests (default 1,000,000).")
        parser.add_argument("--runs", type=int, default=None, help="Timed runs per page.")

    def handle(self, *args, target, n, runs, **options):
        module_name, _, function_name = TARGETS[target].rpartition(".")
        try:
            function = getattr(importlib.import_module(module_name), function_name)
        except (ImportError, AttributeError) as error:
            self.stdout.write(json.dumps({"target": target, "error": f"unavailable: {error}"}) + "\n")
            return
        kwargs = {key: value for key, value in (("n", n), ("runs", runs)) if value is not None}
        function(self.stdout, **kwargs)
