"""How a post's notices read: everyday, normal urgency, never looking like an alert (no
【訓練】 or alarm marks, no requireInteraction), linking to the post's page, where opening
it counts as read."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from renraku.notices.message import Message

from .models import Announcement, Purpose, Status
from .rendering import to_text

PREVIEW = 140  # characters of the body in a notification


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
        url = settings.BASE_URL + reverse("bulletin:follow", args=[post.pk])
    body = to_text(post.body)
    return Message(
        title=title,
        body=body[:PREVIEW] + ("…" if len(body) > PREVIEW else ""),
        link=lambda _recipient_id: url,
        tag=f"post-{post.pk}",
        urgency=announcement.urgency,
        extra={"kind": "post"},
    )


def wording(notice_ids: list[int]) -> dict:
    """For the pipeline: each announcement's Message; None once its post is withdrawn."""
    rows = Announcement.objects.filter(pk__in=notice_ids).select_related("post__series")
    return {a.pk: message_of(a) if a.post.status == Status.PUBLISHED else None for a in rows}
