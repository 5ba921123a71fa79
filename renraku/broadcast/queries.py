"""What the dashboard and `renraku alert status` show: a fixed number of aggregate queries
per alert, however many recipients it has."""

import datetime as dt

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from renraku.directory.models import Department, Site

from .models import Alert, AnswerValue, Reach, Recipient


def _tally(alert: Alert) -> list[dict]:
    """The alert's recipients counted by reach, answer, department and site: one pass over
    them, from which the status and both breakdowns are summed in Python (a few hundred
    rows at most, against three scans of ten thousand)."""
    return list(
        Recipient.objects.filter(alert=alert)
        .values("reach", "reached_via", "answer", "department", "site")
        .annotate(n=Count("pk"), read=Count("read_at"))
        .order_by()
    )


def status(alert: Alert, tally: list[dict] | None = None) -> dict:
    """Counts of the alert's recipients by state."""
    counts = dict.fromkeys(
        ["recipients", "sent", "pending", "failed", "unreachable", "read", "answered"], 0
    )
    answers: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    # FAILED: every channel tried has failed for good; with NONE, the people to phone.
    column = {Reach.SENT: "sent", Reach.PENDING: "pending", Reach.FAILED: "failed"}
    for row in _tally(alert) if tally is None else tally:
        counts["recipients"] += row["n"]
        counts[column.get(row["reach"], "unreachable")] += row["n"]
        counts["read"] += row["read"]
        if row["reached_via"]:
            by_channel[row["reached_via"]] = by_channel.get(row["reached_via"], 0) + row["n"]
        if row["answer"]:
            counts["answered"] += row["n"]
            answers[row["answer"]] = answers.get(row["answer"], 0) + row["n"]
    counts["answers"] = answers
    counts["by_channel"] = by_channel  # the channel that reached each person first
    return counts


def breakdown(alert: Alert, by: str, tally: list[dict] | None = None) -> list[dict]:
    """Counts per department (by="department") or site (by="site"), with answers."""
    model = {"department": Department, "site": Site}[by]
    rows: dict[int, dict] = {}
    for group in _tally(alert) if tally is None else tally:
        row = rows.setdefault(
            group[by],
            {by: group[by], "recipients": 0, "reached": 0, "read": 0, "answered": 0}
            | dict.fromkeys(AnswerValue.values, 0),
        )
        row["recipients"] += group["n"]
        row["reached"] += group["n"] if group["reach"] == Reach.SENT else 0
        row["read"] += group["read"]
        if group["answer"]:
            row["answered"] += group["n"]
            row[group["answer"]] += group["n"]
    names = dict(model.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    return [{**rows[pk], "name": names.get(pk, "")} for pk in sorted(rows)]


def dashboard(alert: Alert) -> dict:
    """Everything the live dashboard shows, from one tally."""
    tally = _tally(alert)
    counts = status(alert, tally)
    curve = answer_curve(alert, answered=counts["answered"])
    return {
        "status": counts,
        "departments": breakdown(alert, "department", tally),
        "sites": breakdown(alert, "site", tally),
        "unanswered": unanswered(alert),
        "curve_points": curve_points(curve, counts["recipients"]),
        "curve_minutes": round(curve[-1][0], 1) if curve else 0,
    }


def answer_curve(
    alert: Alert, *, points: int = 60, answered: int | None = None
) -> list[tuple[float, int]]:
    """Cumulative answers against minutes since sending, at most `points` steps: the time
    of every n-th answer, picked out by the database (ROW_NUMBER) rather than reading
    thousands of timestamps into Python."""
    answers = Recipient.objects.filter(alert=alert, answered_at__isnull=False)
    if answered is None:
        answered = answers.count()
    if not answered:
        return []
    step = max(1, answered // points)
    wanted = {*range(step, answered + 1, step), answered}
    ranked = answers.annotate(n=Window(RowNumber(), order_by=[F("answered_at"), F("pk")]))
    return [
        ((at - alert.created_at).total_seconds() / 60, n)
        for at, n in ranked.filter(n__in=sorted(wanted))
        .values_list("answered_at", "n")
        .order_by("n")
    ]


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
    tally = _tally(alert)
    counts = status(alert, tally)
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
        breakdown(alert, "department", tally), key=lambda r: r["answered"] / (r["recipients"] or 1)
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
