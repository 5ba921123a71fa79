"""Alerts, who they went to, how each was delivered, and what each person answered.

The recipients of an alert are frozen when it is sent (a bulk insert of who the audience
was at that moment): a later HR import does not change who was asked, and the dashboard
counts people by the department and site they had when the alert went out.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renraku.notices import models as notices


class AlertCategory(models.TextChoices):
    EARTHQUAKE = "earthquake", _("Earthquake")
    WEATHER = "weather", _("Weather")
    INCIDENT = "incident", _("Accident or incident")
    SECURITY = "security", _("Information security (CSIRT)")
    NOTICE = "notice", _("Notice")
    DRILL = "drill", _("Drill")


class Severity(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    WARNING = "warning", _("Warning")
    ADVISORY = "advisory", _("Advisory")
    INFORMATION = "information", _("Information")


class ReplyForm(models.TextChoices):
    NONE = "none", _("No reply")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    SAFETY = "safety", _("Safety confirmation")


class ChannelChoice(models.TextChoices):
    PUSH = "push", _("Push notification")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    LINE_WORKS = "line_works", _("LINE WORKS")


class AlertKind(models.TextChoices):
    ORIGINAL = "original", _("Alert")
    REMINDER = "follow_up", _("Follow-up to the unanswered")
    CORRECTION = "correction", _("Correction")
    CANCELLATION = "cancellation", _("Cancellation")
    ALL_CLEAR = "all_clear", _("All clear")
    SUPERVISOR_LIST = "supervisor_list", _("List of the unanswered, to a supervisor")


class Group(models.Model):
    """A saved audience: 災害対策本部員, CSIRT …"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        "directory.Staff", verbose_name=_("members"), related_name="alert_groups", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self):
        return self.name


class Template(models.Model):
    """The usual cases, ready to send: text, reply form, channels and escalation."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=AlertCategory.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    reply_form = models.CharField(_("reply form"), max_length=20, choices=ReplyForm.choices)
    channels = models.JSONField(_("channels in order"), default=list)
    audience = models.JSONField(_("audience"), default=dict)
    escalation = models.JSONField(_("escalation steps"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self):
        return self.name


class Alert(notices.Notice):
    """An alert is a notice (a child table sharing its id, so that everything the pipeline
    records for the notice is the alert's): urgent, on the channels its sender chose."""

    # The column keeps the name it had before alerts became notices.
    notice_ptr = models.OneToOneField(
        notices.Notice,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        serialize=False,
        db_column="id",
        related_name="alert",
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    category = models.CharField(_("category"), max_length=20, choices=AlertCategory.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    reply_form = models.CharField(_("reply form"), max_length=20, choices=ReplyForm.choices)
    is_drill = models.BooleanField(_("drill"), default=False)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AlertKind.choices, default=AlertKind.ORIGINAL
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Snapshots taken at send time: editing a template or a group later changes nothing
    # here. (Its channels, when it went and when it closed are the notice's: channel_order,
    # issued_at, finished_at.)
    audience = models.JSONField(_("audience"), default=dict)
    escalation = models.JSONField(_("escalation steps"), default=list, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=100, default="manual")
    # For a supervisor's list of the unanswered: the escalation step that sent it.
    escalation_run = models.ForeignKey(
        "EscalationRun",
        verbose_name=_("escalation step"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return self.title


class Answer(models.Model):
    """Every answer given, in order; Recipient.answer holds the latest."""

    recipient = models.ForeignKey(
        notices.Recipient, on_delete=models.CASCADE, related_name="answers"
    )
    value = models.CharField(_("answer"), max_length=10, choices=notices.AnswerValue.choices)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=notices.Attendance.choices, blank=True
    )
    location = models.CharField(_("where I am"), max_length=200, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    via = models.CharField(_("via"), max_length=10)
    at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.recipient_id}: {self.value}"


class EscalationRun(models.Model):
    """That step `step` of an alert's escalation has run. Unique, so that two workers (or
    a sweep that runs twice) run each step once."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="escalation_runs")
    step = models.PositiveSmallIntegerField()
    ran_at = models.DateTimeField(auto_now_add=True)
    reached = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "step"], name="step_runs_once")]

    def __str__(self):
        return f"{self.alert_id} step {self.step}"


class DisplayLinkQuerySet(models.QuerySet):
    def usable(self):
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class DisplayLink(models.Model):
    """A read-only view of one or more alerts' situation that needs no sign-in: the wall
    display in the headquarters room (no session to time out during the day), or the link
    a department's head is sent for their department. Only the token's digest is kept;
    revocable; every creation, opening and revocation is audited."""

    alerts = models.ManyToManyField(Alert, verbose_name=_("alerts"), related_name="+")
    # None: the whole ward; else this department only.
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    label = models.CharField(_("label"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = DisplayLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("display link")
        verbose_name_plural = _("display links")

    def __str__(self):
        return self.label
