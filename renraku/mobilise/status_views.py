"""What the headquarters watches during a mobilisation: its status by post and by team
(live, as the alert's dashboard), each post's or team's page with who is expected, who has
arrived, who cannot come and who to phone, and a person's family status, shown one person
at a time on request and audited.

The figures are counted in grouped queries and shared by every screen for a moment
(broadcast.live), however many are called; the lists are read a page at a time."""

import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
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
# How many posts short of staff the status shows before 「すべての参集場所を表示」: the
# worst, as many as a headquarters' screen shows at once.
SHORT_POSTS = 20


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
    """The status's figures, shared by every screen for a moment (`stamp` tells one
    moment's figures from the next)."""

    def compute():
        by_site, by_team = queries.status(m, "site"), queries.status(m, "team")
        total = queries.totals(by_site)
        return {
            "by_site": by_site,
            "by_team": by_team,
            "total": total,
            "family": queries.family_counts(m),
            "chart": drawing.arrivals_chart(queries.arrivals_over_time(m), total.required),
            "as_of": timezone.now(),
            "stamp": uuid.uuid4().hex,
        }

    return live.shared("mobilise-status", m.pk, m.level, compute=compute)


def _level(m: Mobilisation):
    return next((lv for lv in actions.levels() if lv.number == m.level), None)


def _rows(m: Mobilisation, lines: list, by: str) -> list[dict]:
    """The table's rows with everything a row shows worked out here, once: its links, its
    name and its bar (on one scale for the lines given)."""
    name = "mobilise:post" if by == "site" else "mobilise:team"
    nobody = _("No post") if by == "site" else _("No team")
    rows = []
    for line, bar in zip(lines, drawing.bars(lines), strict=True):
        code = line.code or NONE_CODE
        rows.append(
            {
                "line": line,
                "bar": bar,
                "code": code,
                "label": line.name if line.code else nobody,
                "href": reverse(name, args=[m.pk, code]),
                "poster": reverse("mobilise:poster", args=[m.pk, code])
                if line.code and by == "site"
                else None,
            }
        )
    return rows


def short_posts(lines: list) -> list:
    """What the status shows of the posts at first: those short of staff, the furthest
    short first, at most SHORT_POSTS of them, and those called without a post (to be
    sent somewhere)."""
    short = [line for line in lines if line.short_by][:SHORT_POSTS]
    return short + [line for line in lines if line.code is None]


def _live_html(m: Mobilisation, every_post: bool) -> str:
    """The live part of the status, rendered once per moment of the figures and shared by
    every screen, per language and per choice of posts shown. It holds only what everyone
    who may open the status sees (checked before this is read): were a part ever to depend
    on who looks, that right would go into the key."""
    shown = figures(m)
    name = "live:mobilise-live:" + ":".join(
        map(str, (m.pk, m.level, m.alert.is_open, translation.get_language(), every_post))
    )
    held = cache.get(name)
    if held is not None and held[0] == shown["stamp"]:
        return mark_safe(held[1])  # noqa: S308 — rendered by our template, as below
    sites = shown["by_site"] if every_post else short_posts(shown["by_site"])
    html = render_to_string(
        "mobilise/_status_live.html",
        {
            **shown,
            "m": m,
            "every_post": every_post,
            "posts": len([line for line in shown["by_site"] if line.code]),
            "short": len([line for line in shown["by_site"] if line.short_by]),
            "shown": len([line for line in sites if line.code]),
            "site_rows": _rows(m, sites, "site"),
            "team_rows": _rows(m, shown["by_team"], "team"),
            "legend": drawing.legend(),
            "family_choices": Family.choices,
        },
    )
    # Kept a little longer than the figures: it is used only while they are the same.
    cache.set(name, (shown["stamp"], html), settings.LIVE_FIGURES_SECONDS * 2)
    return html


@login_required
def status(request, pk):
    m = viewable(request, pk)
    every_post = request.GET.get("posts") == "all"
    html = _live_html(m, every_post)
    if request.htmx:
        return HttpResponse(html)
    from renraku.accounts import permissions

    context = {
        "m": m,
        "level": _level(m),
        "live_html": html,
        "levels": actions.levels(),
        "may_mobilise": permissions.can_send(request.user),
    }
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
        (line for line in figures(m)[f"by_{by}"] if line.code == (where and where.code)),
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
    lists = rosters.lists(m, by, where_pk, _page_numbers(request))
    _link_people(m, lists)
    context.update(
        level=_level(m),
        lists=lists,
        params=rosters.LISTS,
        query=keep,
        may_reveal=may_reveal_family(request.user, m),
    )
    return render(request, "mobilise/place.html", context)


def _link_people(m: Mobilisation, lists: dict) -> None:
    """Each listed person's links, made here from one reversed address each rather than
    three {% url %} per row (200 rows a page)."""
    mark = "0000000000"
    detail = reverse("directory:staff_detail", args=[mark])
    family = reverse("mobilise:family", args=[m.pk, mark])
    for page in lists.values():
        for c in page:
            number = quote(c.staff.employee_number, safe="")
            c.detail_url = detail.replace(mark, number)
            c.family_url = family.replace(mark, number)


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
