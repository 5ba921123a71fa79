import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from renraku.audit.actions import verify_chain
from renraku.audit.checkpoints import BadCheckpointFile, read_checkpoints, write_checkpoint


class Command(BaseCommand):
    help = (
        "The audit log: `audit verify` checks the keyed hash chain and the checkpoints, and "
        "names the first broken entry; `audit checkpoint` writes down the chain's head."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("--json", action="store_true")
        verify.add_argument(
            "--checkpoints",
            type=Path,
            help="a file of checkpoint lines (default: RENRAKU_AUDIT_CHECKPOINT_FILE if any)",
        )
        sub.add_parser("checkpoint")

    def handle(self, *args, subcommand, **options):
        if subcommand == "checkpoint":
            self.stdout.write(write_checkpoint().line())
            return
        report = verify_chain(_checkpoints(options["checkpoints"]))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": report.ok,
                        "checked": report.checked,
                        "broken_seq": report.broken_seq,
                        "reason": report.reason,
                        "checkpoints": report.checkpoints,
                    }
                )
            )
        elif report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"ok: {report.checked} entries, chain intact, "
                    f"{report.checkpoints} checkpoints agree"
                )
            )
        else:
            self.stdout.write(
                self.style.ERROR(
                    f"broken at entry #{report.broken_seq}: {report.reason} "
                    f"({report.checked} entries before it are intact)"
                )
            )
        if not report.ok:
            sys.exit(1)


def _checkpoints(path):
    if path is None:
        path = Path(settings.AUDIT_CHECKPOINT_FILE)
        if not path.exists():
            return []
    try:
        return read_checkpoints(path)
    except FileNotFoundError:
        raise CommandError(f"no checkpoint file {path}") from None
    except BadCheckpointFile as exc:
        raise CommandError(str(exc)) from None
