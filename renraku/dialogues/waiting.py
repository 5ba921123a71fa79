"""The waiting list, promoted in the order people joined it (`waiting_since`, then id):
a group that does not fit keeps its place at the head, while smaller bookings behind it
may take the seats it cannot use."""

from . import notify
from .models import Booking, BookingStatus, Purpose, Slot
from .queries import confirmed_seats


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
