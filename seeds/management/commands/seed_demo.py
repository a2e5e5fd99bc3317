"""Load the demo city (Weifang): regions, departments, enterprises, people, pairings, projects.

``seed_demo --logins`` only prints the demo logins (no database access): ``run_portal`` shows them
in its banner that way, without importing the demo data."""

import importlib.util
import time

from django.core.management.base import BaseCommand

import seeds
from portal import tasking
from seeds import loader


class Command(BaseCommand):
    help = "Load the demo city of Weifang and print the demo logins. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="Only print the demo logins; load nothing.")

    def handle(self, *args, **options):
        if options["logins"]:
            self.print_login_table()
            return
        # the seed runs before the portal starts its broker (scripts/dev): what it would send is done inline
        # or left for the sweeps, without a broker warning
        with tasking.offline():
            self.load()

    def load(self):
        started = time.monotonic()
        tally = loader.load()
        width = max(len(label) for label in tally.total) + 2
        self.stdout.write("演示城市：潍坊市 / demo city loaded")
        for label, total in tally.total.items():
            self.stdout.write(
                f"  {label:<{width}}{total:>6}   (new {tally.created[label]}, changed {tally.updated[label]})"
            )

        # Request history is an optional part of the seed, loaded after the organisation.
        if importlib.util.find_spec("seeds.history") is not None:
            from seeds import history

            history.load(self.stdout)

        from seeds import live, project_history

        project_history.load(self.stdout)

        live.load(self.stdout)

        from seeds import knowledge

        knowledge.load(self.stdout)

        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.\n")
        self.print_logins()

    def print_logins(self):
        self.stdout.write(self.style.SUCCESS(f"Open {seeds.DEMO_URL} and sign in with one of these accounts:"))
        self.print_login_table()

    def print_login_table(self):
        rows = [("角色 / role", "用户名 / username", "密码 / password"), *seeds.DEMO_LOGINS]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write(rule)
        for i, row in enumerate(rows):
            cells = [f" {value}{' ' * (widths[n] - _width(value))} " for n, value in enumerate(row)]
            self.stdout.write("|" + "|".join(cells) + "|")
            if i == 0:
                self.stdout.write(rule)
        self.stdout.write(rule)


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
