"""Getting an alert to every recipient: plan deliveries, send them in batches, record
outcomes, retry, fall back, and pick up what a dead worker left.

The database is the source of truth; a queued task only says "look". Each delivery row is
claimed with a single UPDATE … WHERE status is open before it is sent, so a task that runs
twice, or two workers given the same ids, send it once.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils import timezone

from renraku.bulk import insert_select
from renraku.channels import registry

from .models import Alert, Delivery, Reach, Recipient

OPEN = (Delivery.Status.QUEUED, Delivery.Status.FAILED)
UNFINISHED = (*OPEN, Delivery.Status.SENDING)
MAX_TRIES = 5


def plan(alert: Alert) -> None:
    """Create each recipient's delivery on the first of the alert's channels that reaches
    them; mark those no channel reaches. For a new alert, in its sending transaction.

    Each channel takes the recipients its addresses reach, less those an earlier channel
    reaches: subqueries on the address tables, never a list of ids (100,000 would be a
    100,000-parameter query) and never the delivery table being written (its statistics
    would say "empty" for the first large alert, and an anti-join planned on that took
    80 seconds)."""
    recipients = Recipient.objects.filter(alert=alert)
    staff_ids = recipients.values("staff_id")
    unplaced = recipients
    for kind in alert.channels:
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


def settle(recipients) -> None:
    """Set these recipients' reach from their deliveries, after a change other than a
    success (a success sets SENT directly, and nothing moves a recipient out of SENT)."""
    mine = Delivery.objects.filter(recipient=OuterRef("pk"))
    unfinished = Exists(mine.filter(status__in=UNFINISHED))
    waiting = recipients.exclude(reach=Reach.SENT)
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


def queued_ids(alert: Alert) -> dict[str, list[int]]:
    return _ids_by_channel(
        Delivery.objects.filter(
            _due(timezone.now()), recipient__alert=alert, status__in=OPEN
        ).order_by("pk")
    )


def batches(ids_by_channel: dict[str, list[int]]):
    for kind, ids in ids_by_channel.items():
        size = registry.get(kind).batch_size
        for start in range(0, len(ids), size):
            yield kind, ids[start : start + size]


def claim(ids: list[int], related=()) -> list[Delivery]:
    """Take the still-open deliveries among `ids` for this worker, atomically. Each comes
    with its recipient's `alert_id`, `staff_id` and `answered_at` as plain attributes, and
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
        alert_id=F("recipient__alert_id"),
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


def send(kind: str, ids: list[int]) -> BatchResult:
    """Claim, send and record one batch of one channel's deliveries. A batch the sweeper
    put together may hold several alerts' deliveries: each goes out with its own alert."""
    channel = registry.get(kind)
    by_alert: dict[int, list[Delivery]] = defaultdict(list)
    for d in claim(ids, channel.related):
        by_alert[d.alert_id].append(d)
    result = BatchResult()
    for alert in Alert.objects.filter(pk__in=list(by_alert)):
        part = _send_for(alert, channel, by_alert[alert.pk])
        result.sent += part.sent
        result.fallback_ids += part.fallback_ids
        result.retry_ids += part.retry_ids
        result.retry_in = max(result.retry_in, part.retry_in)
    return result


def _send_for(alert: Alert, channel, deliveries: list[Delivery]) -> BatchResult:
    if not alert.is_open:
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=Delivery.Status.PERMANENT, error="alert closed before sending"
        )
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
    outcomes = channel.send(alert, deliveries)
    return record_outcomes(alert, channel.kind, deliveries, outcomes)


def record_outcomes(alert, kind: str, deliveries, outcomes) -> BatchResult:
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
                fell_back.append(delivery.recipient_id)
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
        result.fallback_ids = fall_back(alert, fell_back)
    return result


def fall_back(alert, recipient_ids) -> list[int]:
    """Move people whose channel failed for good to the next listed channel that reaches
    them and has not been tried for them. Returns the new deliveries' ids."""
    tried: dict[int, set[str]] = defaultdict(set)
    for rid, kind in Delivery.objects.filter(recipient_id__in=recipient_ids).values_list(
        "recipient_id", "channel"
    ):
        tried[rid].add(kind)
    staff_of = dict(Recipient.objects.filter(pk__in=recipient_ids).values_list("pk", "staff_id"))
    waiting, rows = set(recipient_ids), []
    for kind in alert.channels:
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


def stale_work() -> dict[str, list[int]]:
    """Deliveries a dead worker claimed, retries now due, and queued rows whose task was
    lost: all put back to be sent."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.DELIVERY_STALE_CLAIM_SECONDS)
    # Through the open alerts (few), not an index on status (see Delivery.Meta).
    in_open_alerts = Delivery.objects.filter(
        recipient__alert__in=Alert.objects.filter(closed_at__isnull=True)
    )
    in_open_alerts.filter(status=Delivery.Status.SENDING, claimed_at__lt=stale).update(
        status=Delivery.Status.QUEUED, claim=""
    )
    pending = in_open_alerts.filter(_due(now), status__in=OPEN)
    return _ids_by_channel(pending.order_by("pk")[:100_000])
