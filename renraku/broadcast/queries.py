"""What the dashboard and `renraku alert status` show: a fixed number of aggregate queries
per alert, however many recipients it has."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from renraku.directory.models import Department, Site

from .models import Alert, Delivery, Recipient

_SENT = Delivery.objects.filter(recipient=OuterRef("pk"), status=Delivery.Status.SENT)
_OPEN = Delivery.objects.filter(
    recipient=OuterRef("pk"),
    status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING, Delivery.Status.FAILED],
)
_ANY = Delivery.objects.filter(recipient=OuterRef("pk"))


def _counts(recipients) -> dict:
    return recipients.aggregate(
        recipients=Count("pk"),
        sent=Count("pk", filter=Q(Exists(_SENT))),
        pending=Count("pk", filter=Q(Exists(_OPEN)) & ~Q(Exists(_SENT))),
        unreachable=Count("pk", filter=~Q(Exists(_ANY))),
        read=Count("pk", filter=Q(read_at__isnull=False)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
    )


def status(alert: Alert) -> dict:
    recipients = Recipient.objects.filter(alert=alert)
    counts = _counts(recipients)
    # Every channel tried has failed for good: with the unreachable, the people to phone.
    counts["failed"] = (
        counts["recipients"] - counts["sent"] - counts["pending"] - counts["unreachable"]
    )
    counts["answers"] = dict(
        recipients.exclude(answer="")
        .values_list("answer")
        .annotate(n=Count("pk"))
        .values_list("answer", "n")
    )
    counts["by_channel"] = dict(
        Delivery.objects.filter(recipient__alert=alert, status=Delivery.Status.SENT)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    return counts


def breakdown(alert: Alert, by: str) -> list[dict]:
    """Counts per department (by="department") or site (by="site"), with answers."""
    model = {"department": Department, "site": Site}[by]
    rows = (
        Recipient.objects.filter(alert=alert)
        .values(by)
        .annotate(
            recipients=Count("pk"),
            read=Count("pk", filter=Q(read_at__isnull=False)),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            safe=Count("pk", filter=Q(answer="safe")),
            minor=Count("pk", filter=Q(answer="minor")),
            serious=Count("pk", filter=Q(answer="serious")),
        )
        .order_by(by)
    )
    names = dict(model.objects.filter(pk__in=[r[by] for r in rows]).values_list("pk", "name"))
    return [{**r, "name": names.get(r[by], "")} for r in rows]


def answer_curve(alert: Alert, *, points: int = 60) -> list[tuple[float, int]]:
    """Cumulative answers against minutes since sending, at most `points` steps."""
    times = list(
        Recipient.objects.filter(alert=alert, answered_at__isnull=False)
        .order_by("answered_at")
        .values_list("answered_at", flat=True)
    )
    if not times:
        return []
    step = max(1, len(times) // points)
    curve = [
        ((t - alert.created_at).total_seconds() / 60, i + 1)
        for i, t in enumerate(times)
        if (i + 1) % step == 0 or i + 1 == len(times)
    ]
    return curve


def unanswered(alert: Alert, *, limit: int = 200):
    return (
        Recipient.objects.filter(alert=alert, answered_at__isnull=True)
        .select_related("staff__position", "department", "site")
        .order_by("department__order", "staff__family_name_kana")[:limit]
    )


def open_alerts_for(staff) -> list[Recipient]:
    """The alerts a member of staff should see on the app's home page."""
    return list(
        Recipient.objects.filter(
            staff=staff,
            alert__closed_at__isnull=True,
            alert__created_at__gte=timezone.now() - dt.timedelta(days=7),
        )
        .select_related("alert")
        .order_by("-alert__created_at")[:10]
    )


def curve_points(curve, total: int, *, width: int = 600, height: int = 160) -> str:
    """The answer curve as SVG polyline points, answers as a share of all recipients."""
    if not curve or not total:
        return ""
    span = max(curve[-1][0], 1.0)
    points = [(0.0, height)] + [
        (round(m / span * width, 1), round(height - n / total * height, 1)) for m, n in curve
    ]
    return " ".join(f"{x},{y}" for x, y in points)


def report(alert: Alert) -> dict:
    """The after-action summary of an alert (for a drill above all): how fast people were
    reached and answered, and which departments lagged."""
    counts = status(alert)
    total = counts["recipients"] or 1
    times = sorted(
        (t - alert.created_at).total_seconds() / 60
        for t in Recipient.objects.filter(alert=alert, answered_at__isnull=False).values_list(
            "answered_at", flat=True
        )
    )

    def minutes_until(share):
        needed = int(total * share + 0.9999)
        return round(times[needed - 1], 1) if needed and len(times) >= needed else None

    departments = sorted(
        breakdown(alert, "department"), key=lambda r: r["answered"] / (r["recipients"] or 1)
    )
    for row in departments:
        row["rate"] = round(100 * row["answered"] / (row["recipients"] or 1))
    return {
        **counts,
        "reached_pct": round(100 * counts["sent"] / total),
        "answered_pct": round(100 * counts["answered"] / total),
        "minutes_to_half": minutes_until(0.5),
        "minutes_to_90": minutes_until(0.9),
        "departments": departments,
        "duration_minutes": round(
            ((alert.closed_at or timezone.now()) - alert.created_at).total_seconds() / 60
        ),
    }
