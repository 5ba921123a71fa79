"""The mobilisation's pages: start one, raise, stand down and reassign (from its status,
status_views.py), a post's arrival page (opened by the QR code on its door) and the
printable QR code itself."""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.directory.models import Site, Staff
from renraku.http import say_refused

from . import actions, queries
from .models import Mobilisation


def _viewable(request, pk) -> Mobilisation:
    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied
    return get_object_or_404(Mobilisation.objects.select_related("alert"), pk=pk)


def _may_mobilise(user) -> bool:
    return permissions.can_send(user)


@login_required
def index(request):
    """Every mobilisation, the newest first, and the way to start one: the menu's 参集."""
    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied
    names = {lv.number: lv.name for lv in actions.levels()}
    latest = Mobilisation.objects.select_related("alert")[:50]
    return render(
        request,
        "mobilise/index.html",
        {
            "rows": [(m, names.get(m.level, "")) for m in latest],
            "may_mobilise": _may_mobilise(request.user),
        },
    )


@login_required
def start(request):
    if not _may_mobilise(request.user):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        try:
            m = actions.start(
                request.POST.get("level", ""),
                drill=request.POST.get("drill") == "on",
                title=request.POST.get("title", ""),
                by=request.user,
                request=request,
            )
            return redirect("mobilise:status", m.pk)
        except ValidationError as exc:
            errors = exc.messages
    return render(
        request,
        "mobilise/start.html",
        # A refused form comes back as it was sent: nothing to choose or type again.
        {"levels": actions.levels(), "errors": errors, "sent": request.POST},
        status=400 if errors else 200,
    )


def _level_change(request, pk, change):
    m = _viewable(request, pk)
    try:
        change(m, request.POST.get("level", ""), by=request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
    return redirect("mobilise:status", m.pk)


@login_required
@require_POST
def raise_level(request, pk):
    return _level_change(request, pk, actions.raise_level)


@login_required
@require_POST
def stand_down(request, pk):
    return _level_change(request, pk, actions.stand_down)


@login_required
@require_POST
def assign(request, pk):
    m = _viewable(request, pk)
    staff = Staff.objects.filter(employee_number=request.POST.get("staff", "").strip()).first()
    site = Site.objects.filter(code=request.POST.get("site", "").strip()).first()
    callup = queries.callup_of(m.pk, staff.pk) if staff else None
    try:
        if callup is None or site is None:
            raise ValidationError(_("Give the employee number of someone called, and a site code."))
        actions.reassign(callup, site, by=request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
    return redirect("mobilise:status", m.pk)


@login_required
def arrive(request, pk, site_code):
    """The page the QR code on a post's door opens: whoever is signed in and called records
    their arrival there (where they are, even if their post is elsewhere)."""
    m = get_object_or_404(Mobilisation.objects.select_related("alert"), pk=pk)
    site = get_object_or_404(Site, code=site_code)
    staff_id = getattr(request.user, "staff_id", None)
    callup = queries.callup_of(m.pk, staff_id) if staff_id else None
    if callup is None:
        raise PermissionDenied(_("This mobilisation has not called you."))
    errors, saved = [], False
    if request.method == "POST":
        try:
            actions.arrive(callup, site=site, by=request.user, via="qr")
            saved = True
        except ValidationError as exc:
            errors = exc.messages
    return render(
        request,
        "mobilise/arrive.html",
        {"m": m, "site": site, "callup": callup, "errors": errors, "saved": saved},
        status=400 if errors else 200,
    )


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=20)
    out = io.BytesIO()
    image.save(out)
    # The XML declaration cannot sit inside an HTML page.
    return out.getvalue().decode().split("?>", 1)[-1]


@login_required
def poster(request, pk, site_code):
    """A post's printable page with its QR code, for the door of the shelter."""
    m = _viewable(request, pk)
    site = get_object_or_404(Site, code=site_code)
    url = f"{settings.BASE_URL}{reverse('mobilise:arrive', args=[m.pk, site.code])}"
    return render(
        request, "mobilise/poster.html", {"m": m, "site": site, "url": url, "svg": qr_svg(url)}
    )
