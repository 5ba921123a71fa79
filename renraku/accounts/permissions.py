"""Who may do what: one function per decision, so views, commands and the API agree.

Staff see colleagues' work contacts. Only administrators see personal contact data (and
each look is audited). Department administrators change their own departments' staff.
Auditors read the audit log; administrators cannot, so nobody checks their own traces.
"""

from .models import Role, User


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Roles: each asked here and nowhere else ----------------------------------------------


def is_administrator(user) -> bool:
    """An active administrator: keeps the office's settings, the admin site, every alert,
    post and host's slots. Nobody else is one, however their account is flagged."""
    return _signed_in(user) and user.role == Role.ADMINISTRATOR


def administrators():
    """Every active account for which is_administrator holds (whom to tell when work
    fails), as a queryset callers may narrow."""
    return User.objects.filter(is_active=True, role=Role.ADMINISTRATOR)


def is_department_admin(user) -> bool:
    """An active department administrator (their departments: scoped_department_ids)."""
    return _signed_in(user) and user.role == Role.DEPARTMENT_ADMIN


def is_sender(user) -> bool:
    """An active sender of alerts (to the whole office or to their departments)."""
    return _signed_in(user) and user.role == Role.SENDER


def scoped_department_ids(user) -> set[int]:
    """The departments a sender or department administrator is scoped to."""
    return set(user.scope_departments.values_list("pk", flat=True))


def administers_department(user, department_id) -> bool:
    """Department administrator of this department (not an administrator's blanket right)."""
    return is_department_admin(user) and user.scope_departments.filter(pk=department_id).exists()


def is_named_author(user) -> bool:
    """Named by administrators as the author of a bulletin series or category (any)."""
    return _signed_in(user) and user.is_named_author


# --- Decisions ----------------------------------------------------------------------------


def can_view_directory(user) -> bool:
    """Every signed-in member of staff sees colleagues' work contacts."""
    return _signed_in(user)


def can_view_personal_contact(user) -> bool:
    """Personal phone numbers and e-mail addresses (each look audited): administrators."""
    return is_administrator(user)


def can_edit_staff(user, staff) -> bool:
    """Administrators; a department administrator for their own departments' staff."""
    return is_administrator(user) or administers_department(user, staff.department_id)


def can_import_directory(user) -> bool:
    """The HR import: administrators."""
    return is_administrator(user)


def can_administer(user) -> bool:
    """The admin site and the menu's "Admin": administrators."""
    return is_administrator(user)


def can_read_audit(user) -> bool:
    """The audit log: auditors, never administrators (nobody audits their own traces)."""
    return _signed_in(user) and user.role == Role.AUDITOR


def can_compose(user) -> bool:
    """The alert compose page: senders (what they may send to: can_send)."""
    return is_sender(user)


def can_send(user, department_ids=None) -> bool:
    """A sender may send to the whole office when `scope_all`, else to their departments."""
    if not is_sender(user):
        return False
    if user.scope_all:
        return True
    if department_ids is None:
        return False
    return set(department_ids) <= scoped_department_ids(user)


def can_view_alerts(user) -> bool:
    """May view the alert dashboards: senders and administrators see the list of alerts
    (each alert: can_manage_alert)."""
    return is_sender(user) or is_administrator(user)


def manages_every_alert(user) -> bool:
    """Administrators, and senders to the whole office: every alert, whoever sent it."""
    return is_administrator(user) or (is_sender(user) and user.scope_all)


def can_write_posts(user) -> bool:
    """Whether to offer the bulletin's "new post" and "my posts": administrators, department
    administrators and named authors (each post is still checked by bulletin.access)."""
    return is_administrator(user) or is_department_admin(user) or is_named_author(user)


def can_manage_alert(user, *, sender_id, department_ids) -> bool:
    """Follow, remind, correct, close and export one alert. Administrators: every alert. A
    sender: those they sent, and those whose recipients all lie within their scope (any
    alert, for the whole office). `department_ids`: the recipients' departments, an
    iterable only read when needed."""
    if manages_every_alert(user):
        return True
    if not is_sender(user):
        return False
    if sender_id is not None and sender_id == user.pk:
        return True
    departments = set(department_ids)
    return bool(departments) and departments <= scoped_department_ids(user)


def situation_scope(user, *, sender_id, department_ids):
    """Which part of an alert's headquarters view this person may see: None for all of it
    (whoever may manage the alert), the ids of their own departments for a department
    administrator (empty when none was asked), else PermissionError."""
    if can_manage_alert(user, sender_id=sender_id, department_ids=department_ids):
        return None
    if is_department_admin(user):
        return scoped_department_ids(user) & set(department_ids)
    raise PermissionError
