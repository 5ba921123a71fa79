"""The lottery of a popular host's slots: applications until the deadline (`draw_at`),
then a draw among those who applied in time — first those who never met the host, each
group in random order. Nobody can enter after the deadline, even before the every-minute
task has drawn: a booking then joins the waiting list behind everyone drawn."""

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.audit.actions import record

from . import notify
from .models import Booking, BookingStatus, Participant, Purpose, Slot, SlotStatus
from .queries import confirmed_seats
from .reminders import not_run
from .waiting import promote_waiting


def draw(slot: Slot) -> dict:
    """The lottery: applicants who never met the host first, then the rest, each group
    in random order; the seats go in that order, the others wait. Everyone is told."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if slot.drawn_at is not None:
            raise ValidationError(_("Lots have already been drawn for this slot."))
        if not_run(slot, "draw"):
            # Nobody is given a seat the host can no longer hold; not tried again.
            slot.drawn_at = timezone.now()
            slot.save(update_fields=["drawn_at"])
            return {"won": [], "waiting": []}
        rng = random.SystemRandom()  # nobody can predict or replay a draw
        applied = list(Booking.objects.filter(slot=slot, status=BookingStatus.APPLIED))
        # Applications of people who have left since are dropped, not drawn.
        gone = set(
            Participant.objects.filter(booking__in=applied, staff__is_active=False).values_list(
                "booking_id", flat=True
            )
        )
        if gone:
            Booking.objects.filter(pk__in=gone).update(
                status=BookingStatus.CANCELLED, cancelled_at=timezone.now()
            )
            Participant.objects.filter(booking_id__in=gone).update(active=False)
            applied = [b for b in applied if b.pk not in gone]
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
        deadline = slot.draw_at or now
        won, waiting = [], []
        for position, booking in enumerate(applied):
            if booking.seats <= free:
                booking.status = BookingStatus.CONFIRMED
                free -= booking.seats
                won.append(booking)
            else:
                booking.status = BookingStatus.WAITLISTED
                # Just before the deadline, in the drawn order: ahead of anyone who
                # joined the waiting list after applications closed.
                booking.waiting_since = deadline - dt.timedelta(
                    microseconds=len(applied) - position
                )
                waiting.append(booking)
            booking.save(update_fields=["status", "waiting_since"])
        slot.drawn_at = now
        slot.save(update_fields=["drawn_at"])
        # Seats nobody drawn could use go to those who came after the deadline, in order.
        promote_waiting(slot)
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
