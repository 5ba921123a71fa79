"""What readers do with a post, each checked: open it (既読), acknowledge it (確認), comment,
react, send private feedback to its author; and administrators hide a comment (audited).

Opening and acknowledging are the person's own record, like an answer to an alert: not
audited."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.notices import pipeline
from renraku.notices.models import Delivery, Recipient

from . import access, search
from .actions import announce, touch
from .models import Comment, Feedback, Post, Purpose, Reaction, ReactionKind, Status

COMMENT_MAX = 2_000
FEEDBACK_MAX = 4_000
FEEDBACK_PUSH_GAP = dt.timedelta(minutes=15)
PACE_WINDOW = dt.timedelta(minutes=10)
COMMENTS_PER_WINDOW = 20
FEEDBACK_PER_WINDOW = 10


def _recipient(post: Post, user):
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None or post.notice_id is None:
        return None
    return Recipient.objects.filter(notice_id=post.notice_id, staff_id=staff_id)


def record_read(post: Post, user) -> bool:
    """既読: the first opening counts (in the app, or from its push or e-mail). One UPDATE;
    False when `user` was not among its recipients (joined later: they may read it, but
    the rates are of those it was sent to)."""
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None or post.notice_id is None:
        return False
    unread = Recipient.objects.filter(
        notice_id=post.notice_id, staff_id=staff_id, read_at__isnull=True
    )
    return bool(unread.update(read_at=timezone.now()))


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


def _check_words(text: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something first."))
    if len(text) > limit:
        raise ValidationError(_("Keep it within %(n)d characters.") % {"n": limit})
    if textcheck.has_control_characters(text):
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
    if not permissions.is_administrator(by):
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
            announce(post, Purpose.FEEDBACK, [author_staff])
            feedback.notified_at = timezone.now()
            feedback.save(update_fields=["notified_at"])
    return feedback
