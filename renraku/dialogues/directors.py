"""Director visits (部長のお部屋訪問): every director (部長級) per host — visited, scheduled,
not yet — for the fiscal year (April to March). After an HR import, the directors it
newly appointed are queued for the hosts who visit new directors; each April's list is
the year's work."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.directory.models import Staff

from . import notify
from .models import DirectorVisit, Host, Kind, Purpose, VisitStatus

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
VISIT_KIND = "director_visit"


def fiscal_year(when: dt.datetime | dt.date | None = None) -> int:
    """Japanese fiscal year: April to March (2027-03-31 is in 2026)."""
    when = when or timezone.now()
    if isinstance(when, dt.datetime):
        when = when.astimezone(TOKYO).date()
    return when.year if when.month >= 4 else when.year - 1


def queue_all(host: Host, year: int | None = None) -> int:
    """Every current director on `host`'s list for the year (the first round: all 50)."""
    year = year or fiscal_year()
    rows = [
        DirectorVisit(host=host, director=d, year=year)
        for d in Staff.objects.active().directors().exclude(pk=host.staff_id)
    ]
    return len(DirectorVisit.objects.bulk_create(rows, ignore_conflicts=True))


def queue_new_directors(sender=None, *, new_directors=(), **_kwargs) -> int:
    """Receiver of directory.signals.imported: queue the newly appointed directors for
    every host who visits new directors."""
    if not new_directors:
        return 0
    year = fiscal_year()
    directors = list(Staff.objects.filter(employee_number__in=new_directors, is_active=True))
    rows = [
        DirectorVisit(host=host, director=d, year=year, newly_appointed=True)
        for host in Host.objects.filter(visits_directors=True)
        for d in directors
        if d.pk != host.staff_id
    ]
    made = DirectorVisit.objects.bulk_create(rows, ignore_conflicts=True)
    record(
        "dialogues.directors_queued",
        actor="system",
        target="import",
        detail={"directors": list(new_directors)[:100], "visits": len(made)},
    )
    return len(made)


def visits(host: Host, year: int | None = None):
    year = year or fiscal_year()
    return (
        DirectorVisit.objects.filter(host=host, year=year)
        .select_related("director__department", "director__position", "slot")
        .order_by("status", "director__department__order", "director__employee_number")
    )


def schedule(visit: DirectorVisit, start: dt.datetime, *, minutes=30, place="", by=None):
    """The host schedules the visit: a one-seat slot of the director-visit kind, the
    director booked into it and invited (they may propose another time)."""
    from . import actions

    kind = Kind.objects.filter(code=VISIT_KIND).first()
    if kind is None:
        raise ValidationError(_("There is no kind of dialogue for director visits."))
    with transaction.atomic():
        slot = actions.add_slot(
            kind=kind,
            host=visit.host,
            start=start,
            minutes=minutes,
            seats=1,
            place=place or visit.director.department.name,
            by=by,
        )
        actions.book(slot, visit.director)
        visit.slot, visit.status, visit.proposed_start = slot, VisitStatus.SCHEDULED, None
        visit.save(update_fields=["slot", "status", "proposed_start"])
    return visit


def propose(visit: DirectorVisit, start: dt.datetime, *, by) -> DirectorVisit:
    """The director proposes another time; the host moves the slot (or not)."""
    if getattr(by, "staff_id", None) != visit.director_id:
        raise ValidationError(_("Only the director visited may propose another time."))
    if start <= timezone.now():
        raise ValidationError(_("Propose a time in the future."))
    slot = visit.slot
    if slot is None or slot.status != "open" or visit.status != VisitStatus.SCHEDULED:
        # Another time than the one invited to: before that there is nothing to move.
        raise ValidationError(
            _("Once the host has scheduled the visit you can propose another time.")
        )
    visit.proposed_start = start
    visit.save(update_fields=["proposed_start"])
    notify.tell(slot, Purpose.PROPOSED, [visit.host.staff_id])
    record(
        "dialogues.visit_time_proposed",
        actor=by,
        target=f"visit:{visit.pk}",
        detail={"start": start.isoformat()},
    )
    return visit


def mark_visited(visit: DirectorVisit, *, by=None, when: dt.datetime | None = None):
    """Done: when the visit took place (the scheduled time once it has passed, else now)."""
    now = timezone.now()
    if when is None:
        when = visit.slot.start if visit.slot and visit.slot.start <= now else now
    visit.status, visit.visited_at = VisitStatus.VISITED, when
    visit.save(update_fields=["status", "visited_at"])
    return visit


def as_rows(host: Host, year: int | None = None) -> list[dict]:
    """The year's list as `renraku dialogue directors --json` prints it: every director,
    whether newly appointed, and when visited or scheduled (Tokyo time, ISO 8601)."""

    def iso(moment):
        return moment.astimezone(TOKYO).isoformat() if moment else None

    return [
        {
            "staff": v.director.employee_number,
            "name": v.director.full_name,
            "department": v.director.department.name,
            "new": v.newly_appointed,
            "visited_at": iso(v.visited_at) if v.status == VisitStatus.VISITED else None,
            "scheduled_at": iso(v.slot.start)
            if v.slot and v.slot.status == "open" and v.status != VisitStatus.NOT_YET
            else None,
        }
        for v in visits(host, year)
    ]
