"""The daily count per department (Snapshot), and the progress it shows over time."""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from renraku import charts
from renraku.directory.models import Department
from renraku.rates import percent

from .models import Snapshot
from .queries import counts_by

# The chart (SVG user units): wide and low, as on a phone.
CHART_W, CHART_H = 600, 160


def today(now=None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def take(now=None) -> int:
    """Today's count for every department with active staff (taken again, it replaces
    today's). Returns how many rows."""
    day = today(now)
    ids = dict(Department.objects.values_list("code", "pk"))
    rows = [
        Snapshot(
            day=day,
            department_id=ids[row["code"]],
            staff=row["staff"],
            push=row["push"],
            email=row["email"],
            sms=row["sms"],
            voice=row["voice"],
            line_works=row["line_works"],
            none=row["none"],
        )
        for row in counts_by("department", now=now)
    ]
    with transaction.atomic():
        Snapshot.objects.filter(day=day).delete()
        Snapshot.objects.bulk_create(rows)
    return len(rows)


def trend(department_ids=None, days: int = 365, now=None) -> list[dict]:
    """Day by day over the last `days`: staff, push and none, summed over the departments
    given (all when None), with the shares in percent."""
    since = today(now) - dt.timedelta(days=days)
    rows = Snapshot.objects.filter(day__gt=since)
    if department_ids is not None:
        rows = rows.filter(department_id__in=list(department_ids))
    out = []
    for row in (
        rows.values("day")
        .annotate(staff_n=Sum("staff"), push_n=Sum("push"), none_n=Sum("none"))
        .order_by("day")
    ):
        staff = row["staff_n"] or 0
        out.append(
            {
                "day": row["day"],
                "push_pct": percent(row["push_n"], staff),
                "reachable_pct": percent(staff - row["none_n"], staff),
            }
        )
    return out


def with_today(points: list[dict], row: dict | None, now=None) -> list[dict]:
    """The trend ending on today's live count (`row`, from queries.counts_by or total):
    the day's snapshot was taken earlier, and the line must end where the boxes above it
    say the office is now."""
    if row is None or not row["staff"]:
        return points
    day = today(now)
    live = {
        "day": day,
        "push_pct": percent(row["push"], row["staff"]),
        "reachable_pct": percent(row["staff"] - row["none"], row["staff"]),
    }
    return [p for p in points if p["day"] != day] + [live]


def chart(points: list[dict]) -> dict:
    """The trend as two SVG polylines (push, any channel) and its first and last values."""
    if len(points) < 2:  # a line needs two days
        return {}
    span = max((points[-1]["day"] - points[0]["day"]).days, 1)

    def line(key):
        return charts.polyline(
            [((p["day"] - points[0]["day"]).days, p[key] / 100) for p in points],
            x_span=span,
            width=CHART_W,
            height=CHART_H,
        )

    return {
        "w": CHART_W,
        "h": CHART_H,
        "push": line("push_pct"),
        "reachable": line("reachable_pct"),
        "first": points[0],
        "last": points[-1],
    }
