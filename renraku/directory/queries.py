"""Reads of the directory that more than one page or command needs."""

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
    """The nearest active person above `staff` on the reporting line.

    The line runs: a more senior person in the same section (係長 → 課長), then the
    department's director, then the deputy mayor in charge of the domain, then the mayor.
    Derived from positions every time, so an HR import that moves people moves the line.
    """
    above = (
        Staff.objects.active().exclude(pk=staff.pk).filter(position__rank__lt=staff.position.rank)
    )
    nearest = ("-position__rank", "employee_number")
    candidates = []
    if staff.section_id:
        candidates.append(above.filter(section_id=staff.section_id))
    candidates.append(
        above.filter(department_id=staff.department_id, position__rank__lte=Rank.DIRECTOR)
    )
    for queryset in candidates:
        if found := queryset.select_related("position").order_by(*nearest).first():
            return found
    deputy = staff.department.domain.overseen_by
    if (
        deputy
        and deputy.is_active
        and deputy.pk != staff.pk
        and deputy.position.rank < staff.position.rank
    ):
        return deputy
    return above.filter(position__rank=Rank.MAYOR).order_by("employee_number").first()


def supervisors_of(people) -> dict[int, Staff | None]:
    """supervisor_of for many people at once, in a fixed number of queries: everyone who
    can be a supervisor (chief level and above) is loaded once and looked up in memory."""
    bosses = list(
        Staff.objects.active()
        .filter(position__rank__lte=Rank.CHIEF)
        .select_related("position")
        .order_by("-position__rank", "employee_number")
    )
    by_section, by_department = {}, {}
    for boss in bosses:
        if boss.section_id:
            by_section.setdefault(boss.section_id, []).append(boss)
        if boss.position.rank <= Rank.DIRECTOR:
            by_department.setdefault(boss.department_id, []).append(boss)
    mayor = next((b for b in bosses if b.position.rank == Rank.MAYOR), None)
    deputies = dict(Department.objects.values_list("pk", "domain__overseen_by"))
    deputy_by_id = {b.pk: b for b in bosses if b.position.rank == Rank.DEPUTY_MAYOR}
    out = {}
    for person in people:
        rank = person.position.rank
        found = None
        for candidates in (
            by_section.get(person.section_id, []),
            by_department.get(person.department_id, []),
        ):
            found = next(
                (b for b in candidates if b.position.rank < rank and b.pk != person.pk), None
            )
            if found:
                break
        if found is None:
            deputy = deputy_by_id.get(deputies.get(person.department_id))
            if deputy and deputy.pk != person.pk and deputy.position.rank < rank:
                found = deputy
            elif mayor and mayor.pk != person.pk and rank > Rank.MAYOR:
                found = mayor
        out[person.pk] = found
    return out
