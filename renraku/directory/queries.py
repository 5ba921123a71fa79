"""Reads of the directory that more than one page or command needs."""

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from .models import Department, DeploymentLevel, Domain, Rank, Section, Site, Staff


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
        "callup_by_level": callup_by_level(),
    }


def called_at(level: int):
    """Active staff called at deployment level `level`: those whose call-up level is at most
    `level`, and at the highest level everyone (those without a call-up level too).
    One range query on the (is_active, callup_level) index, with no join."""
    highest = DeploymentLevel.objects.aggregate(highest=Max("number"))["highest"]
    active = Staff.objects.active()
    if highest is not None and level >= highest:
        return active
    return active.filter(callup_level__lte=level)


def callup_by_level() -> dict[str, int]:
    """How many active staff each deployment level calls (cumulative: a level calls those
    of the levels below it too), by level number; the highest calls everyone."""
    levels = list(DeploymentLevel.objects.values_list("number", flat=True))
    counts = dict(
        Staff.objects.active()
        .values_list("callup_level")
        .annotate(n=Count("pk"))
        .values_list("callup_level", "n")
    )
    everyone = sum(counts.values())
    out = {}
    for number in levels:
        called = sum(n for lvl, n in counts.items() if lvl is not None and lvl <= number)
        out[str(number)] = everyone if number == levels[-1] else called
    return out


def callup_sentence(staff: Staff) -> str:
    """Where and when a person is called, in words: 「第2次非常配備で、区立池尻小学校に参集
    （避難所班）」; without a call-up level, the highest level's name (全職員配備)."""
    level = staff.callup_level or DeploymentLevel.objects.order_by("-number").first()
    values = {
        "level": level.name if level else _("the all-staff deployment"),
        "site": staff.callup_site.name if staff.callup_site else "",
        "team": staff.callup_team.name if staff.callup_team else "",
    }
    if values["site"] and values["team"]:
        return _("Called at %(level)s: report to %(site)s (%(team)s)") % values
    if values["site"]:
        return _("Called at %(level)s: report to %(site)s") % values
    if values["team"]:
        return _("Called at %(level)s (%(team)s)") % values
    return _("Called at %(level)s") % values


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
