"""What the dashboard and `renraku alert status` show: a fixed number of aggregate queries
per alert, however many recipients it has."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from renraku.accounts.models import Role
from renraku.directory.models import Department, Site

from . import escalation
from .models import (
    Alert,
    Answer,
    AnswerValue,
    Attendance,
    Delivery,
    EscalationRun,
    Kind,
    Reach,
    Recipient,
)


def manageable_by(user):
    """The alerts this person may follow and manage (see permissions.can_manage_alert),
    newest first, supervisors' lists of the unanswered left out (they are part of their
    alert's escalation)."""
    alerts = Alert.objects.exclude(kind=Kind.SUPERVISOR_LIST)
    if user.role == Role.ADMINISTRATOR or user.scope_all:
        return alerts
    scope = user.scope_departments.values("pk")
    outside = Recipient.objects.filter(alert=OuterRef("pk")).exclude(department__in=scope)
    inside = Recipient.objects.filter(alert=OuterRef("pk"))
    return alerts.filter(Q(sender=user) | (Exists(inside) & ~Exists(outside)))


def _tally(alert: Alert) -> list[dict]:
    """The alert's recipients counted by reach, answer, department and site: one pass over
    them, from which the status and both breakdowns are summed in Python (a few hundred
    rows at most, against three scans of ten thousand)."""
    return list(
        Recipient.objects.filter(alert=alert)
        .values("reach", "reached_via", "answer", "attendance", "department", "site")
        .annotate(n=Count("pk"), read=Count("read_at"))
        .order_by()
    )


def status(alert: Alert, tally: list[dict] | None = None) -> dict:
    """Counts of the alert's recipients by state."""
    counts = dict.fromkeys(
        ["recipients", "sent", "pending", "failed", "unreachable", "read", "answered"], 0
    )
    answers: dict[str, int] = {}
    attendance = dict.fromkeys(Attendance.values, 0)
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
        if row["attendance"]:
            attendance[row["attendance"]] += row["n"]
    counts["answers"] = answers
    counts["attendance"] = attendance
    counts["unanswered"] = counts["recipients"] - counts["answered"]
    counts["answer_rate"] = round(100 * counts["answered"] / (counts["recipients"] or 1))
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
            | dict.fromkeys(AnswerValue.values, 0)
            | dict.fromkeys(Attendance.values, 0),
        )
        row["recipients"] += group["n"]
        row["reached"] += group["n"] if group["reach"] == Reach.SENT else 0
        row["read"] += group["read"]
        if group["answer"]:
            row["answered"] += group["n"]
            row[group["answer"]] += group["n"]
        if group["attendance"]:
            row[group["attendance"]] += group["n"]
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
        "steps": escalation_steps(alert),
        "remarks": remarks(alert),
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


def remarks(alert: Alert, *, limit: int = 50) -> list[Answer]:
    """The latest answers that say where the person is or add a comment, newest first: the
    words a duty officer must read, not only count."""
    latest = Answer.objects.filter(recipient=OuterRef("recipient")).order_by("-at", "-pk")
    return list(
        Answer.objects.filter(recipient__alert=alert)
        .filter(pk=latest.values("pk")[:1])
        .exclude(location="", comment="")
        .select_related("recipient__staff", "recipient__department")
        .order_by("-at")[:limit]
    )


def escalation_steps(alert: Alert) -> list[dict]:
    """Each escalation step: what it does, when it is due, and, once run, when and to how
    many (with how many of those it has reached so far)."""
    runs = {r.step: r for r in EscalationRun.objects.filter(alert=alert)}
    steps = []
    for index, step in enumerate(alert.escalation or []):
        run = runs.get(index)
        row = {
            "text": escalation.describe(step),
            "due": alert.created_at + dt.timedelta(minutes=step.get("after_minutes", 0)),
            "run": run,
            "planned": run.reached if run else 0,
            "reached": 0,
        }
        if run and step.get("action") == "supervisor":
            row["reached"] = Recipient.objects.filter(
                alert__escalation_run=run, reach=Reach.SENT
            ).count()
        elif run:
            row["reached"] = Delivery.objects.filter(
                recipient__alert=alert, attempt=index + 2, status=Delivery.Status.SENT
            ).count()
        steps.append(row)
    return steps


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
        "remarks": remarks(alert, limit=200),
        "reached_pct": round(100 * counts["sent"] / total),
        "answered_pct": round(100 * counts["answered"] / total),
        "minutes_to_half": minutes_until(0.5),
        "minutes_to_90": minutes_until(0.9),
        "departments": departments,
        "duration_minutes": round(
            ((alert.closed_at or timezone.now()) - alert.created_at).total_seconds() / 60
        ),
    }
