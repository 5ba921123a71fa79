"""Telling a slot's people, through the one pipeline (renraku.notices) at normal urgency:
a SlotNotice frozen to them, planned, and sent once the booking's transaction commits.

Calendar changes (an invitation, a move, a cancellation) go by e-mail, where the
iCalendar object travels; the reminder and "you have a seat" follow each person's choice
for dialogues (push, e-mail or only the app)."""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from renraku.directory.models import Staff
from renraku.notices import pipeline
from renraku.notices.models import Recipient, Urgency

from .models import Booking, BookingStatus, Participant, Purpose, SlotNotice, SlotStatus

TOPIC = "dialogues"
# A booking's invitation is the task worker's, once the booking has committed; the sweep
# sends what a lost task never did, after this grace and for as long as an everyday
# notice is worth sending.
SWEEP_AFTER = dt.timedelta(minutes=1)
SWEEP_WITHIN = pipeline.EVERYDAY_NOTICE_LIFETIME
BY_EMAIL = {Purpose.INVITED, Purpose.MOVED, Purpose.CANCELLED}


def tell(slot, purpose: str, staff_ids) -> int:
    staff_ids = list(staff_ids)
    if not staff_ids:
        return 0
    by_email = purpose in BY_EMAIL
    notice = SlotNotice(
        slot=slot,
        purpose=purpose,
        owner="dialogue",
        urgency=Urgency.NORMAL,
        channel_order=["email", "push"] if by_email else ["push", "email"],
    )
    return pipeline.issue(
        notice, Staff.objects.filter(pk__in=staff_ids), topic=None if by_email else TOPIC
    )


def invite(slot, staff_ids) -> int:
    """The calendar invitation (METHOD:REQUEST) for those who now have a seat."""
    return tell(slot, Purpose.INVITED, staff_ids)


def _invited_since(created_at):
    """An invitation to the participant's slot issued since `created_at` (an OuterRef on
    Participant's fields)."""
    return Exists(
        Recipient.objects.filter(
            staff_id=OuterRef("staff_id"),
            notice__slotnotice__slot_id=OuterRef("slot_id"),
            notice__slotnotice__purpose=Purpose.INVITED,
            notice__issued_at__gte=created_at,
        )
    )


def invite_booked(booking_id: int) -> int:
    """The invitation of a confirmed booking, by the task worker after the booking has
    committed (planning it inside the booking held the slot's lock, and was a third of a
    booking's work). Once: only to its participants still in it who have had no
    invitation to the slot since it was booked; nothing for a booking or slot cancelled
    meanwhile. Returns how many were invited."""
    with transaction.atomic():
        # The booking's row is the lock: the task and the sweep never both invite.
        booking = (
            Booking.objects.select_for_update()
            .select_related("slot")
            .filter(pk=booking_id, status=BookingStatus.CONFIRMED)
            .first()
        )
        if booking is None or booking.slot.status != SlotStatus.OPEN:
            return 0
        people = (
            Participant.objects.filter(booking=booking, active=True)
            .exclude(_invited_since(booking.created_at))
            .values_list("staff_id", flat=True)
        )
        return invite(booking.slot, list(people))


def invite_missed(now=None) -> int:
    """The sweep: confirmed bookings of upcoming open slots, made in the last
    SWEEP_WITHIN but not in the last SWEEP_AFTER, with someone not yet invited (their task
    was lost: a worker died, the queue was down). Returns how many were invited."""
    now = now or timezone.now()
    missed = (
        Participant.objects.filter(
            active=True,
            booking__status=BookingStatus.CONFIRMED,
            booking__created_at__gt=now - SWEEP_WITHIN,
            booking__created_at__lte=now - SWEEP_AFTER,
            slot__status=SlotStatus.OPEN,
            slot__start__gt=now,
        )
        .exclude(_invited_since(OuterRef("booking__created_at")))
        .values_list("booking_id", flat=True)
        .distinct()
    )
    return sum(invite_booked(pk) for pk in list(missed))
