"""An alert's delivery funnel, per channel: sent → accepted (by the push service, the mail
server, the SMS provider) → shown on the device (a display receipt; push only) → read →
answered, each with how many people, and the first and the median time after sending.

Counted by the database: one aggregate over the alert's deliveries, grouped by channel,
and one ORDER BY … OFFSET per median (the middle row, not every time read into Python).
People are counted once per channel however many attempts they had on it; read and
answered count those the channel reached (a person reached by push and by e-mail counts
under both: which of the two made them open it cannot be known).
"""

from django.db.models import Count, Exists, Min, OuterRef, Q

from renraku.notices.models import Delivery, Recipient

from .models import Alert, ChannelChoice

STAGES = ("sent", "accepted", "shown", "read", "answered")
# Channels whose devices send display receipts.
WITH_RECEIPTS = ("push",)

_ACCEPTED = Q(status=Delivery.Status.SENT)
_COUNTS = {
    "sent": Count("recipient", distinct=True, filter=Q(claimed_at__isnull=False)),
    "accepted": Count("recipient", distinct=True, filter=_ACCEPTED),
    "shown": Count("recipient", distinct=True, filter=Q(shown_at__isnull=False)),
    "read": Count(
        "recipient", distinct=True, filter=_ACCEPTED & Q(recipient__read_at__isnull=False)
    ),
    "answered": Count(
        "recipient", distinct=True, filter=_ACCEPTED & Q(recipient__answered_at__isnull=False)
    ),
    "accepted_rows": Count("pk", filter=_ACCEPTED),
    "shown_rows": Count("shown_at"),
    "first_accepted": Min("sent_at", filter=_ACCEPTED),
    "first_shown": Min("shown_at"),
    "first_read": Min("recipient__read_at", filter=_ACCEPTED),
    "first_answered": Min("recipient__answered_at", filter=_ACCEPTED),
}


def of(alert: Alert) -> list[dict]:
    """One row per channel the alert used, in its order: {"channel", "label", "stages":
    [{"stage", "count", "first_s", "median_s", "first", "median"}]} (seconds after
    sending, and the same as "m:ss" for pages); a stage a channel cannot report (shown,
    for e-mail and SMS) has count None."""
    rows = {
        r["channel"]: r
        for r in Delivery.objects.filter(recipient__notice=alert)
        .values("channel")
        .annotate(**_COUNTS)
        .order_by()
    }
    order = [c for c in alert.channel_order if c in rows] + sorted(
        set(rows) - set(alert.channel_order)
    )
    return [_channel(alert, kind, rows[kind]) for kind in order]


def _channel(alert: Alert, kind: str, row: dict) -> dict:
    mine = Delivery.objects.filter(recipient__notice=alert, channel=kind)
    reached = Recipient.objects.filter(notice=alert).filter(
        Exists(mine.filter(_ACCEPTED, recipient=OuterRef("pk")))
    )
    medians = {
        "accepted": (mine.filter(_ACCEPTED), "sent_at", row["accepted_rows"]),
        "shown": (mine.filter(shown_at__isnull=False), "shown_at", row["shown_rows"]),
        "read": (reached.filter(read_at__isnull=False), "read_at", row["read"]),
        "answered": (reached.filter(answered_at__isnull=False), "answered_at", row["answered"]),
    }
    stages = []
    for stage in STAGES:
        if stage == "shown" and kind not in WITH_RECEIPTS:
            stages.append(_stage(stage, None, None, None))
            continue
        first = median = None
        if stage in medians and row[stage]:
            rows, field, n = medians[stage]
            first = row[f"first_{stage}"]
            median = rows.order_by(field).values_list(field, flat=True)[(n - 1) // 2]
        stages.append(_stage(stage, row[stage], _after(alert, first), _after(alert, median)))
    label = ChannelChoice(kind).label if kind in ChannelChoice.values else kind
    return {"channel": kind, "label": label, "stages": stages}


def _stage(stage: str, count, first_s, median_s) -> dict:
    return {
        "stage": stage,
        "count": count,
        "first_s": first_s,
        "median_s": median_s,
        "first": as_text(first_s),
        "median": as_text(median_s),
    }


def _after(alert: Alert, when) -> int | None:
    return None if when is None else max(0, round((when - alert.issued_at).total_seconds()))


def as_text(seconds: int | None) -> str:
    """ "m:ss" after sending ("—" when nobody has got that far)."""
    if seconds is None:
        return "—"
    return f"{seconds // 60}:{seconds % 60:02d}"
