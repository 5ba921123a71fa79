"""Who may do what with a host's slots, asked by the pages and the actions alike, and
asked again when deferred work (a reminder, a draw's invitations) runs: a host who has
left, or who no longer hosts this kind, no longer holds chats."""

from django.utils.translation import gettext as _

from renraku.accounts.permissions import administrators, is_administrator


def is_the_host(user, host) -> bool:
    """The host themself (their private notes are theirs alone)."""
    return user is not None and getattr(user, "staff_id", None) == host.staff_id


def may_manage(user, host) -> bool:
    """The host, or an administrator (who keeps every host's slots): who may change a
    host's slots and visits and see who comes. For a slot: may_manage(user, slot.host)."""
    return is_the_host(user, host) or is_administrator(user)


def hindrance(slot) -> str:
    """Why `slot` can no longer take place as booked, in words for its host and the
    administrators; "" when nothing stands in its way. Checked when deferred work runs,
    not only when the slot was made: people leave, accounts are closed, kinds withdrawn."""
    staff = slot.host.staff
    if not staff.is_active:
        return _("its host %(name)s has left") % {"name": staff.full_name}
    account = getattr(staff, "account", None)
    if account is not None and not account.is_active:
        return _("its host's account %(name)s is deactivated") % {"name": staff.full_name}
    if not slot.host.kinds.filter(pk=slot.kind_id).exists():
        return _("its host no longer hosts %(kind)s") % {"kind": slot.kind.name}
    return ""


def owner_and_administrators(slot) -> list[int]:
    """Whom to tell when deferred work for `slot` cannot run: its host and every active
    administrator who is a member of staff."""
    admins = administrators().filter(staff__isnull=False, staff__is_active=True)
    admins = admins.values_list("staff_id", flat=True)
    return list(dict.fromkeys([slot.host.staff_id, *admins]))
