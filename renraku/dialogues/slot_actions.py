"""Slots, checked and audited: one, or recurring with exceptions (all made or none),
moving one (everyone booked is told, their calendar entry updated) and cancelling one."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.audit.actions import record

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
from .rights import may_manage

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
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
    elif not textcheck.is_one_line(place.strip()):
        errors.append(_("The place must be one line of text."))
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
    if user is None or may_manage(user, slot.host):
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
        notify.tell(slot, Purpose.MOVED, active_staff_ids(slot))
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
        told = active_staff_ids(slot)
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


def active_staff_ids(slot: Slot) -> list[int]:
    """Those with a confirmed seat who still work here (whoever has left is not told)."""
    return list(
        Participant.objects.filter(
            slot=slot, active=True, booking__status=BookingStatus.CONFIRMED, staff__is_active=True
        ).values_list("staff_id", flat=True)
    )
