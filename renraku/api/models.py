"""What the HTTP API keeps of its own: idempotency keys and per-token request counts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a token sent with an alert, a bulletin post or a scheduled
    drill, written in the transaction that makes it: the key exists exactly when what it
    made does, so a retried request finds it and makes nothing. Kept 24 hours
    (actions.KEY_LIFETIME); after that the same key starts a new one. One key names one
    thing: an alert, a post or a drill, never two."""

    token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    # A digest of what was asked for: the same key with a different request is refused,
    # never answered with an alert that says something else.
    fingerprint = models.CharField(max_length=64)
    alert = models.ForeignKey(
        "broadcast.Alert", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    post = models.ForeignKey(
        "bulletin.Post", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    # A drill has no alert until its moment comes, so the key names the drill itself.
    drill = models.ForeignKey(
        "drills.ScheduledDrill", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_per_token"),
            models.CheckConstraint(
                condition=models.Q(alert__isnull=False, post__isnull=True, drill__isnull=True)
                | models.Q(alert__isnull=True, post__isnull=False, drill__isnull=True)
                | models.Q(alert__isnull=True, post__isnull=True, drill__isnull=False),
                name="api_idempotency_key_names_one_thing",
            ),
        ]
        indexes = [models.Index(fields=["token", "created_at"])]

    def __str__(self):
        return self.key


class RequestCount(models.Model):
    """Requests one token made in one clock minute. In the database so that every web
    process (and every web server) counts against the same limit; one row per token and
    minute, the older ones deleted as a new minute starts."""

    token = models.ForeignKey("accounts.ApiToken", on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("API request count")
        verbose_name_plural = _("API request counts")
        constraints = [
            models.UniqueConstraint(fields=["token", "minute"], name="api_request_count_per_minute")
        ]

    def __str__(self):
        return f"{self.minute:%H:%M} {self.count}"
