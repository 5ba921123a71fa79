"""Every state change of the bulletin, each checked and (where it matters) audited: save a
draft, publish (now or at a time), edit, withdraw, read, acknowledge, remind, comment,
react, send private feedback, hide a comment."""

import datetime as dt
import unicodedata
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.directory import audience as audiences
from renraku.notices import pipeline
from renraku.notices.models import Delivery, Recipient, Urgency

from . import access, search
from .models import (
    Announcement,
    AudienceEntry,
    Category,
    Comment,
    Feedback,
    Post,
    Purpose,
    Reaction,
    ReactionKind,
    Revision,
    Series,
    Status,
)

TITLE_MAX = 150
BODY_MAX = 100_000
COMMENT_MAX = 2_000
FEEDBACK_MAX = 4_000
FEEDBACK_PUSH_GAP = dt.timedelta(minutes=15)
PACE_WINDOW = dt.timedelta(minutes=10)
COMMENTS_PER_WINDOW = 20
FEEDBACK_PER_WINDOW = 10
# Right-to-left overrides and isolates can make a title read as something it is not.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# Everyday notices go by push, then e-mail for those push does not reach.
CHANNELS = ["push", "email"]


def system_author():
    """Who posts what the command line posts without naming an author: renraku itself,
    an account nobody can sign in to."""
    from renraku.accounts.models import User

    user, created = User.objects.get_or_create(
        username="renraku", defaults={"first_name": "renraku", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def touch(post) -> None:
    """Mark the post changed (its comments or attachments): the cached parts of its page,
    keyed by this time, are made again."""
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now())


def _control_characters(text: str) -> bool:
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t") or ch in _BIDI_CONTROLS
        for ch in text
    )


def check_text(title: str, body: str) -> list[str]:
    errors = []
    title = (title or "").strip()
    if not title:
        errors.append(_("Give the post a title."))
    elif len(title) > TITLE_MAX:
        errors.append(_("The title is longer than %(n)d characters.") % {"n": TITLE_MAX})
    elif "\n" in title or "\r" in title or _control_characters(title):
        errors.append(_("The title must be one line of text."))
    if not (body or "").strip():
        errors.append(_("Write the body of the post."))
    elif len(body) > BODY_MAX:
        errors.append(_("The body is longer than %(n)d characters.") % {"n": BODY_MAX})
    elif _control_characters(body):
        errors.append(_("The body contains control characters."))
    return errors


def topic_of(post: Post) -> str:
    """What a person chooses how to hear of (renraku.notices.Preference.topic)."""
    if post.series_id:
        return f"series:{post.series_id}"
    if post.category_id:
        return f"category:{post.category_id}"
    return "bulletin"


def save_draft(
    author,
    *,
    title: str,
    body: str,
    audience: dict,
    series: Series | None = None,
    category: Category | None = None,
    posted_as=None,
    requires_ack: bool = False,
    visible_until: dt.datetime | None = None,
    post: Post | None = None,
    request=None,
    authorised: bool = False,
) -> Post:
    """Create (or, for a post not yet published, change) a draft. Raises ValidationError
    with every problem, PermissionDenied when the author may not post there (unless
    `authorised`: the server's own command line)."""
    errors = check_text(title, body)
    try:
        spec = audiences.validate(audience)
    except audiences.AudienceError as exc:
        errors.append(str(exc))
        spec = {}
    if visible_until is not None and visible_until <= timezone.now():
        errors.append(_("The end of the display period must be in the future."))
    if errors:
        raise ValidationError(errors)
    if series is not None and category is None:
        category = series.category
    if not authorised and not (
        access.can_post_in(author, series=series, category=category)
        and access.can_address(author, spec, series=series, category=category)
        and access.can_post_as(author, posted_as)
    ):
        raise PermissionDenied(_("You may not post this, or not to this audience."))
    if post is not None and post.status == Status.PUBLISHED:
        raise ValidationError(_("This post is published: edit it instead."))
    post = post or Post(author=author)
    post.title, post.body = title.strip(), body.strip()
    post.audience, post.series, post.category = spec, series, category
    post.posted_as, post.requires_ack, post.visible_until = posted_as, requires_ack, visible_until
    post.save()
    record(
        "bulletin.draft_saved",
        request=request,
        actor=author,
        target=f"post:{post.pk}",
        detail={"title": post.title},
    )
    return post


def schedule(post: Post, publish_at: dt.datetime, *, by, request=None) -> Post:
    """Publish at `publish_at` (the minute's task publishes it)."""
    _may_change(by, post)
    if post.status not in (Status.DRAFT, Status.SCHEDULED):
        raise ValidationError(_("Only a draft can be scheduled."))
    if publish_at.tzinfo is None:
        publish_at = publish_at.replace(tzinfo=TOKYO)  # a time as people in the ward mean it
    if publish_at <= timezone.now():
        raise ValidationError(_("Choose a time in the future, or publish now."))
    if post.visible_until is not None and post.visible_until <= publish_at:
        raise ValidationError(_("The display period must end after the post is published."))
    post.status, post.publish_at = Status.SCHEDULED, publish_at
    post.save(update_fields=["status", "publish_at", "updated_at"])
    record(
        "bulletin.scheduled",
        request=request,
        actor=by,
        target=f"post:{post.pk}",
        detail={"publish_at": publish_at.isoformat()},
    )
    return post


def _may_change(user, post: Post) -> None:
    if user is not None and not (post.author_id == user.pk or access.is_moderator(user)):
        raise PermissionDenied(_("Only its author or an administrator may change this post."))


def publish(post: Post, *, by=None, request=None) -> Post:
    """Publish now: the next number of its series, its audience frozen as the recipients
    (who it went to, who opened it, who acknowledged it), and a notification to each
    through the pipeline, as each person chose for this series or category."""
    _may_change(by, post)
    from renraku.notices.tasks import dispatch_notice

    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.status not in (Status.DRAFT, Status.SCHEDULED):
            raise ValidationError(_("This post is already published."))
        if post.series_id:
            # One number each, even when two authors publish at once: the series row is
            # the lock.
            Series.objects.select_for_update().get(pk=post.series_id)
            last = Post.objects.filter(series_id=post.series_id).aggregate(n=Max("number"))["n"]
            post.number = (last or 0) + 1
        post.status, post.published_at = Status.PUBLISHED, timezone.now()
        announcement = Announcement.objects.create(
            post=post,
            purpose=Purpose.PUBLISHED,
            owner="post",
            urgency=Urgency.NORMAL,
            channel_order=CHANNELS,
        )
        post.notice = announcement.notice_ptr
        post.save()
        AudienceEntry.objects.bulk_create(
            AudienceEntry(post=post, key=key, code=code)
            for key, code in access.audience_rows(post.audience)
        )
        count = pipeline.freeze(announcement, audiences.resolve(post.audience))
        pipeline.plan(announcement, topic=topic_of(post))
        search.index_post(post)
        record(
            "bulletin.published",
            request=request,
            actor=by or "system",
            target=f"post:{post.pk}",
            detail={
                "title": post.title,
                "number": post.number,
                "recipients": count,
                "audience": post.audience,
            },
        )
        transaction.on_commit(lambda: dispatch_notice(announcement.pk))
    post.recipient_count = count
    return post


def publish_due(now=None) -> list[int]:
    """Publish the scheduled posts whose time has come (the minute's task)."""
    now = now or timezone.now()
    done = []
    for post in Post.objects.filter(status=Status.SCHEDULED, publish_at__lte=now):
        try:
            publish(post)
        except ValidationError:  # another worker published it first
            continue
        done.append(post.pk)
    return done


def edit(post: Post, *, by, title: str, body: str, material: bool = False, request=None):
    """Change a published post, keeping what it said before. A material change to a post
    that requires acknowledgement asks those who had acknowledged to acknowledge again."""
    _may_change(by, post)
    errors = check_text(title, body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if (title.strip(), body.strip()) == (post.title, post.body):
            raise ValidationError(_("Nothing has changed."))
        if material and post.requires_ack:
            day_ago = timezone.now() - dt.timedelta(hours=24)
            if post.announcements.filter(purpose=Purpose.ACK_AGAIN, issued_at__gt=day_ago):
                raise ValidationError(
                    _(
                        "Readers were asked to confirm again less than a day ago; save this "
                        "change without asking again, or wait."
                    )
                )
        Revision.objects.create(
            post=post,
            version=post.version,
            title=post.title,
            body=post.body,
            edited_by=by,
            material=material,
        )
        post.title, post.body, post.version = title.strip(), body.strip(), post.version + 1
        post.save(update_fields=["title", "body", "version", "updated_at"])
        asked = 0
        if material and post.requires_ack and post.notice_id:
            acknowledged = Recipient.objects.filter(notice_id=post.notice_id).answered()
            staff_ids = list(acknowledged.values_list("staff_id", flat=True))
            acknowledged.update(answered_at=None, answer="")
            now = timezone.now()
            when = next_working_time(now)
            asked = _announce(
                post, Purpose.ACK_AGAIN, staff_ids, not_before=when if when > now else None
            )
        if post.status == Status.PUBLISHED:
            search.index_post(post)
        record(
            "bulletin.edited",
            request=request,
            actor=by,
            target=f"post:{post.pk}",
            detail={"version": post.version, "material": material, "asked_again": asked},
        )
    return post


def _announce(post: Post, purpose: str, staff_ids, *, not_before=None) -> int:
    """A notice about `post` to these people (in a transaction): frozen, planned as they
    chose, sent after commit (or held until `not_before`)."""
    from renraku.directory.models import Staff
    from renraku.notices.tasks import dispatch_notice

    announcement = Announcement.objects.create(
        post=post, purpose=purpose, owner="post", urgency=Urgency.NORMAL, channel_order=CHANNELS
    )
    count = pipeline.freeze(announcement, Staff.objects.filter(pk__in=staff_ids))
    pipeline.plan(announcement, topic=topic_of(post))
    if not_before is not None:
        pipeline.hold_until(announcement, not_before)
    transaction.on_commit(lambda: dispatch_notice(announcement.pk))
    return count


def withdraw(post: Post, *, by, request=None) -> Post:
    _may_change(by, post)
    with transaction.atomic():
        post.status = Status.WITHDRAWN
        post.save(update_fields=["status", "updated_at"])
        if post.notice_id:
            pipeline.finish(post.announcements.all(), "post withdrawn")
        search.unindex_post(post)
        record("bulletin.withdrawn", request=request, actor=by, target=f"post:{post.pk}")
    return post


def _recipient(post: Post, user):
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None or post.notice_id is None:
        return None
    return Recipient.objects.filter(notice_id=post.notice_id, staff_id=staff_id)


def record_read(post: Post, user) -> bool:
    """既読: the first opening counts (in the app, or from its push or e-mail). One UPDATE;
    False when `user` was not among its recipients (joined later: they may read it, but
    the rates are of those it was sent to)."""
    rows = _recipient(post, user)
    if rows is None:
        return False
    return bool(rows.filter(read_at__isnull=True).update(read_at=timezone.now()))


def acknowledge(post: Post, user) -> bool:
    """確認: a separate, explicit tap, for a post that asks for it. Also counts as read."""
    if not post.requires_ack:
        raise ValidationError(_("This post does not ask for acknowledgement."))
    rows = _recipient(post, user)
    if rows is None or not rows.exists():
        raise ValidationError(_("This post was not sent to you, so there is nothing to confirm."))
    now = timezone.now()
    rows.filter(read_at__isnull=True).update(read_at=now)
    done = bool(rows.filter(answered_at__isnull=True).update(answered_at=now, answer="ack"))
    # A reminder (or request to confirm again) still waiting for them is now moot.
    pending = Recipient.objects.filter(
        staff_id=user.staff_id,
        notice__announcement__post=post,
        notice__announcement__purpose__in=(Purpose.REMINDER, Purpose.ACK_AGAIN),
    )
    Delivery.objects.filter(recipient__in=pending, status__in=pipeline.OPEN).update(
        status=Delivery.Status.PERMANENT, error="acknowledged before sending"
    )
    pipeline.settle(pending)
    return done


def in_working_hours(when: dt.datetime) -> bool:
    local = when.astimezone(TOKYO)
    start, end = settings.BULLETIN_WORKING_HOURS
    return local.weekday() < 5 and start <= local.time() < end


def next_working_time(when: dt.datetime) -> dt.datetime:
    """`when` if it is in working hours (Tokyo, weekdays), else the next start of them."""
    if in_working_hours(when):
        return when
    start, _end = settings.BULLETIN_WORKING_HOURS
    local = when.astimezone(TOKYO)
    day = local.date() if local.time() < start else local.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=TOKYO)


def remind(post: Post, *, by, request=None) -> int:
    """The one reminder to those who have not acknowledged, delivered in working hours
    (held until they begin when asked outside them). Never a second one."""
    _may_change(by, post)
    if not post.requires_ack or post.status != Status.PUBLISHED:
        raise ValidationError(
            _("Only a published post that asks for acknowledgement can be reminded.")
        )
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.reminded_at is not None:
            raise ValidationError(_("A reminder has already been sent for this post."))
        waiting = Recipient.objects.filter(notice_id=post.notice_id).unanswered()
        staff_ids = list(waiting.values_list("staff_id", flat=True))
        now = timezone.now()
        when = next_working_time(now)
        count = _announce(
            post, Purpose.REMINDER, staff_ids, not_before=when if when > now else None
        )
        post.reminded_at = now
        post.save(update_fields=["reminded_at", "updated_at"])
        record(
            "bulletin.reminded",
            request=request,
            actor=by,
            target=f"post:{post.pk}",
            detail={"recipients": count, "deliver_from": when.isoformat()},
        )
    return count


def _check_words(text: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something first."))
    if len(text) > limit:
        raise ValidationError(_("Keep it within %(n)d characters.") % {"n": limit})
    if _control_characters(text):
        raise ValidationError(_("The text contains control characters."))
    return text


def _check_pace(rows, limit: int) -> None:
    """A person writes at a human pace: past `limit` in the window, wait."""
    if rows.count() >= limit:
        raise ValidationError(_("You have written a lot just now; please wait a few minutes."))


def add_comment(post: Post, user, body: str) -> Comment:
    """A named comment under the post; its author is told with the next feedback digest."""
    if not access.can_read(user, post) or post.status != Status.PUBLISHED:
        raise PermissionDenied(_("You cannot comment on this post."))
    since = timezone.now() - PACE_WINDOW
    _check_pace(Comment.objects.filter(author=user, created_at__gt=since), COMMENTS_PER_WINDOW)
    comment = Comment.objects.create(post=post, author=user, body=_check_words(body, COMMENT_MAX))
    search.index_comment(comment)
    touch(post)
    return comment


def hide_comment(comment: Comment, *, by, reason: str, request=None) -> Comment:
    """Administrators hide a comment, giving a reason; the hiding is audited."""
    if not access.is_moderator(by):
        raise PermissionDenied(_("Only administrators may hide comments."))
    reason = _check_words(reason, 200)
    with transaction.atomic():
        comment.hidden_at, comment.hidden_by, comment.hidden_reason = timezone.now(), by, reason
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        search.unindex_comment(comment)
        touch(comment.post)
        record(
            "bulletin.comment_hidden",
            request=request,
            actor=by,
            target=f"comment:{comment.pk}",
            detail={"post": comment.post_id, "reason": reason, "author": comment.author_id},
        )
    return comment


def toggle_reaction(post: Post, user, kind: str) -> bool:
    """Add the reaction, or take it back when it is there. True when now present."""
    if kind not in ReactionKind.values:
        raise ValidationError(_("Unknown reaction."))
    if not access.can_read(user, post):
        raise PermissionDenied(_("You cannot react to this post."))
    deleted, _rows = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=user, kind=kind)
    except IntegrityError:  # a double tap
        pass
    return True


def send_feedback(post: Post, user, body: str) -> Feedback:
    """「ご意見・ご感想」 to the author alone. An author who chose a push for each hears at
    once; the others in the daily digest."""
    from .models import AuthorSettings, FeedbackDigest

    if not access.can_read(user, post) or post.status != Status.PUBLISHED:
        raise PermissionDenied(_("You cannot send feedback on this post."))
    since = timezone.now() - PACE_WINDOW
    _check_pace(Feedback.objects.filter(sender=user, created_at__gt=since), FEEDBACK_PER_WINDOW)
    with transaction.atomic():
        feedback = Feedback.objects.create(
            post=post, sender=user, body=_check_words(body, FEEDBACK_MAX)
        )
        choice = AuthorSettings.objects.filter(user_id=post.author_id).first()
        author_staff = getattr(post.author, "staff_id", None)
        recently = post.announcements.filter(
            purpose=Purpose.FEEDBACK, issued_at__gt=timezone.now() - FEEDBACK_PUSH_GAP
        )
        # One push per post in a quarter of an hour; the rest wait for the digest.
        wants_push = choice and choice.feedback == FeedbackDigest.PUSH and author_staff
        if wants_push and not recently.exists():
            _announce(post, Purpose.FEEDBACK, [author_staff])
            feedback.notified_at = timezone.now()
            feedback.save(update_fields=["notified_at"])
    return feedback
