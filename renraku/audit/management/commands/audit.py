import json
import sys

from django.core.management.base import BaseCommand

from renraku.audit.actions import verify_chain


class Command(BaseCommand):
    help = "The audit log: `audit verify` checks the hash chain and names the first broken entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, json: bool = False, **options):
        report = verify_chain()
        if json:
            self.stdout.write(
                _dumps(
                    {
                        "ok": report.ok,
                        "checked": report.checked,
                        "broken_seq": report.broken_seq,
                        "reason": report.reason,
                    }
                )
            )
        elif report.ok:
            self.stdout.write(self.style.SUCCESS(f"ok: {report.checked} entries, chain intact"))
        else:
            self.stdout.write(
                self.style.ERROR(
                    f"broken at entry #{report.broken_seq}: {report.reason} "
                    f"({report.checked} entries before it are intact)"
                )
            )
        if not report.ok:
            sys.exit(1)


def _dumps(value):
    return json.dumps(value)
