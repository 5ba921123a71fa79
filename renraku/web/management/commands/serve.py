import os
import signal
import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app (uvicorn, ASGI) together with the Huey task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("RENRAKU_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("RENRAKU_WEB_WORKERS", "1"))
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="web only (run `renraku run-huey` elsewhere)"
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        worker = None
        if not no_worker:
            # The worker is its own process: a slow channel must never hold up a page.
            worker = subprocess.Popen([sys.executable, "-m", "renraku.cli", "run_huey"])
        self.stdout.write(
            f"renraku on http://{host}:{port}/ (task worker: "
            f"{'pid ' + str(worker.pid) if worker else 'not started'})"
        )
        try:
            uvicorn.run(
                "renraku.asgi:application",
                host=host,
                port=port,
                workers=workers,
                log_level="info",
                lifespan="off",
                proxy_headers=False,
            )
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=10)
