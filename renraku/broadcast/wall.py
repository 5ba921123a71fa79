"""What the wall display shows (read from across a room, refreshed every 5 s): the area's
totals, its worst departments and sites (or, for a department's link, its sections and
sites), and the answer curve as an SVG chart.

Everything comes from aggregate queries (situation.py) and the curve from at most 60 rows
per line picked by the database, so a refresh costs the same for 1,000 people as for
100,000: about eight queries.
"""

from django.utils import timezone

from renraku import charts
from renraku.directory.models import Department
from renraku.rates import percent

from . import live, queries, situation
from .models import DisplayLink

WORST = 8


def figures(link: DisplayLink, *, department_code: str = "") -> dict:
    """The wall's content for `link`; `department_code` adds that department's curve (on a
    ward link only: a department's link never shows another department)."""
    alerts = list(link.alerts.order_by("issued_at"))
    rows = situation.recipients(alerts)
    area = link.department
    if area is not None:
        rows = rows.filter(department=area)
    # Every recipient has a site: the totals are the sites' sum, without another pass.
    sites = situation.table(rows, "site")
    totals = situation.sum_of(sites, code=area.code if area else "", name=area.name if area else "")
    since = alerts[0].issued_at if alerts else timezone.now()
    lines = [
        {
            "name": area.name if area else "",
            "points": live.shared(
                "wall-curve",
                link.pk,
                compute=lambda: queries.curve_of(rows, since, answered=totals.answered),
                periods=live.CURVE_PERIODS,
            ),
            "total": totals.recipients,
        }
    ]
    compared = None
    if area is None and department_code:
        compared = Department.objects.filter(code=department_code).first()
    if compared is not None:
        part = rows.filter(department=compared)
        counted = situation.totals(part)
        if counted.recipients:
            lines.append(
                {
                    "name": compared.name,
                    "points": live.shared(
                        "wall-curve",
                        link.pk,
                        compared.code,
                        compute=lambda: queries.curve_of(part, since, answered=counted.answered),
                        periods=live.CURVE_PERIODS,
                    ),
                    "total": counted.recipients,
                    "rate": counted.answer_rate,
                }
            )
        else:
            compared = None
    first, second = ("section", "site") if area else ("department", "site")  # sites above
    return {
        "alerts": alerts,
        "area": area,
        "totals": totals,
        "unanswered": totals.recipients - totals.answered,
        "worst": [
            (first, situation.table(rows, first)[:WORST]),
            (second, sites[:WORST]),
        ],
        "compared": compared,
        "chart": chart(lines),
        "updated_at": timezone.now(),
        "is_drill": any(a.is_drill for a in alerts),
    }


# The chart's geometry, in SVG user units (the SVG scales to its box).
WIDTH, HEIGHT = 1000, 560
LEFT, RIGHT, TOP, BOTTOM = 120, 40, 30, 110
_MINUTE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880)


def chart(lines: list[dict]) -> dict:
    """Axes, ticks and one polyline per line ({"name", "points": [(minutes, n)], "total"}),
    as % answered against minutes since sending."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    last = max((line["points"][-1][0] for line in lines if line["points"]), default=0.0)
    step = next((s for s in _MINUTE_STEPS if last / s <= 6), _MINUTE_STEPS[-1])
    span = max(step, -(-last // step) * step)

    def x(minutes):
        return round(LEFT + minutes / span * plot_w, 1)

    def y(percent):
        return round(TOP + plot_h - percent / 100 * plot_h, 1)

    out_lines = []
    for line in lines:
        total = line["total"] or 1
        points = [(0.0, 0)] + line["points"]
        shares = [(m, n / total) for m, n in points]
        out_lines.append(
            {
                "name": line["name"],
                "points": charts.polyline(
                    shares, x_span=span, width=plot_w, height=plot_h, left=LEFT, top=TOP
                ),
                "last": percent(points[-1][1], total, digits=0),
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + plot_h,
        "x_ticks": [{"x": x(m), "label": int(m)} for m in range(0, int(span) + 1, step)],
        "y_ticks": [{"y": y(p), "label": p} for p in range(0, 101, 25)],
        "x_title": (LEFT + WIDTH - RIGHT) / 2,
        "x_title_y": HEIGHT - 20,
        "y_title_x": 30,
        "y_title_y": TOP + plot_h / 2,
        "lines": out_lines,
    }
