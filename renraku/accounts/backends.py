from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import Role

# Administrators hold every Django-admin permission on these apps, and none on the audit
# log, which only auditors read (through its own page, not the admin).
_ADMINISTERED_APPS = frozenset({"directory", "accounts", "otp_totp", "broadcast"})


class EmployeeNumberOrEmailBackend(ModelBackend):
    """Sign in with an employee number or a work e-mail address, and a password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        identifier = username.strip()
        users = list(
            get_user_model().objects.filter(Q(username=identifier) | Q(email__iexact=identifier))[
                :2
            ]
        )
        if len(users) != 1:
            # Hash anyway so an unknown account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = users[0]
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
