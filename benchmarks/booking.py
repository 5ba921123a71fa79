"""Booking under a crowd: `python benchmarks/booking.py --contenders 500 --seats 10`.

On a scratch database (`--database-url`: a new, empty database; default: a new SQLite
file): hosts with many lunch-chat slots, and many members of staff, each with an account
and a signed-in session of their own. Then `renraku serve` (web only) and, over HTTP on
loopback, against the same server in the same run:

1. `floor_rps`: the web floor for a write, the cheapest signed-in POST the server answers
   (renraku/web/floor.py: the session, the user and the CSRF check, two bytes back), at
   saturation, in `--rounds` turns of `--seconds` with the bookings' (so a neighbour's
   load falls on both alike).
2. `capacity_rps`: 申し込む (POST /dialogues/slots/N/book/, answered with a redirect) at
   saturation; every request is a new booking by a person who has none, on one of
   `--slots` slots. `share` = capacity / floor (target ≥ 0.5); `share_by_cpu`, the same
   from the server's and this client's CPU per request; `share_by_turns`, the median of
   the turns' shares (both less moved by a busy neighbour).
3. `p99_ms_at_70`: 70 % of that capacity offered as a steady arrival rate for
   `--rate-seconds`, again each a new booking (target p99 ≤ 200 ms).
4. The race: `--contenders` people press 申し込む for one slot of `--seats` seats at the
   same moment, each on a connection of their own. Never overbooked, no errors, and
   `last_answer_seconds` ≤ contenders / capacity_rps + 1 (`race_within_target`).

Figures beside a busy neighbour are not the machine's: `others_busy` is the share of the
two cores other processes took during the measured phases. One JSON object to stdout,
progress to stderr; the exit status is 1 when a booking was overbooked, lost or failed.
"""

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import _load  # noqa: E402
from benchmarks._setup import make_staff, scratch_django, signed_in, start_server  # noqa: E402

STARTED = time.perf_counter()
TOPIC = "防災訓練の進め方について、現場の声をお伝えしたいです。"


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contenders", type=int, default=500, help="people in the race")
    parser.add_argument("--seats", type=int, default=10, help="seats of the raced slot")
    parser.add_argument("--people", type=int, default=4000, help="people for capacity and p99")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--slots", type=int, default=200, help="slots booked at capacity")
    parser.add_argument("--slot-seats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4, help="turns of floor and booking")
    parser.add_argument("--seconds", type=float, default=2, help="each turn at saturation")
    parser.add_argument("--rate-seconds", type=float, default=10, help="the p99 phase")
    parser.add_argument("--connections", type=int, default=8, help="at saturation")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)
    result = run(args)
    print(json.dumps(result, ensure_ascii=False))
    if result["overbooked"] or result["race_errors"] or result["lost"]:
        say("FAILED: overbooked, a race error or a booking lost")
        sys.exit(1)


def run(args) -> dict:
    from django.db import connection

    slots, race_slot = make_slots(args)
    people = list(staff_numbers(args.hosts, args.people + args.contenders))
    cookies = [cookie for _user, cookie in signed_in(people)]
    say(f"{len(cookies)} people signed in; {len(slots)} slots of {args.slot_seats} seats")
    vendor = connection.vendor
    connection.close()  # the server's processes write from here on

    crowd, racers = cookies[: args.people], cookies[args.people :]
    server, base = start_server(args.web_workers, args.threads)
    try:
        figures = measure(args, base, server.pid, crowd, racers, slots, race_slot)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures.update(check_race(race_slot, args.seats))
    stored = count_bookings()
    capacity = figures["capacity_rps"]
    allowed = args.contenders / capacity + 1 if capacity else None
    return {
        "database": vendor,
        "floor_rps": figures["floor_rps"],
        "capacity_rps": capacity,
        "share": round(capacity / figures["floor_rps"], 2) if figures["floor_rps"] else None,
        "p99_ms_at_70": figures["p99_ms_at_70"],
        "contenders": args.contenders,
        "seats": args.seats,
        "confirmed": figures["confirmed"],
        "waitlisted": figures["waitlisted"],
        "overbooked": figures["overbooked"],
        "seated_twice": figures["seated_twice"],
        "errors": figures["race_errors"],
        "race_errors": figures["race_errors"],
        "last_answer_seconds": figures["last_answer_seconds"],
        "last_answer_allowed_seconds": round(allowed, 2) if allowed else None,
        "race_within_target": bool(allowed) and figures["last_answer_seconds"] <= allowed,
        "race_p50_ms": figures["race_p50_ms"],
        "p50_ms_at_70": figures["p50_ms_at_70"],
        "rate_at_70": figures["rate_at_70"],
        "bookings_answered": figures["bookings_answered"],
        "bookings_stored": stored,
        "lost": stored != figures["bookings_answered"],
        "phase_errors": figures["phase_errors"],
        "rps_by_turn": figures["rps_by_turn"],
        # CPU per request (server, this client) by phase, and the share they give: moved
        # less than throughput by a busy neighbour (without the database's own CPU on
        # PostgreSQL).
        "share_by_cpu": figures["share_by_cpu"],
        "share_by_turns": figures["share_by_turns"],
        "cpu_ms_server_client": figures["cpu_ms_server_client"],
        "others_busy": figures["others_busy"],
        "web_workers": args.web_workers,
        "threads": args.threads,
        "connections": args.connections,
    }


def make_slots(args):
    """`--hosts` hosts of lunch chats (open to everyone, one upcoming chat per person and
    host, as the demo's), `--slots` slots among them next week, and the raced slot."""
    from django.utils import timezone

    from renraku.dialogues import actions
    from renraku.dialogues.models import Host, Kind
    from renraku.directory.models import Staff

    make_staff(args.hosts + args.people + args.contenders)
    lunch = Kind.objects.get(code="lunch")
    host_staff = list(Staff.objects.order_by("pk").values_list("pk", flat=True)[: args.hosts])
    hosts = [Host.objects.create(staff_id=pk) for pk in host_staff]
    for host in hosts:
        host.kinds.add(lunch)
    monday = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
    slots = [
        actions.add_slot(
            kind=lunch,
            host=hosts[i % len(hosts)],
            start=monday + dt.timedelta(hours=i // len(hosts)),
            seats=args.slot_seats,
        ).pk
        for i in range(args.slots)
    ]
    race = actions.add_slot(
        kind=lunch, host=hosts[0], start=monday - dt.timedelta(hours=1), seats=args.seats
    )
    return slots, race.pk


def staff_numbers(skip: int, n: int):
    from renraku.directory.models import Staff

    return Staff.objects.order_by("pk").values_list("pk", "employee_number")[skip : skip + n]


def book_calls(cookies, slots) -> list[_load.Call]:
    """Person i books slot i mod len(slots): each press a new booking."""
    return [
        _load.Call.post(
            f"/dialogues/slots/{slots[i % len(slots)]}/book/",
            cookie,
            {"topic": TOPIC, "members": ""},
            ok=302,
        )
        for i, cookie in enumerate(cookies)
    ]


def measure(args, base, server_pid, crowd, racers, slots, race_slot) -> dict:
    others = _load.others_meter(server_pid)
    pending = iter(book_calls(crowd, slots))
    floor, capacity = asyncio.run(
        _load.alternate(
            base,
            _load.floor_calls(crowd, post=True),
            pending,
            rounds=args.rounds,
            seconds=args.seconds,
            connections=args.connections,
            server_pid=server_pid,
        )
    )
    say(f"floor (POST with CSRF): {floor['rps']}/s {floor['rps_by_turn']}")
    say(f"bookings: {capacity['rps']}/s {capacity['rps_by_turn']} ({capacity['requests']})")
    if capacity["exhausted"]:
        say("WARNING: people ran out before the capacity phase's time: raise --people")

    rate = 0.7 * capacity["rps"]
    steady = list(islice(pending, int(rate * args.rate_seconds)))
    at_70 = asyncio.run(_load.at_rate(base, steady, rate, server_pid=server_pid))
    say(f"at {rate:.0f}/s: p99 {at_70['p99_ms']} ms ({len(steady)} booked)")

    path = f"/dialogues/slots/{race_slot}/book/"
    race_calls = [_load.Call.post(path, c, {"topic": TOPIC, "members": ""}, 302) for c in racers]
    race = asyncio.run(_load.all_at_once(base, race_calls, server_pid=server_pid))
    say(f"race: last answer after {race['last_answer_seconds']} s")
    phases = {"floor": floor, "capacity": capacity, "at_70": at_70, "race": race}
    return {
        "floor_rps": floor["rps"],
        "capacity_rps": capacity["rps"],
        "p99_ms_at_70": at_70["p99_ms"],
        "p50_ms_at_70": at_70["p50_ms"],
        "rate_at_70": round(rate, 1),
        "race_errors": race["errors"],
        "race_p50_ms": race["p50_ms"],
        "last_answer_seconds": race["last_answer_seconds"],
        "bookings_answered": sum(
            phases[p]["requests"] - phases[p]["errors"] for p in ("capacity", "at_70", "race")
        ),
        "phase_errors": {p: [v["errors"], v["unexpected"]] for p, v in phases.items()},
        "rps_by_turn": {"floor": floor["rps_by_turn"], "booking": capacity["rps_by_turn"]},
        "share_by_cpu": _load.share_by_cpu(floor, capacity),
        "share_by_turns": _load.share_by_turns(floor, capacity),
        "cpu_ms_server_client": {
            p: [v["server_cpu_ms"], v["client_cpu_ms"]] for p, v in phases.items()
        },
        "others_busy": others(),
    }


def check_race(slot_id: int, seats: int) -> dict:
    from django.db.models import Count

    from renraku.dialogues import actions
    from renraku.dialogues.models import Booking, Participant, Slot

    slot = Slot.objects.get(pk=slot_id)
    confirmed = actions.confirmed_seats(slot)
    seated_twice = (
        Participant.objects.filter(slot=slot, active=True)
        .values("staff")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "confirmed": confirmed,
        "waitlisted": Booking.objects.filter(slot=slot, status="waitlisted").count(),
        "overbooked": confirmed > seats,
        "seated_twice": seated_twice,
    }


def count_bookings() -> int:
    """Every booking stored: the crowd's slots and the raced one."""
    from renraku.dialogues.models import Booking

    return Booking.objects.count()


if __name__ == "__main__":
    main()
