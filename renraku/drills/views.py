"""The drills' pages: the list (drills sent, drills scheduled, with cancel), scheduling one
in a window, one drill's report, the departments' trend, and reception tests (send one,
its report and CSV). Senders and administrators only; each alert is checked as the
alert pages check it (broadcast.actions.authorise_manage). No page shows the moment of a
drill that has not gone out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.broadcast import actions as alerts
from renraku.broadcast.models import Alert
from renraku.broadcast.queries import answer_curve, curve_points
from renraku.http import no_store, say_refused

from . import reception, report, schedule, trend
from .forms import AudienceForm, DrillForm


def _may_view(request) -> None:
    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied


def _managed(request, pk, **filters) -> Alert:
    _may_view(request)
    alert = get_object_or_404(Alert, pk=pk, **filters)
    alerts.authorise_manage(request.user, alert)
    return alert


@login_required
def index(request):
    _may_view(request)
    sent = list(report.drills(request.user)[:50])
    return render(
        request,
        "drills/index.html",
        {
            "scheduled": schedule.visible_to(request.user).filter(alert__isnull=True)[:50],
            "rows": report.figures(sent),
            "titles": {a.pk: a.title for a in sent},
            "may_send": permissions.can_compose(request.user),
        },
    )


def _form_page(request, form_class, template, act, context=None):
    """A page with an audience form, for senders: on a valid POST, `act(form)`; a refusal
    is shown with a 4xx and changes nothing. Others see the page without the form."""
    may_send = permissions.can_compose(request.user)
    if request.method == "POST" and not may_send:
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = form_class(posted) if may_send else None
    errors, status = [], 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return act(form)
            except ValidationError as exc:
                errors, status = exc.messages, 400
            except PermissionDenied as exc:
                errors, status = [str(exc)], 403
        else:
            status = 400
    context = {"form": form, "errors": errors, **(context or {})}
    return render(request, template, context, status=status)


@login_required
def schedule_page(request):
    def act(form):
        schedule.schedule_drill(
            audience=form.audience(),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            title=form.cleaned_data["title"],
            by=request.user,
            request=request,
        )
        messages.success(
            request, _("Scheduled. It goes out at a moment nobody knows, inside the window.")
        )
        return redirect("drills:index")

    if not permissions.can_compose(request.user):
        raise PermissionDenied
    return _form_page(request, DrillForm, "drills/schedule.html", act)


@login_required
@require_POST
def cancel(request, pk):
    _may_view(request)
    drill = get_object_or_404(schedule.visible_to(request.user), pk=pk)
    try:
        schedule.cancel_drill(drill, by=request.user, request=request)
        messages.success(request, _("Cancelled. This drill will not go out."))
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
    return redirect("drills:index")


@login_required
def drill(request, pk):
    alert = _managed(request, pk, is_drill=True)
    curve = answer_curve(alert)
    return render(
        request,
        "drills/drill.html",
        {
            "alert": alert,
            "marks": report.MARKS,
            "minutes": report.MINUTES,
            "curve_points": curve_points(curve, alert.recipients.count()),
            **report.drill_page(alert),
        },
    )


@login_required
def trend_page(request):
    _may_view(request)
    return render(request, "drills/trend.html", trend.trends(request.user))


@login_required
def reception_tests(request):
    """The reception tests sent, and (for senders) the form to send one."""
    _may_view(request)

    def act(form):
        alert = reception.send_test(
            form.audience(), title=form.cleaned_data["title"], by=request.user, request=request
        )
        messages.success(request, _("Sent. Who was reached appears below as it happens."))
        return redirect("drills:reception_report", alert.pk)

    tests = reception.tests(request.user)[:50]
    return _form_page(request, AudienceForm, "drills/reception.html", act, {"tests": tests})


@login_required
def reception_report(request, pk):
    alert = _managed(request, pk, reception_test__isnull=False)
    context = {
        "alert": alert,
        "heading": reception.heading_of(alert),
        "summary": reception.summary(alert),
        "not_reached": reception.not_reached(alert),
    }
    # While some are still being sent to, the figures refresh themselves (htmx).
    template = "drills/_reception_live.html" if request.htmx else "drills/reception_report.html"
    return render(request, template, context)


@login_required
@no_store
def reception_csv(request, pk):
    alert = _managed(request, pk, reception_test__isnull=False)
    return reception.csv_response(request, alert)
