"""What readiness keeps of its own: a daily count per department (the progress chart) and
the nudges sent (so that nobody is nudged twice in a month). Who can be reached *now* is
never stored: it is read from the address tables and the devices' receipts (queries.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Snapshot(models.Model):
    """One department's readiness on one day (Tokyo): how many of its active staff each
    channel reached, and how many no configured channel reached."""

    day = models.DateField(_("day"))
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    staff = models.PositiveIntegerField(_("staff"))
    push = models.PositiveIntegerField(_("push"))
    email = models.PositiveIntegerField(_("e-mail"))
    sms = models.PositiveIntegerField(_("SMS"), default=0)
    voice = models.PositiveIntegerField(_("voice"), default=0)
    line_works = models.PositiveIntegerField(_("LINE WORKS"), default=0)
    none = models.PositiveIntegerField(_("reached by nothing"))

    class Meta:
        ordering = ["day", "department"]
        verbose_name = _("readiness snapshot")
        verbose_name_plural = _("readiness snapshots")
        constraints = [
            models.UniqueConstraint(fields=["department", "day"], name="one_snapshot_a_day")
        ]

    def __str__(self):
        return f"{self.day} {self.department_id}"


class Nudge(models.Model):
    """A reminder sent to one person about their device (at most one of a kind a month)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Device no longer confirms")
        NEVER_SHOWN = "never_shown", _("Device never showed a notice")
        CHECK = "check", _("Check push")

    staff = models.ForeignKey(
        "directory.Staff", on_delete=models.CASCADE, related_name="+", verbose_name=_("staff")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        indexes = [models.Index(fields=["kind", "sent_at", "staff"])]

    def __str__(self):
        return f"{self.kind} {self.staff_id} {self.sent_at:%Y-%m-%d}"
