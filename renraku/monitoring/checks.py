"""Health checks: plain functions, each returning [{"name", "ok", "detail"}].

They only read. `renraku health`, /healthz/ready and the dead man's switch (actions.py) all
call `run_checks`, so the three never disagree about what "healthy" means.
"""

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.broadcast.models import EscalationRun
from renraku.feeds.models import FeedState
from renraku.notices.models import Delivery
from renraku.notices.pipeline import OPEN

from .models import Beat

WORKER_SILENCE = dt.timedelta(minutes=2)
FEED_SILENCE = dt.timedelta(minutes=5)
QUEUE_WAIT = dt.timedelta(minutes=2)
WORKER = "worker"


def _check(name: str, ok: bool, detail: str) -> dict:
    return {"name": name, "ok": ok, "detail": detail}


def _ago(now, then) -> int:
    return int((now - then).total_seconds())


def check_worker(now) -> list[dict]:
    """The task worker ran its heartbeat (or any monitoring task) within 2 minutes."""
    last = Beat.objects.filter(name=WORKER).values_list("at", flat=True).first()
    if last is None:
        return [_check(WORKER, False, _("The task worker has never run."))]
    seconds = _ago(now, last)
    detail = _("The task worker last ran %(seconds)d s ago.") % {"seconds": seconds}
    return [_check(WORKER, now - last <= WORKER_SILENCE, detail)]


def feed_key(url: str) -> str:
    return f"feed:{url}"


def feed_successes(urls) -> dict[str, tuple]:
    """url → (when last read without an error, or None; the current error). The poller's
    FeedState holds only its last poll; a Beat remembers an earlier success across errors."""
    states = {s.url: s for s in FeedState.objects.filter(url__in=urls)}
    beats = dict(
        Beat.objects.filter(name__in=[feed_key(u) for u in urls]).values_list("name", "at")
    )
    out = {}
    for url in urls:
        state = states.get(url)
        seen = [beats.get(feed_key(url))]
        if state is not None and not state.error:
            seen.append(state.polled_at)
        seen = [t for t in seen if t is not None]
        out[url] = (max(seen) if seen else None, state.error if state else "")
    return out


def check_feeds(now) -> list[dict]:
    """Every configured feed was read successfully within 5 minutes. One check per feed,
    so that a second feed falling silent is news of its own."""
    urls = list(settings.JMA_FEEDS)
    if not urls:
        return [_check("feeds", True, _("No feeds are configured (RENRAKU_JMA_FEEDS)."))]
    checks = []
    for url, (last, error) in feed_successes(urls).items():
        if last is None:
            detail = _("Never read successfully.")
        else:
            detail = _("Last read successfully %(seconds)d s ago.") % {"seconds": _ago(now, last)}
        if error:
            # The poller's own message: a host name or an HTTP status, nothing personal.
            detail += " " + _("Last error: %(error)s") % {"error": error[:200]}
        checks.append(
            _check(feed_key(url), last is not None and now - last <= FEED_SILENCE, detail)
        )
    return checks


def waiting(now):
    """Deliveries of unfinished notices (open alerts, posts' notifications) waiting to be
    sent: queued, failed and due for a retry, or claimed by a worker that has not finished
    within the stale-claim time. Found through the unfinished notices, as the sweeper finds
    them (there is no index on status), each annotated with `waiting_since`.

    A delivery has no creation time of its own, so it waits since the latest of what is
    known: its notice was issued, its retry fell due, it was claimed, its escalation step ran,
    or (for a fallback to another channel) the person's previous delivery was claimed."""
    stale = now - dt.timedelta(seconds=settings.DELIVERY_STALE_CLAIM_SECONDS)
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    sent = F("recipient__notice__issued_at")
    step_ran = EscalationRun.objects.filter(
        alert_id=OuterRef("recipient__notice_id"), step=OuterRef("attempt") - 2
    ).values("ran_at")[:1]
    sibling_claimed = (
        Delivery.objects.filter(recipient_id=OuterRef("recipient_id"), claimed_at__isnull=False)
        .order_by("-claimed_at")
        .values("claimed_at")[:1]
    )
    return (
        Delivery.objects.filter(recipient__notice__finished_at__isnull=True)
        .filter(Q(due, status__in=OPEN) | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale))
        .annotate(
            # Every term coalesced: SQLite's MAX() of a NULL is NULL, PostgreSQL's ignores it.
            waiting_since=Greatest(
                sent,
                Coalesce("not_before", sent),
                Coalesce("claimed_at", sent),
                Coalesce(Subquery(step_ran), sent),
                Coalesce(Subquery(sibling_claimed), sent),
            )
        )
    )


def queue_summary(now) -> dict:
    """How many deliveries wait, how many longer than QUEUE_WAIT, and the oldest's age."""
    found = waiting(now).aggregate(
        count=Count("pk"),
        late=Count("pk", filter=Q(waiting_since__lt=now - QUEUE_WAIT)),
        oldest=Min("waiting_since"),
    )
    oldest = found["oldest"]
    return {
        "waiting": found["count"],
        "late": found["late"],
        "oldest_seconds": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    }


def check_queue(now) -> list[dict]:
    """No delivery has waited in the queue for more than 2 minutes."""
    queue = queue_summary(now)
    if not queue["waiting"]:
        return [_check("queue", True, _("No deliveries are waiting."))]
    detail = _(
        "%(waiting)d deliveries waiting, %(late)d for more than 2 minutes; the oldest for "
        "%(seconds)d s."
    ) % {"waiting": queue["waiting"], "late": queue["late"], "seconds": queue["oldest_seconds"]}
    return [_check("queue", queue["late"] == 0, detail)]


def check_database(now) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return [_check("database", True, _("The database answers."))]


# What the dead man's switch watches: the database is not among them, since without it
# there is nowhere to remember what was told.
WATCHED = (check_worker, check_feeds, check_queue)
ALL = (*WATCHED, check_database)


def run_checks(checks=ALL, now=None) -> dict:
    """{"ok": every check passed, "checks": [...]}. A check that cannot run (the database
    is down) fails with the kind of error only: this is shown to anyone who asks."""
    now = now or timezone.now()
    results = []
    for check in checks:
        name = check.__name__.removeprefix("check_")
        try:
            results += check(now)
        except DatabaseError as exc:
            results.append(_check(name, False, _("Database error: %s") % type(exc).__name__))
    return {"ok": all(r["ok"] for r in results), "checks": results}
