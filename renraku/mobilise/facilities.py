"""Facility reports (施設報告) during a mobilisation: each site's latest report is its state."""

from django.db.models import OuterRef, Subquery

from .models import Mobilisation, SiteReport


def latest_reports(mobilisation: Mobilisation) -> dict[int, SiteReport]:
    """Each reported site's latest report, by site id (sites never reported are absent)."""
    reports = SiteReport.objects.filter(mobilisation=mobilisation)
    newest = reports.filter(site=OuterRef("site")).order_by("-reported_at", "-pk").values("pk")[:1]
    latest = reports.filter(pk=Subquery(newest)).select_related("site", "reported_by")
    return {report.site_id: report for report in latest}
