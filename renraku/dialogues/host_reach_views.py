"""Reach in numbers and pictures for the host (and administrators): the year's figures,
a chart of sessions by month, departments reached and not yet, and the CSV."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from renraku import charts, csvsafe
from renraku.directory.models import Department
from renraku.http import no_store

from . import reach as reach_of
from .host_pages import fiscal_year_of, host_for, picker, years_around
from .params import refuses_bad_input

# The chart of sessions by month (SVG user units): twelve bars, wide and low as on a phone.
CHART_W, CHART_H, CHART_TOP, CHART_FOOT = 600, 200, 20, 24

# --- Reach --------------------------------------------------------------------------


def _month_bars(months) -> list[dict]:
    """One bar per month: x, width, y and height in the chart's units, and its label."""
    top = max((n for _m, n in months), default=0) or 1
    bars = charts.bars(
        [n / top for _m, n in months],
        width=CHART_W,
        height=CHART_H - CHART_TOP - CHART_FOOT,
        base=CHART_H - CHART_FOOT,
        fill=0.7,
    )
    for bar, (month, n) in zip(bars, months, strict=True):
        bar.update(month=month, label=f"{int(month[5:])}月", n=n, ny=round(bar["y"] - 4, 1))
    return bars


@login_required
@no_store
@refuses_bad_input
def reach(request):
    host = host_for(request)
    year = fiscal_year_of(request)
    months = reach_of.sessions_by_month(host, year)
    department = None
    code = request.GET.get("department")
    if code:
        department = get_object_or_404(Department, code=code)
    return render(
        request,
        "dialogues/host_reach.html",
        {
            **picker(request, host),
            "year": year,
            "years": years_around(year),
            "summary": reach_of.summary(host, year),
            "bars": _month_bars(months),
            "chart": {"w": CHART_W, "h": CHART_H, "base": CHART_H - CHART_FOOT},
            "departments": reach_of.departments_reached(host, year),
            "department": department,
            "not_reached": list(
                reach_of.not_reached(host, department, year).select_related("section", "site")
            )
            if department
            else None,
        },
    )


CSV_HEADER = ["部局コード", "部局", "職員数", "対話した職員", "割合(%)"]


@login_required
@no_store
@refuses_bad_input
def reach_csv(request):
    """The departments reached (csvsafe.download: UTF-8 with a BOM, or CP932)."""
    host = host_for(request)
    year = fiscal_year_of(request)
    rows = [
        [row["code"], row["name"], row["staff"], row["reached"], row["percent"]]
        for row in reach_of.departments_reached(host, year)
    ]
    name = f"reach-{host.staff.employee_number}-{year}.csv"
    return csvsafe.download(request, name, CSV_HEADER, rows)
