"""What every host page needs: whose pages these are (one's own, or for an administrator
the host picked), the picker, the fiscal year asked for, and errors in words.

Anyone who is neither a host nor an administrator gets 403 on every host page."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from renraku.accounts.permissions import is_administrator

from . import directors as visits_of
from . import rights
from .models import Host, Slot
from .params import BadInput, optional_number, whole_number

# --- Whose pages ----------------------------------------------------------------------


def host_for(request) -> Host:
    """The host whose pages these are: one's own, or for an administrator the one picked
    (?host=, or a form's host field), else their own, else the first. 403 for others."""
    user = request.user
    own = Host.objects.filter(staff_id=user.staff_id).first() if user.staff_id else None
    if not is_administrator(user):
        if own is None:
            raise PermissionDenied
        return own
    picked = request.POST.get("host") or request.GET.get("host")
    if picked:
        pk = whole_number(picked, _("The host"))
        return get_object_or_404(Host.objects.select_related("staff"), pk=pk)
    host = own or Host.objects.select_related("staff").order_by("pk").first()
    if host is None:
        raise Http404(_("No host has been named yet: name one in the admin."))
    return host


def slot_for(request, pk) -> Slot:
    slot = get_object_or_404(Slot.objects.select_related("kind", "host__staff"), pk=pk)
    if not rights.may_manage(request.user, slot.host):
        raise PermissionDenied
    return slot


def picker(request, host) -> dict:
    """What every page shows: the host, and for administrators the list to pick from."""
    admin = is_administrator(request.user)
    return {
        "host": host,
        "hosts": Host.objects.select_related("staff") if admin else None,
        "host_query": f"?host={host.pk}" if admin else "",
        "is_own": rights.is_the_host(request.user, host),
    }


def fiscal_year_of(request) -> int:
    """The fiscal year asked for (?year=), else the current one; BadInput if unusable."""
    year = optional_number(request.GET.get("year") or request.POST.get("year"), _("The year"))
    if year is None:
        return visits_of.fiscal_year()
    if not 2000 <= year <= 2100:
        raise BadInput(_("Choose a fiscal year between 2000 and 2100."))
    return year


def years_around(current: int) -> list[int]:
    this = visits_of.fiscal_year()
    return sorted({*range(this - 4, this + 2), current}, reverse=True)
