"""Facility reports' pages: a site's report page on a phone (the form, with the site's
reports so far), the headquarters' page of every site (the unreported first), and a
report's photo, served only to those who may see it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from renraku.directory.models import Site
from renraku.http import refusal_text

from . import facilities
from .models import Mobilisation, SiteReport, SiteStatus

FLAGS = [
    ("yes", gettext_lazy("Available")),
    ("no", gettext_lazy("Not available")),
    ("unknown", gettext_lazy("Not known")),
]
EMPTY = {"status": "", "power": "unknown", "water": "unknown", "injured": "", "note": ""}


def _refused(request, exc: PermissionDenied):
    """403 with the reason in words (the site's error page says only 'not allowed')."""
    return render(
        request, "mobilise/facility_refused.html", {"reason": refusal_text(exc)}, status=403
    )


def _mobilisation(pk) -> Mobilisation:
    return get_object_or_404(Mobilisation.objects.select_related("alert"), pk=pk)


@login_required
def sites(request, pk):
    """Every site and its latest report, for the headquarters: one page, phone to wall."""
    m = _mobilisation(pk)
    if not facilities.may_see(request.user):
        return _refused(
            request, PermissionDenied(_("Only the headquarters sees every site's reports."))
        )
    rows, counts = facilities.board(m)
    return render(request, "mobilise/sites.html", {"m": m, "rows": rows, "counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def site_report(request, pk, site_code):
    """A site's report page: the form for those who may report, the site's reports so far
    for them and for the headquarters. A refusal keeps what was typed."""
    m = _mobilisation(pk)
    site = get_object_or_404(Site, code=site_code)
    may_report = facilities.may_report(request.user, m, site)
    if not (may_report or facilities.may_see(request.user)):
        try:
            facilities.authorise_report(request.user, m, site)
        except PermissionDenied as exc:
            return _refused(request, exc)
    form = dict(EMPTY)
    errors, saved = [], None
    if request.method == "POST":
        form.update({key: request.POST.get(key, "") for key in form})
        try:
            saved = facilities.report(
                m,
                site,
                **form,
                photo=request.FILES.get("photo"),
                by=request.user,
                via="web",
                request=request,
            )
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            errors = exc.messages
        else:
            form = dict(EMPTY)
    return render(
        request,
        "mobilise/facility_report.html",
        {
            "m": m,
            "site": site,
            "may_report": may_report and m.alert.is_open,
            "form": form,
            "errors": errors,
            "photo_given": bool(errors and request.FILES.get("photo")),
            "saved": saved,
            "statuses": SiteStatus.choices,
            "flags": FLAGS,
            "reports": facilities.history(m, site),
            "photo_max_mb": facilities.PHOTO_MAX_MB,
            "may_see": facilities.may_see(request.user),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def photo(request, pk, report_id):
    """A report's photo, inline, for the headquarters and those who may report the site."""
    entry = get_object_or_404(
        SiteReport.objects.select_related("site", "mobilisation__alert"),
        pk=report_id,
        mobilisation_id=pk,
    )
    allowed = facilities.may_see(request.user) or facilities.may_report(
        request.user, entry.mobilisation, entry.site
    )
    if not allowed:
        return _refused(
            request,
            PermissionDenied(_("Only those who may see this site's reports see its photo.")),
        )
    content_type = facilities.photo_type(entry)
    if not entry.photo or not content_type:
        raise Http404
    try:
        handle = entry.photo.open("rb")
    except OSError:  # gone from storage
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        False, entry.photo.name.rsplit("/", 1)[-1]
    )
    # No copy anywhere, the viewer's browser included: the photo may show the injured, and
    # who may see it depends on who asks (a shared PC's cache would show it to the next).
    patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
    response["X-Content-Type-Options"] = "nosniff"
    return response
