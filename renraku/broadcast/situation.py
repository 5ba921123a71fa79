"""The disaster headquarters' view of a safety confirmation (災害対策本部): for the ward, a
domain, a department, a section or a site — how many were asked, reached and answered,
who is safe or hurt, and how many can come to work now or later.

Figures come from one aggregate query per table (a row per department, per site …), with
conditional counts, however many recipients there are. Several alerts can be read as one
(the earthquake, then its aftershock): each person then counts once, with their latest
answer across them.

Departments and sites are as they were when the alert was sent (frozen on the recipient);
sections and domains are read through the directory as it is now (a section is not frozen,
and a department rarely changes domain).
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.core.paginator import Paginator
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from renraku.directory import audience
from renraku.directory.models import Department, Domain, Section, Site
from renraku.notices.models import Attendance, Recipient
from renraku.rates import percent

from .live import frozen
from .models import Alert
from .queries import STATE_COUNTS

# How a table is grouped, and how an area is selected, on the recipient.
GROUPS = {
    "domain": "department__domain",
    "department": "department",
    "section": "staff__section",
    "site": "site",
}
MODELS = {"domain": Domain, "department": Department, "section": Section, "site": Site}
AREAS = ("ward", *GROUPS)
# A place is marked when fewer than half its people can come (now or later), once at least
# half have answered: before that a low count only means "not heard yet".
FEW_CAN_COME_SHARE = 0.5


@dataclass
class Figures:
    code: str
    name: str
    recipients: int = 0
    reached: int = 0
    answered: int = 0
    answer_rate: int = 0
    answers: dict = field(default_factory=dict)
    attendance: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)

    def as_json(self) -> dict:
        out = asdict(self)
        out.pop("flags")
        return out

    @property
    def injured(self) -> int:
        return self.answers.get("minor", 0) + self.answers.get("serious", 0)

    @property
    def can_come(self) -> int:
        return self.attendance.get("can", 0) + self.attendance.get("late", 0)


# The dashboard's counts (queries.STATE_COUNTS), those the headquarters' figures show;
# "reached" is the dashboard's "sent".
_COUNTS = {
    "reached": STATE_COUNTS["sent"],
    **{
        key: STATE_COUNTS[key]
        for key in ("recipients", "answered", "safe", "minor", "serious", "ack", *Attendance.values)
    },
}


def parse_alert_ids(text: str) -> list[int]:
    """`12, 15` (alerts to read with another) as ids, each once; ValueError if not that."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        raise ValueError("alert numbers separated by commas")
    return list(dict.fromkeys(int(p) for p in parts))


def recipients(alerts, *, area: str = "ward", code: str = "", departments=None):
    """The recipients that count: of one alert, or of several with each person's latest
    answer (their most recently answered row, else their newest alert's), within an area
    and, for a department administrator, within `departments` (ids)."""
    alerts = list(alerts)
    rows = Recipient.objects.filter(notice__in=alerts)
    if len(alerts) > 1:
        latest = (
            Recipient.objects.filter(notice__in=alerts)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("staff_id")],
                    order_by=[F("answered_at").desc(nulls_last=True), F("notice_id").desc()],
                )
            )
            .filter(rank=1)
            .values("pk")
        )
        rows = Recipient.objects.filter(pk__in=latest)
    if area != "ward":
        rows = rows.filter(**{f"{GROUPS[area]}__code": code})
    if departments is not None:
        rows = rows.filter(department__in=departments)
    return rows


def _figures(code, name, counts: dict) -> Figures:
    n = counts["recipients"]
    answered = counts["answered"]
    attendance = {k: counts[k] for k in Attendance.values}
    attendance["unknown"] = n - sum(attendance.values())
    figures = Figures(
        code=code,
        name=name,
        recipients=n,
        reached=counts["reached"],
        answered=answered,
        answer_rate=percent(answered, n, digits=0),
        answers={k: counts[k] for k in ("safe", "minor", "serious", "ack") if counts[k]},
        attendance=attendance,
    )
    if figures.injured:
        figures.flags.append("injured")
    if n and answered * 2 >= n and figures.can_come < n * FEW_CAN_COME_SHARE:
        figures.flags.append("few_can_come")
    return figures


def totals(rows, *, code: str = "", name: str = "") -> Figures:
    return _figures(code, name, rows.aggregate(**_COUNTS))


def sum_of(parts: list[Figures], *, code: str = "", name: str = "") -> Figures:
    """The totals of a table's rows (every recipient is in exactly one department): the
    ward's figures without another pass over the recipients."""
    counts = dict.fromkeys(_COUNTS, 0)
    for f in parts:
        counts["recipients"] += f.recipients
        counts["reached"] += f.reached
        counts["answered"] += f.answered
        for key in ("safe", "minor", "serious", "ack"):
            counts[key] += f.answers.get(key, 0)
        for key in Attendance.values:
            counts[key] += f.attendance[key]
    return _figures(code, name, counts)


def table(rows, by: str) -> list[Figures]:
    """One Figures per department, site, section or domain among `rows`, the lowest answer
    rate first (then the most people), as a duty officer reads it."""
    key = GROUPS[by]
    grouped = {
        group.pop(key): group
        for group in rows.values(key).annotate(**_COUNTS).order_by()
        if group[key] is not None
    }
    names = {
        pk: (code, name)
        for pk, code, name in MODELS[by]
        .objects.filter(pk__in=list(grouped))
        .values_list("pk", "code", "name")
    }
    out = [_figures(*names[pk], counts) for pk, counts in grouped.items()]
    return sorted(out, key=lambda f: (f.answer_rate, -f.recipients, f.code))


def unanswered(rows, *, query: str = "", page: int | str = 1, per_page: int = 50):
    """The people still to reach, a page at a time: name, section, work phone."""
    people = rows.filter(answered_at__isnull=True).select_related(
        "staff__section", "department", "site"
    )
    if query.strip():
        from renraku.directory.models import Staff

        people = people.filter(staff__in=Staff.objects.search(query))
    people = people.order_by("department__order", "staff__family_name_kana", "pk")
    return Paginator(people, per_page).get_page(page)


def area_name(area: str, code: str) -> str:
    if area == "ward":
        return ""
    found = MODELS[area].objects.filter(code=code).values_list("name", flat=True).first()
    return found or code


def alerts_of(pks) -> list[Alert]:
    """Alerts by id, in the order given (the first is the one the view belongs to)."""
    found = {a.pk: a for a in Alert.objects.filter(pk__in=pks)}
    return [found[pk] for pk in pks if pk in found]


def audience_text(alert: Alert, recipients: int) -> str:
    """Whom the alert went to, in words and number: 「第2次非常配備（3,735人）」. The words
    are read once per audience (a mobilisation's follows its level), not on every refresh."""
    spec = json.dumps(alert.audience, sort_keys=True)
    digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
    described = frozen(
        "alert-audience",
        alert.pk,
        digest,
        get_language(),
        compute=lambda: audience.describe(alert.audience),
    )
    return _("%(audience)s (%(n)s people)") % {
        "audience": described,
        "n": number_format(recipients, force_grouping=True),
    }
