"""Where a mobilisation stands, by post (site) or by team: who is called, who answered,
who is coming and when, who has arrived, who cannot, against the minimum staffing at the
current level. Grouped queries over the call-ups (one row each per person called), never
a loop over people."""

from dataclasses import asdict, dataclass, field

from django.db.models import Count, Q

from renraku.directory.models import MinimumStaffing, Site, Team

from .models import Callup, Eta, Mobilisation

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


def _grouped(rows, key: str) -> dict:
    """Counts per `key` (site_id or team_id) of the people called there now."""
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
    return {row.pop(key): row for row in rows.values(key).annotate(**counts).order_by()}


def status(mobilisation: Mobilisation, by: str) -> list[Line]:
    """One line per post (or team) where anyone is called, has arrived or is required,
    and one with code None for those called without one; furthest short first."""
    if by not in BY:
        raise ValueError(by)
    called = Callup.objects.filter(mobilisation=mobilisation, stood_down_at__isnull=True)
    key = f"{by}_id"
    counts = _grouped(called, key)
    # Arrivals count where they were recorded (a person's latest), by post; by team, in
    # the person's team.
    arrived_key = "arrived_site_id" if by == "site" else "team_id"
    arrived = dict(
        called.filter(arrived_at__isnull=False)
        .values_list(arrived_key)
        .annotate(n=Count("pk"))
        .values_list(arrived_key, "n")
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
