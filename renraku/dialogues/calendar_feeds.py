"""Private calendar feeds: a secret URL a calendar app (Google, Outlook, iPhone) subscribes
to, showing a person's confirmed chats and, for a host, the slots they offer.

Only the token's SHA-256 digest is stored: a copy of the database (a backup, a support
dump) does not let anyone read someone's calendar. The digest column is unique, so the
lookup is one indexed equality — no per-character comparison in Python to time. Issuing a
new token replaces the digest, and the old URL stops working at once."""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from renraku.audit.actions import record

from .models import BookingStatus, CalendarFeed, Slot, SlotStatus

# Past entries kept in the feed, so last month's chats stay in the calendar.
HISTORY = dt.timedelta(days=90)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(staff, *, by, request=None) -> str:
    """A new secret token for `staff` (replacing any earlier one); returns it — the only
    time it exists in clear."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            staff=staff, defaults={"digest": digest_of(token)}
        )
        if not created:
            feed.digest = digest_of(token)
            feed.created_at = timezone.now()
            feed.save(update_fields=["digest", "created_at"])
        record(
            "dialogues.calendar_feed_created" if created else "dialogues.calendar_feed_rotated",
            request=request,
            actor=by,
            target=f"staff:{staff.employee_number}",
        )
    return token


def staff_of(token: str):
    """The member of staff whose feed this token opens, or None (unknown, or they left)."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.filter(digest=digest_of(token)).select_related("staff").first()
    if feed is None or not feed.staff.is_active:
        return None
    return feed.staff


def slots_for(staff):
    """The slots in a person's feed: those they have a confirmed seat in, and those they
    host, from three months back."""
    since = timezone.now() - HISTORY
    return (
        Slot.objects.filter(status=SlotStatus.OPEN, start__gte=since)
        .filter(
            Q(
                participants__staff=staff,
                participants__active=True,
                participants__booking__status=BookingStatus.CONFIRMED,
            )
            | Q(host__staff=staff)
        )
        .select_related("kind", "host__staff")
        .distinct()
        .order_by("start", "pk")
    )
