"""The host's page of one slot: who comes and who waits, attendance, moving and
cancelling, private notes, 「困っていること」, and for council exchanges guests, materials
and minutes. Thin: find the slot the user may manage, parse, call an action, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.http import refusal_text, say_refused

from . import actions, host_actions
from .host_forms import (
    ConcernForm,
    GuestForm,
    MaterialForm,
    MinutesForm,
    MoveForm,
    NoteForm,
)
from .host_pages import picker, slot_for
from .models import (
    Booking,
    BookingStatus,
    Concern,
    Participant,
    SlotStatus,
)
from .params import refuses_bad_input, whole_number
from .rights import is_the_host, may_manage

# --- One slot -----------------------------------------------------------------------


def _bookings(slot, status):
    people = Participant.objects.filter(active=True).select_related("staff__department")
    order = ("waiting_since", "pk") if status == BookingStatus.WAITLISTED else ("created_at", "pk")
    return list(
        Booking.objects.filter(slot=slot, status=status)
        .select_related("booked_by")
        .prefetch_related(Prefetch("participants", queryset=people.order_by("pk")))
        .order_by(*order)
    )


def _material(request, slot, pk):
    """A material's file, to the host and administrators only (as an attachment: the
    browser never runs what was uploaded)."""
    material = get_object_or_404(slot.materials, pk=pk)
    response = FileResponse(material.file.open("rb"), as_attachment=True, filename=material.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


def _slot_context(request, slot, **forms) -> dict:
    own = is_the_host(request.user, slot.host)
    confirmed = _bookings(slot, BookingStatus.CONFIRMED)
    started = slot.start <= timezone.now()
    note = getattr(slot, "note", None) if own else None
    context = {
        **picker(request, slot.host),
        "slot": slot,
        "started": started,
        "open": slot.status == SlotStatus.OPEN,
        "confirmed": confirmed,
        "people": sum(len(b.participants.all()) for b in confirmed),
        "waiting": _bookings(slot, BookingStatus.WAITLISTED),
        "applied": _bookings(slot, BookingStatus.APPLIED),
        "seats_left": actions.seats_left(slot),
        "move_form": forms.get("move_form") or MoveForm(initial={"start": slot.start}),
        "note_form": (
            forms.get("note_form") or NoteForm(initial={"text": note.text if note else ""})
        )
        if own
        else None,
        "concern_form": forms.get("concern_form") or ConcernForm(),
        "concerns": slot.concerns.select_related("department"),
    }
    if slot.kind.allows_guests:
        context.update(
            guests=slot.guests.all(),
            materials=slot.materials.all(),
            guest_form=forms.get("guest_form") or GuestForm(),
            material_form=forms.get("material_form") or MaterialForm(),
            minutes_form=forms.get("minutes_form")
            or MinutesForm(initial={"minutes_text": slot.minutes_text}),
        )
    return context


def _to_slot(slot, anchor=""):
    return redirect(reverse("dialogues:manage_slot", args=[slot.pk]) + anchor)


@login_required
@refuses_bad_input
def manage_slot(request, pk):
    slot = slot_for(request, pk)
    if request.method == "GET" and "material" in request.GET:
        return _material(request, slot, whole_number(request.GET["material"], _("The material")))
    if request.method == "POST":
        # Minutes, materials and attendance post here: they belong to this page alone.
        what = request.POST.get("action")
        if what == "attendance":
            came = {whole_number(v, _("Who came")) for v in request.POST.getlist("came")}
            try:
                absent = host_actions.mark_attendance(slot, came, by=request.user, request=request)
            except (ValidationError, PermissionDenied) as exc:
                say_refused(request, exc)
                return _render_slot(request, slot, status=400)
            messages.success(request, _("Attendance saved (%(n)d did not come).") % {"n": absent})
            return _to_slot(slot, "#attendance")
        if what == "minutes" and slot.kind.allows_guests:
            form = MinutesForm(request.POST)
            if form.is_valid():
                host_actions.save_minutes(
                    slot, form.cleaned_data["minutes_text"], by=request.user, request=request
                )
                messages.success(request, _("The minutes are saved."))
                return _to_slot(slot, "#minutes")
            return _render_slot(request, slot, status=400, minutes_form=form)
        if what == "material" and slot.kind.allows_guests:
            form = MaterialForm(request.POST, request.FILES)
            if form.is_valid():
                host_actions.add_material(
                    slot, form.cleaned_data["file"], by=request.user, request=request
                )
                messages.success(request, _("The material is attached."))
                return _to_slot(slot, "#materials")
            return _render_slot(request, slot, status=400, material_form=form)
        raise Http404
    return _render_slot(request, slot)


def _render_slot(request, slot, status=200, **forms):
    return render(
        request, "dialogues/host_slot.html", _slot_context(request, slot, **forms), status=status
    )


@login_required
@require_POST
def move(request, pk):
    slot = slot_for(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _render_slot(request, slot, status=400, move_form=form)
    try:
        actions.move_slot(slot, form.cleaned_data["start"], by=request.user, request=request)
    except ValidationError as exc:
        form.add_error("start", refusal_text(exc))
        return _render_slot(request, slot, status=400, move_form=form)
    messages.success(
        request,
        _(
            "The slot is moved. Every participant has been told by e-mail, "
            "with their calendar entry updated."
        ),
    )
    return _to_slot(slot)


@login_required
def cancel_slot(request, pk):
    """A confirmation page first (GET), then the cancellation (POST): it cannot be undone,
    and everyone booked is told."""
    slot = slot_for(request, pk)
    if request.method == "POST":
        actions.cancel_slot(slot, by=request.user, request=request)
        messages.success(
            request,
            _(
                "The slot is cancelled. Every participant has been told by e-mail, "
                "and the entry removed from their calendar."
            ),
        )
        return _to_slot(slot)
    people = Participant.objects.filter(
        slot=slot, active=True, booking__status=BookingStatus.CONFIRMED
    ).count()
    return render(
        request,
        "dialogues/host_cancel.html",
        {**picker(request, slot.host), "slot": slot, "people": people},
    )


@login_required
@require_POST
def notes(request, pk):
    slot = slot_for(request, pk)
    if not is_the_host(request.user, slot.host):
        raise PermissionDenied  # private to the host: not even administrators
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_slot(request, slot, status=400, note_form=form)
    host_actions.save_notes(slot, form.cleaned_data["text"], by=request.user, request=request)
    messages.success(request, _("Your notes are saved."))
    return _to_slot(slot, "#notes")


@login_required
@require_POST
def add_concern(request, pk):
    slot = slot_for(request, pk)
    form = ConcernForm(request.POST)
    if not form.is_valid():
        return _render_slot(request, slot, status=400, concern_form=form)
    data = form.cleaned_data
    host_actions.add_concern(
        slot,
        text=data["text"],
        topic=data["topic"],
        department=data["department"],
        by=request.user,
        request=request,
    )
    messages.success(request, _("Kept. Publish it when you are ready: it never shows who said it."))
    return _to_slot(slot, "#concerns")


@login_required
@require_POST
def publish_concern(request, pk):
    concern = get_object_or_404(Concern.objects.select_related("slot__host"), pk=pk)
    if not may_manage(request.user, concern.slot.host):
        raise PermissionDenied
    host_actions.publish_concern(concern, by=request.user, request=request)
    messages.success(request, _("Published to the organisation, without names."))
    return _to_slot(concern.slot, "#concerns")


@login_required
@require_POST
def guests(request, pk):
    slot = slot_for(request, pk)
    if not slot.kind.allows_guests:
        raise Http404
    form = GuestForm(request.POST)
    if not form.is_valid():
        return _render_slot(request, slot, status=400, guest_form=form)
    host_actions.add_guest(
        slot,
        name=form.cleaned_data["name"],
        affiliation=form.cleaned_data["affiliation"],
        by=request.user,
        request=request,
    )
    messages.success(request, _("The guest is added."))
    return _to_slot(slot, "#guests")
