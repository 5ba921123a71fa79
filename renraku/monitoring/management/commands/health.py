import json
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from renraku.monitoring import actions, checks


class Command(BaseCommand):
    help = (
        "Health checks: the task worker, the feeds, the delivery queue, the database. "
        "Exits 1 when one fails. --notify also tells the administrators of what started, "
        "continues or recovered (run it every minute from cron or a systemd timer, ideally "
        "on another machine: a dead task worker cannot report itself)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help='{"ok", "checks": [...]}')
        parser.add_argument(
            "--notify", action="store_true", help="tell the administrators of changes"
        )

    def handle(self, *args, **options):
        if options["notify"]:
            actions.remember_feed_successes()
        result = checks.run_checks()
        if options["notify"]:
            try:
                actions.tell_administrators(result)
            except DatabaseError as exc:  # nowhere to remember what was told: say so, exit 1
                self.stderr.write(f"could not notify: {type(exc).__name__}: {exc}")
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            for check in result["checks"]:
                mark = "ok  " if check["ok"] else "FAIL"
                self.stdout.write(f"{mark} {check['name']}: {check['detail']}")
        if not result["ok"]:
            sys.exit(1)
