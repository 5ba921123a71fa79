"""Reads of the directory that more than one page or command needs."""

from django.db.models import Q

from .models import Department, Domain, Rank, Section, Site, Staff


def org_summary() -> dict:
    """The counts `renraku org summary` prints."""
    active = Staff.objects.active()
    return {
        "domains": Domain.objects.count(),
        "departments": Department.objects.count(),
        "sections": Section.objects.count(),
        "sites": Site.objects.count(),
        "staff": active.count(),
        "directors": active.directors().count(),
        "by_rank": {
            Rank(rank).name.lower(): active.filter(position__rank=rank).count()
            for rank in Rank.values
        },
    }


def supervisor_of(staff: Staff) -> Staff | None:
    """The nearest active person above `staff` on the reporting line (see supervisors_of)."""
    return supervisors_of([staff])[staff.pk]


def supervisors_of(people) -> dict[int, Staff | None]:
    """Each person's nearest active superior on the reporting line, by their id.

    The line runs: a more senior person in the same section (係長 → 課長), then the
    department's director, then the deputy mayor in charge of the domain, then the mayor.
    Derived from positions every time, so an HR import that moves people moves the line.
    Three queries however many people: the possible superiors are loaded once.
    """
    people = list(people)
    sections = {p.section_id for p in people if p.section_id}
    departments = {p.department_id for p in people}
    deputy_of = dict(
        Department.objects.filter(pk__in=departments).values_list("pk", "domain__overseen_by")
    )
    bosses = list(
        Staff.objects.active()
        .filter(
            Q(section_id__in=sections, position__rank__lte=Rank.CHIEF)
            | Q(department_id__in=departments, position__rank__lte=Rank.DIRECTOR)
            | Q(position__rank__lte=Rank.DEPUTY_MAYOR)
        )
        .select_related("position")
        .order_by("-position__rank", "employee_number")  # the nearest superior first
    )
    by_section, by_department, by_id = {}, {}, {b.pk: b for b in bosses}
    for boss in bosses:
        if boss.section_id:
            by_section.setdefault(boss.section_id, []).append(boss)
        if boss.position.rank <= Rank.DIRECTOR:
            by_department.setdefault(boss.department_id, []).append(boss)
    mayor = next((b for b in bosses if b.position.rank == Rank.MAYOR), None)
    out = {}
    for person in people:
        rank = person.position.rank
        line = [
            *by_section.get(person.section_id, []),
            *by_department.get(person.department_id, []),
        ]
        deputy = by_id.get(deputy_of.get(person.department_id))
        if deputy is not None and deputy.position.rank == Rank.DEPUTY_MAYOR:
            line.append(deputy)
        if mayor is not None:
            line.append(mayor)
        out[person.pk] = next(
            (b for b in line if b.position.rank < rank and b.pk != person.pk), None
        )
    return out
