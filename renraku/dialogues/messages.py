"""How a slot's notices read: everyday, normal urgency, with the time in Tokyo, the place,
a link to the slot, and (for e-mail) the calendar entry to add, update or remove."""

import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from renraku.notices.message import Message

from . import ics
from .models import Purpose, SlotNotice

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"


def when(slot) -> str:
    start = slot.start.astimezone(TOKYO)
    end = slot.end.astimezone(TOKYO)
    return f"{start:%Y年%-m月%-d日}（{WEEKDAYS[start.weekday()]}）{start:%H:%M}〜{end:%H:%M}"


def message_of(notice: SlotNotice) -> Message:
    slot = notice.slot
    titles = {
        Purpose.REMINDER: _("Tomorrow: %(what)s"),
        Purpose.MOVED: _("Moved: %(what)s"),
        Purpose.CANCELLED: _("Cancelled: %(what)s"),
        Purpose.PROMOTED: _("A seat is yours: %(what)s"),
        Purpose.DRAWN: _("Result of the draw: %(what)s"),
        Purpose.INVITED: _("Booked: %(what)s"),
    }
    title = titles[notice.purpose] % {"what": ics.summary(slot)}
    lines = [when(slot), slot.place or slot.online_url]
    if slot.kind.is_break_time:
        lines.append(_("Taking part counts as your break (休憩時間)."))
    url = settings.BASE_URL + reverse("dialogues:slot", args=[slot.pk])
    calendar = None
    if notice.purpose in (Purpose.INVITED, Purpose.MOVED):
        calendar = ("REQUEST", ics.invitation(slot))
    elif notice.purpose == Purpose.CANCELLED:
        calendar = ("CANCEL", ics.cancellation(slot))
    return Message(
        title=title,
        body="\n".join(line for line in lines if line),
        link=lambda _recipient_id: url,
        tag=f"slot-{slot.pk}",
        urgency=notice.urgency,
        calendar=calendar,
        extra={"kind": "dialogue"},
    )


def wording(notice_ids: list[int]) -> dict:
    rows = SlotNotice.objects.filter(pk__in=notice_ids).select_related(
        "slot__kind", "slot__host__staff"
    )
    # Nothing more about a cancelled slot but its cancellation.
    return {
        n.pk: None
        if n.slot.status == "cancelled" and n.purpose != Purpose.CANCELLED
        else message_of(n)
        for n in rows
    }
