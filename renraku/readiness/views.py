"""Readiness pages: the office (or a department administrator's departments) by department
and site, and one department with its people push does not reach."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from renraku.directory.models import Department, Staff
from renraku.http import no_store

from . import queries, snapshots
from .labels import CHANNEL_LABELS, describe
from .rights import departments_seen_by, may_see_department


@login_required
@require_GET
def office(request):
    seen = departments_seen_by(request.user)
    people = Staff.objects.active()
    if seen is not None:
        people = people.filter(department_id__in=seen)
    departments = queries.counts_by("department", staff=people)
    total = queries.total(departments)
    return render(
        request,
        "readiness/office.html",
        {
            "whole_office": seen is None,
            "kinds": [(k, CHANNEL_LABELS[k]) for k in queries.configured()],
            "total": queries.for_pages([total])[0],
            "departments": queries.for_pages(departments),
            # Sites cut across departments: only for those who see the whole office.
            "sites": queries.for_pages(queries.counts_by("site")) if seen is None else [],
            "chart": snapshots.chart(snapshots.with_today(snapshots.trend(seen), total)),
        },
    )


@login_required
@require_GET
@no_store  # names and what each lacks
def department(request, code):
    dept = get_object_or_404(Department, code=code)
    if not may_see_department(request.user, dept.pk):
        raise PermissionDenied
    rows = queries.counts_by("department", staff=Staff.objects.active().filter(department=dept))
    people, count = queries.unreachable_in([dept.pk])
    return render(
        request,
        "readiness/department.html",
        {
            "department": dept,
            "kinds": [(k, CHANNEL_LABELS[k]) for k in queries.configured()],
            "row": queries.for_pages(rows)[0] if rows else None,
            "people": [describe(p) for p in people],
            "count": count,
            "shown": len(people),
            "chart": snapshots.chart(
                snapshots.with_today(snapshots.trend([dept.pk]), rows[0] if rows else None)
            ),
        },
    )
