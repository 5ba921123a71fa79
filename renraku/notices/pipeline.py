"""Getting a notice to every recipient: issue it (freeze who it goes to, plan deliveries,
dispatch on commit), send in batches, record outcomes, retry, fall back, finish, and pick
up what a dead worker left. Alerts, bulletin posts, reminders, invitations and digests all
go through here; who gets which channel when is decided in `planning`.

The database is the source of truth; a queued task only says "look". Each delivery row is
claimed with a single UPDATE … WHERE status is open before it is sent, so a task that runs
twice, or two workers given the same ids, send it once.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from renraku.channels import registry

from . import planning
from .models import Delivery, Notice, Reach, Recipient, Urgency
from .planning import OPEN, add_attempt, freeze, reach, settle
from .wording import messages_for

__all__ = [
    "OPEN",
    "add_attempt",
    "extend",
    "finish",
    "freeze",
    "issue",
    "reach",
    "settle",
    "stale_work",
]

MAX_TRIES = 5
# An everyday notice still undelivered after this is stale: a post's notification two
# days late is noise (the post is on the home page anyway). Alerts wait until closed.
EVERYDAY_NOTICE_LIFETIME = dt.timedelta(hours=48)


def issue(notice: Notice, people, *, topic: str | None = None, not_before=None) -> int:
    """The one way to send a notice. `notice` is unsaved and states its owner, urgency and
    channels in order; `people` is a Staff queryset. Saves it, freezes `people` as its
    recipients, plans their deliveries (as each chose for `topic`, for an everyday notice),
    holds them until `not_before` if given, and dispatches them once the caller's
    transaction commits (nothing is sent for a notice that is rolled back). Returns how
    many recipients it has."""
    from .tasks import dispatch_notice

    if not notice.owner or notice.urgency not in Urgency.values:
        raise ValueError("a notice states its owner and its urgency")
    with transaction.atomic():
        notice.save(force_insert=True)
        count = freeze(notice, people)
        # Who gets it on which channel is decided now, in the same transaction, so the
        # dashboard can tell "not sent yet" from "no channel reaches this person".
        planning.plan(notice, topic=topic)
        if not_before is not None:
            planning.hold_until(notice, not_before)
        transaction.on_commit(partial(dispatch_notice, notice.pk))
    return count


def extend(notice: Notice, people) -> int:
    """Add to an issued, unfinished notice those of `people` (a Staff queryset) who are not
    yet among its recipients (a mobilisation raised to a higher level), frozen and planned
    as `issue` does them, in the database; dispatched once the caller's transaction
    commits. Nobody is added twice. Returns how many were added."""
    from .tasks import dispatch_notice

    with transaction.atomic():
        # One extension of a notice at a time (the row lock orders them), so that the
        # newcomers are exactly the recipients numbered after those there before.
        locked = Notice.objects.select_for_update().filter(pk=notice.pk, finished_at=None)
        if not locked.exists():
            raise ValueError("only an unfinished notice can be extended")
        mine = Recipient.objects.filter(notice=notice)
        last = mine.aggregate(last=Max("pk"))["last"] or 0
        count = freeze(notice, people.exclude(pk__in=mine.values("staff_id")))
        if count:
            planning.plan(notice, recipients=mine.filter(pk__gt=last))
            transaction.on_commit(partial(dispatch_notice, notice.pk))
    return count


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
    """Move people whose `failed_kind` delivery failed for good to their next channel (see
    planning.fall_back). Returns the new deliveries' ids."""
    planning.fall_back(notice, failed_kind, recipient_ids)
    return list(
        Delivery.objects.filter(
            recipient_id__in=list(recipient_ids), status=Delivery.Status.QUEUED
        ).values_list("pk", flat=True)
    )


def by_channel(ids) -> dict[str, list[int]]:
    return _ids_by_channel(Delivery.objects.filter(pk__in=list(ids)).order_by("pk"))


def finish(notices, reason: str, *, at=None) -> None:
    """No more deliveries for these notices (an alert closed, a post withdrawn): they are
    finished `at` (default: now), and what still waits is given up with `reason`."""
    now = at or timezone.now()
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
