"""Each department's trend across the office's drills: the share that had answered within
30 minutes, drill after drill, drawn as a small line per department, and whether it is
getting better. One pass of report.figures over every drill counted."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import charts

from .report import drills, figures

# The drills a trend is drawn over: two years of monthly drills.
LAST_DRILLS = 24
MINUTE = 30  # the share answered within this many minutes is what the trend follows
CLEAR_CHANGE = 5  # points: less is "steady"
WIDTH, HEIGHT, PAD = 160, 40, 4


def verdict(first: int, latest: int, drills_taken: int) -> tuple[str, str]:
    """(key, words) for a department's change from its first drill to its latest."""
    if drills_taken < 2:
        return "", ""
    if latest - first >= CLEAR_CHANGE:
        return "better", _("Getting better")
    if first - latest >= CLEAR_CHANGE:
        return "worse", _("Getting worse")
    return "steady", _("About the same")


def trends(user) -> dict:
    """The ward's line and each department's, over the last LAST_DRILLS drills."""
    # A drill sent less than MINUTE minutes ago has no rate at MINUTE yet: counted now it
    # would show every department worse than ever.
    done = timezone.now() - dt.timedelta(minutes=MINUTE)
    alerts = list(drills(user).filter(issued_at__lte=done)[:LAST_DRILLS])[::-1]  # oldest first
    span = max(len(alerts) - 1, 1)
    place = {a.pk: i for i, a in enumerate(alerts)}
    departments: dict[str, dict] = {}
    for row in figures(alerts, "department"):
        dept = departments.setdefault(
            row["department"], {"code": row["department"], "name": row["name"], "points": []}
        )
        dept["points"].append(row)
    lines = [_line(departments[code], place, span) for code in departments]
    ward = _line({"code": "", "name": "", "points": figures(alerts)}, place, span)
    return {"drills": alerts, "ward": ward, "departments": lines, "minute": MINUTE}


def _line(dept: dict, place: dict, span: int) -> dict:
    points = sorted(dept["points"], key=lambda r: place[r["id"]])
    rates = [r[f"rate_{MINUTE}"] for r in points]
    coordinates = [(place[r["id"]], rate / 100) for r, rate in zip(points, rates, strict=True)]
    key, words = verdict(rates[0], rates[-1], len(rates)) if rates else ("", "")
    plot = {"x_span": span, "width": WIDTH - 2 * PAD, "height": HEIGHT - 2 * PAD}
    polyline = charts.polyline(coordinates, left=PAD, top=PAD, **plot)
    return {
        **dept,
        "rates": rates,
        "first": rates[0] if rates else None,
        "latest": rates[-1] if rates else None,
        "change": rates[-1] - rates[0] if rates else 0,
        "latest_t50": points[-1]["t50_s"] if points else None,
        "verdict": key,
        "verdict_text": words,
        "polyline": polyline,
        "dots": [dict(zip("xy", xy.split(","), strict=True)) for xy in polyline.split()],
        "width": WIDTH,
        "height": HEIGHT,
    }
