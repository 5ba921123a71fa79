"""One-tap answers under load: `python benchmarks/replies.py --replies 10000`.

Sends an alert to N staff on a scratch database, starts `renraku serve` on it, and posts
every person's one-tap answer (無事) over HTTP, as phones would after an earthquake.
Target: all stored within 60 s, no errors, p99 at most 200 ms.

By default the phones answer at a steady `--rate` per second (200: 10,000 in 50 s), each
on its own, whether or not earlier answers have been served: ten thousand people do not
wait for each other. `--rate 0` instead keeps `--concurrency` requests in flight at all
times, which measures the most the server can take (and its latency when saturated).
Prints one JSON object.
"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import make_staff, scratch_django, start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200, help="answers per second; 0: flood")
    parser.add_argument("--concurrency", type=int, default=50, help="in flight, with --rate 0")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per web worker")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from django.db import connection

    from renraku.broadcast.actions import Draft, send_alert
    from renraku.broadcast.links import token_for
    from renraku.notices.models import Recipient

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
        for pk in Recipient.objects.filter(notice=alert).values_list("pk", flat=True)
    ]
    connection.close()

    server, base = start_server(args.web_workers, args.threads)
    try:
        started = time.perf_counter()
        if args.rate:
            latencies, errors = asyncio.run(post_at_rate(base, paths, args.rate))
        else:
            latencies, errors = asyncio.run(post_all(base, paths, args.concurrency))
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = Recipient.objects.filter(notice=alert, answer="safe").count()
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
                "offered_rate": args.rate or None,
                "concurrency": None if args.rate else args.concurrency,
                "web_workers": args.web_workers,
                "threads": args.threads,
            }
        )
    )


async def answer(session, path, latencies) -> bool:
    """One tap; whether it was stored (200). Latency counts from the tap, so time spent
    waiting for a connection is included."""
    started = time.perf_counter()
    try:
        async with session.post(path, data={"value": "safe"}) as response:
            await response.read()
            ok = response.status == 200
    except aiohttp.ClientError:
        ok = False
    latencies.append((time.perf_counter() - started) * 1000)
    return ok


async def post_at_rate(base, paths, rate):
    """Open loop: answer i is sent at i / rate seconds, however the earlier ones fare."""
    latencies = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base, connector=connector) as session:
        start = time.perf_counter()
        tasks = []
        for i, path in enumerate(paths):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(answer(session, path, latencies)))
        results = await asyncio.gather(*tasks)
    return latencies, results.count(False)


async def post_all(base, paths, concurrency):
    """Closed loop: `concurrency` phones, each sending its next answer once served."""
    latencies, errors = [], 0
    queue = list(reversed(paths))
    async with aiohttp.ClientSession(base) as session:

        async def phone():
            nonlocal errors
            while queue:
                if not await answer(session, queue.pop(), latencies):
                    errors += 1

        await asyncio.gather(*(phone() for _ in range(concurrency)))
    return latencies, errors


if __name__ == "__main__":
    main()
