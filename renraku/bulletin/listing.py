"""What a reader sees of posts. The lists (the bulletin's index, the home page's
「確認をお願いします」 and 「新着のお知らせ」): posts they may open, current ones (in their
掲示期間) first, each with whether it was sent to this person, and whether they have opened
and acknowledged it. One query: the reader's own recipient row is looked up per post by a
subquery, never a list of ids. And on a post's page: their own row, and the reactions."""

from django.db import connection
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from renraku.notices.models import Recipient

from . import access
from .models import ReactionKind


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
    """The current posts sent to this person that they have neither opened nor confirmed,
    and that do not wait for their confirmation (those are in to_confirm_for): the home
    page's 「新着のお知らせ」."""
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None:
        return []
    unread = Recipient.objects.filter(
        notice_id=OuterRef("notice_id"),
        staff_id=staff_id,
        read_at__isnull=True,
        answered_at__isnull=True,
    )
    posts = access.readable_posts(user).filter(current_q()).filter(Exists(unread))
    posts = posts.exclude(requires_ack=True)
    return list(posts.select_related("series").order_by("-published_at", "-pk")[:limit])


def to_confirm_for(user, limit: int = 5) -> list:
    """The posts sent to this person that ask for confirmation and that they have not
    confirmed, read or not, in their display period or past it: the home page's
    「確認をお願いします」. Each has `was_read`."""
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None:
        return []
    mine = Recipient.objects.filter(
        notice_id=OuterRef("notice_id"), staff_id=staff_id, answered_at__isnull=True
    )
    posts = access.readable_posts(user).filter(requires_ack=True).filter(Exists(mine))
    posts = posts.annotate(was_read=Exists(mine.filter(read_at__isnull=False)))
    return list(posts.select_related("series").order_by("-published_at", "-pk")[:limit])


# Reaction's table and columns.
_REACTIONS_SQL = (
    "SELECT kind, COUNT(*), SUM(CASE WHEN user_id = %s THEN 1 ELSE 0 END)"
    " FROM bulletin_reaction WHERE post_id = %s GROUP BY kind"
)


def reactions_of(post, user) -> list[dict]:
    """Each kind of reaction with its count and whether `user` pressed it (one query).

    Written out in SQL: every opening of a post asks it, and building it through the ORM
    (a grouped count with a filter) cost several times running it."""
    with connection.cursor() as cursor:
        cursor.execute(_REACTIONS_SQL, [getattr(user, "pk", None), post.pk])
        rows = cursor.fetchall()
    counts, mine = {}, set()
    for kind, n, by_me in rows:
        counts[kind] = n
        if by_me:
            mine.add(kind)
    return [
        {"kind": kind, "label": label, "count": counts.get(kind, 0), "pressed": kind in mine}
        for kind, label in ReactionKind.choices
    ]


def my_recipient(post, user):
    """The reader's own recipient row of the post (read, confirmed), or None."""
    staff_id = getattr(user, "staff_id", None)
    if not post.notice_id or staff_id is None:
        return None
    return Recipient.objects.filter(notice_id=post.notice_id, staff_id=staff_id).first()
