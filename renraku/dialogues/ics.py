"""iCalendar (RFC 5545, with RFC 5546's methods) for slots, made by the icalendar library:
one stable UID per slot for its whole life, SEQUENCE raised on every change, times in
Asia/Tokyo with the zone described, so that a calendar app updates (or removes) the
entry it already has instead of adding a second."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo


def summary(slot) -> str:
    return f"{slot.kind.name}（{slot.host.staff.full_name}）"


def _event(slot, *, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", slot.uid)
    event.add("sequence", slot.sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", slot.start.astimezone(TOKYO))
    event.add("dtend", slot.end.astimezone(TOKYO))
    event.add("summary", summary(slot))
    where = slot.place or slot.online_url
    if where:
        event.add("location", where)
    url = settings.BASE_URL + reverse("dialogues:slot", args=[slot.pk])
    event.add("url", url)
    description = [slot.kind.description, url]
    if slot.kind.is_break_time:
        description.insert(0, "休憩時間として参加します。")
    event.add("description", "\n".join(line for line in description if line))
    host = slot.host.staff
    if host.work_email:
        organizer = vCalAddress(f"mailto:{host.work_email}")
        organizer.params["cn"] = vText(host.full_name)
        event["organizer"] = organizer
    cancelled = cancelled or slot.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(method: str | None, events) -> str:
    cal = Calendar()
    cal.add("prodid", "-//renraku//dialogues//JA")
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()  # a VTIMEZONE for Asia/Tokyo
    return cal.to_ical().decode()


def invitation(slot) -> str:
    """METHOD:REQUEST: the entry to add, or to update when SEQUENCE has risen."""
    return _calendar("REQUEST", [_event(slot)])


def cancellation(slot) -> str:
    """METHOD:CANCEL: the entry to remove (same UID, SEQUENCE raised)."""
    return _calendar("CANCEL", [_event(slot, cancelled=True)])


def feed(slots) -> str:
    """A subscription feed (no METHOD): a person's bookings, or a host's slots."""
    return _calendar(None, [_event(s) for s in slots])
