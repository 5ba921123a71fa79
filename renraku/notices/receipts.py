"""Display receipts: the device says it has shown a push.

The service worker, once it has shown a notification, posts the token the push carried
(see channels.receipts). Checking the token needs the key only; recording it is a read
by key (is the delivery still unshown?) and one narrow INSERT into a buffer (`Receipt`),
and the task worker folds the buffer every few seconds into the deliveries, recipients
and subscriptions in a handful of set-based UPDATEs. So the first minute of an alert,
when thousands of phones confirm at once, adds no row locks on the recipients that the
one-tap answers are writing at the same time
(measured by benchmarks/receipts.py).
"""

from collections import defaultdict

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.channels import receipts as tokens
from renraku.directory.models import PushSubscription

from .models import Delivery, Receipt, Recipient

# A receipt is folded in at most this long after it arrives (the dashboard's "shown").
FOLD_SECONDS = 3
FOLD_BATCH = 20_000
CHUNK = 2_000  # ids per UPDATE: well under SQLite's limit on parameters, short locks


class Refused(ValueError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def record(token: str) -> None:
    """Keep the receipt `token` stands for, to be folded in shortly. Refused (400: not a
    token; 403: a token this server did not sign) changes nothing; a token whose delivery
    was already shown (or is gone) is taken and changes nothing either."""
    try:
        ids = tokens.verify(token.strip())
    except tokens.Unreadable:
        raise Refused(_("This is not a display receipt."), 400) from None
    if ids is None:
        raise Refused(_("This display receipt was not issued by this server."), 403)
    delivery_id, subscription_id = ids
    # Only a delivery not yet shown is worth a row: a token replayed (a script repeating
    # one it got, or an old one resent to keep a dead device looking alive) writes
    # nothing once its first receipt is folded in, so the buffer cannot be flooded with
    # one valid token. One read by key, without a lock: the answers are not held up.
    if not Delivery.objects.filter(pk=delivery_id, shown_at__isnull=True).exists():
        return
    # Whole seconds: the fold sets each second's receipts in one UPDATE.
    at = timezone.now().replace(microsecond=0)
    Receipt.objects.create(delivery_id=delivery_id, subscription_id=subscription_id, at=at)
    _fold_soon()


def _fold_soon() -> None:
    """One fold queued per FOLD_SECONDS, whoever's receipt came first (the sweeper folds
    every minute too, in case this task is lost)."""
    from .tasks import fold_receipts

    if cache.add("notices:receipts:fold", 1, FOLD_SECONDS):
        fold_receipts.schedule(delay=FOLD_SECONDS)


def fold() -> int:
    """Fold the buffered receipts into Delivery.shown_at and Recipient.shown_at (the first
    receipt) and PushSubscription.last_shown_at (the latest), then drop them. Each UPDATE
    commits on its own, so no lock is held for long; folding twice changes nothing, so a
    fold that dies half-way is simply done again. Returns how many receipts it folded."""
    total = 0
    while True:
        rows = list(
            Receipt.objects.order_by("pk").values_list(
                "pk", "delivery_id", "subscription_id", "at"
            )[:FOLD_BATCH]
        )
        if not rows:
            return total
        first: dict[int, object] = {}
        latest: dict[int, object] = {}
        for _pk, delivery_id, subscription_id, at in rows:
            if delivery_id not in first or at < first[delivery_id]:
                first[delivery_id] = at
            if subscription_id not in latest or at > latest[subscription_id]:
                latest[subscription_id] = at
        recipient_first: dict[int, object] = {}
        for chunk in _chunks(list(first)):
            for delivery_id, recipient_id in Delivery.objects.filter(pk__in=chunk).values_list(
                "pk", "recipient_id"
            ):
                at = first[delivery_id]
                if recipient_id not in recipient_first or at < recipient_first[recipient_id]:
                    recipient_first[recipient_id] = at
        # The earliest second first: a later UPDATE finds those rows already set.
        _set_once(Delivery.objects, first)
        _set_once(Recipient.objects, recipient_first)
        for at, ids in sorted(_by_second(latest).items()):
            for chunk in _chunks(ids):
                PushSubscription.objects.filter(
                    Q(last_shown_at__isnull=True) | Q(last_shown_at__lt=at), pk__in=chunk
                ).update(last_shown_at=at)
        # By id, not "up to the last id": a receipt whose INSERT commits late may have a
        # smaller id than those read here.
        for chunk in _chunks([row[0] for row in rows]):
            Receipt.objects.filter(pk__in=chunk).delete()
        total += len(rows)
        if len(rows) < FOLD_BATCH:
            return total


def _set_once(manager, when: dict) -> None:
    for at, ids in sorted(_by_second(when).items()):
        for chunk in _chunks(ids):
            manager.filter(pk__in=chunk, shown_at__isnull=True).update(shown_at=at)


def _by_second(when: dict) -> dict:
    out = defaultdict(list)
    for pk, at in when.items():
        out[at].append(pk)
    return out


def _chunks(ids: list) -> list[list]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
