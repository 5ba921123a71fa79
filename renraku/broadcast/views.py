"""The sender's pages: compose, the alerts, one alert's dashboard, and what may be done to
it. Each alert is checked against the person (accounts.permissions.can_manage_alert)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.directory import audience
from renraku.http import no_store, say_refused
from renraku.notices import pipeline
from renraku.parsing import ascii_int

from . import actions, escalation, exports, live, queries
from .forms import ComposeForm, blank_initial, initial_from
from .messages import length_warnings
from .models import Alert, ChannelChoice, Template


def managed_alert(request, pk) -> Alert:
    """The alert, if this person may manage it; 403 otherwise (404 if there is none)."""
    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied
    alert = get_object_or_404(Alert.objects.select_related("sender__staff", "parent"), pk=pk)
    actions.authorise_manage(request.user, alert)
    return alert


@login_required
def alert_list(request):
    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied
    alerts = queries.manageable_by(request.user).select_related("sender__staff")[:50]
    return render(request, "broadcast/alert_list.html", {"alerts": alerts})


@login_required
def compose(request):
    if not permissions.can_compose(request.user):
        raise PermissionDenied
    asked = request.GET.get("template")
    template = Template.objects.filter(pk=ascii_int(asked)).first() if asked else None
    form = ComposeForm(request.POST or None, initial=initial_from(template) or blank_initial())
    context = {"form": form, "templates": Template.objects.all(), "template": template}
    if asked and template is None:  # crafted ("x", "²") or since deleted: say so, send nothing
        context["errors"] = [_("There is no such template. Choose one from the list.")]
        return render(request, "broadcast/compose.html", context, status=400)
    if request.method == "POST" and form.is_valid():
        draft = actions.Draft(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            audience=form.audience(),
            channels=form.cleaned_data["channels"],
            reply_form=form.cleaned_data["reply_form"],
            category=form.cleaned_data["category"],
            severity=form.cleaned_data["severity"],
            is_drill=form.cleaned_data["is_drill"],
            escalation=form.cleaned_data["escalation"],
        )
        try:
            actions.check_draft(draft)
            actions.authorise_send(request.user, draft.audience)
        except ValidationError as exc:
            context["errors"] = exc.messages
            return render(request, "broadcast/compose.html", context, status=400)
        except PermissionDenied as exc:
            context["errors"] = [str(exc)]
            return render(request, "broadcast/compose.html", context, status=403)
        if request.POST.get("confirm") == "send":
            alert = actions.send_alert(draft, sender=request.user, request=request)
            messages.success(request, _("Sent. Answers appear below as they arrive."))
            return redirect("broadcast:dashboard", pk=alert.pk)
        context["preview"] = _preview(draft)
    elif request.method == "POST":
        return render(request, "broadcast/compose.html", context, status=400)
    return render(request, "broadcast/compose.html", context)


def _preview(draft) -> dict:
    """How many people the draft reaches, how many each channel covers, and its steps."""
    # Counted by the database with the queries the pipeline plans with.
    reach = pipeline.reach(audience.resolve(draft.audience), draft.channels)
    for row in reach["coverage"]:
        row["channel"] = ChannelChoice(row["channel"]).label
    return {
        "draft": draft,
        **reach,
        "audience": audience.describe(draft.audience),
        "escalation": [escalation.describe(step) for step in draft.escalation or []],
        "warnings": length_warnings(draft.title, draft.body, draft.channels),
    }


@login_required
def dashboard(request, pk):
    alert = managed_alert(request, pk)
    context = {
        "alert": alert,
        "children": alert.children.exclude(kind="supervisor_list"),
        **live.shared("dashboard", alert.pk, compute=lambda: queries.dashboard(alert)),
    }
    template = "broadcast/_live.html" if request.htmx else "broadcast/dashboard.html"
    return render(request, template, context)


@login_required
def close(request, pk):
    """GET: what closing stops, and a button; POST: close."""
    alert = managed_alert(request, pk)
    if request.method != "POST":
        return render(request, "broadcast/close.html", {"alert": alert})
    actions.close_alert(alert, closed_by=request.user, request=request)
    messages.success(request, _("Closed. Nothing more is sent for this alert."))
    return redirect("broadcast:dashboard", pk=pk)


@login_required
@require_POST
def remind_unanswered(request, pk):
    parent = managed_alert(request, pk)
    try:
        child = actions.remind_unanswered(parent, sender=request.user, request=request)
    except ValidationError as exc:  # closed meanwhile, in another tab or by someone else
        say_refused(request, exc)
    else:
        count = child.recipients.count()
        messages.success(request, _("Reminder sent to %(n)d people.") % {"n": count})
    return redirect("broadcast:dashboard", pk=pk)


@login_required
def correct(request, pk):
    """A correction to everyone who got the alert: its title and text, edited."""
    parent = managed_alert(request, pk)
    title = request.POST.get("title", parent.title)
    body = request.POST.get("body", parent.body)
    errors = []
    if request.method == "POST":
        try:
            child = actions.send_correction(
                parent, title=title, body=body, sender=request.user, request=request
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request, _("Correction sent to %(n)d people.") % {"n": child.recipients.count()}
            )
            return redirect("broadcast:dashboard", pk=pk)
    return render(
        request,
        "broadcast/correct.html",
        {"alert": parent, "title": title, "body": body, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def report(request, pk):
    """The printable summary at the end of an alert or a drill."""
    alert = managed_alert(request, pk)
    return render(
        request, "broadcast/report.html", {"alert": alert, "report": queries.report(alert)}
    )


@login_required
@no_store
def export(request, pk):
    """Every recipient and their answer, for the record and for the report after a drill."""
    alert = managed_alert(request, pk)
    return exports.recipients_csv(request, alert)
