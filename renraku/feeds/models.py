"""What came in from JMA (and CAP), what was decided, and the rules administrators edit."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renraku.broadcast.models import AlertCategory, ReplyForm, Severity

from .parsing import INTENSITIES


class Trigger(models.TextChoices):
    EARTHQUAKE = "earthquake", _("Seismic intensity in the ward")
    WARNING = "warning", _("Warning or information for the ward")
    CAP = "cap", _("CAP alert naming the ward")
    VOLCANO = "volcano", _("Volcanic warning or ashfall forecast for the ward")


class Rule(models.Model):
    """When a message for the ward matches, send this alert, or (with `callup_level`) call
    up the staff of that deployment level. Checked in `order`; every matching rule sends
    (each once per event), except that one call-up acts per message, and a safety-
    confirmation rule asks only those the event's call-up did not call: one message per
    person."""

    name = models.CharField(_("name"), max_length=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    min_intensity = models.CharField(
        _("from seismic intensity"),
        max_length=2,
        blank=True,
        choices=[(i, i) for i in INTENSITIES],
    )
    max_intensity = models.CharField(
        _("up to seismic intensity"),
        max_length=2,
        blank=True,
        choices=[(i, i) for i in INTENSITIES],
        help_text=_("Blank: no upper limit."),
    )
    levels = models.CharField(
        _("warning levels"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated: 特別警報, 警報, 注意報, 情報. Blank: any."),
    )
    names = models.CharField(
        _("warning names containing"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, e.g. 大雨,洪水. Blank: any."),
    )
    all_clear = models.BooleanField(
        _("send an all-clear when lifted"),
        default=True,
        help_text=_("When JMA lifts (解除) a warning this rule sent, tell the same people."),
    )
    # A call-up rule starts a mobilisation (mobilise.actions.start) instead of an alert of
    # its own: the mobilisation's alert asks safety first, then 参集.
    callup_level = models.PositiveSmallIntegerField(
        _("call up at deployment level"),
        null=True,
        blank=True,
        help_text=_(
            "Blank: send the alert described below. A level: call up the staff of that "
            "deployment level instead (their safety, then whether and when they can come); "
            "the safety-confirmation rules then ask only those it did not call. A later "
            "report of the same event matching a higher level raises the same call-up."
        ),
    )
    callup_auto = models.BooleanField(
        _("automatic call-up (自動参集)"),
        default=False,
        help_text=_(
            "The message says staff set out without waiting to be called (always so at "
            "the highest level)."
        ),
    )
    title = models.CharField(
        _("title"),
        max_length=100,
        help_text=_("Facts: ${kind} ${intensity} ${warnings} ${area}, and ${level} for a call-up"),
    )
    body = models.TextField(
        _("Body"),  # (capitalised: the lower-case msgid is an organisation's 所属団体)
        blank=True,
        help_text=_(
            "Facts: ${time} ${kind} ${intensity} ${warnings} ${area} ${headline} ${source}. "
            "Not used by a call-up, which has its own wording."
        ),
    )
    category = models.CharField(
        _("category"), max_length=20, blank=True, choices=AlertCategory.choices
    )
    severity = models.CharField(_("severity"), max_length=20, blank=True, choices=Severity.choices)
    reply_form = models.CharField(
        _("reply form"), max_length=20, blank=True, choices=ReplyForm.choices
    )
    audience = models.JSONField(_("audience"), default=dict)
    channels = models.JSONField(_("channels"), default=list)
    escalation = models.JSONField(_("escalation steps"), default=list, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("feed rule")
        verbose_name_plural = _("feed rules")

    def __str__(self):
        return self.name


class Action(models.TextChoices):
    ALERT_SENT = "alert_sent", _("Alert sent")
    MOBILISED = "mobilised", _("Call-up started")
    CALLUP_RAISED = "callup_raised", _("Call-up raised")
    NONE = "none", _("Nothing to do")
    CANCELLED = "cancelled", _("Cancellation sent")
    CORRECTED = "corrected", _("Correction sent")
    DUPLICATE = "duplicate", _("Already processed")
    AFTERSHOCK = "aftershock", _("Aftershock, not sent")
    DRILL_IGNORED = "drill_ignored", _("Drill, not accepted")
    REJECTED = "rejected", _("Rejected")


class FeedMessage(models.Model):
    """One document as it arrived (from a feed or replayed), with what was decided and why."""

    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    source = models.CharField(_("source"), max_length=500)
    type = models.CharField(_("type"), max_length=10, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, blank=True)
    info_type = models.CharField(_("info type"), max_length=10, blank=True)
    event_id = models.CharField(_("event ID"), max_length=200, blank=True)
    serial = models.IntegerField(_("serial"), null=True, blank=True)
    report_time = models.CharField(_("report time"), max_length=40, blank=True)
    # When it happened by the message's own clock (origin time for an earthquake): the
    # aftershock window is measured on it, so a replay decides as the live run did.
    event_time = models.DateTimeField(_("event time"), null=True, blank=True)
    headline = models.TextField(_("headline"), blank=True)
    ward_affected = models.BooleanField(_("ward affected"), default=False)
    max_intensity = models.CharField(_("intensity in the ward"), max_length=2, blank=True)
    warnings = models.JSONField(_("warnings in the ward"), default=list)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True)
    alert = models.ForeignKey(
        "broadcast.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Beside a call-up (`alert`), the safety question to those it did not call.
    safety_alert = models.ForeignKey(
        "broadcast.Alert",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("safety confirmation"),
    )
    # Set on the first arrival of a message, unique: a second arrival (another poller, a
    # restart, both feeds) cannot insert the same key and is recorded as a duplicate.
    dedupe_key = models.CharField(max_length=500, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("feed message")
        verbose_name_plural = _("feed messages")
        indexes = [models.Index(fields=["type", "event_id"])]

    def __str__(self):
        return f"{self.type} {self.event_id} #{self.serial}: {self.action}"

    @property
    def intensity_name(self) -> str:
        """震度５弱 for "5-"."""
        from .decide import INTENSITY_NAMES

        return INTENSITY_NAMES.get(self.max_intensity, "")


class Firing(models.Model):
    """A rule sent an alert for an event (and, for warnings, one row per warning name, all
    pointing at the alert). While it is active the rule does not send again for the same
    event or warning; 取消 and 訂正 find the alert through it; 解除, a lowering or a higher
    level of the same warning ends it. An earthquake's firing opens the rule's aftershock
    window, measured from `event_time`."""

    event_key = models.CharField(max_length=300)
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE)
    subject = models.CharField(max_length=200, blank=True)
    alert = models.ForeignKey("broadcast.Alert", on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    at = models.DateTimeField(auto_now_add=True)
    event_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "rule", "subject"],
                condition=Q(active=True),
                name="one_active_firing",
            )
        ]

    def __str__(self):
        return f"{self.event_key} / {self.rule_id} {self.subject}: alert {self.alert_id}"


class FeedState(models.Model):
    """What the poller remembers of each feed: for conditional GET, and the last error."""

    url = models.CharField(max_length=500, unique=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self):
        return self.url


class FeedEntry(models.Model):
    """An Atom entry claimed for fetching: each is fetched once (retried a few times if
    the fetch failed)."""

    entry_id = models.CharField(max_length=500, unique=True)
    url = models.CharField(max_length=500)
    fetched = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    at = models.DateTimeField(help_text="when last claimed")

    def __str__(self):
        return self.entry_id
