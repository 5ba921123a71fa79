"""Web push fan-out: `python benchmarks/fanout.py --recipients 10000 [--database-url URL]`.

N staff, each with a push subscription at the push-service stand-in (its own process, on
loopback). The clock runs from `send_alert` to the stand-in having accepted every push,
through the real path: the alert is frozen into recipients, queued, and sent by
`renraku run-huey` worker processes. Measured in the same run, each on subscriptions of
its own (so `pushed_twice` still means the pipeline pushed someone twice), before it:

- `baseline_rate`: a plain loop calling `pywebpush.webpush` once per recipient, in one
  process, a new connection and a new VAPID signature each time (min(N, 1000) pushes).
  Part of `speedup` over it is extra cores and kept connections.
- `tuned_rate`: what a careful developer would write with pywebpush: one process per core
  (`--workers`), a `requests.Session` per process, the VAPID key loaded and the header
  signed once per process (min(N, 2000) pushes, shared out). `speedup_vs_tuned`.
- `floor_rate`: the most these cores can push, with no database and no queue: our own
  encryption and one POST per push over kept-alive connections (the pipeline's
  `encrypt` and `post_batch`), in `--workers` processes (min(N, 10,000) pushes).
  `pipeline_share_of_floor` = rate / floor_rate.

Pool rates are pushes accepted / wall seconds, from the moment every process is ready
(key loaded, session made) to the last one's count arriving. `dashboard_ms` is the
dashboard's data for the alert. Prints one JSON object.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import make_staff, peak_rss_mb, scratch_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--tuned", type=int, default=2_000)
    parser.add_argument("--floor", type=int, default=10_000)
    parser.add_argument(
        "--workers", type=int, default=2, help="huey worker processes, and the pools' size"
    )
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)
    sizes = [min(args.recipients, n) for n in (args.baseline, args.tuned, args.floor)]

    service, origin, subscriptions = start_push_service(args.recipients + sum(sizes))
    shares = []
    for n in sizes:
        shares.append(subscriptions[:n])
        subscriptions = subscriptions[n:]
    try:
        result = run(args, (origin, service.pid), subscriptions, *shares)
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


def run(args, service, subscriptions, baseline_subs, tuned_subs, floor_subs) -> dict:
    from django.conf import settings
    from django.db import connection, connections

    origin, service_pid = service
    baseline_rate = measure_baseline(baseline_subs, settings)
    # The pools are forked: no child may share (and, exiting, close) our database socket.
    connections.close_all()
    key_file = str(settings.VAPID_PRIVATE_KEY_FILE)
    tuned = partial(tuned_worker, key_file=key_file)
    tuned_rate, tuned_others = measure_pool(tuned, tuned_subs, args.workers, service_pid)
    floor_rate, floor_others = measure_pool(floor_worker, floor_subs, args.workers, service_pid)
    already = stats(origin)["accepted"]
    make_staff_with_subscriptions(subscriptions)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a ward's database in use has its statistics

    workers = start_workers(args.workers)
    try:
        from renraku.broadcast.actions import Draft, send_alert

        ours = [os.getpid(), service_pid, *tree(workers[0].pid)]
        started, cpu_before, ours_before = time.perf_counter(), machine_cpu(), ticks(ours)
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
        cpu_after, ours_after = machine_cpu(), ticks(ours)
        busy = busy_fraction(cpu_before, cpu_after)
        others = others_busy(cpu_before, cpu_after, ours_after - ours_before)
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
        "tuned_rate": round(tuned_rate),
        "speedup_vs_tuned": round((accepted - already) / seconds / tuned_rate, 1),
        "floor_rate": round(floor_rate),
        "pipeline_share_of_floor": round((accepted - already) / seconds / floor_rate, 2),
        "pushed_twice": final["more_than_once"],
        "rejected": final["rejected"],
        "dashboard_ms": dashboard_ms(alert),
        "peak_rss_mb": max(peak_rss_mb(), worker_rss),
        "cpu_busy": busy,
        "others_busy": others,
        "tuned_others_busy": tuned_others,
        "floor_others_busy": floor_others,
        "workers": args.workers,
    }


# What every measurement sends: the shape and size of the pipeline's payload for this
# alert (title, body, an answer link, a tag), so each encrypts as much as it does.
PAYLOAD = json.dumps(
    {
        "title": "震度5弱 安否確認",
        "body": "無事かどうか回答してください。",
        "url": "http://127.0.0.1:8000/a/12345:1xXjEn:FsJbjnZiC2lG5g_FsrSbSeivhQ9U9bC20Sel3EOQo8c/",
        "tag": "alert-1",
        "drill": False,
        "requireInteraction": True,
    },
    ensure_ascii=False,
).encode()


def measure_baseline(subscriptions, settings) -> float:
    """What most code does: pywebpush.webpush() per person, signing VAPID every time."""
    from pywebpush import webpush

    started = time.perf_counter()
    for info in subscriptions:
        webpush(
            info,
            PAYLOAD,
            vapid_private_key=str(settings.VAPID_PRIVATE_KEY_FILE),
            vapid_claims={"sub": "mailto:bench@city.example"},
            ttl=60,
        )
    return len(subscriptions) / (time.perf_counter() - started)


def measure_pool(worker, subscriptions, processes: int, service_pid: int):
    """Pushes accepted per wall second by `processes` processes each running
    worker(its share, ready, results), and others_busy() while they ran. The clock starts
    when all have made ready (loaded keys, opened sessions): a real pool is started once,
    not per alert."""
    # Forked, so the children have Django set up as the parent has (the floor imports
    # renraku.channels.webpush, which reads settings).
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes + 1)
    results = context.Queue()
    children = [
        context.Process(target=worker, args=(subscriptions[i::processes], ready, results))
        for i in range(processes)
    ]
    for child in children:
        child.start()
    ready.wait(timeout=60)
    started, cpu_before, service_before = time.perf_counter(), machine_cpu(), ticks([service_pid])
    reports = [results.get(timeout=600) for _ in children]
    seconds = time.perf_counter() - started
    cpu_after, service_after = machine_cpu(), ticks([service_pid])
    accepted = sum(n for n, _ticks in reports)
    ours = service_after - service_before + sum(t for _n, t in reports)
    for child in children:
        child.join(timeout=30)
    if accepted < len(subscriptions):  # a rate of failures would flatter no one
        raise SystemExit(f"{worker}: {len(subscriptions) - accepted} pushes not accepted")
    return accepted / seconds, others_busy(cpu_before, cpu_after, ours)


def tuned_worker(subscriptions, ready, results, *, key_file: str) -> None:
    """One process of a careful pywebpush pool: the key loaded once and its header signed
    once (valid 12 h), one requests.Session (kept-alive connection) for every push."""
    import requests
    from py_vapid import Vapid
    from pywebpush import WebPusher

    origin = "/".join(subscriptions[0]["endpoint"].split("/", 3)[:3])
    claims = {"aud": origin, "exp": int(time.time()) + 12 * 3600, "sub": "mailto:b@city.example"}
    headers = Vapid.from_file(key_file).sign(claims)
    session = requests.Session()
    ready.wait(timeout=60)
    before = ticks([os.getpid()])
    accepted = 0
    for info in subscriptions:
        response = WebPusher(info, requests_session=session).send(PAYLOAD, headers, ttl=60)
        accepted += response.status_code < 300
    results.put((accepted, ticks([os.getpid()]) - before))


def floor_worker(subscriptions, ready, results) -> None:
    """One process of the floor: the pipeline's encryption and one POST per push over its
    kept-alive connections, in one batch: no database, no queue, nothing else."""
    from renraku.channels.httppost import post_batch
    from renraku.channels.webpush import CONNECTIONS, encrypt, vapid_headers

    headers = {
        **vapid_headers(subscriptions[0]["endpoint"]),
        "TTL": "60",
        "Urgency": "high",
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
    ready.wait(timeout=60)
    before = ticks([os.getpid()])
    requests = [
        (info["endpoint"], headers, partial(encrypt, PAYLOAD, **info["keys"]))
        for info in subscriptions
    ]
    replies = post_batch(requests, connections=CONNECTIONS)
    accepted = sum(200 <= status < 300 for status, _headers in replies)
    results.put((accepted, ticks([os.getpid()]) - before))


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


def others_busy(before, after, our_ticks: int) -> float:
    """The share of all cores that processes not in this benchmark kept busy in between
    (other people's work on a shared machine): 0.3 means our figures had 70 % of it."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    busy = sum(spent) - spent[3] - spent[4]
    return round(max(0, busy - our_ticks) / max(1, sum(spent)), 2)


def ticks(pids) -> int:
    """CPU time (user + system, in clock ticks, as /proc/stat counts) of these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    return total


def tree(pid) -> list[int]:
    """A process and its children (the task worker's worker processes)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *(int(c) for c in children)]


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
    peak = 0.0
    for pid in tree(process.pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return round(peak, 1)


if __name__ == "__main__":
    main()
