"""The headquarters' pages of an alert (災害対策本部): the ward by department and by site,
a drill-down to a domain, department, section or site with its unanswered people, a
printable report for the 本部会議, and the tables as CSV.

Who sees what (accounts.permissions.situation_scope): whoever may manage the alert sees all
of it; a department administrator sees the part of it within their own departments, and
gets 403 where none of it lies. Several alerts can be read as one (`?with=ID,ID`), each of
which the viewer must be able to manage.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import urlencode

from renraku import csvsafe
from renraku.accounts import permissions
from renraku.http import no_store

from . import actions, attendance, live, panels, queries, situation
from .models import Alert, ReplyForm

# More than this many alerts at once is not a headquarters' question but a crafted URL:
# each one adds to the query that picks every person's latest answer.
MAX_COMBINED = 10
CSV_HEADER = [
    "コード",
    "名称",
    "受信者数",
    "送達数",
    "回答数",
    "回答率(%)",
    "無事",
    "軽傷",
    "重傷",
]  # then the attendance columns, in the alerts' words (attendance.csv_header)


@dataclass
class View:
    """What one request may read: the alerts (the page's first), the departments it is
    limited to (None: the whole ward) and the other alerts' ids, carried from page to page."""

    alert: Alert
    alerts: list
    departments: set | None
    with_ids: str

    @property
    def with_query(self) -> str:
        return "?" + urlencode({"with": self.with_ids}) if self.with_ids else ""

    @property
    def key(self) -> str:
        """What the figures depend on: the alerts and the departments seen."""
        seen = "all" if self.departments is None else "-".join(map(str, sorted(self.departments)))
        return f"{'-'.join(str(pk) for pk in sorted(a.pk for a in self.alerts))}:{seen}"

    @property
    def combined(self) -> bool:
        return len(self.alerts) > 1


def _extra_ids(request, pk) -> list[int]:
    """`?with=3,4` (or `with=3&with=4`, as checkboxes send it): the other alerts' ids."""
    try:
        ids = situation.parse_alert_ids(",".join(request.GET.getlist("with")))
    except ValueError:
        raise BadRequest("with: alert numbers separated by commas") from None
    ids = [n for n in ids if n != pk]
    if len(ids) >= MAX_COMBINED:
        raise BadRequest(f"with: at most {MAX_COMBINED - 1} other alerts")
    return ids


def _view(request, pk) -> View:
    """The alerts this person asked for and the part of them they may see; 403 otherwise."""
    alert = get_object_or_404(Alert, pk=pk)
    root = actions.root_of(alert)  # a thread is decided on the alert it began with
    try:
        departments = permissions.situation_scope(
            request.user, sender_id=root.sender_id, department_ids=actions.departments_of(root)
        )
    except PermissionError:
        raise PermissionDenied from None
    if departments is not None and not departments:
        # A department administrator none of whose people were asked: nothing of theirs
        # to show, and the alert itself is not theirs to read about.
        raise PermissionDenied
    extra = _extra_ids(request, pk)
    others = situation.alerts_of(extra)
    if len(others) != len(extra):
        raise Http404
    for other in others:
        try:
            actions.authorise_manage(request.user, other)
        except PermissionDenied:
            raise PermissionDenied from None
    return View(alert, [alert, *others], departments, ",".join(map(str, extra)))


def _same_day(request, view: View):
    """The viewer's other safety alerts of the alert's day (Tokyo), to combine with it."""
    if view.departments is not None:
        return []  # only alerts the viewer manages can be combined
    day = timezone.localtime(view.alert.issued_at).date()
    start = timezone.make_aware(datetime.combine(day, time.min))
    return list(
        queries.manageable_by(request.user)
        .filter(
            reply_form=ReplyForm.SAFETY,
            issued_at__gte=start,
            issued_at__lt=start + timedelta(days=1),
        )
        .exclude(pk=view.alert.pk)
        .order_by("issued_at")
    )


def _context(view: View, **extra) -> dict:
    return {
        "view": view,
        "alert": view.alert,
        "with_query": view.with_query,
        "live": any(a.is_open for a in view.alerts),
        "now": timezone.now(),
        **extra,
    }


@login_required
def situation_ward(request, pk):
    view = _view(request, pk)
    rows = situation.recipients(view.alerts, departments=view.departments)
    context = _context(
        view,
        **live.shared(
            "situation",
            view.key,
            compute=lambda: _ward(rows),
        ),
    )
    # What capabilities built on the alert add (a mobilisation's posts short of staff):
    # ward-wide figures, for those who see the whole alert.
    context["panels"] = (
        panels.for_alerts(view.alerts, "situation") if view.departments is None else []
    )
    if request.htmx:
        return render(request, "broadcast/situation/_live.html", context)
    combined = {a.pk for a in view.alerts}
    # Whom the alert went to, for one alert seen whole (several read as one have several).
    if not view.combined and view.departments is None:
        context["audience"] = situation.audience_text(view.alert, context["totals"].recipients)
    context["same_day"] = [(a, a.pk in combined) for a in _same_day(request, view)]
    return render(request, "broadcast/situation/page.html", context)


def _ward(rows) -> dict:
    departments = situation.table(rows, "department")
    return {
        "totals": situation.sum_of(departments, name=settings.WARD_NAME),
        "tables": [("department", departments), ("site", situation.table(rows, "site"))],
    }


# What a drill-down shows below its figures.
SUBTABLES = {
    "domain": ["department"],
    "department": ["section", "site"],
    "section": [],
    "site": ["department"],
}


def _place(area, code):
    if area not in SUBTABLES:
        raise Http404
    related = {"department": ["domain"], "section": ["department__domain"]}.get(area, [])
    model = situation.MODELS[area]
    return get_object_or_404(model.objects.select_related(*related), code=code)


def _crumbs(area, place) -> list[tuple[str, object]]:
    """(area, place) from the ward down to this place: ward → domain → department → section.
    A site belongs to no department: ward → site."""
    if area in ("site", "domain"):
        return [(area, place)]
    department = place if area == "department" else place.department
    chain = [("domain", department.domain), ("department", department)]
    if area == "section":
        chain.append(("section", place))
    return chain


def _within(view: View, area, place, rows) -> bool:
    """May a department administrator open this place? Their department and its sections;
    a domain or a site only where some of their people are (and they see only those)."""
    if area == "department":
        return place.pk in view.departments
    if area == "section":
        return place.department_id in view.departments
    return rows.exists()


@login_required
def situation_area(request, pk, area, code):
    view = _view(request, pk)
    place = _place(area, code)
    rows = situation.recipients(view.alerts, area=area, code=code, departments=view.departments)
    if view.departments is not None and not _within(view, area, place, rows):
        raise PermissionDenied
    context = _context(
        view,
        area=area,
        place=place,
        crumbs=_crumbs(area, place),
        **live.shared(
            "situation",
            view.key,
            area,
            code,
            compute=lambda: {
                "totals": situation.totals(rows, code=code, name=place.name),
                "tables": [(by, situation.table(rows, by)) for by in SUBTABLES[area]],
            },
        ),
    )
    if request.htmx:
        return render(request, "broadcast/situation/_live.html", context)
    query = request.GET.get("q", "")[:50]
    keep = request.GET.copy()
    keep.pop("page", None)
    context.update(
        query=query,
        page=situation.unanswered(rows, query=query, page=request.GET.get("page", 1)),
        page_query=keep.urlencode(),
        can_view_personal=permissions.can_view_personal_contact(request.user),
    )
    return render(request, "broadcast/situation/page.html", context)


def _by_domain(rows):
    """The departments' rows grouped under their domains, in the ward's order of domains."""
    from renraku.directory.models import Department, Domain

    departments = situation.table(rows, "department")
    domain_of = dict(
        Department.objects.filter(code__in=[d.code for d in departments]).values_list(
            "code", "domain_id"
        )
    )
    figures = {f.code: f for f in situation.table(rows, "domain")}
    out = []
    for domain in Domain.objects.filter(pk__in=set(domain_of.values())):
        mine = [d for d in departments if domain_of[d.code] == domain.pk]
        out.append((figures.get(domain.code), mine))
    return out


@login_required
def situation_print(request, pk):
    """The printable report for the 本部会議: A4, a domain a page, then the sites."""
    view = _view(request, pk)
    rows = situation.recipients(view.alerts, departments=view.departments)
    context = _context(
        view,
        totals=situation.totals(rows, name=settings.WARD_NAME),
        domains=_by_domain(rows),
        sites=situation.table(rows, "site"),
    )
    return render(request, "broadcast/situation/print.html", context)


@login_required
@no_store
def situation_csv(request, pk, by):
    """One row per department or site: UTF-8 with a BOM (Excel then reads it as UTF-8), or
    CP932 for older Excel and the ward's other systems, with what CP932 cannot carry (a
    rare kanji in a name) replaced rather than failing the file."""
    if by not in ("department", "site"):
        raise Http404
    view = _view(request, pk)
    rows = situation.recipients(view.alerts, departments=view.departments)
    cells = (
        [f.code, f.name, f.recipients, f.reached, f.answered, f.answer_rate]
        + [f.answers.get(k, 0) for k in ("safe", "minor", "serious")]
        + [f.attendance[k] for k in ("can", "late", "cannot", "unknown")]
        for f in situation.table(rows, by)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    ids = "-".join(str(a.pk) for a in view.alerts)
    header = CSV_HEADER + attendance.csv_header(view.alerts)
    return csvsafe.download(request, f"situation-{ids}-{by}-{stamp}.csv", header, cells)
