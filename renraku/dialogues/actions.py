"""Booking seats, checked and audited: alone or as a group, cancelling, a named colleague
withdrawing from a group, and the waiting list promoted in order.

Seats are counted with the slot's row locked, inside the transaction that books: never
overbooked, however many try at once. Slots themselves (adding, moving, cancelling) are
in slot_actions.py, the lottery in lottery.py, the reminder in reminders.py; they are
named here too, so that views, commands and tests have one door to every change."""

import datetime as dt
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from renraku.audit.actions import record
from renraku.directory.models import Staff

from . import notify, queries
from .lottery import draw, draw_due  # noqa: F401  (one door: see the docstring)
from .models import (
    ACTIVE,
    Booking,
    BookingStatus,
    Participant,
    Purpose,
    Slot,
    SlotStatus,
)
from .queries import confirmed_seats, seats_left
from .reminders import remind_tomorrow  # noqa: F401
from .rights import may_manage
from .slot_actions import (  # noqa: F401
    add_recurring,
    add_slot,
    cancel_slot,
    move_slot,
)
from .waiting import promote_waiting

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
MAX_GROUP = 20
# A slot's fields a booking reads with the slot locked (moving, cancelling and the draw
# change them).
LOCKED_FIELDS = ["status", "start", "minutes", "seats", "draw_at", "drawn_at"]
ALREADY_WITH_HOST = _lazy(
    "You already have an upcoming chat with this host; at most %(n)d per person until it "
    "has taken place."
)


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
        # The slot's row is the lock: two bookings of its last seat take turns. What may
        # have changed is read again under it (its kind and host do not change).
        fresh = Slot.objects.select_for_update().filter(pk=slot.pk).values_list(*LOCKED_FIELDS)
        for name, value in zip(LOCKED_FIELDS, fresh.get(), strict=True):
            setattr(slot, name, value)
        if slot.status != SlotStatus.OPEN:
            raise ValidationError(_("This slot has been cancelled."))
        if slot.start <= timezone.now():
            raise ValidationError(_("This slot has already started."))
        if not slot.kind.open_signup and by is not None and not may_manage(by, slot.host):
            raise ValidationError(_("This kind of dialogue is by invitation only."))
        ids = {p.pk for p in people}
        # The refusals never name the others: who has booked what is for hosts and
        # administrators. The booker learns only that someone they named cannot come.
        taken, busy = queries.taken_and_at_limit(slot, ids)
        if booker.pk in taken:
            raise ValidationError(_("You are already booked for this slot."))
        if taken:
            raise ValidationError(
                _(
                    "Someone you named is already booked for this slot. Book without them, "
                    "or ask them."
                )
            )
        if booker.pk in busy:
            raise ValidationError(ALREADY_WITH_HOST % {"n": slot.kind.upcoming_per_host})
        if busy:
            raise ValidationError(
                _(
                    "Someone you named already has as many upcoming chats with this host as "
                    "the rules allow. Book without them, or ask them."
                )
            )
        now = timezone.now()
        if queries.in_lottery(slot, now):
            status = BookingStatus.APPLIED
        elif queries.awaiting_draw(slot, now):
            # Applications closed and the draw has not run yet: no seat can be given
            # before those who applied in time are drawn; join the list behind them.
            status = BookingStatus.WAITLISTED
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
            # The calendar invitation is planned and sent by the task worker once this
            # commits (never for a booking rolled back), not while the slot is locked;
            # notify.invite_missed sends it should the task be lost.
            transaction.on_commit(partial(_queue_invitation, booking.pk), robust=True)
        named = [p.pk for p in people if p.pk != booker.pk]
        if named:
            # Told they are in it, and that they may withdraw (booking_views.withdraw).
            notify.tell(slot, Purpose.ADDED, named)
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


def _queue_invitation(booking_id: int) -> None:
    from .tasks import invite_booked

    invite_booked(booking_id)


def _check_deadline(slot: Slot, by) -> None:
    deadline = slot.start - dt.timedelta(hours=slot.kind.cancel_hours)
    if timezone.now() > deadline and not may_manage(by, slot.host):
        raise ValidationError(
            _("Cancelling closed %(hours)d hours before the start; tell the host.")
            % {"hours": slot.kind.cancel_hours}
        )


def cancel_booking(booking: Booking, *, by=None, request=None) -> list[Booking]:
    """Cancel, until the kind's deadline (a host or administrator at any time). Frees the
    seats for the waiting list, in order; those promoted are told. Returns them."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("kind").get(pk=booking.slot_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if by is not None:
            # The whole booking is its booker's: a colleague named in it withdraws alone.
            mine = getattr(by, "staff_id", None) == booking.booked_by_id
            if not (mine or may_manage(by, slot.host)):
                raise PermissionDenied(_("This is not your booking."))
            _check_deadline(slot, by)
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


def withdraw(booking: Booking, *, by, request=None) -> list[Booking]:
    """A colleague named in a group booking takes themselves out of it, until the cancel
    deadline: the others keep their booking, the seat freed goes to the waiting list in
    order (those promoted are told). Returns the bookings promoted."""
    staff_id = getattr(by, "staff_id", None)
    with transaction.atomic():
        slot = (
            Slot.objects.select_for_update().select_related("kind", "host").get(pk=booking.slot_id)
        )
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        seat = booking.participants.filter(staff_id=staff_id, active=True).first()
        if seat is None:
            raise PermissionDenied(_("You are not in this booking."))
        if staff_id == booking.booked_by_id:
            raise ValidationError(_("You booked for the group: cancel the booking instead."))
        if booking.status not in ACTIVE:
            raise ValidationError(_("This booking is already cancelled."))
        _check_deadline(slot, by)
        seat.delete()  # gone from their pages; the audit entry keeps who left
        booking.seats -= 1
        booking.save(update_fields=["seats"])
        confirmed = booking.status == BookingStatus.CONFIRMED
        promoted = promote_waiting(slot) if confirmed else []
        record(
            "dialogues.withdrew",
            request=request,
            actor=by,
            target=f"slot:{slot.pk}",
            detail={"booking": booking.pk, "promoted": [b.pk for b in promoted]},
        )
    if confirmed:
        # Their calendar entry goes: the same cancellation a cancelled slot sends.
        notify.tell(slot, Purpose.CANCELLED, [staff_id])
    return promoted


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
