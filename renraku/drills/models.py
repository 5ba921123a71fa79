"""Drills scheduled in a window, and reception tests (受信テスト: a test send).

A scheduled drill becomes an alert marked 訓練 at a moment picked at random inside its
window when it is scheduled. The moment (`send_at`) is kept here and nowhere else: no
page, command or audit entry shows it before the drill has gone out, so that nobody can
be ready for it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledDrillQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(alert__isnull=True, cancelled_at__isnull=True)

    def due(self, now):
        return self.pending().filter(send_at__lte=now)


class ScheduledDrill(models.Model):
    title = models.CharField(_("title"), max_length=100)
    audience = models.JSONField(_("audience"), default=dict)
    window_start = models.DateTimeField(_("window starts"))
    window_end = models.DateTimeField(_("window ends"))
    # Secret until the drill has gone out (see the module's docstring).
    send_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("scheduled at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Why it did not go out: cancelled by someone, or its sender no longer may send it.
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    alert = models.OneToOneField(
        "broadcast.Alert",
        verbose_name=_("alert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_drill",
    )

    objects = ScheduledDrillQuerySet.as_manager()

    class Meta:
        ordering = ["-window_start", "-pk"]
        verbose_name = _("scheduled drill")
        verbose_name_plural = _("scheduled drills")
        indexes = [models.Index(fields=["send_at"], name="drill_due_idx")]

    def __str__(self):
        return self.title

    @property
    def state(self) -> str:
        if self.alert_id:
            return "sent"
        return "cancelled" if self.cancelled_at else "scheduled"


class ReceptionTest(models.Model):
    """That an alert is a reception test (a test send): 「届いたら『届いた』を押して
    ください」, acknowledged with 届いた, with no safety question, to learn who can be
    reached and how."""

    alert = models.OneToOneField(
        "broadcast.Alert",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="reception_test",
    )

    class Meta:
        verbose_name = _("reception test")
        verbose_name_plural = _("reception tests")

    def __str__(self):
        return f"test {self.alert_id}"
