from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import Role

# Administrators hold every Django-admin permission on these apps, and none on the audit
# log, which only auditors read (through its own page, not the admin). The bulletin and
# dialogues apps join this list when they arrive.
_ADMINISTERED_APPS = frozenset({"directory", "accounts", "otp_totp", "broadcast", "feeds"})


def find_account(identifier: str):
    """The one account an employee number (exactly) or a work e-mail (in any case) names,
    or None. Sign-in and its failure count both use it, so however it is typed, it is one
    account with one count."""
    identifier = identifier.strip()
    if not identifier:
        return None
    users = list(
        get_user_model().objects.filter(Q(username=identifier) | Q(email__iexact=identifier))[:2]
    )
    return users[0] if len(users) == 1 else None


def sign_in_target(identifier: str) -> str:
    """What sign-in failures are counted and audited against: the account, or for a name
    that is no account, the name as typed in any case (so it is throttled just the same,
    and the answer does not tell an account from none)."""
    account = find_account(identifier)
    if account is not None:
        return f"user:{account.pk}"
    return f"identifier:{identifier.strip().lower()[:150]}"


class EmployeeNumberOrEmailBackend(ModelBackend):
    """Sign in with an employee number or a work e-mail address, and a password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = find_account(username)
        if user is None:
            # Hash anyway so an unknown account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if _is_administrator(user_obj) and perm.split(".", 1)[0] in _ADMINISTERED_APPS:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if _is_administrator(user_obj) and app_label in _ADMINISTERED_APPS:
            return True
        return super().has_module_perms(user_obj, app_label)


def _is_administrator(user) -> bool:
    return user.is_active and getattr(user, "role", None) == Role.ADMINISTRATOR
