"""Telling a slot's people, through the one pipeline (renraku.notices) at normal urgency:
a SlotNotice frozen to them, planned, and sent once the booking's transaction commits.

Calendar changes (an invitation, a move, a cancellation) go by e-mail, where the
iCalendar object travels; the reminder and "you have a seat" follow each person's choice
for dialogues (push, e-mail or only the app)."""

from renraku.directory.models import Staff
from renraku.notices import pipeline
from renraku.notices.models import Urgency

from .models import Purpose, SlotNotice

TOPIC = "dialogues"
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
