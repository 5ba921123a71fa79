"""The all-staff bulletin (掲示板): posts, series that number themselves, comments,
reactions, private feedback to the author, attachments and who watched a video.

Who a post was sent to, who opened it (既読) and who acknowledged it (確認) are the
recipients of its publishing notice (renraku.notices): the same frozen snapshot, read
record and counts by department and site as an alert's.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renraku.notices.models import Notice


class Category(models.Model):
    """お知らせ, 人事, 研修 …: who may post in it, and what people choose to be told of."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authors"),
        blank=True,
        related_name="bulletin_categories",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class Series(models.Model):
    """A numbered column: 「松副のDXだより」 #1, #2 … each post takes the next number."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authors"),
        blank=True,
        related_name="bulletin_series",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Post(models.Model):
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("body (Markdown)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="bulletin_posts",
    )
    # The organisation the post speaks for (副区長室, 総務部 …); none: the author alone.
    posted_as = models.ForeignKey(
        "directory.Department",
        verbose_name=_("posted as"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    audience = models.JSONField(_("audience"), default=dict)
    requires_ack = models.BooleanField(_("requires acknowledgement"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    # 掲示期間: shown on the home page from publishing until this (then only in the lists).
    visible_until = models.DateTimeField(_("shown until"), null=True, blank=True)
    # Its publishing notice: who it went to, who opened and who acknowledged it.
    notice = models.OneToOneField(
        "notices.Notice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="one_number_per_series")
        ]

    def __str__(self):
        if self.number is not None:
            return f"#{self.number} {self.title}"
        return self.title


class Purpose(models.TextChoices):
    PUBLISHED = "published", _("Published")
    REMINDER = "reminder", _("Reminder to acknowledge")
    ACK_AGAIN = "ack_again", _("Changed: please acknowledge again")
    FEEDBACK = "feedback", _("New feedback, to the author")
    # Deferred work that could no longer run (deferred.py), to its author and administrators.
    NOT_PUBLISHED = "cancelled", _("Scheduled post not published")
    NOT_REMINDED = "stopped", _("Reminder not sent")


class Announcement(Notice):
    """A notice about a post: its publishing, the one reminder, a request to acknowledge
    again after a material change, new feedback to its author, or word that deferred work
    on it could not run. Sent through the one pipeline (renraku.notices) at normal
    urgency."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="announcements")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    # Who asked for it (a reminder, a request to confirm again): checked again when it is
    # held for working hours and goes out later (deferred.stop_reminders).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return f"{self.post_id} {self.purpose}"


class AudienceEntry(models.Model):
    """A post's audience as rows (selector, code), so "the posts this person may see" is
    one indexed query rather than every post's JSON read in Python."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="audience_entries")
    key = models.CharField(max_length=20)
    code = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["key", "code"])]

    def __str__(self):
        return f"{self.key}={self.code}"


class Revision(models.Model):
    """What a post said before each edit, and whether the edit was material (asked
    those who had acknowledged to acknowledge again)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("body"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited at"), auto_now_add=True)
    material = models.BooleanField(_("material change"), default=False)

    class Meta:
        ordering = ["post", "version"]
        constraints = [
            models.UniqueConstraint(fields=["post", "version"], name="one_revision_per_version")
        ]

    def __str__(self):
        return f"{self.post_id} v{self.version}"


class AttachmentKind(models.TextChoices):
    PDF = "pdf", _("PDF")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class TextStatus(models.TextChoices):
    PENDING = "pending", _("Being read")
    DONE = "done", _("Read")
    FAILED = "failed", _("Could not be read")


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="bulletin/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    # The text of a PDF, for search: read after the upload, in a process of its own with
    # limits on CPU time and memory (extract_text.py), never in the request.
    text = models.TextField(blank=True)
    text_status = models.CharField(
        _("text for search"), max_length=10, choices=TextStatus.choices, blank=True
    )
    text_started_at = models.DateTimeField(null=True, blank=True)
    text_attempts = models.PositiveSmallIntegerField(default=0)
    duration_seconds = models.FloatField(_("length (seconds)"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class Comment(models.Model):
    """Named feedback under a post, seen by everyone who sees the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulletin_comments"
    )
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.body[:40]


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Like")
    THANKS = "thanks", _("Thank you")
    HELPFUL = "helpful", _("Helpful")
    CHEER = "cheer", _("Cheering you on")


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="one_reaction_each")
        ]

    def __str__(self):
        return f"{self.post_id} {self.kind}"


class Feedback(models.Model):
    """「ご意見・ご感想」: a private message to the post's author, seen by nobody else."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="feedback")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # When the author was told of it (the digest or a push), so each is told once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self):
        return self.body[:40]


class FeedbackDigest(models.TextChoices):
    DAILY = "daily", _("A daily e-mail")
    PUSH = "push", _("A push for each")


class AuthorSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    feedback = models.CharField(
        _("tell me of new feedback by"),
        max_length=10,
        choices=FeedbackDigest.choices,
        default=FeedbackDigest.DAILY,
    )
    # Feedback and comments up to here have been told (by the last digest).
    told_up_to = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return str(self.user_id)


class VideoView(models.Model):
    """How much of a video one person has watched: seconds watched (the union of the
    ranges played, not the furthest point), completed at 90 %."""

    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="views")
    staff = models.ForeignKey("directory.Staff", on_delete=models.CASCADE, related_name="+")
    # Played ranges as [[start, end], …] in seconds, merged.
    ranges = models.JSONField(default=list)
    # When the person first asked for the file: what they watched must fit the time since.
    first_requested_at = models.DateTimeField(default=timezone.now)
    watched_seconds = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attachment", "staff"], name="one_view_record_each")
        ]

    def __str__(self):
        return f"{self.attachment_id}:{self.staff_id}"


from .search_index import *  # noqa: E402,F403  (the search index's tables)
