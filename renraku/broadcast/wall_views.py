"""The wall display in the headquarters room, and the display links that open it.

/alerts/<pk>/displays/ is for those who may manage the alert (make, list and revoke links,
send each department's head theirs); /wall/<token>/ needs no sign-in: the token is the
credential (display.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.directory.models import Department
from renraku.http import no_store, say_refused
from renraku.parsing import ascii_int

from . import actions, display, live, panels, wall
from .models import Alert, DisplayLink
from .views import managed_alert


@login_required
@no_store  # the page that shows a new link's token
def displays(request, pk):
    """GET: the alert's display links; POST: make one, and show its address once."""
    alert = managed_alert(request, pk)
    context = {"alert": alert, "form": request.POST, "errors": [], "new_url": ""}
    status = 200
    if request.method == "POST":
        try:
            link, raw = display.create_link(
                alert,
                by=request.user,
                request=request,
                more=display.parse_alert_ids(request.POST.get("with", "")),
                label=request.POST.get("label", ""),
                days=_int(request.POST.get("days"), display.DEFAULT_DAYS),
                department=_department(request.POST.get("department", "")),
            )
        except ValidationError as exc:
            context["errors"], status = exc.messages, 400
        else:
            context["new_url"], context["new_link"] = display.wall_url(raw), link
    context |= _listing(alert)
    return render(request, "broadcast/wall/displays.html", context, status=status)


def _int(text, default):
    text = (text or "").strip()
    if not text:
        return default
    number = ascii_int(text, max_digits=4)
    return -1 if number is None else number


def _department(code: str):
    code = code.strip()
    if not code:
        return None
    found = Department.objects.filter(code=code).first()
    if found is None:
        raise ValidationError(_("Unknown department: %s") % code)
    return found


def _listing(alert: Alert) -> dict:
    now = timezone.now()
    links = list(
        DisplayLink.objects.filter(alerts=alert)
        .select_related("department", "created_by")
        .prefetch_related("alerts")
        .order_by("-created_at")
    )
    for link in links:
        link.usable = link.revoked_at is None and link.expires_at > now
    return {
        "links": links,
        "departments": Department.objects.filter(pk__in=actions.departments_of(alert)),
        "max_days": display.MAX_DAYS,
        "heads_days": display.HEADS_DAYS,
    }


@login_required
@require_POST
def display_revoke(request, pk, link_id):
    alert = managed_alert(request, pk)
    link = get_object_or_404(DisplayLink, pk=link_id, alerts=alert)
    display.revoke_link(link, alert, by=request.user, request=request)
    messages.success(request, _("The link no longer opens. A wall showing it stops."))
    return redirect("broadcast:displays", pk=pk)


@login_required
@require_POST
def display_send_heads(request, pk):
    alert = managed_alert(request, pk)
    try:
        done = display.send_department_heads(alert, by=request.user, request=request)
    except ValidationError as exc:
        say_refused(request, exc)
        return redirect("broadcast:displays", pk=pk)
    messages.success(
        request,
        _("Sent %(links)d departments' heads a link to their department (%(people)d people).")
        % {"links": len(done["sent"]), "people": sum(n for _d, n in done["sent"])},
    )
    if done["without_director"]:
        messages.warning(
            request,
            _("No active director to send to: %s")
            % "、".join(d.name for d in done["without_director"]),
        )
    return redirect("broadcast:displays", pk=pk)


def _gone(request, exc: display.LinkGone, *, maker_may_not: bool = False):
    response = render(
        request,
        "broadcast/wall/gone.html",
        {"expired": exc.expired, "known": exc.known, "maker_may_not": maker_may_not},
        status=410 if exc.known else 404,
    )
    # A wall left running reloads, so the room sees this page rather than stale figures.
    response["HX-Refresh"] = "true"
    return response


def maker_may_still_show(link: DisplayLink) -> bool:
    """A link shows its figures on its maker's authority, so that authority is asked again
    on every use: once the maker's account is deactivated (or gone), or they may no longer
    manage one of its alerts, it stops. Lives come first: a department's link to an alert
    still taking answers (what its head is sent, send_department_heads) keeps going, like
    the alert's escalation, whoever sent it and whatever became of them since."""
    alerts = list(link.alerts.all())
    if link.department_id is not None and any(alert.is_open for alert in alerts):
        return True
    maker = link.created_by
    if maker is None or not maker.is_active:
        return False
    try:
        for alert in alerts:
            actions.authorise_manage(maker, alert)
    except PermissionDenied:
        return False
    return True


class MakerMayNot(display.LinkGone):
    """The link is valid, but its maker may no longer show what it shows (410)."""


def _usable(token, *, request=None, audited=False) -> DisplayLink:
    """The token's link, audited when the page is loaded; LinkGone (maker_may_not True)
    when its maker's rights no longer hold."""
    link = display.open_link(token, request=request) if audited else display.find_link(token)
    if not maker_may_still_show(link):
        raise MakerMayNot
    return link


@no_store
def wall_page(request, token):
    """The whole page, as a browser first loads it (audited)."""
    try:
        link = _usable(token, request=request, audited=True)
    except display.LinkGone as exc:
        return _gone(request, exc, maker_may_not=isinstance(exc, MakerMayNot))
    return render(request, "broadcast/wall/wall.html", _wall_context(request, link, token))


@no_store
def wall_live(request, token):
    """What htmx fetches every 5 s: the figures alone, not audited."""
    try:
        link = _usable(token)
    except display.LinkGone as exc:
        return _gone(request, exc, maker_may_not=isinstance(exc, MakerMayNot))
    return render(request, "broadcast/wall/_live.html", _wall_context(request, link, token))


def _wall_context(request, link, token) -> dict:
    code = request.GET.get("department", "").strip()[:16]
    # Only a department the link's alerts reached, on a whole-ward link, is worth a line
    # (and a cache entry of its own): anything else from whoever holds the link is ignored.
    if code and (link.department_id is not None or not _reached(link, code)):
        code = ""
    figures = live.shared(
        "wall", link.pk, code, compute=lambda: wall.figures(link, department_code=code)
    )
    return {
        "token": token,
        "link": link,
        "department_code": code,
        **figures,
        # A department's link shows that department only: the ward's posts are not its.
        "panels": []
        if link.department_id is not None
        else panels.for_alerts(figures["alerts"], "wall"),
    }


def _reached(link, code: str) -> bool:
    department = Department.objects.filter(code=code).values_list("pk", flat=True).first()
    return department is not None and any(
        department in actions.departments_of(alert) for alert in link.alerts.all()
    )
