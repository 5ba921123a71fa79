import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    SENDER = "sender", _("Sender")
    DEPARTMENT_ADMIN = "department_admin", _("Department administrator")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


# Anyone who can send to many people, change the directory or read who looked at whose
# personal data must prove a second factor: a stolen password alone must not be enough.
TWO_FACTOR_ROLES = frozenset({Role.SENDER, Role.DEPARTMENT_ADMIN, Role.ADMINISTRATOR, Role.AUDITOR})


class User(AbstractUser):
    """A sign-in. `username` is the employee number; `email` the work address."""

    staff = models.OneToOneField(
        "directory.Staff",
        verbose_name=_("member of staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    scope_all = models.BooleanField(
        _("may send to the whole office"),
        default=False,
        help_text=_("For senders: the whole office. Otherwise the departments below."),
    )
    scope_departments = models.ManyToManyField(
        "directory.Department",
        verbose_name=_("departments in scope"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def get_full_name(self) -> str:
        """氏 名, family name first, as Japanese names are written (Django's own puts the
        given name first: 「智子 高田」)."""
        if self.staff_id is not None:
            return self.staff.full_name
        return f"{self.last_name} {self.first_name}".strip() or self.get_username()

    @property
    def requires_two_factor(self) -> bool:
        """Anyone who can send to many people or administer: the roles that do, and the
        bulletin's named authors (whatever their role), who post to the whole office."""
        return self.role in TWO_FACTOR_ROLES or self.is_named_author

    @property
    def is_named_author(self) -> bool:
        """Named by administrators as an author of a bulletin series or category. By the
        reverse relations' names (accounts does not import the bulletin), in one query:
        this is asked on every request (whose user the backend loads with the answer)."""
        if "named_author_fact" in self.__dict__:
            return bool(self.named_author_fact)
        if not self.pk or not hasattr(self, "bulletin_series"):
            return False
        named = models.Q(bulletin_series__isnull=False) | models.Q(
            bulletin_categories__isnull=False
        )
        return User.objects.filter(named, pk=self.pk).exists()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiScope(models.TextChoices):
    """What a token may be used for, on top of what its user's role allows: a directory
    reader's token leaking must not let anyone send an alert, even as a sender."""

    DIRECTORY = "directory", _("Read the directory")
    ALERTS = "alerts", _("Send, follow and close alerts")
    BULLETIN = "bulletin", _("List and publish bulletin posts")


def default_api_scopes() -> list[str]:
    # Tokens made before scopes existed only ever read the directory: they keep exactly that.
    return [ApiScope.DIRECTORY.value]


class ApiToken(models.Model):
    """A bearer token for an integration, acting as its user with that user's role, for
    the uses in `scopes` only (ApiScope values).

    Only a SHA-256 digest is stored: the token is shown once, when made.
    """

    PREFIX = "rk_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("starts with"), max_length=12)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    scopes = models.JSONField(_("scopes"), default=default_api_scopes)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name, expires_at=None, scopes=None) -> tuple["ApiToken", str]:
        """A new token and its only plain copy. `scopes`: ApiScope values (default: the
        directory only); ValueError names any unknown one."""
        scopes = sorted(set(default_api_scopes() if scopes is None else scopes))
        if unknown := [s for s in scopes if s not in ApiScope.values]:
            raise ValueError(f"unknown scope: {', '.join(unknown)}")
        if not scopes:
            raise ValueError("a token needs at least one scope")
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            digest=cls.digest_of(raw),
            hint=raw[:10],
            expires_at=expires_at,
            scopes=scopes,
        )
        return token, raw

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or [])
