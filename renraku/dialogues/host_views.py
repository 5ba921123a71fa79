"""The hosts' pages (and administrators', who see every host's through a picker): the
dashboard and adding slots (one, or recurring with exceptions). One slot's page is in
host_slot_views.py, director visits in host_visit_views.py, reach in host_reach_views.py.

Thin: find the host the user may act for, parse a form, call an action, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.http import refusal_text

from . import actions
from .host_forms import (
    RecurringForm,
    SlotForm,
)
from .host_pages import host_for, picker
from .models import BookingStatus
from .params import refuses_bad_input
from .rights import may_manage

RECENT = 10

# --- Dashboard ----------------------------------------------------------------------


def _with_counts(slots):
    return slots.select_related("kind").annotate(
        taken=Sum("bookings__seats", filter=Q(bookings__status=BookingStatus.CONFIRMED)),
        waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )


@login_required
@refuses_bad_input
def dashboard(request):
    host = host_for(request)
    now = timezone.now()
    upcoming = list(_with_counts(host.slots.filter(start__gte=now)).order_by("start", "pk"))
    for slot in upcoming:
        slot.taken = slot.taken or 0
        slot.left = max(0, slot.seats - slot.taken)
    past = list(_with_counts(host.slots.filter(start__lt=now)).order_by("-start", "-pk")[:RECENT])
    return render(
        request,
        "dialogues/host_dashboard.html",
        {**picker(request, host), "upcoming": upcoming, "past": past},
    )


# --- Adding slots -------------------------------------------------------------------


def _slot_form_page(request, form_class, template, make):
    host = host_for(request)
    form = form_class(request.POST or None, host=host)
    context = {**picker(request, host), "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            made = make(host, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(
                request,
                _("%(n)d slot(s) added. Staff can sign up from the home page.") % {"n": made},
            )
            return redirect(reverse("dialogues:host") + context["host_query"])
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


def _may_add(request, host):
    if not may_manage(request.user, host):
        raise PermissionDenied


@login_required
@refuses_bad_input
def add_slot(request):
    def make(host, data):
        _may_add(request, host)
        actions.add_slot(
            kind=data["kind"],
            host=host,
            start=data["start"],
            minutes=data["minutes"],
            seats=data["seats"],
            place=data["place"],
            online_url=data["online_url"],
            by=request.user,
            request=request,
        )
        return 1

    return _slot_form_page(request, SlotForm, "dialogues/host_add_slot.html", make)


@login_required
@refuses_bad_input
def add_recurring(request):
    def make(host, data):
        _may_add(request, host)
        return len(
            actions.add_recurring(
                kind=data["kind"],
                host=host,
                weekdays=data["weekdays"],
                time=data["time"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                minutes=data["minutes"],
                seats=data["seats"],
                place=data["place"],
                exceptions=data["exceptions"],
                by=request.user,
            )
        )

    return _slot_form_page(request, RecurringForm, "dialogues/host_add_recurring.html", make)
