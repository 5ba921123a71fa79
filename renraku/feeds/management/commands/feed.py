import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renraku.feeds import polling, process


class Command(BaseCommand):
    help = "JMA / CAP messages: replay files, poll the feeds once, or keep polling."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        replay = sub.add_parser("replay", help="process files as if they had just arrived")
        replay.add_argument("files", nargs="+")
        replay.add_argument("--dry-run", action="store_true", help="decide; send nothing")
        replay.add_argument(
            "--drill",
            action="store_true",
            help="as a drill (訓練), whatever its status: exercises with real samples",
        )
        replay.add_argument("--json", action="store_true")
        poll = sub.add_parser("poll", help="look at every feed once")
        poll.add_argument("--url", action="append", help="instead of RENRAKU_JMA_FEEDS")
        poll.add_argument("--json", action="store_true")
        watch = sub.add_parser("watch", help="poll every --interval seconds until stopped")
        watch.add_argument("--url", action="append", help="instead of RENRAKU_JMA_FEEDS")
        watch.add_argument("--interval", type=float, default=60)

    def handle(self, *args, subcommand, **options):
        if subcommand == "replay":
            for name in options["files"]:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{name}: no such file")
                outcome = process.handle(
                    path.read_bytes(),
                    path.name,
                    dry_run=options["dry_run"],
                    drill=options["drill"],
                )
                self._print(outcome, options["json"])
        elif subcommand == "poll":
            for outcome in polling.poll_all(options["url"]):
                self._print(outcome, options["json"])
        else:
            while True:
                for outcome in polling.poll_all(options["url"]):
                    self._print(outcome, False)
                time.sleep(options["interval"])

    def _print(self, outcome, as_json):
        if as_json:
            self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(f"{outcome.file}: {outcome.action} — {outcome.reason}")
