"""One-tap answers under load: `python benchmarks/replies.py --replies 10000`.

Sends an alert to N staff on a scratch database, starts `renraku serve` on it, and posts
every person's one-tap answer (無事) concurrently over HTTP, as phones would after an
earthquake. Target: all stored within 60 s, no errors, p99 at most 200 ms.
Prints one JSON object.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import make_staff, scratch_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from django.db import connection

    from renraku.broadcast.actions import Draft, send_alert
    from renraku.broadcast.links import token_for
    from renraku.broadcast.models import Recipient

    make_staff(args.replies)
    alert = send_alert(
        Draft(
            title="安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
        ),
        source="bench",
    )
    paths = [
        f"/a/{token_for(pk)}/"
        for pk in Recipient.objects.filter(alert=alert).values_list("pk", flat=True)
    ]
    connection.close()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "renraku.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            str(args.web_workers),
        ],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base)
        started = time.perf_counter()
        latencies, errors = asyncio.run(post_all(base, paths, args.concurrency))
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = Recipient.objects.filter(alert=alert, answer="safe").count()
    latencies.sort()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "replies": len(paths),
                "stored": stored,
                "errors": errors,
                "seconds": round(seconds, 2),
                "rate": round(len(paths) / seconds),
                "p50_ms": round(latencies[len(latencies) // 2], 1),
                "p99_ms": round(latencies[int(len(latencies) * 0.99)], 1),
                "concurrency": args.concurrency,
                "web_workers": args.web_workers,
            }
        )
    )


def wait_for_server(base):
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def post_all(base, paths, concurrency):
    latencies, errors = [], 0
    queue = list(reversed(paths))
    async with aiohttp.ClientSession(base) as session:

        async def phone():
            nonlocal errors
            while queue:
                path = queue.pop()
                started = time.perf_counter()
                try:
                    async with session.post(path, data={"value": "safe"}) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(phone() for _ in range(concurrency)))
    return latencies, errors


if __name__ == "__main__":
    main()
