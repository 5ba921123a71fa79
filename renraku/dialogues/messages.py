"""How a slot's notices read: everyday, normal urgency, with the time in Tokyo, the place,
a link to the slot, and (for e-mail) the calendar entry to add, update or remove."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.channels.message import Message

from . import ics
from .models import DirectorVisit, Purpose, SlotNotice
from .queries import day_time
from .rights import hindrance

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
WEEKDAYS = "月火水木金土日"


def when(slot) -> str:
    start = slot.start.astimezone(TOKYO)
    end = slot.end.astimezone(TOKYO)
    return f"{start:%Y年%-m月%-d日}（{WEEKDAYS[start.weekday()]}）{start:%H:%M}〜{end:%H:%M}"


def _extra_lines(notice: SlotNotice) -> list[str]:
    """What a host-facing or colleague-facing notice says beyond the slot's time and place."""
    if notice.purpose == Purpose.ADDED:
        return [
            _(
                "A colleague booked you into this chat with their group. If you cannot come, "
                "withdraw yourself on its page: the others keep their booking."
            )
        ]
    if notice.purpose == Purpose.PROPOSED:
        visit = DirectorVisit.objects.filter(slot=notice.slot).select_related("director").first()
        if visit and visit.proposed_start:
            return [
                _("%(name)s proposes %(when)s instead. Move the visit there in one step.")
                % {"name": visit.director.full_name, "when": day_time(visit.proposed_start)}
            ]
    if notice.purpose == Purpose.NOT_RUN:
        return [
            _(
                "The reminder or the draw for this slot was not done, because %(reason)s. "
                "Nobody booked was told: cancel the slot or ask an administrator."
            )
            % {"reason": hindrance(notice.slot) or _("it can no longer take place")}
        ]
    return []


def message_of(notice: SlotNotice) -> Message:
    slot = notice.slot
    titles = {
        Purpose.REMINDER: _("Tomorrow: %(what)s"),
        Purpose.MOVED: _("Moved: %(what)s"),
        Purpose.CANCELLED: _("Cancelled: %(what)s"),
        Purpose.PROMOTED: _("A seat is yours: %(what)s"),
        Purpose.DRAWN: _("Result of the draw: %(what)s"),
        Purpose.INVITED: _("Booked: %(what)s"),
        Purpose.ADDED: _("A colleague booked you: %(what)s"),
        Purpose.PROPOSED: _("Another time proposed: %(what)s"),
        Purpose.NOT_RUN: _("Not done: %(what)s"),
    }
    title = titles[notice.purpose] % {"what": ics.summary(slot)}
    lines = [when(slot), slot.place or slot.online_url]
    if slot.kind.is_break_time:
        lines.append(_("Taking part counts as your break (休憩時間)."))
    url = settings.BASE_URL + reverse("dialogues:slot", args=[slot.pk])
    lines += _extra_lines(notice)
    if notice.purpose == Purpose.PROPOSED:
        url = settings.BASE_URL + reverse("dialogues:directors")
    elif notice.purpose == Purpose.NOT_RUN:
        url = settings.BASE_URL + reverse("dialogues:manage_slot", args=[slot.pk])
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
    return {n.pk: None if _stale(n) else message_of(n) for n in rows}


# Sent to those booked, and so only while the slot can still take place as booked.
FOR_THOSE_BOOKED = {Purpose.REMINDER, Purpose.PROMOTED, Purpose.DRAWN, Purpose.INVITED}


def _stale(notice: SlotNotice) -> bool:
    """Whether a notice queued earlier must not go out now: nothing more about a cancelled
    slot but its cancellation, and no reminder or invitation for a slot whose host can no
    longer hold it (rights are checked again when deferred work runs)."""
    if notice.slot.status == "cancelled":
        return notice.purpose != Purpose.CANCELLED
    return notice.purpose in FOR_THOSE_BOOKED and bool(hindrance(notice.slot))
