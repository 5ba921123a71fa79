"""What the dashboard and `renraku alert status` show: a fixed number of aggregate queries
per alert, however many recipients it has."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from renraku import charts
from renraku.accounts import permissions
from renraku.directory.models import Department, Site
from renraku.notices.models import AnswerValue, Attendance, Delivery, Reach, Recipient
from renraku.rates import percent

from . import escalation, funnel, live
from .models import Alert, AlertKind, Answer, ChannelChoice, EscalationRun


def manageable_by(user):
    """The alerts this person may view and manage (see permissions.can_manage_alert),
    newest first, supervisors' lists of the unanswered left out (they are part of their
    alert's escalation)."""
    alerts = Alert.objects.exclude(kind=AlertKind.SUPERVISOR_LIST)
    if permissions.manages_every_alert(user):
        return alerts
    scope = user.scope_departments.values("pk")
    outside = Recipient.objects.filter(notice=OuterRef("pk")).exclude(department__in=scope)
    inside = Recipient.objects.filter(notice=OuterRef("pk"))
    return alerts.filter(Q(sender=user) | (Exists(inside) & ~Exists(outside)))


# Counted in the database, a column each (conditional counts in one pass), grouped only by
# department and site: a few hundred rows for a 10,000-person alert over 260 sites, from
# which the totals and both breakdowns are summed. (Grouping also by reach, answer and
# attendance made 1,500 groups, and most of a refresh.)
STATE_COUNTS = {
    "recipients": Count("pk"),
    "sent": Count("pk", filter=Q(reach=Reach.SENT)),
    "pending": Count("pk", filter=Q(reach=Reach.PENDING)),
    "failed": Count("pk", filter=Q(reach=Reach.FAILED)),
    "unreachable": Count("pk", filter=Q(reach=Reach.NONE)),
    "read": Count("read_at"),
    # At least one display receipt: a device of theirs said it showed the alert.
    "shown": Count("shown_at"),
    "answered": Count("answered_at"),
    **{v: Count("pk", filter=Q(answer=v)) for v in AnswerValue.values},
    **{v: Count("pk", filter=Q(attendance=v)) for v in Attendance.values},
    **{f"via_{c}": Count("pk", filter=Q(reached_via=c)) for c in ChannelChoice.values},
}
_COLUMNS = tuple(STATE_COUNTS)


def _grouped(alert: Alert) -> list[dict]:
    return list(
        Recipient.objects.filter(notice=alert)
        .values("department", "site")
        .annotate(**STATE_COUNTS)
        .order_by()
    )


def _sum(rows) -> dict:
    return {c: sum(r[c] for r in rows) for c in _COLUMNS}


def status(alert: Alert, grouped: list[dict] | None = None) -> dict:
    """Counts of the alert's recipients by state (FAILED: every channel tried has failed
    for good; with "unreachable", the people to phone)."""
    counts = _sum(_grouped(alert) if grouped is None else grouped)
    # The channel that reached each person first.
    counts["by_channel"] = {c: n for c in ChannelChoice.values if (n := counts.pop(f"via_{c}"))}
    counts["answers"] = {v: n for v in AnswerValue.values if (n := counts.pop(v))}
    counts["attendance"] = {v: counts.pop(v) for v in Attendance.values}
    counts["unanswered"] = counts["recipients"] - counts["answered"]
    counts["answer_rate"] = percent(counts["answered"], counts["recipients"], digits=0)
    return counts


def breakdown(alert: Alert, by: str, grouped: list[dict] | None = None) -> list[dict]:
    """Counts per department (by="department") or site (by="site"), with answers and
    attendance as flat keys (safe, minor … can, late, cannot) and the answer rate, in the
    directory's order."""
    model = {"department": Department, "site": Site}[by]
    parts: dict[int, list] = {}
    for row in _grouped(alert) if grouped is None else grouped:
        parts.setdefault(row[by], []).append(row)
    names = dict(model.objects.filter(pk__in=list(parts)).values_list("pk", "name"))
    out = []
    for pk in sorted(parts):
        row = _sum(parts[pk])
        row |= {by: pk, "name": names.get(pk, ""), "reached": row["sent"]}
        row["rate"] = percent(row["answered"], row["recipients"], digits=0)
        out.append(row)
    return out


# The dashboard lists this many of the slowest sites and unanswered people; the whole of
# both, searchable and a page at a time, is on the headquarters' view.
DASHBOARD_SITES = 15
DASHBOARD_UNANSWERED = 50


def dashboard(alert: Alert) -> dict:
    """Everything the live dashboard shows: a fixed number of aggregate queries."""
    grouped = _grouped(alert)
    counts = status(alert, grouped)
    curve = live.shared(
        "curve",
        alert.pk,
        compute=lambda: answer_curve(alert, answered=counts["answered"]),
        periods=live.CURVE_PERIODS,
    )
    sites = sorted(breakdown(alert, "site", grouped), key=lambda r: (r["rate"], -r["recipients"]))
    return {
        "status": counts,
        "departments": breakdown(alert, "department", grouped),
        "sites": sites[:DASHBOARD_SITES],
        "sites_count": len(sites),
        "unanswered": list(unanswered(alert, limit=DASHBOARD_UNANSWERED)),
        "steps": escalation_steps(alert),
        "remarks": remarks(alert),
        "curve_points": curve_points(curve, counts["recipients"]),
        "curve_minutes": round(curve[-1][0], 1) if curve else 0,
        # Its medians sort each channel's rows: refreshed like the curve, not every 2 s.
        "funnel": live.shared(
            "funnel", alert.pk, compute=lambda: funnel.of(alert), periods=live.CURVE_PERIODS
        ),
    }


def answer_curve(
    alert: Alert, *, points: int = 60, answered: int | None = None
) -> list[tuple[float, int]]:
    """Cumulative answers to `alert` against minutes since it was sent (see curve_of)."""
    rows = Recipient.objects.filter(notice=alert)
    return curve_of(rows, alert.issued_at, points=points, answered=answered)


def curve_of(
    rows, since, *, points: int = 60, answered: int | None = None
) -> list[tuple[float, int]]:
    """Cumulative answers among `rows` (Recipient rows: an alert's, an area's, several
    alerts') against minutes after `since`, at most `points` (+1) steps: the time of every
    n-th answer, picked out by the database (ROW_NUMBER) rather than reading thousands of
    timestamps into Python."""
    answers = rows.filter(answered_at__isnull=False)
    if answered is None:
        answered = answers.count()
    if not answered:
        return []
    step = max(1, answered // points)
    wanted = sorted({*range(step, answered + 1, step), answered})
    ranked = answers.annotate(n=Window(RowNumber(), order_by=[F("answered_at"), F("pk")]))
    return [
        (max(0.0, (at - since).total_seconds() / 60), n)
        for at, n in ranked.filter(n__in=wanted).values_list("answered_at", "n").order_by("n")
    ]


def unanswered(alert: Alert, *, limit: int = 200):
    """The first of those who have not answered, department by department (the whole list,
    in the directory's order and searchable, is on the headquarters' view)."""
    return (
        Recipient.objects.filter(notice=alert, answered_at__isnull=True)
        .select_related("staff__position", "department", "site")
        .order_by("department_id", "pk")[:limit]
    )


def remarks(alert: Alert, *, limit: int = 50) -> list[Answer]:
    """The latest answers that say where the person is or add a comment, newest first: the
    words a duty officer must read, not only count."""
    latest = Answer.objects.filter(recipient=OuterRef("recipient")).order_by("-at", "-pk")
    return list(
        Answer.objects.filter(recipient__notice=alert)
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
            "due": alert.issued_at + dt.timedelta(minutes=step.get("after_minutes", 0)),
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
                recipient__notice=alert, attempt=index + 2, status=Delivery.Status.SENT
            ).count()
        steps.append(row)
    return steps


def open_alerts_for(staff) -> list[Recipient]:
    """The alerts a member of staff should see on the app's home page."""
    return list(
        Recipient.objects.filter(
            staff=staff,
            notice__alert__isnull=False,
            notice__finished_at__isnull=True,
            notice__issued_at__gte=timezone.now() - dt.timedelta(days=7),
        )
        .select_related("notice__alert")
        .order_by("-notice__issued_at")[:10]
    )


def curve_points(curve, total: int, *, width: int = 600, height: int = 160) -> str:
    """The answer curve as SVG polyline points, answers as a share of all recipients."""
    if not curve or not total:
        return ""
    return charts.polyline(
        [(0.0, 0.0)] + [(m, n / total) for m, n in curve],
        x_span=max(curve[-1][0], 1.0),
        width=width,
        height=height,
    )


def report(alert: Alert) -> dict:
    """The after-action summary of an alert (for a drill above all): how fast people were
    reached and answered, and which departments lagged."""
    counts = status(alert)
    total = counts["recipients"] or 1
    times = sorted(
        (t - alert.issued_at).total_seconds() / 60
        for t in Recipient.objects.filter(notice=alert, answered_at__isnull=False).values_list(
            "answered_at", flat=True
        )
    )

    def minutes_until(share):
        needed = int(total * share + 0.9999)
        return round(times[needed - 1], 1) if needed and len(times) >= needed else None

    departments = sorted(
        breakdown(alert, "department"), key=lambda r: r["answered"] / (r["recipients"] or 1)
    )
    return {
        **counts,
        "remarks": remarks(alert, limit=200),
        "reached_pct": percent(counts["sent"], total, digits=0),
        "answered_pct": percent(counts["answered"], total, digits=0),
        "minutes_to_half": minutes_until(0.5),
        "minutes_to_90": minutes_until(0.9),
        "departments": departments,
        "duration_minutes": round(
            ((alert.finished_at or timezone.now()) - alert.issued_at).total_seconds() / 60
        ),
    }
