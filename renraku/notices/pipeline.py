"""Getting a notice to every recipient: freeze who it goes to, plan deliveries, send them
in batches, record outcomes, retry, fall back, hold for quiet hours, and pick up what a
dead worker left. Alerts, bulletin posts and reminders all go through here.

The database is the source of truth; a queued task only says "look". Each delivery row is
claimed with a single UPDATE … WHERE status is open before it is sent, so a task that runs
twice, or two workers given the same ids, send it once.
"""

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils import timezone

from renraku.bulk import insert_select
from renraku.channels import registry

from .message import messages_for
from .models import Choice, Delivery, Notice, Preference, QuietHours, Reach, Recipient, Urgency

OPEN = (Delivery.Status.QUEUED, Delivery.Status.FAILED)
UNFINISHED = (*OPEN, Delivery.Status.SENDING)
MAX_TRIES = 5
# An everyday notice still undelivered after this is stale: a post's notification two
# days late is noise (the post is on the home page anyway). Alerts wait until closed.
EVERYDAY_NOTICE_LIFETIME = dt.timedelta(hours=48)
SMALL_NOTICE = 1000
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


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


def plan(notice: Notice, *, topic: str | None = None) -> None:
    """Create each recipient's delivery on the first of the notice's channels that reaches
    them; mark those no channel reaches. In the transaction that froze the recipients.

    With a `topic` (an everyday notice), each person's Preference for it decides: push
    (then e-mail), e-mail only, or nothing but the app. A normal-urgency notice waits for
    the end of each person's quiet hours."""
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


def _place(recipients, channels, *, small: bool = False) -> None:
    """Each channel takes the recipients its addresses reach, less those an earlier channel
    reaches: subqueries on the address tables, never a list of ids (100,000 would be a
    100,000-parameter query) and never the delivery table being written (its statistics
    would say "empty" for the first large alert, and an anti-join planned on that took
    80 seconds)."""
    staff_ids = recipients.values("staff_id")
    if small:
        staff_ids = list(recipients.values_list("staff_id", flat=True))
        if not staff_ids:  # nobody here (and an empty list is no SQL at all)
            return
    unplaced = recipients
    for kind in channels:
        if kind not in registry.CHANNELS:
            continue
        reached = registry.get(kind).reachable(staff_ids)
        insert_select(
            Delivery,
            ["recipient_id", "channel"],
            unplaced.filter(staff_id__in=reached)
            .annotate(kind=Value(kind))
            .values_list("pk", "kind"),
        )
        unplaced = unplaced.exclude(staff_id__in=reached)
    unplaced.update(reach=Reach.NONE)


def quiet_until(start: dt.time, end: dt.time, now: dt.datetime) -> dt.datetime | None:
    """The end of a quiet window (Tokyo time) `now` falls in, or None. A window may pass
    midnight (22:00–07:00)."""
    local = now.astimezone(TOKYO)
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


def settle(recipients) -> None:
    """Set these recipients' reach from their deliveries, after a change other than a
    success (a success sets SENT directly, and nothing moves a recipient out of SENT)."""
    mine = Delivery.objects.filter(recipient=OuterRef("pk"))
    unfinished = Exists(mine.filter(status__in=UNFINISHED))
    waiting = recipients.exclude(reach__in=(Reach.SENT, Reach.APP))
    waiting.filter(unfinished).update(reach=Reach.PENDING)
    waiting.filter(~unfinished, Exists(mine)).update(reach=Reach.FAILED)
    waiting.filter(~Exists(mine)).update(reach=Reach.NONE)


def _due(now) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


def _ids_by_channel(deliveries) -> dict[str, list[int]]:
    """Delivery ids grouped by channel, in the order of `deliveries` (an ordered queryset)."""
    out: dict[str, list[int]] = {}
    for pk, kind in deliveries.values_list("pk", "channel"):
        out.setdefault(kind, []).append(pk)
    return out


def queued_ids(notice: Notice) -> dict[str, list[int]]:
    return _ids_by_channel(
        Delivery.objects.filter(
            _due(timezone.now()), recipient__notice=notice, status__in=OPEN
        ).order_by("pk")
    )


def batches(ids_by_channel: dict[str, list[int]]):
    for kind, ids in ids_by_channel.items():
        size = registry.get(kind).batch_size
        for start in range(0, len(ids), size):
            yield kind, ids[start : start + size]


def claim(ids: list[int], related=()) -> list[Delivery]:
    """Take the still-open deliveries among `ids` for this worker, atomically. Each comes
    with its recipient's `notice_id`, `staff_id` and `answered_at` as plain attributes, and
    with the `related` objects a channel asks for (a push needs none: building a Recipient
    object per delivery cost as much as half the encryption)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    Delivery.objects.filter(_due(now), pk__in=ids, status__in=OPEN).update(
        status=Delivery.Status.SENDING, claim=token, claimed_at=now
    )
    # Found again by primary key: an index on the claim token would be rewritten with
    # every row claimed, for one lookup per batch.
    claimed = Delivery.objects.filter(pk__in=ids, claim=token).annotate(
        notice_id=F("recipient__notice_id"),
        staff_id=F("recipient__staff_id"),
        answered_at=F("recipient__answered_at"),
    )
    # (select_related() with no names would follow every foreign key)
    return list(claimed.select_related(*related) if related else claimed)


@dataclass
class BatchResult:
    sent: int = 0
    fallback_ids: list[int] = field(default_factory=list)
    retry_ids: list[int] = field(default_factory=list)
    retry_in: float = 0.0

    def add(self, other: "BatchResult") -> None:
        self.sent += other.sent
        self.fallback_ids += other.fallback_ids
        self.retry_ids += other.retry_ids
        self.retry_in = max(self.retry_in, other.retry_in)


def send(kind: str, ids: list[int]) -> BatchResult:
    """Claim, send and record one batch of one channel's deliveries. A batch the sweeper
    put together may hold several notices' deliveries: each goes out with its own words."""
    channel = registry.get(kind)
    by_notice: dict[int, list[Delivery]] = defaultdict(list)
    for d in claim(ids, channel.related):
        by_notice[d.notice_id].append(d)
    result = BatchResult()
    notices = {n.pk: n for n in Notice.objects.filter(pk__in=list(by_notice))}
    words = messages_for(notices.values())
    for pk, deliveries in by_notice.items():
        result.add(_send_for(notices[pk], words.get(pk), channel, deliveries))
    return result


def _send_for(notice: Notice, message, channel, deliveries: list[Delivery]) -> BatchResult:
    if message is None:  # its owner says it must not go out any more
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=Delivery.Status.PERMANENT, error="withdrawn before sending"
        )
        settle(Recipient.objects.filter(pk__in=[d.recipient_id for d in deliveries]))
        return BatchResult()
    # Someone who has answered since an escalation step queued this needs no reminder.
    answered = [d for d in deliveries if d.attempt > 1 and d.answered_at]
    if answered:
        Delivery.objects.filter(pk__in=[d.pk for d in answered]).update(
            status=Delivery.Status.PERMANENT, error="answered before sending"
        )
        settle(Recipient.objects.filter(pk__in=[d.recipient_id for d in answered]))
        deliveries = [d for d in deliveries if d not in answered]
        if not deliveries:
            return BatchResult()
    outcomes = channel.send(message, deliveries)
    return record_outcomes(notice, channel.kind, deliveries, outcomes)


def record_outcomes(notice: Notice, kind: str, deliveries, outcomes) -> BatchResult:
    now = timezone.now()
    by_id = {d.pk: d for d in deliveries}
    sent, with_provider_id, fell_back, result = [], [], [], BatchResult()
    with transaction.atomic():
        for outcome in outcomes:
            delivery = by_id[outcome.delivery_id]
            if outcome.ok:
                sent.append(delivery.pk)
                if outcome.provider_id:  # the provider's id for its status callbacks
                    delivery.provider_id = outcome.provider_id[:100]
                    with_provider_id.append(delivery)
                continue
            delivery.tries += 1
            delivery.error = outcome.error[:300]
            if outcome.permanent or delivery.tries >= MAX_TRIES:
                delivery.status = Delivery.Status.PERMANENT
                fell_back.append(delivery)
            else:
                delivery.status = Delivery.Status.FAILED
                # Honour the service's Retry-After; otherwise back off 10, 20, 40 … s.
                delay = outcome.retry_after or min(300, 5 * 2**delivery.tries)
                delivery.not_before = now + dt.timedelta(seconds=delay)
                result.retry_ids.append(delivery.pk)
                result.retry_in = max(result.retry_in, delay)
            delivery.save(update_fields=["status", "tries", "error", "not_before"])
        Delivery.objects.filter(pk__in=sent).update(status=Delivery.Status.SENT, sent_at=now)
        Delivery.objects.bulk_update(with_provider_id, ["provider_id"])
        reached = Recipient.objects.filter(pk__in=[by_id[pk].recipient_id for pk in sent])
        reached.exclude(reach=Reach.SENT).update(reach=Reach.SENT, reached_via=kind)
    result.sent = len(sent)
    if fell_back:
        result.fallback_ids = fall_back(notice, kind, [d.recipient_id for d in fell_back])
    return result


def fall_back(notice: Notice, failed_kind: str, recipient_ids) -> list[int]:
    """Move people whose `failed_kind` delivery failed for good to the next channel after
    it in the notice's order that reaches them and has not been tried for them (never an
    earlier one: someone who chose e-mail only is not pushed). Returns the new deliveries'
    ids."""
    tried: dict[int, set[str]] = defaultdict(set)
    for rid, kind in Delivery.objects.filter(recipient_id__in=recipient_ids).values_list(
        "recipient_id", "channel"
    ):
        tried[rid].add(kind)
    staff_of = dict(Recipient.objects.filter(pk__in=recipient_ids).values_list("pk", "staff_id"))
    order = list(notice.channel_order)
    # An alert tries every listed channel it has not tried; an everyday notice only those
    # after the failed one (someone who chose e-mail only is never pushed).
    urgent = notice.urgency == Urgency.HIGH
    later = order if urgent or failed_kind not in order else order[order.index(failed_kind) + 1 :]
    waiting, rows = set(recipient_ids), []
    for kind in later:
        if kind not in registry.CHANNELS or not waiting:
            continue
        candidates = {r for r in waiting if kind not in tried[r]}
        reached = set(registry.get(kind).reachable({staff_of[r] for r in candidates}))
        placed = {r for r in candidates if staff_of[r] in reached}
        rows += [Delivery(recipient_id=r, channel=kind) for r in placed]
        waiting -= placed
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    settle(Recipient.objects.filter(pk__in=recipient_ids))
    return list(
        Delivery.objects.filter(
            recipient_id__in=recipient_ids, status=Delivery.Status.QUEUED
        ).values_list("pk", flat=True)
    )


def by_channel(ids) -> dict[str, list[int]]:
    return _ids_by_channel(Delivery.objects.filter(pk__in=list(ids)).order_by("pk"))


def finish(notices, reason: str) -> None:
    """No more deliveries for these notices: what still waits is given up with `reason`."""
    now = timezone.now()
    # By id: `notices` may be filtered on the very column this sets.
    ids = list(notices.values_list("pk", flat=True))
    with transaction.atomic():
        Notice.objects.filter(pk__in=ids, finished_at__isnull=True).update(finished_at=now)
        Delivery.objects.filter(recipient__notice_id__in=ids, status__in=OPEN).update(
            status=Delivery.Status.PERMANENT, error=reason
        )
        settle(Recipient.objects.filter(notice_id__in=ids, reach=Reach.PENDING))


def stale_work() -> dict[str, list[int]]:
    """Deliveries a dead worker claimed, retries and quiet-hour holds now due, and queued
    rows whose task was lost: all put back to be sent. Everyday notices that could not be
    delivered in two days are finished."""
    now = timezone.now()
    # Stale counts from when a delivery was due (a reminder held over a weekend for
    # working hours is not stale on Monday morning).
    held = Delivery.objects.filter(
        recipient__notice=OuterRef("pk"),
        status__in=OPEN,
        not_before__gt=now - EVERYDAY_NOTICE_LIFETIME,
    )
    expired = Notice.objects.filter(
        ~Exists(held),
        finished_at__isnull=True,
        urgency=Urgency.NORMAL,
        issued_at__lt=now - EVERYDAY_NOTICE_LIFETIME,
    )
    if expired.exists():
        finish(expired, "too late to send")
    stale = now - dt.timedelta(seconds=settings.DELIVERY_STALE_CLAIM_SECONDS)
    # Through the unfinished notices (few), not an index on status (see Delivery.Meta).
    in_open_notices = Delivery.objects.filter(
        recipient__notice__in=Notice.objects.filter(finished_at__isnull=True)
    )
    in_open_notices.filter(status=Delivery.Status.SENDING, claimed_at__lt=stale).update(
        status=Delivery.Status.QUEUED, claim=""
    )
    pending = in_open_notices.filter(_due(now), status__in=OPEN)
    return _ids_by_channel(pending.order_by("pk")[:100_000])
