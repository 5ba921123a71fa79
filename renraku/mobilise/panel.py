"""A mobilisation's part of its alert's headquarters' view and wall display (broadcast.panels):
the level, the posts short of staff (the furthest short first), who is coming, has arrived
or cannot come, the family statuses counted, and the facility reports by status. Figures
only, no names: the wall shows it without signing in."""

from collections import Counter

from django.urls import NoReverseMatch, reverse

from renraku.broadcast import live
from renraku.directory.models import DeploymentLevel, Site

from . import facilities, queries
from .actions import SOURCE
from .models import Family, Mobilisation, SiteStatus

# The posts named on the panel (the furthest short first); the rest are counted.
SHORT_SHOWN = 8


def summary(m: Mobilisation) -> dict:
    by_site = queries.status(m, "site")
    short = [line for line in by_site if line.short_by]
    reports = Counter(r.status for r in facilities.latest_reports(m).values())
    family = queries.family_counts(m)
    return {
        "level_name": DeploymentLevel.objects.filter(number=m.level)
        .values_list("name", flat=True)
        .first()
        or "",
        "total": queries.totals(by_site),
        "short": short[:SHORT_SHOWN],
        "short_more": max(0, len(short) - SHORT_SHOWN),
        "family": [(value, family["counts"][value]) for value in Family.values],
        "family_unreported": family["unreported"],
        "reports": [(value, reports.get(value, 0)) for value in SiteStatus.values],
        "unreported_sites": max(0, Site.objects.count() - sum(reports.values())),
    }


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # a page not built (yet): no link rather than a broken page
        return ""


def panel(alerts, where: str):
    """For broadcast's situation page and wall: None unless one of the alerts is a
    mobilisation (known by its source without a query; the first such one is shown)."""
    ids = [a.pk for a in alerts if a.source == SOURCE]
    m = Mobilisation.objects.filter(pk__in=ids).first() if ids else None
    if m is None:
        return None
    figures = live.shared("mobilise-panel", m.pk, m.level, compute=lambda: summary(m))
    family_labels, status_labels = dict(Family.choices), dict(SiteStatus.choices)
    return {
        "template": f"mobilise/_panel_{where}.html",
        "m": m,
        **figures,
        "family": [(family_labels[v], n) for v, n in figures["family"]],
        "reports": [(v, status_labels[v], n) for v, n in figures["reports"]],
        "status_url": _url("mobilise:status", m.pk) if where == "situation" else "",
        "sites_url": _url("mobilise:sites", m.pk) if where == "situation" else "",
    }
