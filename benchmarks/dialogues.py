"""A popular lunch chat: `python benchmarks/dialogues.py --people 500 --seats 10`.

Makes N staff with signed-in sessions on a scratch database, a slot with 10 seats, starts
`renraku serve`, and has every one of them press 「申し込む」 at the same moment over HTTP,
as when a popular host's slots open. Afterwards it checks the database: exactly `seats`
confirmed, everyone else on the waiting list in one order, no booking lost, no error.
Target (DESIGN.md): never overbooked, no errors, p99 ≤ 500 ms. Prints one JSON object.
"""

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import make_staff, scratch_django, signed_in, start_server  # noqa: E402

CSRF = "benchmarkcsrftoken0123456789abcd"  # 32 characters: Django's unmasked secret form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seats", type=int, default=10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from renraku.dialogues import actions
    from renraku.dialogues.models import Booking, Host, Kind, Participant
    from renraku.directory.models import Staff

    make_staff(args.people + 1)
    people = list(Staff.objects.order_by("pk").values_list("pk", "employee_number"))
    host = Host.objects.create(staff_id=people[0][0])
    lunch = Kind.objects.get(code="lunch")
    Kind.objects.filter(pk=lunch.pk).update(upcoming_per_host=0)
    slot = actions.add_slot(
        kind=Kind.objects.get(pk=lunch.pk),
        host=host,
        start=timezone.now() + dt.timedelta(days=7),
        seats=args.seats,
    )
    cookies = [cookie for _user, cookie in signed_in(people[1:])]
    connection.close()

    server, base = start_server(args.web_workers, args.threads)
    try:
        started = time.perf_counter()
        latencies, statuses = asyncio.run(
            book_all(base, f"/dialogues/slots/{slot.pk}/book/", cookies)
        )
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    bookings = Booking.objects.filter(slot=slot)
    confirmed = actions.confirmed_seats(slot)
    seated_twice = (
        Participant.objects.filter(slot=slot, active=True)
        .values("staff")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    latencies.sort()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "people": len(cookies),
                "seats": args.seats,
                "confirmed": confirmed,
                "waitlisted": bookings.filter(status="waitlisted").count(),
                "bookings": bookings.count(),
                "overbooked": confirmed > args.seats,
                "seated_twice": seated_twice,
                "errors": sum(1 for s in statuses if s != 302),
                "seconds": round(seconds, 2),
                "p50_ms": round(latencies[len(latencies) // 2], 1),
                "p99_ms": round(latencies[int(len(latencies) * 0.99)], 1),
                "web_workers": args.web_workers,
                "threads": args.threads,
            }
        )
    )


async def book(session, path, cookie, latencies, statuses) -> None:
    """One press of the button; a booking answers with a redirect to the slot (302)."""
    headers = {"Cookie": f"{cookie}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
    started = time.perf_counter()
    try:
        async with session.post(
            path, data={"topic": ""}, headers=headers, allow_redirects=False
        ) as response:
            await response.read()
            statuses.append(response.status)
    except aiohttp.ClientError:
        statuses.append(0)
    latencies.append((time.perf_counter() - started) * 1000)


async def book_all(base, path, cookies):
    """Everyone at once: every request is started before the first answer comes back."""
    latencies, statuses = [], []
    connector = aiohttp.TCPConnector(limit=len(cookies))
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(base, connector=connector, cookie_jar=jar) as session:
        await asyncio.gather(
            *(book(session, path, cookie, latencies, statuses) for cookie in cookies)
        )
    return latencies, statuses


if __name__ == "__main__":
    main()
