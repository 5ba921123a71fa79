"""The headquarters watching: `python benchmarks/dashboard.py --recipients 10000`.

An alert to N staff spread over the demo ward's 37 departments and 260 sites, half of
them answered (answers and attendance drawn at random, seeded), on a scratch database;
then `renraku serve` on it and `--viewers` screens, each refreshing its page every 2 s for
`--seconds`: the viewers take turns over the alert's dashboard (/alerts/<pk>/, signed in
as an administrator), its htmx partial (HX-Request), a department's drill-down
(/alerts/<pk>/situation/department/<code>/) and the wall (/wall/<token>/live/), so with 20
viewers five screens watch each. A drill-down that answers 404 (not built yet) is reported
as null and the viewers share the other three. Prints one JSON object; target: every p95 ≤ 200 ms.
"""

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import scratch_django, start_server  # noqa: E402

PERIOD = 2.0  # seconds between one screen's refreshes (the dashboard's own)
KINDS = ("page", "partial", "drilldown", "wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per web worker")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from django.db import connection

    alert, cookie, token, department = build(args.recipients)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    vendor = connection.vendor
    connection.close()

    server, base = start_server(args.web_workers, args.threads)
    try:
        paths = {
            "page": (f"/alerts/{alert}/", {"Cookie": cookie}),
            "partial": (f"/alerts/{alert}/", {"Cookie": cookie, "HX-Request": "true"}),
            "drilldown": (
                f"/alerts/{alert}/situation/department/{department}/",
                {"Cookie": cookie},
            ),
            "wall": (f"/wall/{token}/live/", {"HX-Request": "true"}),
        }
        if status_of(base, *paths["drilldown"]) == 404:
            del paths["drilldown"]
        latencies, errors = asyncio.run(watch(base, paths, args.viewers, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                "database": vendor,
                "recipients": args.recipients,
                **{f"{kind}_ms_p95": p95(latencies.get(kind)) for kind in KINDS},
                "requests": sum(len(v) for v in latencies.values()),
                "errors": errors,
                "viewers": args.viewers,
                "seconds": args.seconds,
                "web_workers": args.web_workers,
                "threads": args.threads,
            }
        )
    )


def build(n: int):
    """The ward, N staff spread over it, the alert with half answered, an administrator's
    session and a display link. Returns (alert id, cookie header, wall token, a department
    code)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from renraku.accounts.models import Role, User
    from renraku.broadcast import display
    from renraku.broadcast.actions import Draft, send_alert
    from renraku.notices.models import Reach, Recipient

    rng = random.Random(2026)
    department = spread_staff(n, rng)
    alert = send_alert(
        Draft(
            title="震度6弱 安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
        ),
        source="bench",
    )
    answered = rng.sample(
        list(Recipient.objects.filter(notice=alert).values_list("pk", flat=True)), n // 2
    )
    rows = []
    for pk in answered:
        rows.append(
            Recipient(
                pk=pk,
                answer=rng.choices(["safe", "minor", "serious"], [90, 8, 2])[0],
                attendance=rng.choices(["can", "late", "cannot", ""], [55, 25, 15, 5])[0],
                answered_at=alert.issued_at + dt.timedelta(seconds=rng.uniform(5, 3600)),
                reach=Reach.SENT,
            )
        )
    Recipient.objects.bulk_update(
        rows, ["answer", "attendance", "answered_at", "reach"], batch_size=2000
    )

    admin = User.objects.create_user(username="bench-admin", password=None, role=Role.ADMINISTRATOR)
    device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _link, token = display.create_link(alert, by=admin, label="bench")
    return alert.pk, f"{settings.SESSION_COOKIE_NAME}={session.session_key}", token, department


def spread_staff(n: int, rng) -> str:
    """N staff over the demo ward's departments (some far larger than others, as in a
    ward) and sites. As in a ward, a site belongs to one department (a school to 教育, a
    nursery to 子ども): two in five work at the head office, the rest at one of their
    department's own sites. Returns the code of the largest department."""
    from renraku.directory import demo
    from renraku.directory.models import Department, Position, Section, Site, Staff

    demo.seed_organisation()
    departments = list(Department.objects.all())
    sites = list(Site.objects.order_by("code"))
    head_office, others = sites[0], sites[1:]
    own_sites = {
        d.pk: [s for i, s in enumerate(others) if i % len(departments) == k]
        for k, d in enumerate(departments)
    }
    sections: dict[int, list] = {}
    for section in Section.objects.all():
        sections.setdefault(section.department_id, []).append(section)
    weights = [rng.uniform(1, 10) for _ in departments]
    staff_position = Position.objects.get(code="STF")
    people = []
    for i in range(n):
        department = rng.choices(departments, weights)[0]
        at_head_office = rng.random() < 0.4 or not own_sites[department.pk]
        people.append(
            Staff(
                employee_number=f"{i:07d}",
                family_name="試験",
                given_name=str(i),
                family_name_kana="シケン",
                given_name_kana="タロウ",
                department=department,
                section=rng.choice(sections.get(department.pk) or [None]),
                site=head_office if at_head_office else rng.choice(own_sites[department.pk]),
                position=staff_position,
                work_email=f"s{i}@city.example",
            )
        )
    Staff.objects.bulk_create(people, batch_size=5000)
    heaviest = max(zip(weights, departments, strict=True), key=lambda w: w[0])[1]
    return heaviest.code


def status_of(base, path, headers) -> int:
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


async def watch(base, paths: dict, viewers: int, seconds: float):
    """Each viewer is one screen: it loads its page every PERIOD seconds (or as soon as the
    last load ends, if that took longer), the screens' starts spread over one period."""
    latencies: dict[str, list[float]] = {kind: [] for kind in paths}
    errors = 0
    kinds = [k for k in KINDS if k in paths]
    end = time.perf_counter() + seconds

    async def screen(session, i):
        nonlocal errors
        kind = kinds[i % len(kinds)]
        path, headers = paths[kind]
        await asyncio.sleep(PERIOD * i / viewers)
        while time.perf_counter() < end:
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

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base, connector=connector) as session:
        await asyncio.gather(*(screen(session, i) for i in range(viewers)))
    return latencies, errors


def p95(values) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * 0.95))], 1)


if __name__ == "__main__":
    main()
