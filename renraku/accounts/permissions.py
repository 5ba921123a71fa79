"""Who may do what: one function per decision, so views, commands and the API agree.

Staff see colleagues' work contacts. Only administrators see personal contact data (and
each look is audited). Department administrators change their own departments' staff.
Auditors read the audit log; administrators cannot, so nobody checks their own traces.
"""

from .models import Role


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view_directory(user) -> bool:
    return _signed_in(user)


def can_view_personal_contact(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMINISTRATOR


def can_edit_staff(user, staff) -> bool:
    if not _signed_in(user):
        return False
    if user.role == Role.ADMINISTRATOR:
        return True
    return (
        user.role == Role.DEPARTMENT_ADMIN
        and user.scope_departments.filter(pk=staff.department_id).exists()
    )


def can_import_directory(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMINISTRATOR


def can_administer(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMINISTRATOR


def can_read_audit(user) -> bool:
    return _signed_in(user) and user.role == Role.AUDITOR


def can_compose(user) -> bool:
    return _signed_in(user) and user.role == Role.SENDER


def can_send(user, department_ids=None) -> bool:
    """A sender may send to the whole office when `scope_all`, else to their departments."""
    if not (_signed_in(user) and user.role == Role.SENDER):
        return False
    if user.scope_all:
        return True
    if department_ids is None:
        return False
    allowed = set(user.scope_departments.values_list("pk", flat=True))
    return set(department_ids) <= allowed


def can_follow_alerts(user) -> bool:
    """Senders and administrators see the list of alerts (each alert: can_manage_alert)."""
    return _signed_in(user) and user.role in (Role.SENDER, Role.ADMINISTRATOR)


def can_manage_alert(user, *, sender_id, department_ids) -> bool:
    """Follow, remind, correct, close and export one alert. Administrators: every alert. A
    sender: those they sent, and those whose recipients all lie within their scope (any
    alert, for the whole office). `department_ids`: the recipients' departments, an
    iterable only read when needed."""
    if not _signed_in(user):
        return False
    if user.role == Role.ADMINISTRATOR:
        return True
    if user.role != Role.SENDER:
        return False
    if user.scope_all or (sender_id is not None and sender_id == user.pk):
        return True
    departments = set(department_ids)
    allowed = set(user.scope_departments.values_list("pk", flat=True))
    return bool(departments) and departments <= allowed


def situation_scope(user, *, sender_id, department_ids):
    """Which part of an alert's headquarters view this person may see: None for all of it
    (whoever may manage the alert), the ids of their own departments for a department
    administrator (empty when none was asked), else PermissionError."""
    if can_manage_alert(user, sender_id=sender_id, department_ids=department_ids):
        return None
    if _signed_in(user) and user.role == Role.DEPARTMENT_ADMIN:
        return set(user.scope_departments.values_list("pk", flat=True)) & set(department_ids)
    raise PermissionError
