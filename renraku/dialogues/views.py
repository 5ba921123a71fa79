"""The dialogues' pages for staff: find a slot, book it (alone or for named colleagues),
see and cancel one's bookings, read the published 「困っていること」, and subscribe to a
private calendar feed. The hosts' pages are in host_views.py.

Thin: parse, authorise, call actions (which check again), render. Who else booked a slot
is the host's and administrators' to see; everyone else sees only how many seats are
taken."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renraku.directory.models import Department
from renraku.http import no_store, say_refused

from . import calendar_feeds, directors, ics, queries, rights
from .booking_views import availability_of, describe, staff_or_403
from .forms import ProposeForm
from .models import (
    BookingStatus,
    CalendarFeed,
    Concern,
    DirectorVisit,
    Host,
    Kind,
    Participant,
    Slot,
    SlotStatus,
)
from .params import BadInput, optional_number, refuses_bad_input

INDEX_LIMIT = 300  # slots on the list page (a few months of every host's lunches)


# --- Finding a slot -----------------------------------------------------------------------


@login_required
def index(request):
    now = timezone.now()
    slots = queries.open_slots(now)
    kinds = list(Kind.objects.filter(open_signup=True))
    hosts = list(
        Host.objects.filter(slots__status=SlotStatus.OPEN, slots__start__gt=now)
        .select_related("staff")
        .distinct()
        .order_by("staff__family_name_kana", "staff__given_name_kana")
    )
    kind = next((k for k in kinds if k.code == request.GET.get("kind")), None)
    host = next((h for h in hosts if str(h.pk) == request.GET.get("host")), None)
    if kind:
        slots = slots.filter(kind=kind)
    if host:
        slots = slots.filter(host=host)
    slots = list(slots[:INDEX_LIMIT])
    mine = (
        queries.booked_slot_ids(request.user.staff, [s.pk for s in slots])
        if request.user.staff
        else set()
    )
    groups: dict[int, dict] = {}
    for slot in slots:
        slot.availability = availability_of(slot, now)
        slot.booked = slot.pk in mine
        groups.setdefault(slot.kind_id, {"kind": slot.kind, "slots": []})["slots"].append(slot)
    ordered = sorted(groups.values(), key=lambda g: (g["kind"].order, g["kind"].code))
    return render(
        request,
        "dialogues/index.html",
        {"groups": ordered, "kinds": kinds, "hosts": hosts, "kind": kind, "host": host},
    )


# --- My bookings and visits ---------------------------------------------------------------


@login_required
def mine(request):
    staff = request.user.staff
    now = timezone.now()
    upcoming, past, visits = [], [], []
    if staff is not None:
        for booking in queries.my_bookings(staff).order_by("-slot__start", "-pk")[:200]:
            row = describe(booking, now)
            (upcoming if row["upcoming"] and row["active"] else past).append(row)
        upcoming.reverse()  # soonest first; the past, latest first
        visits = [
            {"visit": v, "form": ProposeForm(prefix=f"v{v.pk}")}
            for v in DirectorVisit.objects.filter(
                director=staff, year=directors.fiscal_year()
            ).select_related("host__staff", "slot")
        ]
    return render(
        request,
        "dialogues/mine.html",
        {"upcoming": upcoming, "past": past[:50], "visits": visits, "staff": staff},
    )


@login_required
@require_POST
def propose_time(request, pk):
    staff = staff_or_403(request)
    visit = get_object_or_404(DirectorVisit, pk=pk, director=staff)
    form = ProposeForm(request.POST, prefix=f"v{visit.pk}")
    if not form.is_valid():
        messages.error(request, _("Give the date and time you propose."))
        return redirect("dialogues:mine")
    try:
        directors.propose(visit, form.cleaned_data["start"], by=request.user)
    except ValidationError as exc:
        say_refused(request, exc)
    else:
        messages.success(request, _("Your proposal is sent to the host."))
    return redirect("dialogues:mine")


# --- 困っていること -----------------------------------------------------------------------


@login_required
@refuses_bad_input
def concerns(request):
    published = Concern.objects.filter(published_at__isnull=False)
    topics = sorted(set(published.values_list("topic", flat=True)))
    departments = Department.objects.filter(
        pk__in=published.exclude(department=None).values("department")
    )
    topic = request.GET.get("topic") if request.GET.get("topic") in topics else ""
    department = None
    wanted = optional_number(request.GET.get("department"), _("The department"))
    if wanted is not None:
        department = departments.filter(pk=wanted).first()
        if department is None:
            raise BadInput(_("No published concern is tagged with this department."))
    rows = published.select_related("department").order_by("-published_at", "-pk")
    if topic:
        rows = rows.filter(topic=topic)
    if department:
        rows = rows.filter(department=department)
    # Only the text, topic, department and month: never who said it, nor which chat
    # (a small group on a known date would name them).
    page = Paginator(rows.only("text", "topic", "department__name", "published_at"), 50)
    return render(
        request,
        "dialogues/concerns.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "topics": topics,
            "departments": departments,
            "topic": topic,
            "department": department,
        },
    )


# --- Calendar -----------------------------------------------------------------------------


@login_required
@no_store
def calendar(request):
    staff = staff_or_403(request)
    # Not staff.calendar_feed: a missing reverse one-to-one is cached as missing, and the
    # page reads it again after issuing one.
    feed = CalendarFeed.objects.filter(staff=staff).first()
    context = {"feed": feed, "url": None}
    if request.method == "POST":
        token = calendar_feeds.issue(staff, by=request.user, request=request)
        # Shown on this response only: the token is not kept anywhere we could show again.
        context["url"] = request.build_absolute_uri(reverse("dialogues:feed", args=[token]))
        context["rotated"] = feed is not None
        context["feed"] = CalendarFeed.objects.get(staff=staff)
    return render(request, "dialogues/calendar.html", context)


@require_GET
def feed(request, token):
    """The subscription itself, fetched by calendar apps without a session: the secret
    URL is the key. The token never reaches the access log (web/accesslog.py)."""
    staff = calendar_feeds.staff_of(token)
    if staff is None:
        raise Http404
    response = HttpResponse(
        ics.feed(calendar_feeds.slots_for(staff)), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def slot_ics(request, pk):
    slot = get_object_or_404(Slot.objects.select_related("kind", "host__staff"), pk=pk)
    staff_id = request.user.staff_id
    confirmed = (
        bool(staff_id)
        and Participant.objects.filter(
            slot=slot, staff_id=staff_id, active=True, booking__status=BookingStatus.CONFIRMED
        ).exists()
    )
    if not (confirmed or rights.may_manage(request.user, slot.host)):
        raise Http404
    body = ics.cancellation(slot) if slot.status == SlotStatus.CANCELLED else ics.invitation(slot)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dialogue-{slot.pk}.ics"'
    return response
