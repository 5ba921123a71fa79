"""Shared by the benchmarks: a scratch database, never the one `make demo` uses."""

import os
import tempfile
from pathlib import Path


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
    it answers /healthz; returns (process, base URL). The floor view is routed
    (RENRAKU_BENCHMARK_FLOOR=1, renraku/web/floor.py) so every run can measure it."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Its output in the scratch var dir (not a pipe nobody reads): shown if it fails to start.
    log = Path(os.environ.get("RENRAKU_VAR_DIR", tempfile.gettempdir())) / f"serve-{port}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "renraku.cli", "serve", "--no-worker"),
                *("--port", str(port), "--workers", str(workers), "--threads", str(threads)),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RENRAKU_BENCHMARK_FLOOR": "1"},
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                print(log.read_text()[-3000:], file=sys.stderr)
                raise
            time.sleep(0.2)


def signed_in(staff) -> list[tuple[int, str]]:
    """An account (role staff) and a signed-in session for each (staff id, employee
    number), written in bulk. Returns [(user id, "sessionid=…" cookie)]."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from renraku.accounts.models import Role, User

    # An unusable password each (as for accounts that sign in by a provider): hashing a
    # real one 10,000 times would take minutes and change nothing measured.
    User.objects.bulk_create(
        [
            User(username=number, staff_id=staff_id, role=Role.STAFF, password=make_password(None))
            for staff_id, number in staff
        ],
        batch_size=2000,
    )
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    store = SessionStore()
    users, sessions = [], []
    ids = [staff_id for staff_id, _number in staff]
    for user in User.objects.filter(staff_id__in=ids).order_by("pk"):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        users.append((user.pk, f"{settings.SESSION_COOKIE_NAME}={key}"))
    Session.objects.bulk_create(sessions, batch_size=2000)
    return users
