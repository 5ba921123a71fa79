"""What the headquarters watches during a mobilisation: its status by post and by team
(live, as the alert's dashboard), each post's or team's page with who is expected, who has
arrived, who cannot come and who to phone, and a person's family status, shown one person
at a time on request and audited.

The figures are counted in grouped queries and shared by every screen for a moment
(broadcast.live), however many are called; the lists are read a page at a time."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from renraku.audit.actions import record
from renraku.broadcast import actions as alerts
from renraku.broadcast import live
from renraku.directory.models import Site, Team
from renraku.http import no_store

from . import actions, drawing, queries, rosters
from .models import Callup, Family, Mobilisation

# The address of those called without a post (or team).
NONE_CODE = "-"


def viewable(request, pk) -> Mobilisation:
    from renraku.accounts import permissions

    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied
    return get_object_or_404(Mobilisation.objects.select_related("alert"), pk=pk)


def may_reveal_family(user, m: Mobilisation) -> bool:
    """A person's family status: for those who may manage the alert (its sender, senders
    to the whole office, administrators), one person at a time."""
    try:
        alerts.authorise_manage(user, m.alert)
    except PermissionDenied:
        return False
    return True


def figures(m: Mobilisation) -> dict:
    """The status's figures, shared by every screen for a moment."""

    def compute():
        by_site, by_team = queries.status(m, "site"), queries.status(m, "team")
        total = queries.totals(by_site)
        return {
            "by_site": list(zip(by_site, drawing.bars(by_site), strict=True)),
            "by_team": list(zip(by_team, drawing.bars(by_team), strict=True)),
            "total": total,
            "family": queries.family_counts(m),
            "chart": drawing.arrivals_chart(queries.arrivals_over_time(m), total.required),
        }

    return live.shared("mobilise-status", m.pk, m.level, compute=compute)


def _level(m: Mobilisation):
    return next((lv for lv in actions.levels() if lv.number == m.level), None)


@login_required
def status(request, pk):
    m = viewable(request, pk)
    context = {
        "m": m,
        "level": _level(m),
        "now": timezone.now(),
        "legend": drawing.legend(),
        "family_choices": Family.choices,
        **figures(m),
    }
    if request.htmx:
        return render(request, "mobilise/_status_live.html", context)
    from renraku.accounts import permissions

    context.update(
        levels=actions.levels(),
        may_mobilise=permissions.can_send(request.user),
    )
    return render(request, "mobilise/status.html", context)


def _place(by: str, code: str):
    if code == NONE_CODE:
        return None
    model = Site if by == "site" else Team
    return get_object_or_404(model, code=code)


def _page_numbers(request) -> dict:
    return {name: request.GET.get(param, 1) for name, param in rosters.LISTS.items()}


@login_required
def place(request, pk, by, code):
    """A post's (or a team's) page: its figures and chart, live, and its four lists."""
    if by not in queries.BY:
        raise Http404
    m = viewable(request, pk)
    where = _place(by, code)
    where_pk = where.pk if where else None
    line = next(
        (line for line, _bar in figures(m)[f"by_{by}"] if line.code == (where and where.code)),
        queries.Line(code=where and where.code, name=where.name if where else ""),
    )
    arrived_here = Q(arrived_site_id=where_pk) if by == "site" else Q(team_id=where_pk)
    chart = live.shared(
        "mobilise-place-chart",
        m.pk,
        by,
        code,
        compute=lambda: drawing.arrivals_chart(
            queries.arrivals_over_time(m, where=arrived_here), line.required
        ),
    )
    context = {
        "m": m,
        "by": by,
        "code": code,
        "place": where,
        "line": line,
        "bar": drawing.bars([line])[0],
        "legend": drawing.legend(),
        "chart": chart,
        "now": timezone.now(),
    }
    if request.htmx:
        return render(request, "mobilise/_place_live.html", context)
    keep = request.GET.copy()
    context.update(
        level=_level(m),
        lists=rosters.lists(m, by, where_pk, _page_numbers(request)),
        params=rosters.LISTS,
        query=keep,
        may_reveal=may_reveal_family(request.user, m),
    )
    return render(request, "mobilise/place.html", context)


@login_required
@require_POST
@no_store  # personal data: no copy kept, so each look is a request, and audited
def family(request, pk, number):
    """One person's family status, for someone who may manage the alert: each look is
    audited (who looked at whom), and a refusal too."""
    m = viewable(request, pk)
    callup = get_object_or_404(
        Callup.objects.select_related("staff"), mobilisation=m, staff__employee_number=number
    )
    target = f"staff:{callup.staff.employee_number}"
    if not may_reveal_family(request.user, m):
        record("mobilise.family_refused", request=request, target=target, detail={"alert": m.pk})
        raise PermissionDenied
    record("mobilise.family_viewed", request=request, target=target, detail={"alert": m.pk})
    template = "mobilise/_family.html" if request.htmx else "mobilise/family.html"
    return render(request, template, {"m": m, "callup": callup})
