"""From JMA to phones: `python benchmarks/feed_latency.py [--staff N] [--interval S]`.

A VXSE53 with 震度５弱 in 世田谷区 (JMA's own 2011-03-11 message) appears in a stand-in JMA
feed on loopback. `renraku feed watch` polls it every --interval seconds (1 here; JMA's own
cadence, and ours in production, is 60 s), the default rule sends the safety confirmation
to every member of staff, and `renraku run-huey` workers push it to a stand-in push
service. `seconds` runs from the entry's appearance to the first push accepted;
`all_seconds` to the last. Prints one JSON object.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import scratch_django  # noqa: E402
from benchmarks.fanout import (  # noqa: E402
    make_staff_with_subscriptions,
    start_push_service,
    start_workers,
    stats,
)

SAMPLE = ROOT / "renraku/feeds/tests/samples/32-39_11_05_120615_VXSE53.xml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from renraku.feeds.testing import FeedServer

    push, push_origin, subscriptions = start_push_service(args.staff)
    make_staff_with_subscriptions(subscriptions)
    feed = FeedServer().start()
    watcher = subprocess.Popen(
        [
            *(sys.executable, "-m", "renraku.cli", "feed", "watch"),
            *("--interval", str(args.interval), "--url", feed.feed_url()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = start_workers(2)
    try:
        time.sleep(2 * args.interval + 1)  # the watcher has seen the feed empty
        appeared = time.perf_counter()
        feed.publish(SAMPLE.name, SAMPLE.read_bytes(), "震源・震度に関する情報")
        first = wait(push_origin, 1, appeared, timeout=60)
        last = wait(push_origin, args.staff, appeared, timeout=120)
    finally:
        for process in [watcher, *workers, push]:
            process.terminate()
        feed.stop()
    from renraku.feeds.models import FeedMessage

    message = FeedMessage.objects.order_by("pk").last()
    print(
        json.dumps(
            {
                "seconds": first,
                "all_seconds": last,
                "staff": args.staff,
                "poll_interval": args.interval,
                "action": message.action if message else None,
                "max_intensity_in_ward": message.max_intensity if message else None,
            }
        )
    )


def wait(origin, count, since, timeout) -> float | None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if stats(origin)["accepted"] >= count:
            return round(time.perf_counter() - since, 2)
        time.sleep(0.01)
    return None


if __name__ == "__main__":
    main()
