import json
import sys
import time

from django.core.management.base import BaseCommand

from renraku.demo.ward import seed_demo
from renraku.directory.demo import STAFF_COUNT
from renraku.directory.queries import org_summary


class Command(BaseCommand):
    help = "Create the demo ward (10,000 staff, demo accounts). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--staff",
            type=int,
            default=STAFF_COUNT,
            help="how many staff (default 10,000; everyone the organisation needs is always "
            "there, so a small number gives a small ward of the same shape)",
        )

    def handle(self, *args, staff, **options):
        started = time.monotonic()
        counts = seed_demo(progress=sys.stderr.isatty(), staff=staff)
        summary = org_summary()
        self.stdout.write(
            json.dumps(
                {
                    "seconds": round(time.monotonic() - started, 1),
                    "import": counts,
                    "summary": {k: v for k, v in summary.items() if k != "by_rank"},
                },
                ensure_ascii=False,
            )
        )
