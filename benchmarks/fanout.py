"""Web push fan-out: `python benchmarks/fanout.py --recipients 10000 [--database-url URL]`.

N staff, each with a push subscription at the push-service stand-in (its own process, on
loopback). The clock runs from `send_alert` to the stand-in having accepted every push,
through the real path: the alert is frozen into recipients, queued, and sent by
`renraku run-huey` worker processes. In the same run, `baseline_rate` is a plain loop
calling `pywebpush.webpush` once per recipient (on min(N, 1000) other subscriptions).
`dashboard_ms` is the dashboard's data for the alert. Prints one JSON object.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import make_staff, peak_rss_mb, scratch_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2, help="huey worker processes")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)
    baseline_n = min(args.recipients, args.baseline)

    service, origin, subscriptions = start_push_service(args.recipients + baseline_n)
    try:
        result = run(args, origin, subscriptions[baseline_n:], subscriptions[:baseline_n])
    finally:
        service.terminate()
    print(json.dumps(result))


def start_push_service(n: int):
    """The push-service stand-in in its own process, trusting our VAPID key, with n
    subscriptions; returns (process, origin, subscriptions)."""
    from renraku.channels import vapid

    subs_file = Path(tempfile.mkdtemp()) / "subscriptions.jsonl"
    service = subprocess.Popen(
        [
            *(sys.executable, "-m", "renraku.channels.pushservice"),
            *("--key", vapid.application_server_key()),
            *("--subscriptions", str(n), "--out", str(subs_file)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    origin = service.stdout.readline().strip()
    return service, origin, [json.loads(line) for line in subs_file.read_text().splitlines()]


def stats(origin) -> dict:
    with urllib.request.urlopen(f"{origin}/stats", timeout=5) as response:  # noqa: S310
        return json.load(response)


def run(args, origin, subscriptions, baseline_subscriptions) -> dict:
    from django.conf import settings
    from django.db import connection

    baseline_rate = measure_baseline(baseline_subscriptions, settings)
    already = stats(origin)["accepted"]
    make_staff_with_subscriptions(subscriptions)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a ward's database in use has its statistics

    workers = start_workers(args.workers)
    try:
        from renraku.broadcast.actions import Draft, send_alert

        started, cpu_before = time.perf_counter(), machine_cpu()
        alert = send_alert(
            Draft(
                title="震度5弱 安否確認",
                body="無事かどうか回答してください。",
                audience={"all": True},
                channels=["push"],
                reply_form="safety",
                severity="emergency",
            ),
            source="bench",
        )
        send_seconds = time.perf_counter() - started
        accepted, first = wait_for(
            origin, already, len(subscriptions), timeout=max(120, len(subscriptions) / 100)
        )
        seconds = time.perf_counter() - started
        busy = busy_fraction(cpu_before, machine_cpu())
        final = stats(origin)
        worker_rss = max(peak_rss_of(w) for w in workers)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
    return {
        "database": connection.vendor,
        "recipients": len(subscriptions),
        "accepted": accepted - already,
        "seconds": round(seconds, 2),
        "send_alert_seconds": round(send_seconds, 2),
        "first_push_seconds": round(first - started, 2),
        "rate": round((accepted - already) / seconds),
        "baseline_rate": round(baseline_rate),
        "speedup": round((accepted - already) / seconds / baseline_rate, 1),
        "pushed_twice": final["more_than_once"],
        "rejected": final["rejected"],
        "dashboard_ms": dashboard_ms(alert),
        "peak_rss_mb": max(peak_rss_mb(), worker_rss),
        "cpu_busy": busy,
        "workers": args.workers,
    }


def measure_baseline(subscriptions, settings) -> float:
    """What most code does: pywebpush.webpush() per person, signing VAPID every time."""
    from pywebpush import webpush

    data = json.dumps(
        {"title": "震度5弱 安否確認", "body": "回答してください。"}, ensure_ascii=False
    )
    started = time.perf_counter()
    for info in subscriptions:
        webpush(
            info,
            data,
            vapid_private_key=str(settings.VAPID_PRIVATE_KEY_FILE),
            vapid_claims={"sub": "mailto:bench@city.example"},
            ttl=60,
        )
    return len(subscriptions) / (time.perf_counter() - started)


def make_staff_with_subscriptions(subscriptions):
    from renraku.directory.models import PushSubscription

    ids = make_staff(len(subscriptions))
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                staff_id=staff_id,
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
            )
            for staff_id, info in zip(ids, subscriptions, strict=True)
        ],
        batch_size=5000,
    )


def start_workers(n):
    """The task worker as `renraku serve` starts it (its settings: process workers)."""
    env = {**os.environ, "RENRAKU_TASK_WORKERS": str(n)}
    command = [sys.executable, "-m", "renraku.cli", "run_huey", "--no-periodic"]
    worker = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2)  # let the consumer start its processes
    return [worker]


def wait_for(origin, already, n, timeout) -> tuple[int, float]:
    """Wait until the push service has accepted `n` more; return its count and when the
    first of them arrived (to 0.05 s)."""
    deadline = time.perf_counter() + timeout
    first = None
    while time.perf_counter() < deadline:
        accepted = stats(origin)["accepted"]
        if first is None and accepted > already:
            first = time.perf_counter()
        if accepted >= already + n:
            break
        time.sleep(0.05)
    return stats(origin)["accepted"], first or time.perf_counter()


def machine_cpu() -> list[int]:
    """The machine's CPU time so far, by kind (user, nice, system, idle, iowait, …)."""
    with open("/proc/stat") as stat:
        return [int(ticks) for ticks in stat.readline().split()[1:]]


def busy_fraction(before, after) -> float:
    """How busy all cores were in between: near 1.0 means the run was CPU-bound."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    idle = spent[3] + spent[4]
    return round(1 - idle / max(1, sum(spent)), 2)


def dashboard_ms(alert) -> float:
    from renraku.broadcast import queries

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        data = queries.dashboard(alert)
        list(data["unanswered"])
        timings.append((time.perf_counter() - started) * 1000)
    return round(sorted(timings)[len(timings) // 2], 1)


def peak_rss_of(process) -> float:
    """The worker and its children's high-water memory, in MB."""
    pids = [process.pid]
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    peak = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return round(peak, 1)


if __name__ == "__main__":
    main()
