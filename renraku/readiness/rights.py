"""Who sees readiness: administrators the whole office; a department administrator their
own departments and their people; everyone else only their own state (the home page)."""

from django.core.exceptions import PermissionDenied

from renraku.accounts import permissions


def departments_seen_by(user) -> set[int] | None:
    """None for the whole office (administrators), the ids of a department administrator's
    departments, else PermissionDenied."""
    if permissions.is_administrator(user):
        return None
    if permissions.is_department_admin(user):
        return permissions.scoped_department_ids(user)
    raise PermissionDenied


def may_see_department(user, department_id) -> bool:
    return permissions.is_administrator(user) or permissions.administers_department(
        user, department_id
    )


def may_open(user) -> bool:
    """Whether the home page offers the readiness pages."""
    return permissions.is_administrator(user) or permissions.is_department_admin(user)
