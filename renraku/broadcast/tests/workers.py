"""Task workers in processes of their own, started as an operator starts them, for the tests
that kill one (test_worker_crash, test_two_hosts)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from renraku.testing import database_url


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker that works on this test's database and task queue: the
    same file on SQLite; on Redis the same server and the test suite's queue name (a worker
    started outside pytest would otherwise read the server's queue)."""
    queue = (
        {"RENRAKU_REDIS_URL": settings.REDIS_URL, "RENRAKU_HUEY_NAME": settings.HUEY["name"]}
        if settings.REDIS_URL
        else {"RENRAKU_HUEY_FILE": settings.HUEY["filename"]}
    )
    return {**os.environ, "RENRAKU_DATABASE_URL": database_url(), **queue, **extra}


def start_worker(
    *args: str, env: dict[str, str], cwd: Path | None = None, log: Path | None = None
) -> subprocess.Popen:
    """`renraku run-huey ARGS`, in a session of its own so that killing its process group
    kills its worker processes too, as a machine that dies takes them all."""
    output = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(  # noqa: S603  (our own command and the test's options)
            [sys.executable, "-m", "renraku.cli", "run-huey", *args],  # `renraku run-huey`
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            output.close()  # the child has its own copy


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL to the worker and its processes: no goodbye, claimed work is left mid-send."""
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def wait_until(condition, timeout: float, explain=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out\n{explain()}"
        time.sleep(0.05)
