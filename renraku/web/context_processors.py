from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from renraku.accounts import permissions


@dataclass(frozen=True)
class Menu:
    """Which pages beyond everyone's the menu offers: only those that would open."""

    my_posts: bool = False  # bulletin:mine
    host_slots: bool = False  # dialogues:host
    host_directors: bool = False  # dialogues:directors
    host_reach: bool = False  # dialogues:reach
    readiness: bool = False  # readiness:office (administrators, department administrators)


def menu_for(user) -> Menu:
    """From what the sign-in backend read with the user (accounts/backends.py: no query of
    its own), else asked now."""
    if not permissions.can_view_directory(user):
        return Menu()
    from renraku.readiness.rights import may_open as may_open_readiness

    readiness = may_open_readiness(user)
    # getattr, not __dict__: request.user is a lazy object around the user.
    if (any_host := getattr(user, "any_host_fact", None)) is not None:
        visits = user.host_visits_directors_fact
    else:
        from renraku.dialogues.models import Host

        own = Host.objects.filter(staff_id=user.staff_id) if user.staff_id else Host.objects.none()
        visits = own.values_list("visits_directors", flat=True).first()
        any_host = Host.objects.exists()
    if permissions.can_administer(user):  # every host's pages, once a host is named
        return Menu(
            my_posts=True,
            host_slots=any_host,
            host_directors=any_host,
            host_reach=any_host,
            readiness=readiness,
        )
    host = visits is not None and user.staff_id is not None
    return Menu(
        my_posts=permissions.can_write_posts(user),
        host_slots=host,
        host_directors=host and bool(visits),
        host_reach=host,
        readiness=readiness,
    )


def ward(request):
    user = getattr(request, "user", None)
    return {
        "ward_name": settings.WARD_NAME,
        "can_import": permissions.can_import_directory(user),
        "can_read_audit": permissions.can_read_audit(user),
        "can_administer": permissions.can_administer(user),
        "can_compose": permissions.can_compose(user),
        "can_view_alerts": permissions.can_view_alerts(user),
        # Read only by the pages that show the menu (a JSON or CSV view never asks).
        "menu": SimpleLazyObject(lambda: menu_for(user)),
    }
