"""Work done later on someone's behalf, checked again when it runs: a scheduled post is
published by the minute's task, and a reminder (or a request to confirm again) may wait
for working hours. Rights can change in between — the author leaves, is deactivated or
loses the right to post there — so each is run only if whoever asked for it could still
do it now. What can no longer run is not run, and its author and the administrators are
told, by an everyday notice through the one pipeline."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.notices import pipeline
from renraku.notices.models import Delivery

from . import access, actions
from .models import Announcement, Post, Purpose, Status

# Said of a reminder's deliveries that were given up.
STOPPED = "its sender may no longer post"


def is_system_author(user) -> bool:
    """renraku itself: what the server's command line posts (authorised by whoever runs
    the server), never a person who can sign in."""
    return (
        user.username == actions.SYSTEM_USERNAME
        and user.staff_id is None
        and not user.has_usable_password()
    )


def may_still_post(user, post: Post) -> bool:
    """Whether `user` could publish `post` as it stands now: an active account of someone
    still on the staff, allowed to post in its series or category, to its audience and as
    its department — or renraku itself."""
    if user is None:
        return False
    if is_system_author(user):
        return True
    if not user.is_active or (user.staff_id and not user.staff.is_active):
        return False
    where = {"series": post.series, "category": post.category}
    return (
        access.can_post_in(user, **where)
        and access.can_address(user, post.audience, **where)
        and access.can_post_as(user, post.posted_as)
    )


def may_still_remind(user, post: Post) -> bool:
    """A reminder goes in the post's name: whoever asked must still be its author with the
    right to post it, or an administrator."""
    if user is None or not user.is_active:
        return False
    if permissions.is_administrator(user):
        return True
    return post.author_id == user.pk and may_still_post(user, post)


def publish_due(now=None) -> dict[str, list[int]]:
    """The minute's task: publish the scheduled posts whose time has come and whose author
    may still publish them; the others go back to drafts, and their author and the
    administrators are told. Returns {"published": [...], "cancelled": [...]}."""
    now = now or timezone.now()
    done = {"published": [], "cancelled": []}
    due = Post.objects.filter(status=Status.SCHEDULED, publish_at__lte=now)
    for post in due.select_related("author__staff", "series", "category", "posted_as"):
        if not may_still_post(post.author, post):
            if _cancel_schedule(post):
                done["cancelled"].append(post.pk)
            continue
        try:
            actions.publish(post)
        except ValidationError:  # another worker published it first
            continue
        done["published"].append(post.pk)
    return done


def _cancel_schedule(post: Post) -> bool:
    with transaction.atomic():
        locked = Post.objects.select_for_update().filter(pk=post.pk, status=Status.SCHEDULED)
        if not locked.update(status=Status.DRAFT, publish_at=None, updated_at=timezone.now()):
            return False  # published or changed by someone else meanwhile
        told = _tell(post, Purpose.NOT_PUBLISHED)
        record(
            "bulletin.schedule_cancelled",
            actor="system",
            target=f"post:{post.pk}",
            detail={"reason": "author may no longer post", "author": post.author_id, "told": told},
        )
    return True


def stop_reminders() -> list[int]:
    """The minute's task: reminders and requests to confirm again still waiting to go out
    whose sender may no longer send them are given up; the post's author and the
    administrators are told. Returns the announcements stopped."""
    waiting = Delivery.objects.filter(recipient__notice=OuterRef("pk"), status__in=pipeline.OPEN)
    held = Announcement.objects.filter(
        Exists(waiting),
        purpose__in=(Purpose.REMINDER, Purpose.ACK_AGAIN),
        finished_at__isnull=True,
    ).select_related("post__author__staff", "post__series", "post__category", "requested_by")
    stopped = []
    for announcement in held:
        post = announcement.post
        if may_still_remind(announcement.requested_by or post.author, post):
            continue
        with transaction.atomic():
            pipeline.finish(Announcement.objects.filter(pk=announcement.pk), STOPPED)
            told = _tell(post, Purpose.NOT_REMINDED)
            record(
                "bulletin.reminder_stopped",
                actor="system",
                target=f"post:{post.pk}",
                detail={
                    "announcement": announcement.pk,
                    "requested_by": announcement.requested_by_id,
                    "told": told,
                },
            )
        stopped.append(announcement.pk)
    return stopped


def _tell(post: Post, purpose: str) -> int:
    """The post's author (if on the staff) and the administrators, by an everyday notice."""
    admins = permissions.administrators().filter(staff__isnull=False)
    staff_ids = {*admins.values_list("staff_id", flat=True)}
    if post.author.staff_id:
        staff_ids.add(post.author.staff_id)
    return actions.announce(post, purpose, sorted(staff_ids))
