"""Every state change of the dialogues, checked and audited: slots (one, or recurring with
exceptions), moving and cancelling them, booking (alone or as a group), cancelling a
booking, the waiting list, and the lottery for popular hosts.

Seats are counted with the slot's row locked, inside the transaction that books: never
overbooked, however many try at once."""

import datetime as dt
import random
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.directory.models import Staff

from . import notify
from .models import (
    ACTIVE,
    Booking,
    BookingStatus,
    Host,
    Kind,
    Participant,
    Purpose,
    Recurrence,
    Slot,
    SlotStatus,
)

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
MAX_GROUP = 20
MAX_RECURRING = 200  # slots one rule may make


def _check_slot_fields(start: dt.datetime, minutes: int, seats: int, now=None) -> list[str]:
    errors = []
    if start.tzinfo is None:
        errors.append(_("Give the time with its time zone."))
    elif start <= (now or timezone.now()):
        errors.append(_("The slot must start in the future."))
    if not 10 <= minutes <= 480:
        errors.append(_("A slot lasts between 10 minutes and 8 hours."))
    if not 1 <= seats <= 500:
        errors.append(_("A slot has between 1 and 500 seats."))
    return errors


def add_slot(
    *,
    kind: Kind,
    host: Host,
    start: dt.datetime,
    minutes: int = 60,
    seats: int | None = None,
    place: str = "",
    online_url: str = "",
    draw_at: dt.datetime | None = None,
    by=None,
    request=None,
) -> Slot:
    seats = kind.default_seats if seats is None else seats
    errors = _check_slot_fields(start, minutes, seats)
    if len(place) > 200:
        errors.append(_("The place is longer than 200 characters."))
    if draw_at is not None and not timezone.now() < draw_at < start:
        errors.append(_("Lots are drawn after now and before the slot starts."))
    if errors:
        raise ValidationError(errors)
    if host.lottery and draw_at is None:
        draw_at = start - dt.timedelta(days=3)
        if draw_at <= timezone.now():
            draw_at = None  # too close: first come, first served
    slot = Slot.objects.create(
        kind=kind,
        host=host,
        start=start,
        minutes=minutes,
        seats=seats,
        place=place.strip(),
        online_url=online_url,
        draw_at=draw_at,
    )
    record(
        "dialogues.slot_added",
        request=request,
        actor=by or "system",
        target=f"slot:{slot.pk}",
        detail={
            "kind": kind.code,
            "host": host.staff.employee_number,
            "start": start.isoformat(),
            "seats": seats,
        },
    )
    return slot


def add_recurring(
    *,
    kind: Kind,
    host: Host,
    weekdays: list[int],
    time: dt.time,
    first_day: dt.date,
    last_day: dt.date,
    minutes: int = 60,
    seats: int | None = None,
    place: str = "",
    exceptions: list[dt.date] = (),
    by=None,
) -> list[Slot]:
    """Every given weekday (0 = Monday) from `first_day` to `last_day` at `time` (Tokyo),
    less the `exceptions`: one Slot each, all made or none."""
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise ValidationError(_("Choose the weekdays (Monday to Sunday)."))
    if last_day < first_day or (last_day - first_day).days > 366:
        raise ValidationError(_("A rule covers at most one year, first day before last."))
    seats = kind.default_seats if seats is None else seats
    skip = set(exceptions)
    days = [
        first_day + dt.timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if (first_day + dt.timedelta(days=n)).weekday() in weekdays
        and first_day + dt.timedelta(days=n) not in skip
    ]
    if len(days) > MAX_RECURRING:
        raise ValidationError(_("That would make more than %(n)d slots.") % {"n": MAX_RECURRING})
    with transaction.atomic():
        rule = Recurrence.objects.create(
            kind=kind,
            host=host,
            weekdays=sorted(set(weekdays)),
            time=time,
            minutes=minutes,
            seats=seats,
            place=place,
            first_day=first_day,
            last_day=last_day,
            exceptions=sorted(d.isoformat() for d in skip),
        )
        slots = []
        for day in days:
            start = dt.datetime.combine(day, time, tzinfo=TOKYO)
            if start <= timezone.now():
                continue
            slot = add_slot(
                kind=kind, host=host, start=start, minutes=minutes, seats=seats, place=place, by=by
            )
            slot.recurrence = rule
            slot.save(update_fields=["recurrence"])
            slots.append(slot)
    return slots


def _may_change_slot(user, slot: Slot) -> None:
    if user is None or is_host_or_admin(user, slot):
        return
    raise PermissionDenied(_("Only the host or an administrator may change this slot."))


def move_slot(slot: Slot, start: dt.datetime, *, by=None, request=None) -> Slot:
    """Move a slot: every participant is told, and their calendar entry updated."""
    _may_change_slot(by, slot)
    errors = _check_slot_fields(start, slot.minutes, slot.seats)
    if slot.status != SlotStatus.OPEN:
        errors.append(_("This slot has been cancelled."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        before = slot.start
        slot.start, slot.sequence, slot.reminded_at = start, slot.sequence + 1, None
        slot.save(update_fields=["start", "sequence", "reminded_at"])
        notify.tell(slot, Purpose.MOVED, _active_staff_ids(slot))
        record(
            "dialogues.slot_moved",
            request=request,
            actor=by or "system",
            target=f"slot:{slot.pk}",
            detail={"from": before.isoformat(), "to": start.isoformat()},
        )
    return slot


def cancel_slot(slot: Slot, *, by=None, request=None) -> Slot:
    _may_change_slot(by, slot)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if slot.status == SlotStatus.CANCELLED:
            return slot
        told = _active_staff_ids(slot)
        slot.status, slot.sequence = SlotStatus.CANCELLED, slot.sequence + 1
        slot.save(update_fields=["status", "sequence"])
        notify.tell(slot, Purpose.CANCELLED, told)
        now = timezone.now()
        Booking.objects.filter(slot=slot, status__in=ACTIVE).update(
            status=BookingStatus.CANCELLED, cancelled_at=now
        )
        Participant.objects.filter(slot=slot).update(active=False)
        record(
            "dialogues.slot_cancelled",
            request=request,
            actor=by or "system",
            target=f"slot:{slot.pk}",
            detail={"told": len(told)},
        )
    return slot


def _active_staff_ids(slot: Slot) -> list[int]:
    return list(
        Participant.objects.filter(
            slot=slot, active=True, booking__status=BookingStatus.CONFIRMED
        ).values_list("staff_id", flat=True)
    )


def confirmed_seats(slot: Slot) -> int:
    taken = Booking.objects.filter(slot=slot, status=BookingStatus.CONFIRMED).aggregate(
        n=Sum("seats")
    )
    return taken["n"] or 0


def seats_left(slot: Slot) -> int:
    return max(0, slot.seats - confirmed_seats(slot))


def _check_fairness(slot: Slot, people: list[Staff]) -> list[str]:
    """At most `kind.upcoming_per_host` upcoming chats per person with the same host."""
    limit = slot.kind.upcoming_per_host
    if not limit:
        return []
    busy = (
        Participant.objects.filter(
            staff__in=people,
            active=True,
            slot__host=slot.host,
            slot__start__gt=timezone.now(),
            slot__status=SlotStatus.OPEN,
        )
        .exclude(slot=slot)
        .values_list("staff__employee_number", "staff__family_name", "staff__given_name")
    )
    counts: dict[tuple, int] = {}
    for row in busy:
        counts[row] = counts.get(row, 0) + 1
    return [
        _("%(name)s already has an upcoming chat with this host.") % {"name": f"{f} {g}"}
        for (_number, f, g), n in counts.items()
        if n >= limit
    ]


def book(slot: Slot, booker: Staff, *, members=(), topic: str = "", by=None, request=None):
    """Book seats for `booker` and the named colleagues `members` (a group takes as many
    seats as people). Returns the Booking: confirmed, on the waiting list, or (for a
    lottery not yet drawn) applied. Raises ValidationError with the reason otherwise."""
    people = list(dict.fromkeys([booker, *members]))
    topic = (topic or "").strip()
    errors = []
    if len(people) > MAX_GROUP:
        errors.append(_("A group is at most %(n)d people.") % {"n": MAX_GROUP})
    if len(topic) > 500 or any(ord(c) < 32 and c not in "\n\t" for c in topic):
        errors.append(_("「話したいこと」 is at most 500 characters of text."))
    if any(not p.is_active for p in people):
        errors.append(_("Only current staff can take part."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The slot's row is the lock: two bookings of its last seat take turns.
        slot = Slot.objects.select_for_update().select_related("kind", "host").get(pk=slot.pk)
        if slot.status != SlotStatus.OPEN:
            raise ValidationError(_("This slot has been cancelled."))
        if slot.start <= timezone.now():
            raise ValidationError(_("This slot has already started."))
        if not slot.kind.open_signup and by is not None and not is_host_or_admin(by, slot):
            raise ValidationError(_("This kind of dialogue is by invitation only."))
        taken = set(
            Participant.objects.filter(slot=slot, active=True, staff__in=people).values_list(
                "staff__employee_number", flat=True
            )
        )
        if taken:
            raise ValidationError(
                _("Already booked for this slot: %(who)s") % {"who": ", ".join(sorted(taken))}
            )
        errors = _check_fairness(slot, people)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        if slot.draw_at and slot.drawn_at is None and now < slot.draw_at:
            status = BookingStatus.APPLIED
        elif confirmed_seats(slot) + len(people) <= slot.seats:
            status = BookingStatus.CONFIRMED
        else:
            status = BookingStatus.WAITLISTED
        booking = Booking.objects.create(
            slot=slot,
            booked_by=booker,
            status=status,
            seats=len(people),
            topic=topic,
            waiting_since=now if status == BookingStatus.WAITLISTED else None,
        )
        try:
            with transaction.atomic():
                Participant.objects.bulk_create(
                    Participant(booking=booking, slot=slot, staff=p) for p in people
                )
        except IntegrityError:  # booked by someone else at the same moment
            raise ValidationError(
                _("Someone in the group was just booked for this slot.")
            ) from None
        if status == BookingStatus.CONFIRMED:
            notify.invite(slot, [p.pk for p in people])
        record(
            "dialogues.booked",
            request=request,
            actor=by or "system",
            target=f"slot:{slot.pk}",
            detail={
                "booking": booking.pk,
                "status": status,
                "seats": len(people),
                "staff": [p.employee_number for p in people],
            },
        )
    return booking


def is_host_or_admin(user, slot) -> bool:
    """The slot's host, or an administrator: who may change it and see who comes."""
    from renraku.accounts.models import Role

    return user.role == Role.ADMINISTRATOR or getattr(user, "staff_id", None) == slot.host.staff_id


def cancel_booking(booking: Booking, *, by=None, request=None) -> list[Booking]:
    """Cancel, until the kind's deadline (a host or administrator at any time). Frees the
    seats for the waiting list, in order; those promoted are told. Returns them."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("kind").get(pk=booking.slot_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if by is not None:
            mine = getattr(by, "staff_id", None) in set(
                booking.participants.values_list("staff_id", flat=True)
            )
            if not (mine or is_host_or_admin(by, slot)):
                raise PermissionDenied(_("This is not your booking."))
            deadline = slot.start - dt.timedelta(hours=slot.kind.cancel_hours)
            if timezone.now() > deadline and not is_host_or_admin(by, slot):
                raise ValidationError(
                    _("Cancelling closed %(hours)d hours before the start; tell the host.")
                    % {"hours": slot.kind.cancel_hours}
                )
        if booking.status not in ACTIVE:
            raise ValidationError(_("This booking is already cancelled."))
        was_confirmed = booking.status == BookingStatus.CONFIRMED
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED, timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        booking.participants.update(active=False)
        promoted = promote_waiting(slot) if was_confirmed else []
        record(
            "dialogues.cancelled",
            request=request,
            actor=by or "system",
            target=f"slot:{slot.pk}",
            detail={"booking": booking.pk, "promoted": [b.pk for b in promoted]},
        )
    return promoted


def promote_waiting(slot: Slot) -> list[Booking]:
    """Give freed seats to the waiting list in order (a group that does not fit yet keeps
    its place while a smaller booking behind it may take the seats). Tells those moved up.
    In the caller's transaction, with the slot locked."""
    free = slot.seats - confirmed_seats(slot)
    promoted = []
    waiting = Booking.objects.filter(slot=slot, status=BookingStatus.WAITLISTED).order_by(
        "waiting_since", "pk"
    )
    for candidate in waiting:
        if free <= 0:
            break
        if candidate.seats <= free:
            candidate.status, candidate.waiting_since = BookingStatus.CONFIRMED, None
            candidate.save(update_fields=["status", "waiting_since"])
            free -= candidate.seats
            promoted.append(candidate)
    for booking in promoted:
        people = list(booking.participants.values_list("staff_id", flat=True))
        notify.tell(slot, Purpose.PROMOTED, people)
        notify.invite(slot, people)
    return promoted


def draw(slot: Slot) -> dict:
    """The lottery: applicants who never met the host first, then the rest, each group
    in random order; the seats go in that order, the others wait. Everyone is told."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if slot.drawn_at is not None:
            raise ValidationError(_("Lots have already been drawn for this slot."))
        rng = random.SystemRandom()  # nobody can predict or replay a draw
        applied = list(Booking.objects.filter(slot=slot, status=BookingStatus.APPLIED))
        met = set(
            Participant.objects.filter(
                slot__host=slot.host,
                slot__start__lt=slot.start,
                booking__status=BookingStatus.CONFIRMED,
            )
            .exclude(slot=slot)
            .values_list("staff_id", flat=True)
        )
        rng.shuffle(applied)

        def has_met(booking):
            return any(s in met for s in booking.participants.values_list("staff_id", flat=True))

        applied.sort(key=has_met)  # stable: random within each group
        free, now = slot.seats - confirmed_seats(slot), timezone.now()
        won, waiting = [], []
        for position, booking in enumerate(applied):
            if booking.seats <= free:
                booking.status = BookingStatus.CONFIRMED
                free -= booking.seats
                won.append(booking)
            else:
                booking.status = BookingStatus.WAITLISTED
                booking.waiting_since = now + dt.timedelta(microseconds=position)
                waiting.append(booking)
            booking.save(update_fields=["status", "waiting_since"])
        slot.drawn_at = now
        slot.save(update_fields=["drawn_at"])
        for booking in won:
            people = list(booking.participants.values_list("staff_id", flat=True))
            notify.tell(slot, Purpose.DRAWN, people)
            notify.invite(slot, people)
        for booking in waiting:
            notify.tell(
                slot, Purpose.DRAWN, list(booking.participants.values_list("staff_id", flat=True))
            )
        record(
            "dialogues.drawn",
            actor="system",
            target=f"slot:{slot.pk}",
            detail={"won": len(won), "waiting": len(waiting)},
        )
    return {"won": [b.pk for b in won], "waiting": [b.pk for b in waiting]}


def draw_due(now=None) -> int:
    now = now or timezone.now()
    due = Slot.objects.filter(draw_at__lte=now, drawn_at__isnull=True, status=SlotStatus.OPEN)
    for slot in due:
        try:
            draw(slot)
        except ValidationError:
            continue
    return len(due)


def remind_tomorrow(now=None) -> int:
    """The reminder the day before, once per slot: to everyone confirmed for a slot
    starting in the next 24–30 hours."""
    now = now or timezone.now()
    count = 0
    soon = Slot.objects.filter(
        status=SlotStatus.OPEN,
        reminded_at__isnull=True,
        start__gt=now + dt.timedelta(hours=18),
        start__lte=now + dt.timedelta(hours=30),
    )
    for slot in soon:
        with transaction.atomic():
            if not Slot.objects.filter(pk=slot.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another worker took it
            notify.tell(slot, Purpose.REMINDER, _active_staff_ids(slot))
            count += 1
    return count


def show(slot: Slot) -> dict:
    """The slot as `renraku dialogue slot show --json` prints it."""
    confirmed = Participant.objects.filter(
        slot=slot, active=True, booking__status=BookingStatus.CONFIRMED
    ).order_by("booking__created_at", "booking_id", "pk")
    waiting = Participant.objects.filter(
        slot=slot, active=True, booking__status=BookingStatus.WAITLISTED
    ).order_by("booking__waiting_since", "booking_id", "pk")
    return {
        "id": slot.pk,
        "kind": slot.kind.code,
        "host": slot.host.staff.employee_number,
        "start": slot.start.astimezone(TOKYO).isoformat(),
        "status": slot.status,
        "seats": slot.seats,
        "seats_left": seats_left(slot),
        "confirmed": list(confirmed.values_list("staff__employee_number", flat=True)),
        "waitlisted": list(waiting.values_list("staff__employee_number", flat=True)),
    }
