"""Notices: anything renraku tells people, and the pipeline that gets it to them.

A notice is what alerts, bulletin posts and dialogue reminders have in common for
delivery: frozen recipients (who it went to, with their department and site at the time),
deliveries per channel, and each recipient's read and reply. What a notice *says* is
rendered by the app that owns it (see renraku.notices.wording); channels only carry it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    """RFC 8030 urgency. High: an alert (wakes the phone, ignores quiet hours). Normal:
    everything else (waits for the end of a person's quiet hours)."""

    HIGH = "high", _("Urgent")
    NORMAL = "normal", _("Normal")


class AnswerValue(models.TextChoices):
    """The answers a notice can take: an acknowledgement, or a safety answer."""

    ACKNOWLEDGED = "ack", _("Acknowledged")
    SAFE = "safe", _("Safe")
    MINOR = "minor", _("Minor injury")
    SERIOUS = "serious", _("Serious injury")


class Attendance(models.TextChoices):
    CAN = "can", _("Can come to work")
    LATE = "late", _("Can come, later")
    CANNOT = "cannot", _("Cannot come")


class Notice(models.Model):
    """The pipeline's part of anything sent. An alert *is* a notice (a child table sharing
    its id); a bulletin post has one per publishing, reminder or request to acknowledge
    again. Field names are the pipeline's own so that no child's fields clash with them."""

    # Which app words it ("alert", "post" …): see renraku.notices.wording.register. No
    # default, nor for urgency: whoever issues a notice says whose it is and how urgent.
    owner = models.CharField(_("from"), max_length=20)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    # Channels in the order tried; a person whose channel fails for good moves to the
    # next one after it that reaches them. (An alert's channels: the one copy.)
    channel_order = models.JSONField(_("channels in order"), default=list)
    # When it went out (an alert's "sent at"); indexed for the lists, newest first.
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True, db_index=True)
    # No more deliveries: an alert closed, a post withdrawn, a notice gone stale.
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return f"{self.owner} {self.pk}"

    @property
    def is_open(self) -> bool:
        """Still delivering (an alert: still taking answers)."""
        return self.finished_at is None


class RecipientQuerySet(models.QuerySet):
    def answered(self):
        return self.filter(answered_at__isnull=False)

    def unanswered(self):
        return self.filter(answered_at__isnull=True)


class Reach(models.TextChoices):
    """Where getting the notice to one person stands, across all their deliveries. Kept
    on the recipient as deliveries are recorded, so the dashboard counts one column."""

    PENDING = "pending", _("Being sent")
    SENT = "sent", _("Reached")
    FAILED = "failed", _("Every channel failed")
    NONE = "none", _("No channel reaches them")
    APP = "app", _("In the app only, by their choice")


# Recipients and deliveries are written only by renraku, in bulk, from rows read in the
# same transaction, so their foreign keys are not also checked by the database: on
# PostgreSQL each check is a trigger that locks the referenced row, and an alert to
# 100,000 spent 3 of its 8 seconds before the first push on them, at commit. The ORM
# still applies on_delete. Indexes that another index already begins with are left out.
_BULK = {"db_constraint": False}


class Recipient(models.Model):
    """One person a notice went to, as they were when it went (their department and site
    then: a later HR import does not move them), and what they did with it: opened it
    (read_at) and answered it (answered_at, answer: an alert's safety answer, a post's
    acknowledgement)."""

    notice = models.ForeignKey(
        Notice,
        on_delete=models.CASCADE,
        related_name="recipients",
        db_index=False,
    )
    staff = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", **_BULK
    )
    department = models.ForeignKey(
        "directory.Department",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        **_BULK,
    )
    site = models.ForeignKey(
        "directory.Site", on_delete=models.PROTECT, related_name="+", db_index=False, **_BULK
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The latest answer (broadcast's AnswerValue, or "ack" for a post).
    answer = models.CharField(_("answer"), max_length=20, blank=True, choices=AnswerValue.choices)
    # An alert's latest attendance answer, kept here (like `answer`) so the dashboard
    # counts who can come to work in the same single pass over the recipients.
    attendance = models.CharField(
        _("attendance"), max_length=10, blank=True, choices=Attendance.choices
    )
    reach = models.CharField(
        _("reach"), max_length=10, choices=Reach.choices, default=Reach.PENDING
    )
    reached_via = models.CharField(_("reached via"), max_length=10, blank=True)
    # The first display receipt: the device itself said it showed the notice.
    shown_at = models.DateTimeField(_("shown at"), null=True, blank=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [models.UniqueConstraint(fields=["notice", "staff"], name="one_per_person")]
        # Who has not answered, by department: the dashboard's first few are read from
        # this index in order, not sorted out of 50,000 (113 ms at 100,000 on PostgreSQL).
        indexes = [
            models.Index(
                fields=["notice", "answered_at", "department", "id"],
                name="recipient_unanswered_idx",
            )
        ]

    def __str__(self):
        return f"{self.notice_id}:{self.staff_id}"


class Delivery(models.Model):
    """One attempt to reach one recipient on one channel.

    Unique per (recipient, channel, attempt): a task that runs twice finds the row already
    there and sends nothing twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        PERMANENT = "permanent", _("Failed")

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="deliveries", db_index=False, **_BULK
    )
    channel = models.CharField(_("channel"), max_length=10)
    # 1 for the notice itself; escalation steps and follow-ups add later attempts.
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Not before then: a retry's back-off, or the end of the person's quiet hours.
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the device said it showed this delivery (push: the service worker's receipt).
    shown_at = models.DateTimeField(_("shown at"), null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "attempt"], name="one_delivery_per_attempt"
            ),
        ]
        # No index on status or claim: each delivery is rewritten when claimed and when
        # sent, and with no indexed column changing PostgreSQL updates it in place (a HOT
        # update, given the free space broadcast's migration 0005 left in each page).
        # Open work is found through the unfinished notices instead, which are few.

    def __str__(self):
        return f"{self.channel} #{self.attempt} → {self.recipient_id}: {self.status}"


class Choice(models.TextChoices):
    """How a person wants to hear of everyday notices on one topic."""

    PUSH = "push", _("Push notification")
    EMAIL = "email", _("E-mail")
    APP = "app", _("Only in the app")


class Preference(models.Model):
    """One person's choice for one topic ("series:3", "category:2", "dialogues" …).
    Alerts ignore preferences: they go on every channel the sender chose."""

    staff = models.ForeignKey(
        "directory.Staff", on_delete=models.CASCADE, related_name="notice_preferences"
    )
    topic = models.CharField(max_length=40)
    choice = models.CharField(_("tell me by"), max_length=10, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "topic"], name="one_choice_per_topic")
        ]

    def __str__(self):
        return f"{self.staff_id} {self.topic}: {self.choice}"


class QuietHours(models.Model):
    """Hours (Tokyo time) in which no everyday notice reaches this person's devices; what
    comes then waits for the end. Alerts are never held."""

    staff = models.OneToOneField(
        "directory.Staff", primary_key=True, on_delete=models.CASCADE, related_name="quiet_hours"
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class Letter(Notice):
    """A notice whose words are written when it is issued (owner "letter"): the authors'
    feedback digest, a summary. What the app that issues it would otherwise word on the
    fly is kept here, so a retry or a fallback a day later says the same."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    # The page it opens (absolute), the same for every recipient.
    link = models.CharField(_("link"), max_length=500)
    # Replaces an earlier letter with the same tag on the device ("feedback-digest").
    tag = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self):
        return self.title


class Receipt(models.Model):
    """A display receipt as it arrived: the device said it showed a push (a delivery, on one
    subscription), at a whole second. Appended by the receipt endpoint (one narrow INSERT,
    no index but the key, no foreign key checked) and folded every few seconds by the task
    worker into Delivery.shown_at, Recipient.shown_at and PushSubscription.last_shown_at,
    then deleted: 10,000 receipts in an alert's first minute must not queue behind the
    answers for the rows those answers write."""

    delivery_id = models.BigIntegerField()
    subscription_id = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("display receipt")
        verbose_name_plural = _("display receipts")

    def __str__(self):
        return f"{self.delivery_id}@{self.at:%H:%M:%S}"
