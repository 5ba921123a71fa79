"""Changes to accounts that are audited."""

from django.db import transaction

from renraku.audit.actions import record

from .models import Role, User


def change_role(user: User, role: str, *, actor=None, request=None) -> str:
    """Give `user` a new role and return the old one. Any role, auditor included: only the
    command line calls this with "auditor" (the admin's form does not offer it)."""
    if role not in Role.values:
        raise ValueError(f"no role {role!r}; roles are {', '.join(Role.values)}")
    old = user.role
    with transaction.atomic():
        user.role = role
        user.save(update_fields=["role"])
        record_role_change(user, old, actor=actor, request=request)
    return old


def record_role_change(user: User, old: str, *, actor=None, request=None) -> None:
    if old != user.role:
        record(
            "accounts.role_changed",
            request=request,
            actor=actor,
            target=f"user:{user.pk}",
            detail={"old": old, "new": user.role},
        )


def reset_second_factor(user: User, *, actor=None, request=None) -> int:
    """Remove `user`'s authenticators after a lost phone: at their next sign-in, with their
    own password, they enrol a new one. Only whoever runs the server does this (the command
    line); administrators cannot, so that none can weaken a colleague's account."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        record(
            "accounts.second_factor_reset",
            request=request,
            actor=actor,
            target=f"user:{user.pk}",
            detail={"devices": removed},
        )
    return removed
