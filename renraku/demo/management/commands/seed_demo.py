import json
import sys
import time

from django.core.management.base import BaseCommand

from renraku.demo.ward import seed_demo
from renraku.directory.queries import org_summary


class Command(BaseCommand):
    help = "Create the demo ward (10,000 staff, demo accounts). Safe to run again."

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = seed_demo(progress=sys.stderr.isatty())
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
