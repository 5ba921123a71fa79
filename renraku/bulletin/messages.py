"""How a post's notices read: everyday, normal urgency, never looking like an alert (no
【訓練】 or alarm marks, no requireInteraction), linking to the post's page, where opening
it counts as read."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from renraku.channels.message import Message

from .deferred import may_still_remind
from .models import Announcement, Purpose, Status
from .rendering import to_text

PREVIEW = 140  # characters of the body in a notification
# Deferred work that could not run (deferred.py): what its author and administrators read.
NOT_RUN = {
    Purpose.NOT_PUBLISHED: (
        _lazy("Not published: %(title)s"),
        _lazy(
            "This scheduled post was not published: its author may no longer post it. It "
            "is back among the drafts; an administrator can publish it."
        ),
    ),
    Purpose.NOT_REMINDED: (
        _lazy("Reminder not sent: %(title)s"),
        _lazy(
            "The reminder for this post was not sent: whoever asked for it may no longer send it."
        ),
    ),
}


def heading(post) -> str:
    if post.series_id and post.number is not None:
        return f"{post.series.name} #{post.number} {post.title}"
    return post.title


def message_of(announcement: Announcement) -> Message:
    post = announcement.post
    title = heading(post)
    if announcement.purpose == Purpose.REMINDER:
        title = _("Please confirm: %(title)s") % {"title": title}
    elif announcement.purpose == Purpose.ACK_AGAIN:
        title = _("Changed, please confirm again: %(title)s") % {"title": title}
    elif announcement.purpose == Purpose.FEEDBACK:
        title = _("New feedback on: %(title)s") % {"title": title}
    url = settings.BASE_URL + reverse("bulletin:post", args=[post.pk])
    if announcement.purpose == Purpose.FEEDBACK:
        url = settings.BASE_URL + reverse("bulletin:figures", args=[post.pk])
    body = to_text(post.body)
    if announcement.purpose in NOT_RUN:
        title = NOT_RUN[announcement.purpose][0] % {"title": title}
        body = str(NOT_RUN[announcement.purpose][1])
    return Message(
        title=title,
        body=body[:PREVIEW] + ("…" if len(body) > PREVIEW else ""),
        link=lambda _recipient_id: url,
        tag=f"post-{post.pk}",
        urgency=announcement.urgency,
        extra={"kind": "post"},
    )


def wording(notice_ids: list[int]) -> dict:
    """For the pipeline: each announcement's Message; None (not sent) once its post is
    withdrawn, or for a reminder whose sender may no longer send it."""
    rows = Announcement.objects.filter(pk__in=notice_ids).select_related(
        "post__series", "post__author", "requested_by"
    )
    return {a.pk: message_of(a) if _still_to_send(a) else None for a in rows}


def _still_to_send(announcement) -> bool:
    post = announcement.post
    if announcement.purpose in NOT_RUN:
        return True  # about a post that is not published, by design
    if post.status != Status.PUBLISHED:
        return False
    if announcement.purpose in (Purpose.REMINDER, Purpose.ACK_AGAIN):
        return may_still_remind(announcement.requested_by or post.author, post)
    return True
