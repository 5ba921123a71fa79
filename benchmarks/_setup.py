"""Shared by the benchmarks: a scratch database, never the one `make demo` uses."""

import os
import tempfile


def scratch_django(database_url: str | None = None) -> None:
    """Point Django at a new SQLite file (or at `database_url`, which must be a scratch
    database: the benchmark migrates it and writes to it), then set it up."""
    os.environ["RENRAKU_VAR_DIR"] = tempfile.mkdtemp(prefix="renraku-bench-")
    if database_url:
        os.environ["RENRAKU_DATABASE_URL"] = database_url
    else:
        os.environ.pop("RENRAKU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renraku.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def make_staff(n: int) -> list[int]:
    """The demo ward's organisation and `n` plain members of staff; returns their ids."""
    from renraku.directory import demo
    from renraku.directory.models import Department, Position, Site, Staff

    demo.seed_organisation()
    dept, site = Department.objects.first(), Site.objects.first()
    position = Position.objects.last()
    Staff.objects.bulk_create(
        [
            Staff(
                employee_number=f"{i:07d}",
                family_name="試験",
                given_name=str(i),
                family_name_kana="シケン",
                given_name_kana="タロウ",
                department=dept,
                site=site,
                position=position,
                work_email=f"s{i}@city.example",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    return list(Staff.objects.order_by("pk").values_list("pk", flat=True))


def start_server(workers: int, threads: int):
    """`renraku serve` (web only) on a free loopback port with this process's settings, once
    it answers /healthz; returns (process, base URL)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "renraku.cli", "serve", "--no-worker"),
            *("--port", str(port), "--workers", str(workers), "--threads", str(threads)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                return server, base
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
