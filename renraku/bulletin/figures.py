"""The figures the author's pages show, ready for their templates: a post's rates by
department and site with percentages, its curve, who watched its videos by department,
a series' rates by number, and the author's own posts with theirs. The counting is
queries.py's and video.py's; this only shapes it for a page."""

from renraku import charts
from renraku.notices.models import Recipient
from renraku.rates import percent

from . import queries, video
from .models import AttachmentKind, Post

# The trend chart's drawing area (SVG user units): wide and low, as on a phone.
CHART_W, CHART_H = 600, 160


def _with_percents(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["read_pct"] = percent(row["read"], row["recipients"])
        row["ack_pct"] = percent(row["acknowledged"], row["recipients"])
    return rows


def department_rows(post) -> list[dict]:
    """Per department: recipients, read, acknowledged, and the two rates (read_pct,
    ack_pct), in the directory's order."""
    return _with_percents(queries.by_group(post, "department"))


def post_figures(post, user) -> dict:
    """Everything the author's page of `post` shows `user` (its author or an
    administrator: the caller checked access.can_manage_post)."""
    mine = post.author_id == user.pk
    totals = queries.stats(post)
    trend = queries.trend(post)
    return {
        "post": post,
        "totals": totals,
        "read_pct": percent(totals["read"], totals["recipients"]),
        "ack_pct": percent(totals["acknowledged"], totals["recipients"]),
        "departments": _with_percents(totals["by_department"]),
        "sites": _with_percents(queries.by_group(post, "site")),
        "trend": trend,
        "read_points": points(trend, 1, totals["recipients"]),
        "ack_points": points(trend, 2, totals["recipients"]) if post.requires_ack else "",
        "videos": video_figures(post),
        # Private to the author: not even administrators read it.
        "feedback": post.feedback.select_related("sender__staff")[:200] if mine else None,
        "revisions": post.revisions.select_related("edited_by")[:50],
        "comments": post.comments.select_related("author__staff"),
        "waiting": queries.not_acknowledged(post),
    }


def video_figures(post) -> list[dict]:
    """Per video of the post: who started and who finished watching it (90 %), by
    department, as counts and rates of those it was sent to. Never names: the post's rules
    name only those who have not confirmed a post asking for it."""
    out = []
    sent_to = (
        Recipient.objects.filter(notice_id=post.notice_id).values("staff_id")
        if post.notice_id
        else None
    )
    for attachment in post.attachments.filter(kind=AttachmentKind.VIDEO):
        stats = video.stats_by_department(attachment, sent_to)
        whole_key = "recipients" if sent_to is not None else "viewers"
        for row in [stats, *stats["by_department"]]:
            row["viewed_pct"] = percent(row["viewers"], row[whole_key])
            row["completed_pct"] = percent(row["completed"], row[whole_key])
        out.append({"attachment": attachment, "stats": stats, "of_recipients": bool(sent_to)})
    return out


def points(trend, column, whole) -> str:
    """SVG polyline points of a cumulative count as a share of the recipients."""
    if not trend or not whole:
        return ""
    return charts.polyline(
        [(i, row[column] / whole) for i, row in enumerate(trend)],
        x_span=max(len(trend) - 1, 1),
        width=CHART_W,
        height=CHART_H,
    )


def series_rows(series, readable_ids) -> list[dict]:
    """The numbers of `series` this reader may open, each with its read rate."""
    rows = [row for row in queries.series_trend(series) if row["post"].pk in readable_ids]
    for row in rows:
        row["percent"] = percent(row["read"], row["recipients"])
    return rows


def bars(rows) -> list[dict]:
    """One bar per number: x, width, y and height in the chart's units."""
    shapes = charts.bars(
        [row["percent"] / 100 for row in rows], width=CHART_W, height=CHART_H, base=CHART_H
    )
    for shape, row in zip(shapes, rows, strict=True):
        shape["label"] = f"#{row['post'].number}: {row['percent']}%"
    return shapes


def mine_rows(user, limit: int = 200) -> list[dict]:
    """The author's own posts, newest first, each with its counts and rates."""
    posts = list(
        Post.objects.filter(author=user)
        .select_related("series", "category")
        .order_by("-created_at")[:limit]
    )
    notices = [p.notice_id for p in posts if p.notice_id]
    counts = {
        row["notice"]: row
        for row in Recipient.objects.filter(notice_id__in=notices)
        .values("notice")
        .annotate(**queries.COUNTS)
        .order_by()
    }
    rows = []
    for post in posts:
        c = counts.get(post.notice_id, {"recipients": 0, "read": 0, "acknowledged": 0})
        rows.append(
            {
                "post": post,
                **c,
                "read_rate": percent(c["read"], c["recipients"]),
                "ack_rate": percent(c["acknowledged"], c["recipients"]),
            }
        )
    return rows
