"""Mobilisations (参集): an alert calling staff to their posts at a deployment level, each
person called, what they answered about coming, and their arrivals.

A mobilisation *is* an alert (one-to-one): the pipeline, escalation, safety answers, audit
and the headquarters' view are the alert's. What is its own: the level (raised or stood
down), and per person called (Callup) their post now, whether and when they can come, and
their latest arrival, kept on the one row so that status by post or team is one grouped
query over the callups.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Eta(models.TextChoices):
    """When someone who can come expects to arrive (the key is minutes, or the day)."""

    MIN30 = "30", _("Within 30 minutes")
    MIN60 = "60", _("Within 1 hour")
    MIN180 = "180", _("Within 3 hours")
    DAY = "day", _("Today")


class Reason(models.TextChoices):
    """Why someone cannot come."""

    INJURED = "injured", _("I am injured")
    FAMILY = "family", _("Family circumstances")
    TRANSPORT = "transport", _("Transport cut off")
    OTHER = "other", _("Other")


class Family(models.TextChoices):
    """How one's family is (optional; personal data: shown one person at a time, audited)."""

    ALL_SAFE = "safe", _("All safe")
    INJURED = "injured", _("Someone is injured")
    UNREACHABLE = "unreachable", _("Cannot reach them")


class SiteStatus(models.TextChoices):
    """Whether a building can be used (a facility report)."""

    USABLE = "usable", _("Usable")
    PARTLY = "partly", _("Partly usable")
    UNUSABLE = "unusable", _("Unusable")


class Mobilisation(models.Model):
    alert = models.OneToOneField(
        "broadcast.Alert",
        verbose_name=_("alert"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="mobilisation",
    )
    # The deployment level now (raised or stood down since it started).
    level = models.PositiveSmallIntegerField(_("deployment level"))
    # 自動参集: staff set out without waiting to be called.
    auto = models.BooleanField(_("automatic call-up"), default=False)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("mobilisation")
        verbose_name_plural = _("mobilisations")

    def __str__(self):
        return f"{self.alert_id} level {self.level}"


class Callup(models.Model):
    """One person a mobilisation called: at which of its levels (their own call-up level),
    where they go now and in which team, what they answered, and where they last arrived."""

    mobilisation = models.ForeignKey(
        Mobilisation, on_delete=models.CASCADE, related_name="callups", db_index=False
    )
    recipient = models.OneToOneField(
        "notices.Recipient", on_delete=models.CASCADE, related_name="callup"
    )
    staff = models.ForeignKey("directory.Staff", on_delete=models.PROTECT, related_name="+")
    # Their call-up level (the highest level for those without one): standing down below
    # it tells them they are no longer needed.
    level = models.PositiveSmallIntegerField(_("call-up level"))
    site = models.ForeignKey(
        "directory.Site",
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "directory.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    called_at = models.DateTimeField(_("called at"))
    stood_down_at = models.DateTimeField(_("stood down at"), null=True, blank=True)
    # The 参集 answer: None until answered; with when they expect to arrive, or why not.
    coming = models.BooleanField(_("can come"), null=True, blank=True)
    eta = models.CharField(_("expected arrival"), max_length=5, choices=Eta.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, blank=True)
    # The first answer's time (a changed answer keeps it, as an alert's answers do).
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # How their family is (optional): personal data, read one person at a time (audited)
    # and otherwise only counted.
    family = models.CharField(_("family"), max_length=12, choices=Family.choices, blank=True)
    family_at = models.DateTimeField(_("family reported at"), null=True, blank=True)
    # The latest arrival (every one is an Arrival): where they are counted as arrived.
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrived_site = models.ForeignKey(
        "directory.Site",
        verbose_name=_("arrived at post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("call-up")
        verbose_name_plural = _("call-ups")
        constraints = [
            models.UniqueConstraint(fields=["mobilisation", "staff"], name="called_once")
        ]

    def __str__(self):
        return f"{self.mobilisation_id}: {self.staff_id}"


class Arrival(models.Model):
    """Someone arrived somewhere (their post, or elsewhere: recorded where they are)."""

    callup = models.ForeignKey(Callup, on_delete=models.CASCADE, related_name="arrivals")
    site = models.ForeignKey(
        "directory.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("arrived at"), auto_now_add=True)
    # Who recorded it: the person themself (signed in), or the headquarters; None when by
    # the person's own signed link or the command line.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField(_("via"), max_length=10)

    class Meta:
        ordering = ["at"]
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")

    def __str__(self):
        return f"{self.callup_id} at {self.site_id}"


class SiteReport(models.Model):
    """A report on a building during a mobilisation (施設被害報告), by the site's lead or by
    anyone who has arrived there. Every report is kept; the latest per site is its state."""

    mobilisation = models.ForeignKey(
        Mobilisation, on_delete=models.CASCADE, related_name="site_reports"
    )
    site = models.ForeignKey(
        "directory.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("building"), max_length=10, choices=SiteStatus.choices)
    # None: not said.
    power = models.BooleanField(_("power"), null=True, blank=True)
    water = models.BooleanField(_("water"), null=True, blank=True)
    injured = models.PositiveIntegerField(_("injured people there"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    photo = models.FileField(_("photo"), upload_to="site-reports/%Y/%m/", blank=True)
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    # Who reported: a signed-in person, or None from the command line.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField(_("via"), max_length=10)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("facility report")
        verbose_name_plural = _("facility reports")
        indexes = [models.Index(fields=["mobilisation", "site", "-reported_at"])]

    def __str__(self):
        return f"{self.mobilisation_id} {self.site_id}: {self.status}"
