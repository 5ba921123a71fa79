"""Display receipts beside the one-tap answers: `python benchmarks/receipts.py`.

An alert to N staff (10,000), each with a push subscription, on a scratch database;
`renraku serve` (web only) and one task worker (`run_huey`, which folds the receipts).
Then the same minute twice, side by side:

  quiet:  one-tap answers (無事) at `--answer-rate` per second for `--seconds`;
  burst:  the same, from other people, while every phone's display receipt arrives at
          once, `--receipts` (10,000) spread over that minute.

Target: answer p99 at most 200 ms in both, every receipt folded into the deliveries
within seconds of the last one. Prints one JSON object.
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
from benchmarks.fanout import start_workers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--receipts", type=int, default=10_000)
    parser.add_argument("--answer-rate", type=float, default=50, help="answers per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per web worker")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from django.db import connection
    from huey.contrib.djhuey import HUEY

    from renraku.broadcast.actions import Draft, send_alert
    from renraku.broadcast.links import token_for
    from renraku.channels.receipts import sign
    from renraku.directory.models import PushSubscription
    from renraku.notices.models import Delivery, Receipt, Recipient

    ids = make_staff(args.staff)
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                staff_id=pk, endpoint=f"https://push.example/{pk}", p256dh="k", auth="a"
            )
            for pk in ids
        ],
        batch_size=5000,
    )
    alert = send_alert(
        Draft(
            title="安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["push"],
            reply_form="safety",
        ),
        source="bench",
    )
    HUEY.flush()  # nothing is pushed: the deliveries stay as planned, to be confirmed
    sub_of = dict(PushSubscription.objects.values_list("staff_id", "pk"))
    rows = list(
        Delivery.objects.filter(recipient__notice=alert)
        .order_by("pk")
        .values_list("pk", "recipient_id", "recipient__staff_id")
    )
    receipts = [sign(d, sub_of[staff]) for d, _r, staff in rows][: args.receipts]
    answers = [f"/a/{token_for(r)}/" for _d, r, _s in rows]
    per_run = int(args.answer_rate * args.seconds)
    if 2 * per_run > len(answers):
        raise SystemExit(f"--staff must be at least {2 * per_run} for two runs of answers")
    connection.close()

    server, base = start_server(args.web_workers, args.threads)
    [worker] = start_workers(1)
    try:
        quiet = asyncio.run(run(base, answers[:per_run], args.answer_rate, [], 0))
        receipt_rate = len(receipts) / args.seconds
        burst = asyncio.run(
            run(base, answers[per_run : 2 * per_run], args.answer_rate, receipts, receipt_rate)
        )
        # Folded by the worker every few seconds: wait for the last of them.
        ended = time.perf_counter()
        while (
            Delivery.objects.filter(recipient__notice=alert, shown_at__isnull=False).count()
            < len(receipts)
            and time.perf_counter() - ended < 60
        ):
            time.sleep(0.5)
        folded_after = round(time.perf_counter() - ended, 1)
        shown = Delivery.objects.filter(recipient__notice=alert, shown_at__isnull=False).count()
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "staff": args.staff,
                "answer_rate": args.answer_rate,
                "seconds": args.seconds,
                "quiet": quiet,
                "burst": burst,
                "receipts_folded": shown,
                "receipts_left_in_buffer": Receipt.objects.count(),
                "folded_within_s_of_the_last": folded_after,
                "answers_stored": Recipient.objects.filter(notice=alert, answer="safe").count(),
                "web_workers": args.web_workers,
                "threads": args.threads,
            }
        )
    )


async def run(base, answer_paths, answer_rate, receipts, receipt_rate) -> dict:
    """Answers and receipts, each open loop at its own rate (phones do not wait for each
    other)."""
    answered, confirmed = [], []
    phones = aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=0))
    # The service worker sends no cookies.
    workers = aiohttp.ClientSession(
        base, connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
    )
    async with phones, workers:
        results = await asyncio.gather(
            at_rate(answer_paths, answer_rate, lambda p: answer(phones, p, answered)),
            at_rate(receipts, receipt_rate, lambda t: receipt(workers, t, confirmed)),
        )
    return {
        "answers": len(answered),
        "answer_errors": results[0].count(False),
        "answer_p50_ms": percentile(answered, 0.5),
        "answer_p99_ms": percentile(answered, 0.99),
        "receipts": len(confirmed),
        "receipt_errors": results[1].count(False),
        "receipt_p50_ms": percentile(confirmed, 0.5),
        "receipt_p99_ms": percentile(confirmed, 0.99),
    }


async def at_rate(items, rate, send) -> list[bool]:
    """Item i is sent at i / rate seconds, however the earlier ones fare."""
    if not items:
        return []
    start = time.perf_counter()
    tasks = []
    for i, item in enumerate(items):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(item)))
    return list(await asyncio.gather(*tasks))


async def answer(session, path, latencies) -> bool:
    return await timed(session.post(path, data={"value": "safe"}), 200, latencies)


async def receipt(session, token, latencies) -> bool:
    # As the service worker sends it: the token as text, no cookies.
    post = session.post("/push/shown/", data=token, headers={"Content-Type": "text/plain"})
    return await timed(post, 204, latencies)


async def timed(request, expected: int, latencies) -> bool:
    started = time.perf_counter()
    try:
        async with request as response:
            await response.read()
            ok = response.status == expected
    except aiohttp.ClientError:
        ok = False
    latencies.append((time.perf_counter() - started) * 1000)
    return ok


def percentile(values, share) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


if __name__ == "__main__":
    main()
