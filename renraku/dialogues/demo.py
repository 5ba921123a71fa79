"""The demo ward's dialogues (called by `renraku seed-demo`): the three deputy mayors as
hosts, lunch chats on Tuesdays and Thursdays for the coming weeks, an evening chat, a year
of past chats that make the reach page believable, the first deputy's director visits,
and a few 困っていること published."""

import datetime as dt
import importlib
import random

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from renraku.directory.models import Rank, Staff

from . import actions, directors
from .models import Booking, BookingStatus, Concern, Host, Kind, Participant, Slot

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
CONCERNS = [
    ("紙の決裁が残っていて、テレワークの日に進められない。", "DX・システム"),
    ("窓口の繁忙期に、研修の時間がとれない。", "人材育成"),
    ("拠点のWi-Fiが遅く、オンライン会議が途切れる。", "職場環境"),
    ("同じ内容を複数のシステムに入力している。", "DX・システム"),
]


# The first deputy mayor took office then: his chats since are the seed's 「71組」.
SINCE = dt.date(2022, 6, 1)


def _kinds() -> dict:
    """The kinds by code; the migration's defaults made again where a database emptied since
    (a test server's flush) lost them, by that migration's own function."""
    if not Kind.objects.exists():
        importlib.import_module("renraku.dialogues.migrations.0002_kinds").add_kinds(apps, None)
    return {k.code: k for k in Kind.objects.all()}


def _past_chats(host: Host, kinds: dict, rng: random.Random) -> None:
    """The chats that took place since SINCE: sparse in the first years (a lunch or an
    evening every few weeks), then a year of lunches that make the reach page believable;
    2–6 people each, from across the ward, booked alone or as a group."""
    people = list(Staff.objects.active().exclude(pk=host.staff_id).values_list("pk", flat=True))
    today = timezone.localdate()
    recent = today - dt.timedelta(days=330)
    day = SINCE
    while day < today - dt.timedelta(days=1) and people:
        chance = 0.6 if day >= recent else 0.12
        if day.weekday() in (1, 3) and rng.random() < chance:
            evening = day < recent and rng.random() < 0.25
            kind = kinds["evening" if evening else "lunch"]
            at = dt.datetime.combine(day, dt.time(18 if evening else 12, 0), tzinfo=TOKYO)
            slot = Slot.objects.create(
                kind=kind, host=host, start=at, minutes=60, seats=6, place="本庁舎 8階 副区長室"
            )
            chosen = rng.sample(people, min(len(people), rng.randint(2, 6)))
            group = rng.random() < 0.3
            batches = [chosen] if group else [[p] for p in chosen]
            for batch in batches:
                booking = Booking.objects.create(
                    slot=slot,
                    booked_by_id=batch[0],
                    status=BookingStatus.CONFIRMED,
                    seats=len(batch),
                )
                Participant.objects.bulk_create(
                    Participant(booking=booking, slot=slot, staff_id=p) for p in batch
                )
            if rng.random() < 0.15:
                text, topic = rng.choice(CONCERNS)
                Concern.objects.create(
                    slot=slot,
                    text=text,
                    topic=topic,
                    department=Staff.objects.get(pk=chosen[0]).department,
                    published_at=at + dt.timedelta(days=2),
                )
        day += dt.timedelta(days=1)


def seed_dialogues_demo() -> None:
    """Idempotent: does nothing once a host exists."""
    if Host.objects.exists():
        return
    deputies = list(
        Staff.objects.filter(position__rank=Rank.DEPUTY_MAYOR).order_by("employee_number")
    )
    if not deputies:
        return
    kinds = _kinds()
    rng = random.Random(2026)  # noqa: S311  (demo data: the same ward every time)
    with transaction.atomic():
        hosts = []
        for i, staff in enumerate(deputies):
            host = Host.objects.create(staff=staff, visits_directors=i == 0)
            host.kinds.set(
                [
                    kinds["lunch"],
                    kinds["evening"],
                    kinds["hosts_chat"],
                    kinds["director_visit"],
                    kinds["council"],
                ]
            )
            hosts.append(host)
        first = hosts[0]
        _past_chats(first, kinds, rng)
        today = timezone.localdate()
        actions.add_recurring(
            kind=kinds["lunch"],
            host=first,
            weekdays=[1, 3],
            time=dt.time(12, 0),
            first_day=today + dt.timedelta(days=1),
            last_day=today + dt.timedelta(days=42),
            seats=6,
            place="本庁舎 8階 副区長室",
        )
        evening = dt.datetime.combine(today + dt.timedelta(days=9), dt.time(18, 0), tzinfo=TOKYO)
        actions.add_slot(
            kind=kinds["evening"],
            host=hosts[1],
            start=evening,
            minutes=90,
            seats=8,
            place="区民会館 第2会議室",
        )
        upcoming = Slot.objects.filter(host=first, start__gt=timezone.now()).order_by("start")
        someone = list(Staff.objects.active().exclude(pk=first.staff_id).order_by("?")[:5])
        for person in someone[:3]:
            actions.book(upcoming[0], person, topic="窓口のDXについて話したいです")
        directors.queue_all(first)
        visits = list(first.visits.order_by("pk"))
        done = timezone.now() - dt.timedelta(days=20)
        for visit in visits[: len(visits) * 2 // 3]:
            directors.mark_visited(visit, when=done)
