"""What every host page needs: whose pages these are (one's own, or for an administrator
the host picked), the picker, the fiscal year asked for, and errors in words.

Anyone who is neither a host nor an administrator gets 403 on every host page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from . import directors as visits_of
from . import host_actions
from .host_actions import is_admin, is_the_host
from .models import Host, Slot

# --- Whose pages ----------------------------------------------------------------------


def host_for(request) -> Host:
    """The host whose pages these are: one's own, or for an administrator the one picked
    (?host=, or a form's host field), else their own, else the first. 403 for others."""
    user = request.user
    own = Host.objects.filter(staff_id=user.staff_id).first() if user.staff_id else None
    if not is_admin(user):
        if own is None:
            raise PermissionDenied
        return own
    picked = request.POST.get("host") or request.GET.get("host")
    if picked and picked.isdigit():
        return get_object_or_404(Host.objects.select_related("staff"), pk=picked)
    host = own or Host.objects.select_related("staff").order_by("pk").first()
    if host is None:
        raise Http404(_("No host has been named yet: name one in the admin."))
    return host


def slot_for(request, pk) -> Slot:
    slot = get_object_or_404(Slot.objects.select_related("kind", "host__staff"), pk=pk)
    if not host_actions.may_manage(request.user, slot.host):
        raise PermissionDenied
    return slot


def picker(request, host) -> dict:
    """What every page shows: the host, and for administrators the list to pick from."""
    admin = is_admin(request.user)
    return {
        "host": host,
        "hosts": Host.objects.select_related("staff") if admin else None,
        "host_query": f"?host={host.pk}" if admin else "",
        "is_own": is_the_host(request.user, host),
    }


def error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def fiscal_year_of(request) -> int:
    year = request.GET.get("year") or request.POST.get("year") or ""
    return int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else visits_of.fiscal_year()


def years_around(current: int) -> list[int]:
    this = visits_of.fiscal_year()
    return sorted({*range(this - 4, this + 2), current}, reverse=True)
