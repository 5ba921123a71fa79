"""Who gets which delivery, on which channel, and when: freezing a notice's recipients,
planning their first deliveries, adding an attempt (an escalation step), falling back,
previewing reach, holding for quiet hours, and settling each recipient's reach.

One way to decide channels: each channel in order takes the people its addresses reach,
less those an earlier channel reaches (`_tiers`). Planning a notice, adding an attempt,
falling back and the compose page's preview all use it, so they cannot disagree. Every
step is a set-based query: subqueries on the address tables and INSERT … SELECT, never
100,000 ids read into Python.
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone

from renraku.bulk import insert_select
from renraku.channels import registry

from .models import Choice, Delivery, Notice, Preference, QuietHours, Reach, Recipient, Urgency

OPEN = (Delivery.Status.QUEUED, Delivery.Status.FAILED)
UNFINISHED = (*OPEN, Delivery.Status.SENDING)
SMALL_NOTICE = 1000


def freeze(notice: Notice, people) -> int:
    """Record who `notice` goes to: one recipient per person in the `people` queryset,
    with the department and site they have now. Copied inside the database: 100,000
    people never pass through Python. Returns how many."""
    return insert_select(
        Recipient,
        ["notice_id", "staff_id", "department_id", "site_id"],
        people.annotate(notice_ref=Value(notice.pk)).values_list(
            "notice_ref", "pk", "department_id", "site_id"
        ),
    )


def plan(notice: Notice, *, topic: str | None = None, recipients=None) -> None:
    """Create each recipient's delivery on the first of the notice's channels that reaches
    them; mark those no channel reaches. In the transaction that froze the recipients.
    `recipients`: only these of the notice's (those an extension has just added).

    With a `topic` (an everyday notice), each person's Preference for it decides: push
    (then e-mail), e-mail only, or nothing but the app. A normal-urgency notice waits for
    the end of each person's quiet hours."""
    if recipients is None:
        recipients = Recipient.objects.filter(notice=notice)
    order = list(notice.channel_order)
    small = recipients.count() <= SMALL_NOTICE
    if small:
        # A reminder or an invitation to a few people is planned from their ids as a list:
        # the subqueries that serve 100,000 were planned as nested scans of a table a bulk
        # load had just filled (statistics still "empty") and took minutes for one person.
        recipients = Recipient.objects.filter(pk__in=list(recipients.values_list("pk", flat=True)))
    if topic is None:
        _place(recipients, order, small=small)
    else:
        chosen = Preference.objects.filter(topic=topic)
        app_only = chosen.filter(choice=Choice.APP).values("staff_id")
        email_only = chosen.filter(choice=Choice.EMAIL).values("staff_id")
        recipients.filter(staff_id__in=app_only).update(reach=Reach.APP)
        if "email" in order:
            _place(
                recipients.filter(staff_id__in=email_only),
                order[order.index("email") :],
                small=small,
            )
        rest = recipients.exclude(staff_id__in=app_only).exclude(staff_id__in=email_only)
        _place(rest, order, small=small)
    if notice.urgency != Urgency.HIGH:
        hold_for_quiet_hours(notice)


def _staff_ids(rows, field: str, small: bool):
    """The staff ids of `rows` as a subquery, or for a few people as a list (see plan)."""
    if small:
        return list(rows.values_list(field, flat=True))
    return rows.values(field)


def _tiers(rows, channels, staff_ids, field: str = "staff_id"):
    """For each known channel in order: (kind, rows it is the first to reach); and the rows
    none reaches. Channels take the people their addresses reach (`reachable`, a subquery
    on the address tables, never the delivery table being written: its statistics would
    say "empty" for the first large alert, and an anti-join planned on that took 80 s)."""
    tiers, unplaced = [], rows
    for kind in channels:
        if kind not in registry.CHANNELS:
            continue
        reached = registry.get(kind).reachable(staff_ids)
        tiers.append((kind, unplaced.filter(**{f"{field}__in": reached})))
        unplaced = unplaced.exclude(**{f"{field}__in": reached})
    return tiers, unplaced


def _place(recipients, channels, *, small: bool = False, attempt: int = 1) -> None:
    """Each recipient's delivery on the first of `channels` that reaches them; the rest are
    marked as reached by none."""
    staff_ids = _staff_ids(recipients, "staff_id", small)
    if small and not staff_ids:  # nobody here (and an empty list is no SQL at all)
        return
    tiers, unplaced = _tiers(recipients, channels, staff_ids)
    for kind, first in tiers:
        _insert(first, kind, attempt)
    unplaced.update(reach=Reach.NONE)


def _insert(recipients, kind: str, attempt: int) -> int:
    return insert_select(
        Delivery,
        ["recipient_id", "channel", "attempt"],
        recipients.annotate(kind=Value(kind), n=Value(attempt)).values_list("pk", "kind", "n"),
    )


def add_attempt(recipients, kind: str, attempt: int) -> int:
    """A further delivery on `kind` (attempt number `attempt`) for those of `recipients` (a
    queryset) it reaches: an escalation step's "e-mail the unanswered". Inside the
    database, however many they are. Returns how many were added."""
    tiers, _unreached = _tiers(recipients, [kind], recipients.values("staff_id"))
    added = sum(_insert(first, kind, attempt) for _kind, first in tiers)
    # Someone who had failed everywhere is being tried again.
    settle(recipients.filter(reach__in=(Reach.FAILED, Reach.NONE)))
    return added


def fall_back(notice: Notice, failed_kind: str, recipient_ids) -> None:
    """Move people whose `failed_kind` delivery failed for good to the next channel that
    reaches them and has not been tried for them. An alert tries every channel it lists;
    an everyday notice only those after the failed one (someone who chose e-mail only is
    never pushed)."""
    order = list(notice.channel_order)
    urgent = notice.urgency == Urgency.HIGH
    later = order if urgent or failed_kind not in order else order[order.index(failed_kind) + 1 :]
    recipients = Recipient.objects.filter(pk__in=list(recipient_ids))
    for kind in later:
        untried = recipients.exclude(
            Exists(Delivery.objects.filter(recipient=OuterRef("pk"), channel=kind))
        )
        tiers, _rest = _tiers(untried, [kind], _staff_ids(untried, "staff_id", small=True))
        for _kind, first in tiers:
            placed = list(first.values_list("pk", flat=True))  # a batch's few
            if placed:
                _insert(Recipient.objects.filter(pk__in=placed), kind, 1)
                recipients = recipients.exclude(pk__in=placed)
    settle(Recipient.objects.filter(pk__in=list(recipient_ids)))


# Marks an accepted push whose device did not confirm in time, so it is looked at once.
NOT_SHOWN = "accepted, not shown in time"


def fall_back_unshown(now: dt.datetime | None = None) -> int:
    """For open alerts (urgent notices): people whose push the push service accepted more
    than PUSH_SHOWN_WITHIN_SECONDS ago, on no device that said it showed it, who have
    neither read nor answered, get one delivery on the first of the alert's other channels
    not yet tried for them that reaches them. Each such push is looked at once (marked
    NOT_SHOWN). Returns how many deliveries were added."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PUSH_SHOWN_WITHIN_SECONDS)
    unshown = Delivery.objects.filter(
        channel="push",
        status=Delivery.Status.SENT,
        shown_at__isnull=True,
        sent_at__lt=cutoff,
    ).exclude(error=NOT_SHOWN)
    added = 0
    urgent = Notice.objects.filter(finished_at__isnull=True, urgency=Urgency.HIGH)
    for notice in urgent.filter(Exists(unshown.filter(recipient__notice=OuterRef("pk")))):
        late = unshown.filter(recipient__notice=notice)
        waiting = list(
            Recipient.objects.filter(
                notice=notice,
                pk__in=late.values("recipient_id"),
                shown_at__isnull=True,
                read_at__isnull=True,
                answered_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        for kind in (k for k in notice.channel_order if k != "push"):
            for chunk in _chunks(waiting):
                untried = Recipient.objects.filter(pk__in=chunk).exclude(
                    Exists(Delivery.objects.filter(recipient=OuterRef("pk"), channel=kind))
                )
                tiers, _rest = _tiers(untried, [kind], _staff_ids(untried, "staff_id", True))
                placed = {pk for _k, first in tiers for pk in first.values_list("pk", flat=True)}
                if placed:
                    added += _insert(Recipient.objects.filter(pk__in=list(placed)), kind, 1)
                    waiting = [pk for pk in waiting if pk not in placed]
        Delivery.objects.filter(pk__in=list(late.values_list("pk", flat=True))).update(
            error=NOT_SHOWN
        )
    return added


def _chunks(ids: list, size: int = 2000) -> list[list]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def reach(people, channels) -> dict:
    """What planning would do for `people` (a Staff queryset) on `channels`, counted by
    the database with the very queries planning uses: how many people, how many each
    channel has an address for and how many it is the first to reach, and how many none
    reaches (they see it in the app only)."""
    staff_ids = people.values("pk")
    tiers, unplaced = _tiers(people, channels, staff_ids, field="pk")
    return {
        "people": people.count(),
        "coverage": [
            {
                "channel": kind,
                "covers": people.filter(pk__in=registry.get(kind).reachable(staff_ids)).count(),
                "first": first.count(),
            }
            for kind, first in tiers
        ],
        "unreachable": unplaced.count(),
    }


def settle(recipients) -> None:
    """Set these recipients' reach from their deliveries, after a change other than a
    success (a success sets SENT directly, and nothing moves a recipient out of SENT)."""
    mine = Delivery.objects.filter(recipient=OuterRef("pk"))
    unfinished = Exists(mine.filter(status__in=UNFINISHED))
    waiting = recipients.exclude(reach__in=(Reach.SENT, Reach.APP))
    waiting.filter(unfinished).update(reach=Reach.PENDING)
    waiting.filter(~unfinished, Exists(mine)).update(reach=Reach.FAILED)
    waiting.filter(~Exists(mine)).update(reach=Reach.NONE)


def quiet_until(start: dt.time, end: dt.time, now: dt.datetime) -> dt.datetime | None:
    """The end of a quiet window (the ward's time) `now` falls in, or None. A window may
    pass midnight (22:00–07:00)."""
    local = now.astimezone(timezone.get_default_timezone())
    t = local.time()
    if start == end:
        return None
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return until if until > local else until + dt.timedelta(days=1)


def hold_until(notice: Notice, when: dt.datetime) -> None:
    """Send nothing of `notice` before `when` (a reminder kept for working hours), and
    then nothing in a person's quiet hours either."""
    Delivery.objects.filter(recipient__notice=notice).filter(
        Q(not_before__isnull=True) | Q(not_before__lt=when)
    ).update(not_before=when)
    hold_for_quiet_hours(notice, now=when)


def hold_for_quiet_hours(notice: Notice, now: dt.datetime | None = None) -> None:
    """Put off the deliveries of people in their quiet hours at `now` (default: now) until
    those end (the sweeper sends them then). Never brings a delivery forward."""
    now = now or timezone.now()
    people = Recipient.objects.filter(notice=notice).values("staff_id")
    windows = defaultdict(list)
    for staff_id, start, end in QuietHours.objects.filter(staff_id__in=people).values_list(
        "staff_id", "start", "end"
    ):
        until = quiet_until(start, end, now)
        if until is not None:
            windows[until].append(staff_id)
    for until, staff_ids in windows.items():
        Delivery.objects.filter(
            Q(not_before__isnull=True) | Q(not_before__lt=until),
            recipient__notice=notice,
            recipient__staff_id__in=staff_ids,
        ).update(not_before=until)
