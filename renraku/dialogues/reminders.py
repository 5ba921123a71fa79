"""The reminder the day before, run every ten minutes by a task: sent once per slot, and
only if the slot can still take place as booked (rights.hindrance); otherwise nobody is
reminded and the host and the administrators are told why."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from renraku.audit.actions import record

from . import notify
from .models import Purpose, Slot, SlotStatus
from .rights import hindrance, owner_and_administrators
from .slot_actions import active_staff_ids


def remind_tomorrow(now=None) -> int:
    """The reminder the day before, once per slot: to everyone confirmed for a slot
    starting in the next 24–30 hours (those who have left since are not told), unless the
    slot can no longer take place as booked."""
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
            if not_run(slot, "reminder"):
                continue
            notify.tell(slot, Purpose.REMINDER, active_staff_ids(slot))
            count += 1
    return count


def not_run(slot, work: str) -> bool:
    """If `slot` can no longer take place as booked (rights.hindrance), `work` is not done:
    the host and the administrators are told why, and the audit log keeps it."""
    reason = hindrance(slot)
    if not reason:
        return False
    notify.tell(slot, Purpose.NOT_RUN, owner_and_administrators(slot))
    record(
        "dialogues.deferred_not_run",
        actor="system",
        target=f"slot:{slot.pk}",
        detail={"work": work, "reason": reason},
    )
    return True
