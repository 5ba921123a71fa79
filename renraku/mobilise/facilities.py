"""Facility reports (施設報告) during a mobilisation: the site's lead (named in the
directory), anyone who has arrived there in this mobilisation, or whoever may manage it
reports the building: usable, partly usable or unusable; power, water, injured people
there, a note and a photo. Every report is kept; a site's latest report is its state, and
the headquarters sees every site on one page, the unreported first.

Audited (`mobilise.site_reported`): a report about a public building is not personal
data, but who made it is, and the headquarters acts on it (where to open a shelter), so
each report is an entry naming its reporter, the site and the state. The note and the
photo stay out of the audit log: they may name or show the injured."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.broadcast import actions as alerts
from renraku.directory.models import Site
from renraku.parsing import ascii_int

from .models import Arrival, Mobilisation, SiteReport, SiteStatus

MB = 1024 * 1024
PHOTO_MAX_MB = 10
NOTE_MAX = 2000
# The photo's type by its first bytes, never its name or the browser's word: (extension,
# content type). Phones send JPEG (an iPhone converts HEIC to JPEG when uploading) or PNG.
PHOTO_TYPES = {
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
}
CONTENT_TYPES = dict(PHOTO_TYPES.values())
# The headquarters' order: what it knows least about first, then what it must act on.
ORDER = {
    None: 0,
    SiteStatus.UNUSABLE.value: 1,
    SiteStatus.PARTLY.value: 2,
    SiteStatus.USABLE.value: 3,
}
# Power and water: said yes or no, or not known (not said).
FLAGS = {"yes": True, "no": False, "unknown": None, "": None}


def latest_reports(mobilisation: Mobilisation) -> dict[int, SiteReport]:
    """Each reported site's latest report, by site id (sites never reported are absent)."""
    reports = SiteReport.objects.filter(mobilisation=mobilisation)
    newest = reports.filter(site=OuterRef("site")).order_by("-reported_at", "-pk").values("pk")[:1]
    latest = reports.filter(pk=Subquery(newest)).select_related(
        "site", "reported_by", "reported_by__staff"
    )
    return {report.site_id: report for report in latest}


def may_see(user) -> bool:
    """Every site's reports and photos: the headquarters (those who see the call-ups)."""
    return permissions.can_view_alerts(user)


def _manages(user, mobilisation: Mobilisation) -> bool:
    try:
        alerts.authorise_manage(user, mobilisation.alert)
    except PermissionDenied:
        return False
    return True


def may_report(user, mobilisation: Mobilisation, site: Site) -> bool:
    """The site's lead, anyone who has arrived there in this mobilisation, and whoever may
    manage the mobilisation (administrators, senders to the whole office, its sender)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    staff_id = getattr(user, "staff_id", None)
    if staff_id is not None:
        if site.lead_id == staff_id:
            return True
        arrived = Arrival.objects.filter(
            callup__mobilisation=mobilisation, callup__staff_id=staff_id, site=site
        )
        if arrived.exists():
            return True
    return _manages(user, mobilisation)


def authorise_report(user, mobilisation: Mobilisation, site: Site) -> None:
    """`None` is the system itself (the command line)."""
    if user is not None and not may_report(user, mobilisation, site):
        raise PermissionDenied(
            _(
                "Only the site's lead, those who have arrived there in this call-up and the "
                "headquarters may report on %(site)s."
            )
            % {"site": site.name}
        )


def check_fields(*, status, power="", water="", injured="", note="") -> tuple[dict, list]:
    """The report's fields as stored, and every error (all at once, for the page)."""
    errors = []
    if status not in SiteStatus.values:
        errors.append(_("Choose whether the building is usable, partly usable or unusable."))
    if power not in FLAGS:
        errors.append(_("Say whether there is power: yes, no or unknown."))
    if water not in FLAGS:
        errors.append(_("Say whether there is water: yes, no or unknown."))
    count = None
    if str(injured).strip():
        count = ascii_int(injured, max_digits=5)
        if count is None:
            errors.append(_("Give the number of injured people as a whole number (0 or more)."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors.append(_("Keep the note within %(n)d characters.") % {"n": NOTE_MAX})
    elif textcheck.has_control_characters(note):
        errors.append(_("The text contains control characters."))
    fields = {
        "status": status,
        "power": FLAGS.get(power),
        "water": FLAGS.get(water),
        "injured": count,
        "note": note,
    }
    return fields, errors


def check_photo(upload) -> tuple[str, str]:
    """(extension, content type) of an acceptable photo; raises ValidationError."""
    if upload.size > PHOTO_MAX_MB * MB:
        raise ValidationError(_("The photo is larger than %(n)d MB.") % {"n": PHOTO_MAX_MB})
    head = upload.read(16)
    upload.seek(0)
    for magic, found in PHOTO_TYPES.items():
        if head.startswith(magic):
            return found
    raise ValidationError(_("Attach the photo as a JPEG or PNG image."))


def report(
    mobilisation: Mobilisation,
    site: Site,
    *,
    status: str,
    power: str = "",
    water: str = "",
    injured="",
    note: str = "",
    photo=None,
    by=None,
    via: str,
    request=None,
) -> SiteReport:
    """Record a report on `site`: PermissionDenied for one who may not, ValidationError
    (every problem at once) for bad input or an ended mobilisation; nothing is kept then."""
    authorise_report(by, mobilisation, site)
    if not mobilisation.alert.is_open:
        raise ValidationError(_("This mobilisation has ended (its alert is closed)."))
    fields, errors = check_fields(
        status=status, power=power, water=water, injured=injured, note=note
    )
    found = None
    if photo is not None:
        try:
            found = check_photo(photo)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    entry = SiteReport(mobilisation=mobilisation, site=site, reported_by=by, via=via, **fields)
    with transaction.atomic():
        if found:
            # Our own name for the file: the sender's may say anything.
            photo.name = f"{mobilisation.pk}-{site.code}.{found[0]}"
            entry.photo = photo
        entry.save()
        record(
            "mobilise.site_reported",
            request=request,
            actor=by or "system",
            target=f"alert:{mobilisation.pk}",
            detail={"site": site.code, "status": entry.status, "report": entry.pk},
        )
    return entry


def photo_type(entry: SiteReport) -> str:
    """The content type of a stored photo (named by report() from its bytes)."""
    extension = entry.photo.name.rsplit(".", 1)[-1].lower()
    return next((t for ext, t in PHOTO_TYPES.values() if ext == extension), "")


@dataclass
class Row:
    site: Site
    report: SiteReport | None
    reports: int  # how many, the latest included

    @property
    def state(self) -> str:
        return self.report.status if self.report else "unreported"


def board(mobilisation: Mobilisation) -> tuple[list[Row], dict[str, int]]:
    """Every site with its latest report: the unreported first, then unusable, partly
    usable and usable, each by code; and how many sites are in each state."""
    latest = latest_reports(mobilisation)
    counted = (
        SiteReport.objects.filter(mobilisation=mobilisation)
        .values_list("site_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    how_many = dict(counted)
    rows = [
        Row(site, latest.get(site.pk), how_many.get(site.pk, 0))
        for site in Site.objects.only("code", "name", "kind", "address").order_by("code")
    ]
    rows.sort(key=lambda row: ORDER[row.report.status if row.report else None])
    counts = dict.fromkeys(["unreported", *SiteStatus.values], 0)
    for row in rows:
        counts[row.state] += 1
    counts["sites"] = len(rows)
    return rows, counts


def history(mobilisation: Mobilisation, site: Site) -> list[SiteReport]:
    """Every report on `site` in this mobilisation, the newest first."""
    reports = SiteReport.objects.filter(mobilisation=mobilisation, site=site)
    return list(reports.select_related("reported_by", "reported_by__staff"))


def sites_status(mobilisation: Mobilisation) -> list[dict]:
    """`renraku site status`: one line per site, unreported first."""
    rows, _counts = board(mobilisation)
    return [
        {
            "code": row.site.code,
            "name": row.site.name,
            "status": row.report.status if row.report else None,
            "reported_at": row.report.reported_at.isoformat() if row.report else None,
        }
        for row in rows
    ]
