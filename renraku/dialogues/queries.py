"""Reads that staff pages and the home page share: the open slots anyone may sign up for
(with the seats taken counted in the same query), a person's bookings, and how a slot's
time reads in Tokyo."""

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import ACTIVE, Booking, BookingStatus, Participant, Slot, SlotStatus

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
WEEKDAYS = "月火水木金土日"


def when(slot) -> str:
    """「12月10日（木）12:00〜13:00」 in Tokyo, whatever the reader's language: dates in
    the ward are read this way."""
    start, end = slot.start.astimezone(TOKYO), slot.end.astimezone(TOKYO)
    return f"{start.month}月{start.day}日（{WEEKDAYS[start.weekday()]}）{start:%H:%M}〜{end:%H:%M}"


def day_time(moment) -> str:
    """「12月7日 12:00」 in Tokyo: a deadline."""
    local = moment.astimezone(TOKYO)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# Booking's table and columns. Written out: a booking asks it with the slot locked, and
# building the aggregate through the ORM cost several times running it.
_CONFIRMED_SEATS_SQL = (
    "SELECT COALESCE(SUM(seats), 0) FROM dialogues_booking WHERE slot_id = %s AND status = %s"
)


def confirmed_seats(slot) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_CONFIRMED_SEATS_SQL, [slot.pk, BookingStatus.CONFIRMED.value])
        return int(cursor.fetchone()[0])


def seats_left(slot) -> int:
    return max(0, slot.seats - confirmed_seats(slot))


def with_taken(slots):
    """Each slot annotated with `taken`: its confirmed seats (one query for the list)."""
    return slots.annotate(
        taken=Coalesce(
            Sum("bookings__seats", filter=Q(bookings__status=BookingStatus.CONFIRMED)), 0
        )
    )


def open_slots(now=None):
    """Upcoming open slots of the kinds anyone may sign up for, soonest first."""
    now = now or timezone.now()
    return with_taken(
        Slot.objects.filter(status=SlotStatus.OPEN, start__gt=now, kind__open_signup=True)
        .select_related("kind", "host__staff")
        .order_by("start", "pk")
    )


def in_lottery(slot, now=None) -> bool:
    """Applications are still taken for the draw (actions.book answers "applied")."""
    return bool(slot.draw_at and slot.drawn_at is None and (now or timezone.now()) < slot.draw_at)


def at_limit_with_host(slot, staff_ids) -> set[int]:
    """Those of `staff_ids` who already have as many upcoming chats with the slot's host as
    its kind allows (`upcoming_per_host`; 0: no limit), this slot aside."""
    limit = slot.kind.upcoming_per_host
    if not limit or not staff_ids:
        return set()
    counts = (
        Participant.objects.filter(
            staff_id__in=staff_ids,
            active=True,
            booking__status__in=ACTIVE,
            slot__host_id=slot.host_id,
            slot__start__gt=timezone.now(),
            slot__status=SlotStatus.OPEN,
        )
        .exclude(slot_id=slot.pk)
        .values("staff_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["staff_id"] for row in counts if row["n"] >= limit}


def taken_and_at_limit(slot, staff_ids) -> tuple[set[int], set[int]]:
    """Of `staff_ids`, in one plain query (a booking asks both with the slot locked): those
    who already have a seat in this upcoming slot (an active participant, whatever the
    booking's state), and those at_limit_with_host. The rows are each person's seats in
    upcoming slots: a few."""
    if not staff_ids:
        return set(), set()
    limit = slot.kind.upcoming_per_host
    rows = Participant.objects.filter(
        staff_id__in=staff_ids, active=True, slot__start__gt=timezone.now()
    ).values_list("staff_id", "slot_id", "slot__host_id", "slot__status", "booking__status")
    taken, counts = set(), {}
    for staff_id, slot_id, host_id, slot_status, booking_status in rows:
        if slot_id == slot.pk:
            taken.add(staff_id)
        elif (
            host_id == slot.host_id and slot_status == SlotStatus.OPEN and booking_status in ACTIVE
        ):
            counts[staff_id] = counts.get(staff_id, 0) + 1
    busy = {staff_id for staff_id, n in counts.items() if limit and n >= limit}
    return taken, busy


def awaiting_draw(slot, now=None) -> bool:
    """Applications for the draw have closed but the lots are not drawn yet."""
    return bool(slot.draw_at and slot.drawn_at is None and (now or timezone.now()) >= slot.draw_at)


def next_with_seats(kinds=("lunch", "evening"), limit=3):
    """The home page's few slots: the next ones of these kinds with a seat left."""
    rows = open_slots().filter(kind__code__in=kinds)
    return [s for s in rows[: limit * 10] if s.taken < s.seats][:limit]


def my_bookings(staff):
    """Every booking that brings `staff` (booked by them or by a colleague for a group)."""
    return (
        Booking.objects.filter(participants__staff=staff)
        .select_related("slot__kind", "slot__host__staff", "booked_by")
        .distinct()
    )


def next_booking(staff):
    """The person's next active booking of an open slot, or None."""
    return (
        my_bookings(staff)
        .filter(status__in=ACTIVE, slot__status=SlotStatus.OPEN, slot__start__gt=timezone.now())
        .order_by("slot__start", "pk")
        .first()
    )


def booked_slot_ids(staff, slot_ids) -> set[int]:
    return set(
        Participant.objects.filter(
            staff=staff, active=True, slot_id__in=slot_ids, booking__status__in=ACTIVE
        ).values_list("slot_id", flat=True)
    )


def waiting_position(booking) -> int:
    """1 for the first on the slot's waiting list (the order promote_waiting uses)."""
    ahead = Booking.objects.filter(slot_id=booking.slot_id, status=BookingStatus.WAITLISTED).filter(
        Q(waiting_since__lt=booking.waiting_since)
        | Q(waiting_since=booking.waiting_since, pk__lt=booking.pk)
    )
    return ahead.count() + 1
