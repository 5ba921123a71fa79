"""What the author and administrators see of a post: how many it was sent to, opened and
acknowledged, by department and site, over time, and who has not acknowledged. Counted
from the post's recipients (the audience frozen when it was published) in one grouped
query each; never shown to staff."""

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncHour

from renraku.directory.models import Department, Site
from renraku.notices.models import Recipient
from renraku.rates import fraction

COUNTS = {"recipients": Count("pk"), "read": Count("read_at"), "acknowledged": Count("answered_at")}


def recipients_of(post):
    return Recipient.objects.filter(notice_id=post.notice_id)


def stats(post) -> dict:
    """The CLI's and the API's figures: totals, rates, and one row per department."""
    rows = recipients_of(post)
    totals = rows.aggregate(**COUNTS) if post.notice_id else dict.fromkeys(COUNTS, 0)
    return {
        **totals,
        "read_rate": fraction(totals["read"], totals["recipients"]),
        "ack_rate": fraction(totals["acknowledged"], totals["recipients"])
        if post.requires_ack
        else None,
        "by_department": by_group(post, "department"),
    }


def by_group(post, field: str) -> list[dict]:
    """Rows per department or site the post went to, in the directory's order."""
    if not post.notice_id:
        return []
    model = Department if field == "department" else Site
    counted = {
        row[field]: row for row in recipients_of(post).values(field).annotate(**COUNTS).order_by()
    }
    names = model.objects.filter(pk__in=list(counted)).values_list("pk", "code", "name")
    out = []
    for pk, code, name in names:
        row = counted[pk]
        out.append(
            {
                "code": code,
                "name": name,
                "recipients": row["recipients"],
                "read": row["read"],
                "acknowledged": row["acknowledged"],
                "read_rate": fraction(row["read"], row["recipients"]),
                "ack_rate": fraction(row["acknowledged"], row["recipients"]),
            }
        )
    return out


def trend(post, hours: int = 72) -> list[tuple[dt.datetime, int, int]]:
    """Opened and acknowledged, cumulative, hour by hour since publishing."""
    if not post.notice_id or not post.published_at:
        return []
    rows = recipients_of(post)
    read = dict(
        rows.filter(read_at__isnull=False)
        .annotate(h=TruncHour("read_at"))
        .values_list("h")
        .annotate(n=Count("pk"))
        .order_by()
    )
    acked = dict(
        rows.filter(answered_at__isnull=False)
        .annotate(h=TruncHour("answered_at"))
        .values_list("h")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # An hour the database could not truncate (a value that is not a time) is left out:
    # one bad row must not take the author's page down.
    read.pop(None, None)
    acked.pop(None, None)
    start = post.published_at.replace(minute=0, second=0, microsecond=0)
    last = max([*read, *acked, start])
    points, total_read, total_acked = [], 0, 0
    hour = start
    while hour <= last and len(points) < hours:
        total_read += read.get(hour, 0)
        total_acked += acked.get(hour, 0)
        points.append((hour, total_read, total_acked))
        hour += dt.timedelta(hours=1)
    return points


def not_acknowledged(post, limit: int = 500) -> list:
    """Who has not acknowledged a post that asks for it (for its author and administrators
    only: the caller checks access.can_manage_post). [] for posts that do not ask."""
    if not post.requires_ack or not post.notice_id:
        return []
    return list(
        recipients_of(post)
        .unanswered()
        .select_related("staff", "department")
        .order_by("department__code", "staff__family_name_kana")[:limit]
    )


def series_trend(series) -> list[dict]:
    """Each number of a series with its read rate: the index page's trend."""
    posts = series.posts.filter(status="published").order_by("number")
    counts = {
        row["notice"]: row
        for row in Recipient.objects.filter(notice__in=posts.values("notice"))
        .values("notice")
        .annotate(**COUNTS)
        .order_by()
    }
    out = []
    for post in posts.only("pk", "number", "title", "published_at", "notice_id"):
        row = counts.get(post.notice_id, {"recipients": 0, "read": 0})
        out.append(
            {
                "post": post,
                "recipients": row["recipients"],
                "read": row["read"],
                "read_rate": fraction(row["read"], row["recipients"]),
            }
        )
    return out
