"""The ward's organisation and its people, as HR knows them.

Personal contact data is kept in its own table (PersonalContact) so that no page that shows
a member of staff can reach it by accident: it is read only through
`directory.actions.reveal_personal_contact`, which checks the role and writes the audit entry.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from .text import is_kana, normalize_kana, normalize_name


class Coded(models.Model):
    """A unit of the organisation known by a short code (as HR files name it) and a name."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class Body(Coded):
    """An employing body: 区役所, 教育委員会事務局, 区議会事務局 …"""

    class Meta(Coded.Meta):
        verbose_name = _("body")
        verbose_name_plural = _("bodies")


class Domain(Coded):
    """One of the five domains (企画総務, 区民生活, 保健福祉, 都市整備, 文教)."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)
    overseen_by = models.ForeignKey(
        "Staff",
        verbose_name=_("deputy mayor in charge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="domains_overseen",
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class Department(Coded):
    """部・室・局."""

    domain = models.ForeignKey(Domain, verbose_name=_("domain"), on_delete=models.PROTECT)
    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["domain__order", "order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class Section(Coded):
    """課・係 within a department."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="sections"
    )

    class Meta:
        ordering = ["department__order", "code"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")


class Site(Coded):
    """A place people work: 本庁舎, 総合支所, まちづくりセンター, 保育園, 学校 …"""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        BRANCH_OFFICE = "branch_office", _("Branch office")
        COMMUNITY_CENTER = "community_center", _("Community centre")
        NURSERY = "nursery", _("Nursery")
        SCHOOL = "school", _("School")
        LIBRARY = "library", _("Library")
        CHILDREN_CENTER = "children_center", _("Children's centre")
        HEALTH_CENTER = "health_center", _("Health centre")
        WORKS_OFFICE = "works_office", _("Works office")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # 施設責任者: reports the building's state during a mobilisation (mobilise.facilities).
    lead = models.ForeignKey(
        "Staff",
        verbose_name=_("site lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_sites",
    )

    class Meta(Coded.Meta):
        verbose_name = _("site")
        verbose_name_plural = _("sites")


class Rank(models.IntegerChoices):
    """Lower is more senior; the reporting line runs from higher numbers to lower."""

    MAYOR = 1, _("Mayor")
    DEPUTY_MAYOR = 2, _("Deputy mayor")
    DIRECTOR = 3, _("Director level")
    MANAGER = 4, _("Manager level")
    CHIEF = 5, _("Chief level")
    STAFF = 6, _("Staff")


class Position(Coded):
    """区長, 副区長, 部長, 参事, 課長, 係長, 主任, 主事 … each with its rank."""

    rank = models.PositiveSmallIntegerField(_("rank"), choices=Rank.choices)

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")


class Title(Coded):
    """A role held on top of a position: CIO, CISO, CDO, 秘書 …"""

    class Meta(Coded.Meta):
        verbose_name = _("title")
        verbose_name_plural = _("titles")


class DeploymentLevel(models.Model):
    """A deployment level (配備体制): 1 警戒配備 … the highest, which calls everyone.

    A member of staff is called at their call-up level and every level above it; people
    without one are called only at the highest level (see `queries.called_at`)."""

    number = models.PositiveSmallIntegerField(
        _("level number"), unique=True, validators=[MinValueValidator(1)]
    )
    name = models.CharField(_("name"), max_length=50)
    started_by = models.TextField(_("what starts it"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("deployment level")
        verbose_name_plural = _("deployment levels")

    def __str__(self):
        return f"{self.number} {self.name}"


class Team(Coded):
    """An activity team (活動班) of the disaster response: 本部班, 情報班, 避難所班 …"""

    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")


class MinimumStaffing(models.Model):
    """How many people a post (a site) or a team needs at a deployment level."""

    level = models.ForeignKey(
        DeploymentLevel,
        verbose_name=_("deployment level"),
        on_delete=models.CASCADE,
        related_name="minimums",
    )
    site = models.ForeignKey(
        "Site",
        verbose_name=_("call-up site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="minimums",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="minimums",
    )
    minimum = models.PositiveIntegerField(_("minimum staffing"))

    class Meta:
        ordering = ["level__number", "site__code", "team__order"]
        verbose_name = _("minimum staffing")
        verbose_name_plural = _("minimum staffing")
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=True, team__isnull=False)
                | Q(site__isnull=False, team__isnull=True),
                name="minimum_for_a_post_or_a_team",
                violation_error_message=_("Give either a post or a team, not both."),
            ),
            models.UniqueConstraint(
                fields=["level", "site"],
                condition=Q(site__isnull=False),
                name="one_minimum_per_post_and_level",
            ),
            models.UniqueConstraint(
                fields=["level", "team"],
                condition=Q(team__isnull=False),
                name="one_minimum_per_team_and_level",
            ),
        ]

    def __str__(self):
        return f"{self.level}: {self.site or self.team} ≥ {self.minimum}"


class StaffQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def directors(self):
        return self.filter(position__rank=Rank.DIRECTOR)

    def search(self, query: str):
        """Staff whose name matches `query`, in kanji or in kana (hiragana, katakana or
        half-width), with or without the space between family and given name."""
        query = query.strip()
        if not query:
            return self
        kana = normalize_kana(query)
        if is_kana(kana):
            return self.annotate(_kana=Concat("family_name_kana", "given_name_kana")).filter(
                _kana__contains=kana
            )
        name = normalize_name(query)
        return self.annotate(_name=Concat("family_name", "given_name")).filter(
            Q(_name__contains=name) | Q(employee_number=name)
        )


class Staff(models.Model):
    employee_number = models.CharField(_("employee number"), max_length=20, unique=True)
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=100)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=100)
    position = models.ForeignKey(Position, verbose_name=_("position"), on_delete=models.PROTECT)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="staff"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="staff"
    )
    bodies = models.ManyToManyField(Body, verbose_name=_("bodies"), related_name="staff")
    titles = models.ManyToManyField(
        Title, verbose_name=_("titles"), blank=True, related_name="holders"
    )
    work_email = models.EmailField(_("work e-mail"), blank=True)
    work_phone = models.CharField(_("work phone"), max_length=20, blank=True)
    # The person's LINE WORKS user id (a work account: the HR import's column).
    line_works_id = models.CharField(_("LINE WORKS ID"), max_length=100, blank=True)
    # 参集: the lowest deployment level that calls this person (blank: only the highest,
    # when everyone is called), where they report and in which team. The level is stored as
    # its number, so "everyone called at level N" is one indexed range query without a join.
    callup_level = models.ForeignKey(
        DeploymentLevel,
        verbose_name=_("call-up level"),
        to_field="number",
        db_column="callup_level",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    callup_site = models.ForeignKey(
        Site,
        verbose_name=_("call-up site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="called_staff",
    )
    callup_team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    is_active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        ordering = ["family_name_kana", "given_name_kana", "employee_number"]
        verbose_name = _("member of staff")
        verbose_name_plural = _("staff")
        indexes = [
            models.Index(fields=["family_name_kana", "given_name_kana"]),
            models.Index(fields=["department", "is_active"]),
            models.Index(fields=["is_active", "callup_level"]),
        ]

    def __str__(self):
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"


class PersonalContact(models.Model):
    """A member of staff's own mobile and e-mail: for reaching them in an emergency only.

    Read through `directory.actions.reveal_personal_contact` and nowhere else.
    """

    staff = models.OneToOneField(
        Staff, primary_key=True, on_delete=models.CASCADE, related_name="personal_contact"
    )
    mobile = models.CharField(_("personal mobile"), max_length=20, blank=True)
    email = models.EmailField(_("personal e-mail"), blank=True)

    class Meta:
        verbose_name = _("personal contact")
        verbose_name_plural = _("personal contacts")

    def __str__(self):
        return f"{self.staff} ({_('personal contact')})"


class PushSubscriptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class PushSubscription(models.Model):
    """A browser's web push subscription (one per device a person allows notifications on).

    Retired, not deleted, when the push service says it is gone (404/410).
    """

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # When the device last said it showed a notice (a display receipt): a stored
    # subscription proves nothing; one that shows notices does.
    last_shown_at = models.DateTimeField(_("last shown a notice"), null=True, blank=True)
    # When a low-urgency check was last sent to re-prove a silent device (at most monthly).
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self):
        return f"{self.staff} {self.user_agent[:40]}"

    def as_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class EmailRefusal(models.Model):
    """An address the mail server refused for good (5xx: no such mailbox). Kept by address,
    work or personal, until the person's address changes or a message gets through."""

    address = models.EmailField(_("address"), unique=True)
    refused_at = models.DateTimeField(_("refused at"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("refused e-mail address")
        verbose_name_plural = _("refused e-mail addresses")

    def __str__(self):
        return self.address
