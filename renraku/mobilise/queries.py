"""Where a mobilisation stands, by post (site) or by team: who is called, who answered,
who is coming and when, who has arrived, who cannot, against the minimum staffing at the
current level. Grouped queries over the call-ups (one row each per person called), never
a loop over people."""

from dataclasses import asdict, dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMinute

from renraku.directory.models import MinimumStaffing, Site, Team

from .models import Callup, Eta, Family, Mobilisation

BY = ("site", "team")
ETA_KEYS = {Eta.MIN30: "30", Eta.MIN60: "60", Eta.MIN180: "180", Eta.DAY: "day"}


@dataclass
class Line:
    code: str | None
    name: str
    called: int = 0
    answered: int = 0
    coming: int = 0
    eta: dict = field(default_factory=lambda: dict.fromkeys(ETA_KEYS.values(), 0))
    arrived: int = 0
    cannot: int = 0
    required: int | None = None
    short_by: int | None = None

    def as_json(self) -> dict:
        return asdict(self)


def _grouped(rows, key: str, *, arrived: bool = False) -> dict:
    """Counts per `key` (site_id or team_id) of the people called there now, and with
    `arrived` those of them who have arrived (by team, where arrivals count)."""
    not_arrived = Q(arrived_at__isnull=True)
    coming = Q(coming=True) & not_arrived
    counts = {
        # (named n_…: `coming` is also a field, which a filter would then mistake)
        "n_called": Count("pk"),
        "n_answered": Count("pk", filter=Q(answered_at__isnull=False) | ~not_arrived),
        "n_coming": Count("pk", filter=coming),
        "n_cannot": Count("pk", filter=Q(coming=False) & not_arrived),
        **{f"eta_{k}": Count("pk", filter=coming & Q(eta=v)) for v, k in ETA_KEYS.items()},
    }
    if arrived:
        counts["n_arrived"] = Count("pk", filter=~not_arrived)
    return {row.pop(key): row for row in rows.values(key).annotate(**counts).order_by()}


def status(mobilisation: Mobilisation, by: str) -> list[Line]:
    """One line per post (or team) where anyone is called, has arrived or is required,
    and one with code None for those called without one; furthest short first."""
    if by not in BY:
        raise ValueError(by)
    called = Callup.objects.filter(mobilisation=mobilisation, stood_down_at__isnull=True)
    key = f"{by}_id"
    # Arrivals count where they were recorded (a person's latest), by post: a query of
    # their own; by team, in the person's team: counted with the rest, in one query.
    counts = _grouped(called, key, arrived=by == "team")
    if by == "team":
        arrived = {pk: row.pop("n_arrived") for pk, row in counts.items()}
    else:
        arrived = dict(
            called.filter(arrived_at__isnull=False)
            .values_list("arrived_site_id")
            .annotate(n=Count("pk"))
            .values_list("arrived_site_id", "n")
            .order_by()
        )
    minimums = MinimumStaffing.objects.filter(level__number=mobilisation.level)
    minimums = (
        minimums.filter(team__isnull=True)
        if by == "site"
        else minimums.filter(site__isnull=True, team__isnull=False)
    )
    required = dict(minimums.values_list(key, "minimum"))
    ids = (set(counts) | set(arrived) | set(required)) - {None}
    model = Site if by == "site" else Team
    names = {
        pk: (code, name)
        for pk, code, name in model.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }
    lines = []
    for pk in [*sorted(ids, key=lambda i: names[i][0]), None]:
        row = counts.get(pk)
        if pk is None and row is None and None not in arrived:
            continue
        code, name = names[pk] if pk is not None else (None, "")
        line = Line(code=code, name=name, arrived=arrived.get(pk, 0), required=required.get(pk))
        if row:
            line.called, line.answered = row["n_called"], row["n_answered"]
            line.coming, line.cannot = row["n_coming"], row["n_cannot"]
            line.eta = {k: row[f"eta_{k}"] for k in ETA_KEYS.values()}
        if line.required is not None:
            line.short_by = max(0, line.required - line.arrived)
        lines.append(line)
    lines.sort(key=lambda line: -(line.short_by or 0))  # stable: by code within
    return lines


def callup_of(mobilisation_id: int, staff_id: int) -> Callup | None:
    return (
        Callup.objects.select_related("site", "team", "mobilisation__alert", "recipient", "staff")
        .filter(mobilisation_id=mobilisation_id, staff_id=staff_id)
        .first()
    )


def totals(lines: list[Line]) -> Line:
    """The whole mobilisation from its lines by post (each person called is in exactly one,
    and each arrival is recorded at one post): `short_by` is the posts' shortfalls added
    up, since a surplus at one post does not staff another."""
    total = Line(code=None, name="")
    for line in lines:
        total.called += line.called
        total.answered += line.answered
        total.coming += line.coming
        total.arrived += line.arrived
        total.cannot += line.cannot
        for key in total.eta:
            total.eta[key] += line.eta[key]
        if line.required is not None:
            total.required = (total.required or 0) + line.required
            total.short_by = (total.short_by or 0) + line.short_by
    return total


def family_counts(mobilisation: Mobilisation) -> dict:
    """How many said each family status, and how many said none: counts only (who said
    what is read one person at a time, audited)."""
    called = Callup.objects.filter(mobilisation=mobilisation, stood_down_at__isnull=True)
    counts = called.aggregate(
        total=Count("pk"), **{v: Count("pk", filter=Q(family=v)) for v in Family.values}
    )
    total = counts.pop("total")
    return {"counts": counts, "unreported": total - sum(counts.values())}


def arrivals_over_time(mobilisation: Mobilisation, *, where: Q | None = None) -> list:
    """(minutes since the start, arrivals so far) at each minute someone arrived: one
    grouped query (a row per minute, not per person), thinned to at most MAX_POINTS."""
    rows = Callup.objects.filter(
        mobilisation=mobilisation, stood_down_at__isnull=True, arrived_at__isnull=False
    )
    if where is not None:
        rows = rows.filter(where)
    per_minute = (
        rows.annotate(minute=TruncMinute("arrived_at"))
        .values("minute")
        .annotate(n=Count("pk"))
        .values_list("minute", "n")
        .order_by("minute")
    )
    start = mobilisation.started_at
    points, so_far = [], 0
    for minute, n in per_minute:
        so_far += n
        points.append((max(0.0, (minute - start).total_seconds() / 60), so_far))
    if len(points) > MAX_POINTS:
        step = -(-len(points) // MAX_POINTS)
        points = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
    return points


MAX_POINTS = 120
