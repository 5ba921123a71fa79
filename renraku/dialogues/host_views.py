"""The hosts' pages (and administrators', who see every host's through a picker): the
dashboard, adding slots (one, or recurring with exceptions), a slot's participants and
waiting list, moving and cancelling, private notes, 「困っていること」, council guests,
materials and minutes, director visits, and the reach in numbers and pictures.

Thin: find the host the user may act for, parse a form, call an action, render. Anyone
who is neither a host nor an administrator gets 403 on every page here."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku import csvsafe
from renraku.directory.models import Department
from renraku.web.headers import no_store

from . import actions, host_actions
from . import directors as visits_of
from . import reach as reach_of
from .host_actions import is_admin, is_the_host
from .host_forms import (
    ConcernForm,
    GuestForm,
    MaterialForm,
    MinutesForm,
    MoveForm,
    NoteForm,
    RecurringForm,
    ScheduleVisitForm,
    SlotForm,
)
from .models import (
    Booking,
    BookingStatus,
    Concern,
    DirectorVisit,
    Host,
    Participant,
    Slot,
    SlotStatus,
    VisitStatus,
)

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
RECENT = 10
# The chart of sessions by month (SVG user units): twelve bars, wide and low as on a phone.
CHART_W, CHART_H, CHART_TOP, CHART_FOOT = 600, 200, 20, 24


# --- Whose pages ----------------------------------------------------------------------


def _host_for(request) -> Host:
    """The host whose pages these are: one's own, or for an administrator the one picked
    (?host=, or a form's host field), else their own, else the first. 403 for others."""
    user = request.user
    own = Host.objects.filter(staff_id=user.staff_id).first() if user.staff_id else None
    if not is_admin(user):
        if own is None:
            raise PermissionDenied
        return own
    picked = request.POST.get("host") or request.GET.get("host")
    if picked and picked.isdigit():
        return get_object_or_404(Host.objects.select_related("staff"), pk=picked)
    host = own or Host.objects.select_related("staff").order_by("pk").first()
    if host is None:
        raise Http404(_("No host has been named yet: name one in the admin."))
    return host


def _slot_for(request, pk) -> Slot:
    slot = get_object_or_404(Slot.objects.select_related("kind", "host__staff"), pk=pk)
    if not host_actions.may_manage(request.user, slot.host):
        raise PermissionDenied
    return slot


def _picker(request, host) -> dict:
    """What every page shows: the host, and for administrators the list to pick from."""
    admin = is_admin(request.user)
    return {
        "host": host,
        "hosts": Host.objects.select_related("staff") if admin else None,
        "host_query": f"?host={host.pk}" if admin else "",
        "is_own": is_the_host(request.user, host),
    }


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def _fiscal_year(request) -> int:
    year = request.GET.get("year") or request.POST.get("year") or ""
    return int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else visits_of.fiscal_year()


def _years(current: int) -> list[int]:
    this = visits_of.fiscal_year()
    return sorted({*range(this - 4, this + 2), current}, reverse=True)


# --- Dashboard ----------------------------------------------------------------------


def _with_counts(slots):
    return slots.select_related("kind").annotate(
        taken=Sum("bookings__seats", filter=Q(bookings__status=BookingStatus.CONFIRMED)),
        waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )


@login_required
def dashboard(request):
    host = _host_for(request)
    now = timezone.now()
    upcoming = list(_with_counts(host.slots.filter(start__gte=now)).order_by("start", "pk"))
    for slot in upcoming:
        slot.taken = slot.taken or 0
        slot.left = max(0, slot.seats - slot.taken)
    past = list(_with_counts(host.slots.filter(start__lt=now)).order_by("-start", "-pk")[:RECENT])
    return render(
        request,
        "dialogues/host_dashboard.html",
        {**_picker(request, host), "upcoming": upcoming, "past": past},
    )


# --- Adding slots -------------------------------------------------------------------


def _slot_form_page(request, form_class, template, make):
    host = _host_for(request)
    form = form_class(request.POST or None, host=host)
    context = {**_picker(request, host), "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            made = make(host, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("%(n)d slot(s) added. Staff can sign up from the home page.") % {"n": made},
            )
            return redirect(reverse("dialogues:host") + context["host_query"])
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


def _may_add(request, host):
    if not host_actions.may_manage(request.user, host):
        raise PermissionDenied


@login_required
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
        **_picker(request, slot.host),
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
def manage_slot(request, pk):
    slot = _slot_for(request, pk)
    if request.method == "GET" and request.GET.get("material", "").isdigit():
        return _material(request, slot, request.GET["material"])
    if request.method == "POST":
        # Minutes, materials and attendance post here: they belong to this page alone.
        what = request.POST.get("action")
        if what == "attendance":
            came = {int(v) for v in request.POST.getlist("came") if v.isdigit()}
            try:
                absent = host_actions.mark_attendance(slot, came, by=request.user, request=request)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(
                    request, _("Attendance saved (%(n)d did not come).") % {"n": absent}
                )
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
    slot = _slot_for(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _render_slot(request, slot, status=400, move_form=form)
    try:
        actions.move_slot(slot, form.cleaned_data["start"], by=request.user, request=request)
    except ValidationError as exc:
        form.add_error("start", _error_text(exc))
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
    slot = _slot_for(request, pk)
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
        {**_picker(request, slot.host), "slot": slot, "people": people},
    )


@login_required
@require_POST
def notes(request, pk):
    slot = _slot_for(request, pk)
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
    slot = _slot_for(request, pk)
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
    if not host_actions.may_manage(request.user, concern.slot.host):
        raise PermissionDenied
    host_actions.publish_concern(concern, by=request.user, request=request)
    messages.success(request, _("Published to the organisation, without names."))
    return _to_slot(concern.slot, "#concerns")


@login_required
@require_POST
def guests(request, pk):
    slot = _slot_for(request, pk)
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


# --- Director visits ----------------------------------------------------------------


@login_required
def directors(request):
    host = _host_for(request)
    year = _fiscal_year(request)
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
            **_picker(request, host),
            "year": year,
            "years": _years(year),
            "visits": rows,
            "counts": counts,
            "schedule_form": ScheduleVisitForm(),
        },
    )


def _directors_url(request, host, year):
    query = f"?year={year}" + (f"&host={host.pk}" if is_admin(request.user) else "")
    return reverse("dialogues:directors") + query


def _visit_for(request, pk) -> DirectorVisit:
    visit = get_object_or_404(
        DirectorVisit.objects.select_related("host__staff", "director__department", "slot"), pk=pk
    )
    if not host_actions.may_manage(request.user, visit.host):
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
        messages.error(request, _error_text(exc))
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


# --- Reach --------------------------------------------------------------------------


def _percent(part, whole) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _month_bars(months) -> list[dict]:
    """One bar per month: x, width, y and height in the chart's units, and its label."""
    top = max((n for _m, n in months), default=0) or 1
    width = CHART_W / len(months)
    area = CHART_H - CHART_TOP - CHART_FOOT
    bars = []
    for i, (month, n) in enumerate(months):
        height = round(area * n / top, 1)
        bars.append(
            {
                "month": month,
                "label": f"{int(month[5:])}月",
                "n": n,
                "x": round(i * width + width * 0.15, 1),
                "w": round(width * 0.7, 1),
                "y": round(CHART_H - CHART_FOOT - height, 1),
                "h": height,
                "cx": round(i * width + width / 2, 1),
                "ny": round(CHART_H - CHART_FOOT - height - 4, 1),
            }
        )
    return bars


def _department_rows(host, year) -> list[dict]:
    rows = reach_of.departments_reached(host, year)
    for row in rows:
        row["percent"] = _percent(row["reached"], row["staff"])
    return rows


@login_required
@no_store
def reach(request):
    host = _host_for(request)
    year = _fiscal_year(request)
    months = reach_of.sessions_by_month(host, year)
    department = None
    code = request.GET.get("department")
    if code:
        department = get_object_or_404(Department, code=code)
    return render(
        request,
        "dialogues/host_reach.html",
        {
            **_picker(request, host),
            "year": year,
            "years": _years(year),
            "summary": reach_of.summary(host, year),
            "bars": _month_bars(months),
            "chart": {"w": CHART_W, "h": CHART_H, "base": CHART_H - CHART_FOOT},
            "departments": _department_rows(host, year),
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
def reach_csv(request):
    """The departments reached (csvsafe.download: UTF-8 with a BOM, or CP932)."""
    host = _host_for(request)
    year = _fiscal_year(request)
    rows = [
        [row["code"], row["name"], row["staff"], row["reached"], row["percent"]]
        for row in _department_rows(host, year)
    ]
    name = f"reach-{host.staff.employee_number}-{year}.csv"
    return csvsafe.download(request, name, CSV_HEADER, rows)
