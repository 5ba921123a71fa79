"""What monitoring remembers between runs, in the database so that every process and
machine agrees and a restart neither repeats a notice nor forgets an open problem."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Beat(models.Model):
    """The last time something was seen working, one row per thing, updated in place:
    "worker" (the task worker ran a task) and "feed:<url>" (the feed was last read without
    an error: FeedState keeps only the last poll, so an error would otherwise erase when
    the feed last worked)."""

    name = models.CharField(_("name"), max_length=520, unique=True)
    at = models.DateTimeField(_("last seen"))
    host = models.CharField(_("host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class Problem(models.Model):
    """A failing health check the administrators have been told about. The row exists
    while the problem lasts: created when first told, `told_at` moved when told again,
    deleted when its recovery is told."""

    check_name = models.CharField(_("check"), max_length=520, unique=True)
    detail = models.TextField(_("detail"), blank=True)
    started_at = models.DateTimeField(_("started"))
    told_at = models.DateTimeField(_("last told"))

    class Meta:
        verbose_name = _("open problem")
        verbose_name_plural = _("open problems")

    def __str__(self):
        return self.check_name


class PeriodicRun(models.Model):
    """That periodic work `name` has been claimed for one period (`period`: "2026-12-07"
    for a daily task, "2026-12-07T21" for an hourly one). Every worker host runs every
    periodic task (so that one dying leaves nothing undone); the first to insert this row
    does the work, and the others find it there and skip. See monitoring.runs."""

    name = models.CharField(_("task"), max_length=100)
    period = models.CharField(_("period"), max_length=40)
    host = models.CharField(_("host"), max_length=200, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [
            models.UniqueConstraint(fields=["name", "period"], name="one_run_per_period")
        ]

    def __str__(self):
        return f"{self.name} {self.period}"
