import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class Command(BaseCommand):
    help = "Serve the web app (gunicorn, threaded WSGI workers) with the Huey task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("RENRAKU_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("RENRAKU_WEB_WORKERS", "2")),
            help="web processes (default 2: one per core of the reference machine)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("RENRAKU_WEB_THREADS", "1")),
            help="threads per web process (default 1: more only added lock waits, measured)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="web only (run `renraku run-huey` elsewhere)"
        )

    def handle(self, *args, host, port, workers, threads, no_worker, **options):
        worker = None
        if not no_worker:
            # The worker is its own process: a slow channel must never hold up a page.
            worker = subprocess.Popen([sys.executable, "-m", "renraku.cli", "run_huey"])
        self.stdout.write(
            f"renraku on http://{host}:{port}/ (task worker: "
            f"{'pid ' + str(worker.pid) if worker else 'not started'})"
        )
        try:
            WebServer(
                {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    "worker_class": "gthread",
                    "threads": threads,
                    "accesslog": "-",
                    # One-tap links' tokens become "…" in the access and error logs.
                    "logger_class": "renraku.web.accesslog.RedactingLogger",
                    "errorlog": "-",
                    "loglevel": "info",
                    # A phone on a weak signal may take a while to send its one tap.
                    "timeout": 60,
                    "keepalive": 5,
                }
            ).run()
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=10)


class WebServer(BaseApplication):
    """gunicorn run from here rather than its own command line, with our settings.

    Why WSGI and not ASGI: Django runs each ASGI request's synchronous code in a thread of
    its own, so no database connection outlives a request; every one-tap answer paid for
    opening one. A thread pool keeps connections, and measured twice the answers per second
    (benchmarks/replies.py). Nothing here needs ASGI: the dashboard polls with htmx."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from renraku.wsgi import application

        return application
