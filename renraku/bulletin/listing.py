"""The lists a reader sees (the bulletin's index, the home page's 「新着のお知らせ」): posts
they may open, current ones (in their 掲示期間) first, each with whether it was sent to this
person, and whether they have opened and acknowledged it. One query: the reader's own
recipient row is looked up per post by a subquery, never a list of ids."""

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from renraku.notices.models import Recipient

from . import access


def current_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(visible_until__isnull=True) | Q(visible_until__gt=now)


def for_reader(user, posts=None):
    """`posts` (default: all this user may read), annotated with `is_current`, `sent_to_me`,
    `my_read_at` and `my_ack_at`, current first, newest first."""
    posts = access.readable_posts(user) if posts is None else posts
    staff_id = getattr(user, "staff_id", None)
    mine = Recipient.objects.filter(notice_id=OuterRef("notice_id"), staff_id=staff_id)
    return (
        posts.select_related("series", "category", "posted_as")
        .annotate(
            is_current=Case(When(current_q(), then=Value(True)), default=Value(False)),
            sent_to_me=Exists(mine) if staff_id else Value(False, BooleanField()),
            my_read_at=Subquery(mine.values("read_at")[:1]),
            my_ack_at=Subquery(mine.values("answered_at")[:1]),
        )
        .order_by("-is_current", "-published_at", "-pk")
    )


def unread_for(user, limit: int = 5) -> list:
    """The current posts sent to this person that they have not opened yet: the home
    page's 「新着のお知らせ」."""
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None:
        return []
    unread = Recipient.objects.filter(
        notice_id=OuterRef("notice_id"), staff_id=staff_id, read_at__isnull=True
    )
    posts = access.readable_posts(user).filter(current_q()).filter(Exists(unread))
    return list(posts.select_related("series").order_by("-published_at", "-pk")[:limit])
