"""参集 at scale: `python benchmarks/mobilise.py --staff 10000 [--database-url URL]`.

N staff spread over the demo ward's 37 departments and 260 sites (as benchmarks/dashboard.py
spreads them), each with a call-up level, a post and a team (the demo's eight teams) and a
push subscription at the push-service stand-in (its own process, as benchmarks/fanout.py
runs it); the minimum staffing of each post and team as the demo ward sets it.

- `start_seconds`: `mobilise.actions.start` at the highest level (everyone called) until
  the stand-in has accepted every push, sent by `renraku run-huey` worker processes: the
  alerts' 3 s target.
- Then `renraku serve` on the same database, and, at `--rate` (100) a second in all, open
  loop, `--answers` (N) 参集 answers (can come, by ETA, or cannot, with a reason) and
  `--arrivals` (N / 2) 到着しました, each a POST of the person's signed one-tap link as a
  phone sends it, an arrival always after that person's answer. Their safety answers
  (無事) are written beforehand, in bulk: the 参集 question comes after it.
- Meanwhile `--viewers` headquarters' screens, each loading its page every 2 s, in turns
  over: the status by post and by team, as lines (GET /api/v1/mobilisations/ID/status?
  by=site|team with an administrator's token: computed afresh on every request, nothing
  shared between screens), the status page (/mobilise/ID/, both tables, signed in as an
  administrator), its live refresh (HX-Request), the largest post's page and the largest
  team's page (with their lists).

Prints one JSON object; targets: start_seconds ≤ 3, status_by_site_p95_ms and
status_by_team_p95_ms ≤ 200.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import scratch_django, start_server  # noqa: E402
from benchmarks.dashboard import p95, spread_staff  # noqa: E402
from benchmarks.fanout import (  # noqa: E402
    start_push_service,
    start_workers,
    stats,
    wait_for,
)

PERIOD = 2.0  # seconds between one screen's loads (the status page's own refresh)
KINDS = ("by_site", "by_team", "page", "live", "post", "team")
ETAS = (("30", 35), ("60", 25), ("180", 15), ("day", 10))
REASONS = ("injured", "family", "transport", "other")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--answers", type=int, help="参集 answers (default: everyone)")
    parser.add_argument("--arrivals", type=int, help="arrivals (default: half)")
    parser.add_argument("--rate", type=float, default=100, help="answers and arrivals a second")
    parser.add_argument("--viewers", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2, help="task worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per web worker")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    answers = min(args.staff, args.answers if args.answers is not None else args.staff)
    arrivals = min(answers, args.arrivals if args.arrivals is not None else args.staff // 2)
    scratch_django(args.database_url)
    # The viewers' token reads the status every 2 s per screen: far past an integration's
    # 60 a minute, which is not what is measured.
    os.environ["RENRAKU_API_RATE_PER_MINUTE"] = "1000000"

    service, origin, subscriptions = start_push_service(args.staff)
    try:
        result = run(args, origin, subscriptions, answers, arrivals)
    finally:
        service.terminate()
    print(json.dumps(result))


def run(args, origin, subscriptions, answers: int, arrivals: int) -> dict:
    from django.db import connection

    rng = random.Random(2026)
    build(args.staff, subscriptions, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start_load = os.getloadavg()[0]
    start_seconds, m = start_everyone(args, origin)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    links = answer_links(m, rng, answers)
    events = schedule(links, answers, arrivals, rng)
    cookie, token = administrator()
    places = largest_places(m)
    vendor = connection.vendor
    connection.close()

    server, base = start_server(args.web_workers, args.threads)
    try:
        paths = {
            "by_site": (f"/api/v1/mobilisations/{m.pk}/status?by=site", token),
            "by_team": (f"/api/v1/mobilisations/{m.pk}/status?by=team", token),
            "page": (f"/mobilise/{m.pk}/", {"Cookie": cookie}),
            "live": (f"/mobilise/{m.pk}/", {"Cookie": cookie, "HX-Request": "true"}),
            "post": (f"/mobilise/{m.pk}/posts/{places[0]}/", {"Cookie": cookie}),
            "team": (f"/mobilise/{m.pk}/teams/{places[1]}/", {"Cookie": cookie}),
        }
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        writes, reads = asyncio.run(load(base, events, args.rate, paths, args.viewers))
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    from renraku.mobilise.models import Callup

    stored = Callup.objects.filter(mobilisation=m)
    write_latencies, write_errors = writes
    latencies, read_errors = reads
    write_latencies.sort()
    return {
        "database": vendor,
        "staff": args.staff,
        "called": stored.count(),
        "start_seconds": round(start_seconds, 2),
        # Of which: starting it (recipients frozen, deliveries planned, call-ups written),
        # and until the first push was accepted.
        "start_call_seconds": round(m.call_seconds, 2),
        "first_push_seconds": round(m.first_push_seconds, 2),
        "start_loadavg": round(start_load, 1),
        "answers": answers,
        "arrivals": arrivals,
        "answers_stored": stored.filter(answered_at__isnull=False).count(),
        "arrivals_stored": stored.filter(arrived_at__isnull=False).count(),
        "offered_rate": args.rate,
        "load_seconds": round(seconds, 1),
        "write_p50_ms": round(write_latencies[len(write_latencies) // 2], 1),
        "write_p99_ms": round(write_latencies[int(len(write_latencies) * 0.99)], 1),
        "write_errors": write_errors,
        "status_by_site_p95_ms": p95(latencies["by_site"]),
        "status_by_team_p95_ms": p95(latencies["by_team"]),
        "status_page_p95_ms": p95(latencies["page"]),
        "status_live_p95_ms": p95(latencies["live"]),
        "post_page_p95_ms": p95(latencies["post"]),
        "team_page_p95_ms": p95(latencies["team"]),
        # The grouped queries alone, in this process, once everything is stored.
        "status_query_site_ms": query_ms(m, "site"),
        "status_query_team_ms": query_ms(m, "team"),
        "reads": sum(len(v) for v in latencies.values()),
        "read_errors": read_errors,
        "viewers": args.viewers,
        # The machine's 1-minute load average as the load began and ended (2 cores: above
        # 2, other work was waiting for the CPU too).
        "loadavg": [round(load_before, 1), round(load_after, 1)],
        "workers": args.workers,
        "web_workers": args.web_workers,
        "threads": args.threads,
    }


def query_ms(m, by: str) -> float:
    from renraku.mobilise import queries

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        queries.status(m, by)
        timings.append((time.perf_counter() - started) * 1000)
    return round(sorted(timings)[2], 1)


def build(n: int, subscriptions, rng) -> None:
    """The ward with N staff, their call-up (level, post, team) and the minimums, and a
    push subscription each."""
    from renraku.directory.demo_callup import seed_levels, seed_minimums, seed_teams
    from renraku.directory.models import PushSubscription, Site, Staff, Team

    spread_staff(n, rng)
    seed_levels()
    seed_teams()
    teams = list(Team.objects.order_by("order"))
    sites = {s.pk: s for s in Site.objects.all()}
    schools = [s for s in sites.values() if s.kind == Site.Kind.SCHOOL] or list(sites.values())
    people, rows = [], []
    for staff in Staff.objects.order_by("pk").only("pk", "site_id", "department_id"):
        level = rng.choices([1, 2, 3, None], [3, 7, 25, 65])[0]
        team = teams[staff.department_id % len(teams)]
        # Shelter staff go to a school; the others to where they work.
        post = rng.choice(schools) if team.code == "SHELTER" else sites[staff.site_id]
        staff.callup_level_id, staff.callup_site, staff.callup_team = level, post, team
        people.append(staff)
        rows.append({"callup_level": level, "callup_site": post.code, "callup_team": team.code})
    Staff.objects.bulk_update(
        people, ["callup_level", "callup_site", "callup_team"], batch_size=2000
    )
    seed_minimums(rows)
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                staff_id=staff.pk,
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
            )
            for staff, info in zip(people, subscriptions, strict=True)
        ],
        batch_size=5000,
    )


def start_everyone(args, origin):
    """Call everyone (the highest level) and wait for every push to be accepted."""
    from renraku.directory.models import DeploymentLevel, Staff
    from renraku.mobilise import actions

    workers = start_workers(args.workers)
    try:
        already = stats(origin)["accepted"]
        everyone = Staff.objects.filter(is_active=True).count()
        top = max(DeploymentLevel.objects.values_list("number", flat=True))
        started = time.perf_counter()
        m = actions.start(top, drill=True, title="全職員参集（訓練）")
        m.call_seconds = time.perf_counter() - started
        accepted, first = wait_for(origin, already, everyone, timeout=max(120, everyone / 100))
        seconds = time.perf_counter() - started
        m.first_push_seconds = first - started
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
    if accepted - already < everyone:
        raise SystemExit(f"only {accepted - already} of {everyone} pushes accepted")
    return seconds, m


def answer_links(m, rng, answers: int) -> list[str]:
    """The 参集 form's address for `answers` people at random, their safety answer (無事)
    written first, in bulk."""
    from django.utils import timezone

    from renraku.broadcast.links import token_for
    from renraku.broadcast.models import Answer
    from renraku.notices.models import Recipient

    ids = list(Recipient.objects.filter(notice_id=m.pk).values_list("pk", flat=True))
    chosen = rng.sample(ids, answers)
    now = timezone.now()
    Recipient.objects.filter(pk__in=chosen).update(answer="safe", answered_at=now, read_at=now)
    Answer.objects.bulk_create(
        [Answer(recipient_id=pk, value="safe", via="link") for pk in chosen], batch_size=5000
    )
    return [f"/mobilise/a/{token_for(pk)}/" for pk in chosen]


def schedule(links, answers: int, arrivals: int, rng) -> list[tuple[str, dict]]:
    """(path, form) in the order they are sent: answers and arrivals mixed evenly, each
    arrival after its person's answer."""
    forms = []
    for _ in range(answers):
        if rng.random() < 0.85:
            forms.append({"eta": rng.choices([e for e, _w in ETAS], [w for _e, w in ETAS])[0]})
        else:
            forms.append({"reason": rng.choice(REASONS)})
    answered = [(path, form) for path, form in zip(links, forms, strict=True)]
    events, arrived = [], 0
    for i, event in enumerate(answered):
        events.append(event)
        # The arrival of person `arrived` once the share of arrivals so far calls for one.
        while arrived < arrivals and arrived * answers <= i * arrivals:
            events.append((links[arrived], {"arrive": "1"}))
            arrived += 1
    return events


def administrator() -> tuple[str, dict]:
    """An administrator's signed-in session (past two-factor) and an API token."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from renraku.accounts.models import ApiToken, Role, User

    admin = User.objects.create_user(username="bench-admin", password=None, role=Role.ADMINISTRATOR)
    device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _token, raw = ApiToken.issue(admin, "bench", scopes=["alerts"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    return cookie, {"Authorization": f"Bearer {raw}"}


def largest_places(m) -> tuple[str, str]:
    """The codes of the post and the team with the most people called."""
    from django.db.models import Count

    from renraku.mobilise.models import Callup

    called = Callup.objects.filter(mobilisation=m).order_by()
    site = called.values("site__code").annotate(n=Count("pk")).order_by("-n")[0]["site__code"]
    team = called.values("team__code").annotate(n=Count("pk")).order_by("-n")[0]["team__code"]
    return site, team


async def load(base, events, rate, paths, viewers):
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base, connector=connector) as session:
        done = asyncio.Event()
        watching = asyncio.create_task(watch(session, paths, viewers, done))
        writes = await post_at_rate(session, events, rate)
        done.set()
        reads = await watching
    return writes, reads


async def post_at_rate(session, events, rate):
    """Open loop: event i is sent at i / rate seconds, however the earlier ones fare;
    latency counts from then."""
    latencies = []

    async def send(path, form) -> bool:
        started = time.perf_counter()
        try:
            async with session.post(path, data=form) as response:
                await response.read()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok = False
        latencies.append((time.perf_counter() - started) * 1000)
        return ok

    start = time.perf_counter()
    tasks = []
    for i, (path, form) in enumerate(events):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(path, form)))
    results = await asyncio.gather(*tasks)
    return latencies, results.count(False)


async def watch(session, paths, viewers: int, done: asyncio.Event):
    """Each viewer is one screen loading its page every PERIOD seconds (or as soon as the
    last load ends, if that took longer), the screens' starts spread over one period,
    until the answers and arrivals are all sent."""
    latencies = {kind: [] for kind in paths}
    errors = 0

    async def screen(i):
        nonlocal errors
        kind = KINDS[i % len(KINDS)]
        path, headers = paths[kind]
        await asyncio.sleep(PERIOD * i / viewers)
        while not done.is_set():
            started = time.perf_counter()
            try:
                async with session.get(path, headers=headers, allow_redirects=False) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            elapsed = time.perf_counter() - started
            latencies[kind].append(elapsed * 1000)
            errors += not ok
            await asyncio.sleep(max(0.0, PERIOD - elapsed))

    await asyncio.gather(*(screen(i) for i in range(viewers)))
    return latencies, errors


if __name__ == "__main__":
    main()
