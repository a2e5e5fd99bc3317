import json

from django.core.management.base import BaseCommand

from portal.notifications.selectors import notification_status


class Command(BaseCommand):
    help = "Show the last reminder sweep, stages due but not sent, and deliveries by status (for operators)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        status = notification_status()
        if options["json"]:
            self.stdout.write(json.dumps(status, ensure_ascii=False, default=str))
            return
        last = status["last_sweep"]
        if last is None:
            self.stdout.write(self.style.ERROR("last sweep: never (is Celery beat running?)"))
        else:
            style = self.style.SUCCESS if last["minutes_ago"] <= 15 else self.style.WARNING
            self.stdout.write(
                style(
                    f"last sweep: {last['started_at']} ({last['minutes_ago']} min ago), "
                    f"sent {last['counts']}, late {last['late']}, errors {last['errors']}"
                )
            )
        unfinished = status.get("unfinished_sweeps", [])
        if unfinished:
            self.stdout.write(self.style.WARNING(f"unfinished sweeps: {status['unfinished_sweeps_total']}"))
        for run in unfinished:
            state = "abandoned (killed before it finished)" if run["abandoned"] else "running"
            style = self.style.WARNING if run["abandoned"] else self.style.NOTICE
            line = f"  #{run['pk']} started {run['started_at']} ({run['minutes_ago']} min ago): {state}"
            self.stdout.write(style(line))
        self.stdout.write("due but not sent:")
        for kind, n in status["due_unsent"].items():
            self.stdout.write(f"  {kind:<15} {n}")
        self.stdout.write("deliveries:")
        for name, n in status["deliveries"].items():
            self.stdout.write(f"  {name:<15} {n}")
        self.stdout.write(f"  pending > 10 min {status['deliveries_waiting_over_10_min']}")
        self.stdout.write(f"  stuck sending    {status['deliveries_stuck_sending']}")
        for failure in status["recent_failures"]:
            self.stdout.write(
                self.style.WARNING(
                    f"  failed #{failure['pk']} {failure['channel']} x{failure['attempts']}: {failure['last_error']}"
                )
            )
