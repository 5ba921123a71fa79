"""Director visits on the hosts' pages: the year's list, queueing every director,
scheduling a visit (or moving it to the time the director proposed), marking it done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.accounts.permissions import is_administrator
from renraku.http import say_refused

from . import directors as visits_of
from . import host_actions, rights
from .host_forms import ScheduleVisitForm
from .host_pages import fiscal_year_of, host_for, picker, years_around
from .models import DirectorVisit, VisitStatus
from .params import refuses_bad_input

# --- Director visits ----------------------------------------------------------------


@login_required
@refuses_bad_input
def directors(request):
    host = host_for(request)
    year = fiscal_year_of(request)
    if request.method == "POST":
        if request.POST.get("action") != "queue_all":
            raise Http404
        made = host_actions.queue_all_directors(host, year, by=request.user, request=request)
        messages.success(request, _("%(n)d directors put on the list.") % {"n": made})
        return redirect(_directors_url(request, host, year))
    rows = list(visits_of.visits(host, year))
    counts = {status: 0 for status in VisitStatus.values}
    for visit in rows:
        counts[visit.status] += 1
    return render(
        request,
        "dialogues/host_directors.html",
        {
            **picker(request, host),
            "year": year,
            "years": years_around(year),
            "visits": rows,
            "counts": counts,
            "schedule_form": ScheduleVisitForm(),
        },
    )


def _directors_url(request, host, year):
    query = f"?year={year}" + (f"&host={host.pk}" if is_administrator(request.user) else "")
    return reverse("dialogues:directors") + query


def _visit_for(request, pk) -> DirectorVisit:
    visit = get_object_or_404(
        DirectorVisit.objects.select_related("host__staff", "director__department", "slot"), pk=pk
    )
    if not rights.may_manage(request.user, visit.host):
        raise PermissionDenied
    return visit


@login_required
@require_POST
def schedule_visit(request, pk):
    """Schedule (date, minutes, place), or with action=proposed move to the time the
    director proposed in one click."""
    visit = _visit_for(request, pk)
    back = redirect(_directors_url(request, visit.host, visit.year) + f"#visit-{visit.pk}")
    try:
        if request.POST.get("action") == "proposed":
            host_actions.accept_proposal(visit, by=request.user, request=request)
            messages.success(request, _("Moved to the proposed time; the director has been told."))
            return back
        form = ScheduleVisitForm(request.POST)
        if not form.is_valid():
            errors = [e for field in form.errors.values() for e in field]
            messages.error(request, " ".join(errors))
            return back
        data = form.cleaned_data
        host_actions.schedule_visit(
            visit,
            data["start"],
            minutes=data["minutes"],
            place=data["place"],
            by=request.user,
            request=request,
        )
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
        return back
    messages.success(
        request,
        _("The visit to %(name)s is scheduled and the director invited.")
        % {"name": visit.director.full_name},
    )
    return back


@login_required
@require_POST
def mark_visited(request, pk):
    visit = _visit_for(request, pk)
    host_actions.mark_visited(visit, by=request.user, request=request)
    messages.success(
        request, _("Marked as visited: %(name)s.") % {"name": visit.director.full_name}
    )
    return redirect(_directors_url(request, visit.host, visit.year) + f"#visit-{visit.pk}")
