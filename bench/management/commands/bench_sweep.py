from django.core.management.base import BaseCommand

from bench.issues import sweep


class Command(BaseCommand):
    help = "Benchmark one reminder sweep over synthetic requests (prints one JSON line)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=1_000_000)
        parser.add_argument("--due", type=int, default=20_000)
        parser.add_argument("--rebuild", action="store_true", help="rebuild the data set even if it exists")

    def handle(self, *args, **options):
        sweep(self.stdout, n=options["requests"], due=options["due"], reuse=not options["rebuild"])
