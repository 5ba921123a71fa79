"""Booking on the staff pages: a slot's page (what the person can and cannot do, said
before they fill anything in), booking alone or for named colleagues (the colleague search
and every refusal keep what was typed), cancelling, and a named colleague withdrawing
from a group.

Thin: parse, authorise, call actions (which check again), render. Who else booked a slot
is the host's and administrators' to see; everyone else sees only how many seats are
taken, and a refusal never names anyone but the person refused."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.directory.models import Staff
from renraku.http import say_refused

from . import actions, queries, rights
from .forms import BookForm, ColleagueSearchForm
from .models import ACTIVE, Booking, BookingStatus, Participant, Slot, SlotStatus

CANDIDATES = 10  # colleagues offered by one search


def staff_or_403(request):
    """Booking needs a member of staff behind the account (an administrator's service
    account has none)."""
    if request.user.staff is None:
        raise PermissionDenied(_("Your account is not linked to a member of staff."))
    return request.user.staff


def availability_of(slot, now) -> dict:
    """What the list says about seats: left, waiting list, or a draw to come."""
    left = max(0, slot.seats - slot.taken)
    if queries.in_lottery(slot, now):
        return {"state": "lottery", "left": left, "deadline": slot.draw_at}
    if queries.awaiting_draw(slot, now):
        return {"state": "full", "left": 0}  # only the waiting list, behind those drawn
    return {"state": "open" if left else "full", "left": left}


def _my_booking(slot, staff):
    if staff is None:
        return None
    participant = (
        Participant.objects.filter(slot=slot, staff=staff, active=True, booking__status__in=ACTIVE)
        .select_related("booking__booked_by")
        .first()
    )
    return participant.booking if participant else None


def describe(booking, now=None) -> dict:
    """A booking as the pages show it: its status in words, the waiting list position,
    and whether (and until when) it may still be cancelled."""
    slot = booking.slot
    deadline = slot.start - dt.timedelta(hours=slot.kind.cancel_hours)
    now = now or timezone.now()
    return {
        "booking": booking,
        "slot": slot,
        # Before the draw nobody knows how many of those who applied in time will wait.
        "position": queries.waiting_position(booking)
        if booking.status == BookingStatus.WAITLISTED and not queries.awaiting_draw(slot, now)
        else None,
        "deadline": deadline,
        "may_cancel": booking.status in ACTIVE and now < deadline,
        "active": booking.status in ACTIVE,
        "upcoming": slot.start > now and slot.status == SlotStatus.OPEN,
    }


def _blocked(slot, staff, insider) -> str:
    """Why `staff` cannot book `slot`, said on the page before they fill anything in; ""
    when they can. The booking action checks the same again."""
    if not (slot.kind.open_signup or insider):
        return _("This kind of dialogue is by invitation only.")
    if staff.pk in queries.at_limit_with_host(slot, {staff.pk}):
        return str(actions.ALREADY_WITH_HOST % {"n": slot.kind.upcoming_per_host})
    return ""


def _slot_context(request, slot, form=None, search=None) -> dict:
    now = timezone.now()
    slot = queries.with_taken(Slot.objects.filter(pk=slot.pk)).get()
    staff = request.user.staff
    mine = _my_booking(slot, staff)
    if mine is not None:
        mine.slot = slot
    search = search or ColleagueSearchForm(request.GET if "q" in request.GET else None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    candidates = (
        list(
            Staff.objects.active()
            .search(query)
            .exclude(pk=getattr(staff, "pk", None))
            .select_related("department")[:CANDIDATES]
        )
        if query
        else []
    )
    insider = rights.may_manage(request.user, slot.host)
    bookable = (
        staff is not None and mine is None and slot.status == SlotStatus.OPEN and slot.start > now
    )
    blocked = _blocked(slot, staff, insider) if bookable else ""
    return {
        "slot": slot,
        "availability": availability_of(slot, now),
        "mine": describe(mine, now) if mine else None,
        "form": form or BookForm(),
        "search": search,
        "candidates": candidates,
        "searched": bool(query),
        "may_book": bookable and not blocked,
        "blocked": blocked,
        "past": slot.start <= now,
        "insider": insider,
        "participants": (
            Participant.objects.filter(slot=slot, active=True, booking__status__in=ACTIVE)
            .select_related("staff__department", "booking")
            .order_by("booking__status", "booking__created_at", "pk")
            if insider
            else None
        ),
    }


def _slot_page(request, slot, form=None, search=None, status=200):
    context = _slot_context(request, slot, form, search)
    return render(request, "dialogues/slot.html", context, status=status)


def _visible_slot(request, pk, related=("kind", "host__staff")) -> Slot:
    """A slot of an open kind, or one the user is in or hosts; 404 otherwise, as for a
    slot that does not exist (an invitation-only visit's time is not for everyone)."""
    slot = get_object_or_404(Slot.objects.select_related(*related), pk=pk)
    if slot.kind.open_signup or rights.may_manage(request.user, slot.host):
        return slot
    staff_id = request.user.staff_id
    if staff_id and slot.participants.filter(staff_id=staff_id).exists():
        return slot
    raise Http404


@login_required
def slot(request, pk):
    slot = _visible_slot(request, pk)
    return _slot_page(request, slot)


@login_required
@require_POST
def book(request, pk):
    """Book, or (action=search) look for colleagues to add: either way the page comes back
    with everything typed and ticked kept, and a refusal says why beside the form."""
    # The host is read only if needed (an invitation-only kind, the page shown again).
    slot = _visible_slot(request, pk, related=("kind",))
    staff = staff_or_403(request)
    form = BookForm(BookForm.carrying_picks(request.POST), booker=staff)
    if request.POST.get("action") == "search":
        search = ColleagueSearchForm(request.POST)
        return _slot_page(request, slot, form, search)
    if not form.is_valid():
        return _slot_page(request, slot, form, status=400)
    try:
        booking = actions.book(
            slot,
            staff,
            members=form.cleaned_data["members"],
            topic=form.cleaned_data["topic"],
            by=request.user,
            request=request,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _slot_page(request, slot, form, status=400)
    if booking.status == BookingStatus.CONFIRMED:
        messages.success(
            request,
            _("Booked: your seat is confirmed. The invitation for your calendar comes by e-mail."),
        )
    elif booking.status == BookingStatus.WAITLISTED and queries.awaiting_draw(slot):
        messages.success(
            request,
            _(
                "Applications for the draw have closed: you are on the waiting list, behind "
                "those who applied in time. Your place is known once lots are drawn."
            ),
        )
    elif booking.status == BookingStatus.WAITLISTED:
        messages.success(
            request,
            _(
                "The seats are taken: you are number %(n)d on the waiting list. If a seat "
                "is freed it is yours, and you are told."
            )
            % {"n": queries.waiting_position(booking)},
        )
    else:
        messages.success(
            request,
            _("Applied. Lots are drawn on %(when)s; you will be told the result.")
            % {"when": queries.day_time(slot.draw_at)},
        )
    return redirect(reverse("dialogues:slot", args=[slot.pk]) + "#my-booking")


@login_required
@require_POST
def cancel(request, pk):
    booking = get_object_or_404(Booking.objects.select_related("slot"), pk=pk)
    # PermissionDenied (someone else's booking) propagates: 403.
    try:
        promoted = actions.cancel_booking(booking, by=request.user, request=request)
    except ValidationError as exc:
        say_refused(request, exc)
    else:
        messages.success(request, _("Your booking is cancelled."))
        if promoted and rights.may_manage(request.user, booking.slot.host):
            messages.info(
                request,
                _("%(n)d booking(s) moved up from the waiting list; they are told.")
                % {"n": len(promoted)},
            )
    if request.POST.get("back") == "mine":
        return redirect("dialogues:mine")
    return redirect("dialogues:slot", pk=booking.slot_id)


@login_required
@require_POST
def withdraw(request, pk):
    """A colleague named in a group takes themselves out; the rest keep their booking."""
    booking = get_object_or_404(Booking.objects.select_related("slot"), pk=pk)
    # PermissionDenied (not in this booking) propagates: 403.
    try:
        actions.withdraw(booking, by=request.user, request=request)
    except ValidationError as exc:
        say_refused(request, exc)
    else:
        messages.success(request, _("You are out of this group booking; the others keep it."))
    if request.POST.get("back") == "mine":
        return redirect("dialogues:mine")
    return redirect("dialogues:slot", pk=booking.slot_id)
