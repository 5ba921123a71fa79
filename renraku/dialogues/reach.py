"""Who has been heard: per host and fiscal year, the sessions held, groups, people,
departments and sites reached (of 37 and 260), people who came more than once, the months,
and — for outreach, never shown to staff — the staff not yet reached by department."""

import datetime as dt
from collections import Counter

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from renraku.directory.models import Department, Site, Staff
from renraku.rates import percent

from .directors import fiscal_year
from .models import Booking, BookingStatus, Participant, Slot, SlotStatus

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime(year, 4, 1, tzinfo=TOKYO),
        dt.datetime(year + 1, 4, 1, tzinfo=TOKYO),
    )


def _held(host, start: dt.datetime, end: dt.datetime, now=None):
    """Slots that took place between `start` and `end` (not after now): started, not
    cancelled, someone confirmed."""
    from django.utils import timezone

    end = min(end, now or timezone.now())
    confirmed = Booking.objects.filter(slot=OuterRef("pk"), status=BookingStatus.CONFIRMED)
    return Slot.objects.filter(
        Exists(confirmed), host=host, status=SlotStatus.OPEN, start__gte=start, start__lt=end
    )


def held_slots(host, year: int, now=None):
    """Slots of the fiscal year that took place."""
    return _held(host, *_year_bounds(year), now=now)


def _came(slots):
    """The confirmed participants who came to `slots` (one row per person per slot)."""
    return Participant.objects.filter(
        slot__in=slots, active=True, attended=True, booking__status=BookingStatus.CONFIRMED
    )


def attendance(host, year: int):
    return _came(held_slots(host, year))


def summary(host, year: int | None = None, *, since: dt.date | None = None) -> dict:
    """The figures of a fiscal year (default: the current one), or from `since` (a date,
    Tokyo) until now. `groups` counts parties: each booking that came, alone or as a group
    (the seed's 「71組」)."""
    if since is not None:
        start = dt.datetime.combine(since, dt.time(0), tzinfo=TOKYO)
        slots = _held(host, start, dt.datetime.max.replace(tzinfo=TOKYO))
        year = None
    else:
        year = year or fiscal_year()
        start = _year_bounds(year)[0]
        slots = held_slots(host, year)
    rows = _came(slots)
    per_person = Counter(rows.values_list("staff_id", flat=True))
    parties = rows.values("booking_id").distinct().count()
    months = sorted(
        {s.astimezone(TOKYO).strftime("%Y-%m") for s in slots.values_list("start", flat=True)}
    )
    by_kind = dict(slots.values_list("kind__code").annotate(n=Count("pk")).order_by())
    return {
        "host": host.staff.employee_number,
        "year": year,
        "since": start.date().isoformat(),
        "sessions": slots.count(),
        "groups": parties,
        "people": len(per_person),
        "departments": rows.values("staff__department").distinct().count(),
        "departments_total": Department.objects.count(),
        "sites": rows.values("staff__site").distinct().count(),
        "sites_total": Site.objects.count(),
        "repeat_people": sum(1 for n in per_person.values() if n > 1),
        "months": months,
        "by_kind": by_kind,
    }


def sessions_by_month(host, year: int | None = None) -> list[tuple[str, int]]:
    """April to March, each month's number of sessions (0 included): the chart."""
    year = year or fiscal_year()
    counts = Counter(
        s.astimezone(TOKYO).strftime("%Y-%m")
        for s in held_slots(host, year).values_list("start", flat=True)
    )
    months = [f"{year + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    return [(m, counts.get(m, 0)) for m in months]


def departments_reached(host, year: int | None = None) -> list[dict]:
    """Every department: its staff, how many have been reached and what share (percent),
    for the outreach list (hosts and administrators only)."""
    year = year or fiscal_year()
    reached = set(attendance(host, year).values_list("staff_id", flat=True))
    staff_counts = dict(
        Staff.objects.active().values_list("department_id").annotate(n=Count("pk")).order_by()
    )
    reached_by_dept = Counter(
        Staff.objects.filter(pk__in=reached).values_list("department_id", flat=True)
    )
    return [
        {
            "code": d.code,
            "name": d.name,
            "staff": staff_counts.get(d.pk, 0),
            "reached": reached_by_dept.get(d.pk, 0),
            "percent": percent(reached_by_dept.get(d.pk, 0), staff_counts.get(d.pk, 0)),
        }
        for d in Department.objects.order_by("order", "code")
    ]


def not_reached(host, department, year: int | None = None):
    """Active staff of `department` not yet reached by `host` this year."""
    year = year or fiscal_year()
    reached = attendance(host, year).values("staff_id")
    return Staff.objects.active().filter(department=department).exclude(pk__in=reached)
