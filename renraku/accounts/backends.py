from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef, Q, Subquery

from .permissions import is_administrator

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

    def get_user(self, user_id):
        """The signed-in user of a request, with what every page asks of them read in the
        same query: whether they are a named author (two-factor, the menu), whether they
        host dialogues and visit directors, whether any host is named (the menu)."""
        try:
            user = get_user_model()._default_manager.annotate(**_facts()).get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None):
        if is_administrator(user_obj) and perm.split(".", 1)[0] in _ADMINISTERED_APPS:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if is_administrator(user_obj) and app_label in _ADMINISTERED_APPS:
            return True
        return super().has_module_perms(user_obj, app_label)


def _facts() -> dict:
    """By the apps' labels, not their imports: accounts lies below the bulletin and the
    dialogues (an app that is not installed adds nothing)."""
    facts = {}
    if apps.is_installed("renraku.bulletin"):
        series, category = (
            apps.get_model("bulletin", "Series"),
            apps.get_model("bulletin", "Category"),
        )
        facts["named_author_fact"] = Exists(series.objects.filter(authors=OuterRef("pk"))) | Exists(
            category.objects.filter(authors=OuterRef("pk"))
        )
    if apps.is_installed("renraku.dialogues"):
        host = apps.get_model("dialogues", "Host")
        own = host.objects.filter(staff_id=OuterRef("staff_id")).values("visits_directors")
        facts["host_visits_directors_fact"] = Subquery(own[:1])
        facts["any_host_fact"] = Exists(host.objects.all())
    return facts
