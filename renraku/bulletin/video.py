"""Who watched how much of a bulletin video, and the rates by department.

"How much" is the union of the ranges a person played, not the furthest point reached: a
viewer who skips to the end has not watched the session. The player reports ranges as it
plays (renraku/web/static/web/video.js); each report is merged into the person's one
VideoView row. Reaching 90 % of the video's length completes it, once.

What the server credits is bounded by what it knows, never by what the player says: the
video's length is the one read from the file when it was attached (a video whose length
could not be read keeps no record), and a person's watched seconds never exceed twice the
time since they first asked for the file (someone watching at double speed), so one
crafted report cannot complete a video a moment after opening it.

Viewing records are not written to the audit log: like an answer to an alert they are the
person's own data, not something done with authority, and a player reports every few
seconds.
"""

import math

from django.core.cache import caches
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from renraku.directory.models import Staff
from renraku.rates import percent

from .models import AttachmentKind, VideoView

COMPLETED_SHARE = 0.9
# Players report currentTime a little past the length in the file's metadata (the last
# frame's duration, rounding): within this much an end is taken as the end of the video.
END_SLACK_SECONDS = 2.0
# Played ranges this close are one: timeupdate fires every ~250 ms, so ranges sent one
# after the other leave small gaps that were in fact watched.
JOIN_GAP_SECONDS = 0.5
# Bounds the JSON kept per person (a viewer who jumps about makes many short ranges).
# Past it the two ranges with the smallest gap between them become one: the record keeps
# its size and overstates what was watched by at most that gap.
MAX_RANGES = 100
# The fastest a person watches: twice the normal speed (players offer 2×).
FASTEST_SPEED = 2.0
# What a report may credit beyond FASTEST_SPEED × the time since the file was first asked
# for: the player's reporting granularity and the JOIN_GAP_SECONDS joins.
PACE_SLACK_SECONDS = 2.0


def merge_ranges(ranges, new_range) -> list:
    """`ranges` ([[start, end], …], sorted and disjoint) with `new_range` added: sorted,
    overlapping or nearly touching ranges joined, at most MAX_RANGES of them."""
    merged = []
    for start, end in sorted([*([s, e] for s, e in ranges), list(new_range)]):
        if merged and start <= merged[-1][1] + JOIN_GAP_SECONDS:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    while len(merged) > MAX_RANGES:
        gaps = [merged[i + 1][0] - merged[i][1] for i in range(len(merged) - 1)]
        i = gaps.index(min(gaps))
        merged[i : i + 2] = [[merged[i][0], merged[i + 1][1]]]
    return merged


def watched_seconds(ranges) -> float:
    return sum(end - start for start, end in ranges)


def _number(value, name) -> float:
    """A finite, non-negative float from what the player sent (str, int or float)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number")
    if number < 0:
        raise ValueError(f"{name} is negative")
    return number


def note_request(attachment, staff, now=None) -> None:
    """Remember when `staff` first asked for this video's file (the player loading it):
    the clock their watching is measured against. One INSERT that does nothing when the
    person's record already exists."""
    if attachment.kind != AttachmentKind.VIDEO or staff is None:
        return
    VideoView.objects.bulk_create(
        [VideoView(attachment=attachment, staff=staff, first_requested_at=now or timezone.now())],
        ignore_conflicts=True,
    )


def record_progress(attachment, staff, start, end, now=None) -> VideoView:
    """Add the range [start, end] seconds that `staff` played of `attachment` (a video).

    Raises ValueError, storing nothing, for anything but 0 ≤ start < end ≤ the video's
    length (plus END_SLACK_SECONDS), numbers only; for a video whose length is unknown;
    for someone who never asked for the file; and when the seconds watched would be more
    than FASTEST_SPEED × the time since they first asked for it.
    """
    if attachment.kind != AttachmentKind.VIDEO:
        raise ValueError("this attachment is not a video")
    start, end = _number(start, "start"), _number(end, "end")
    if start >= end:
        raise ValueError("start must be before end")
    length = attachment.duration_seconds
    if not length:
        raise ValueError("the video's length could not be read, so viewing is not recorded")
    if end > length + END_SLACK_SECONDS:
        raise ValueError("end is past the end of the video")
    end = min(end, length)
    if start >= end:
        raise ValueError("start is at or past the end of the video")
    now = now or timezone.now()
    with transaction.atomic():
        view = _view_for_update(attachment, staff)
        ranges = merge_ranges(view.ranges, [round(start, 3), round(end, 3)])
        watched = round(watched_seconds(ranges), 3)
        elapsed = max((now - view.first_requested_at).total_seconds(), 0)
        if watched > FASTEST_SPEED * elapsed + PACE_SLACK_SECONDS:
            raise ValueError("more watched than the time since the video was opened allows")
        view.ranges, view.watched_seconds = ranges, watched
        fields = ["ranges", "watched_seconds", "updated_at"]
        if view.completed_at is None and view.watched_seconds >= COMPLETED_SHARE * length:
            view.completed_at = now
            fields.append("completed_at")
        view.save(update_fields=fields)
    return view


def _view_for_update(attachment, staff) -> VideoView:
    """The person's record, locked: the pagehide beacon and the periodic report of one
    player can arrive together, and one must not overwrite the other's range. None yet:
    they never asked for the file, so nothing of it can have been watched."""
    view = VideoView.objects.select_for_update().filter(attachment=attachment, staff=staff)
    view = view.first()
    if view is None:
        raise ValueError("the video has not been opened: load it in the player first")
    return view


def video_ids(post) -> list[int]:
    """The ids of the post's videos, kept in the pages cache under the post's last change
    (attaching and detaching touch it): most posts have none, and then their page asks
    nothing about viewing."""
    key = f"bulletin:videos:{post.pk}:{post.updated_at.isoformat()}"
    ids = caches["pages"].get(key)
    if ids is None:
        ids = list(
            post.attachments.filter(kind=AttachmentKind.VIDEO)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        caches["pages"].set(key, ids)
    return ids


def views_of(post, staff_id) -> list:
    """What `staff_id` has watched of the post's videos, with `percent` of each: for the
    post's page (視聴済み). Only videos they started."""
    if staff_id is None:
        return []
    videos = video_ids(post)
    if not videos:
        return []
    views = VideoView.objects.filter(
        attachment_id__in=videos, staff_id=staff_id, watched_seconds__gt=0
    ).select_related("attachment")
    out = list(views.order_by("attachment_id"))
    for view in out:
        length = view.attachment.duration_seconds or 0
        view.percent = min(100, percent(view.watched_seconds, length, digits=0))
    return out


def stats_by_department(attachment, recipients=None) -> dict:
    """Viewers and completions by department, counted by each person's current
    department (Staff.department), in the directory's order, with totals.

    Without `recipients`: one row per department with a viewer. With `recipients` (a Staff
    queryset, or a queryset or list of staff ids: those the post went to): one row per
    department with a recipient, each with its count of recipients, and only recipients
    counted as viewers. Either way one grouped query.

    Returns {["recipients",] "viewers", "completed", "by_department": [{"code", "name",
    ["recipients",] "viewers", "completed"}]}.
    """
    if recipients is None:
        # From the viewing records: only as many rows as people who watched.
        people = VideoView.objects.filter(attachment=attachment, watched_seconds__gt=0)
        department = "staff__department"
        counts = {
            "viewers": Count("pk"),
            "completed": Count("pk", filter=Q(completed_at__isnull=False)),
        }
    else:
        # Asking for the file (the player loading it) makes a record; playing makes a viewer.
        views = VideoView.objects.filter(
            attachment=attachment, staff=OuterRef("pk"), watched_seconds__gt=0
        )
        people, department = Staff.objects.filter(pk__in=recipients), "department"
        counts = {
            "recipients": Count("pk"),
            "viewers": Count("pk", filter=Q(Exists(views))),
            "completed": Count("pk", filter=Q(Exists(views.filter(completed_at__isnull=False)))),
        }
    rows = _grouped(people, department, **counts)
    totals = {key: sum(row[key] for row in rows) for key in counts}
    return {**totals, "by_department": rows}


def _grouped(queryset, department, **counts) -> list[dict]:
    """`counts` per department of `department` (the path to it), in the directory's order."""
    order = [f"{department}__domain__order", f"{department}__order", f"{department}__code"]
    rows = (
        queryset.order_by()
        .values(f"{department}__code", f"{department}__name", *order)
        .annotate(**counts)
        .order_by(*order)
    )
    return [
        {
            "code": row[f"{department}__code"],
            "name": row[f"{department}__name"],
            **{key: row[key] for key in counts},
        }
        for row in rows
    ]
