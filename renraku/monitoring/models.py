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
