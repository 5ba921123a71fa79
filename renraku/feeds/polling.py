"""Polling JMA's Atom feeds: conditional GET, each entry fetched once, every failure logged
and retried on a later poll, never raised to the caller.

JMA asks its users to fetch only what they need: an entry is fetched when its title is a
type we read (TYPE_OF_TITLE) or its file name carries a type code we read (VPTW6x and the
newer VPWW formats have titles of their own); the others are left alone. Entries older than
JMA_MAX_AGE_MINUTES on first sight (a poller starting after a day off) are remembered and
not acted on.

Links are fetched only where the feed may send us (fetching.py): an entry whose link is
refused is recorded with the reason and never fetched nor retried.
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .fetching import Allowed, Refused, fetch
from .models import FeedEntry, FeedState
from .parsing import TYPE_IN_NAME, TYPE_OF_TITLE, Rejected, parse_feed
from .process import Decision, handle

log = logging.getLogger(__name__)
# Seconds for a whole fetch, connecting to last byte: the worker that polls also delivers.
FEED_DEADLINE = 20
ENTRY_DEADLINE = 20
# Seconds for one poll of one feed, its entries included: after a strong earthquake JMA is
# slow and a feed lists dozens of new entries; one poll must not hold the worker for
# minutes. Entries left when it runs out are fetched at the next poll.
POLL_BUDGET = 60
MAX_ATTEMPTS = 5
# A claimed entry neither fetched nor failed after this long: its poller died.
STALE_CLAIM_SECONDS = 300
MAX_BYTES = 5_000_000
# Type codes read, by prefix: earthquakes, tsunami, warnings, record rain, landslide,
# tornado, typhoon.
WANTED_CODES = ("VXSE5", "VTSE4", "VPWW", "VPOA5", "VXWW5", "VPHW5", "VPTW6")


def poll_all(urls=None) -> list[Decision]:
    decisions = []
    for url in urls if urls is not None else settings.JMA_FEEDS:
        decisions += poll(url)
    return decisions


def poll(url: str) -> list[Decision]:
    """One look at one feed; the decisions of the entries it fetched, within POLL_BUDGET."""
    budget_end = time.monotonic() + POLL_BUDGET
    state, _created = FeedState.objects.get_or_create(url=url)
    headers = {"User-Agent": "renraku (municipal staff alerts)"}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        allowed = Allowed.for_feed(url, settings.JMA_ENTRY_HOSTS)
        status, reply_headers, body = _get(url, headers, allowed, FEED_DEADLINE)
        if status == 304:
            FeedState.objects.filter(pk=state.pk).update(polled_at=timezone.now(), error="")
            return []
        entries = parse_feed(body)
    except (OSError, ValueError, Rejected, Refused) as exc:
        log.warning("feed %s: %s (will try again at the next poll)", url, exc)
        FeedState.objects.filter(pk=state.pk).update(polled_at=timezone.now(), error=str(exc))
        return []
    decisions, left = [], False
    for entry in entries:
        remaining = budget_end - time.monotonic()
        if remaining < 1:
            left = left or wanted(entry)
            continue
        if (decision := _entry(entry, allowed, min(ENTRY_DEADLINE, remaining))) is not None:
            decisions.append(decision)
    # Remember the validators only once every entry we want is done: while one is still to
    # be retried (its fetch failed, another poller has it, or the budget ran out before
    # it), the next poll must get the whole feed again rather than "not modified".
    keys = [_key(e) for e in entries if wanted(e)]
    unfinished = (
        left
        or FeedEntry.objects.filter(
            entry_id__in=keys, fetched=False, attempts__lt=MAX_ATTEMPTS
        ).exists()
    )
    FeedState.objects.filter(pk=state.pk).update(
        etag="" if unfinished else reply_headers.get("ETag", ""),
        last_modified="" if unfinished else reply_headers.get("Last-Modified", ""),
        polled_at=timezone.now(),
        error="",
    )
    return decisions


def _get(url: str, headers: dict, allowed: Allowed, deadline: float):
    return fetch(url, headers, allowed=allowed, deadline=deadline, max_bytes=MAX_BYTES)


def wanted(entry: dict) -> bool:
    found = TYPE_IN_NAME.search(entry["url"].rsplit("/", 1)[-1])
    code = found.group(1) if found else ""
    return bool(entry["url"]) and (entry["title"] in TYPE_OF_TITLE or code.startswith(WANTED_CODES))


def _key(entry: dict) -> str:
    return (entry["id"] or entry["url"])[:500]


def _entry(entry: dict, allowed: Allowed, deadline: float) -> Decision | None:
    if not wanted(entry):
        return None
    claim = _claim(_key(entry), entry["url"][:500])
    if claim is None:
        return None
    entries = FeedEntry.objects.filter(pk=claim.pk)
    if claim.attempts == 1 and _too_old(entry["updated"]):
        entries.update(fetched=True, error="too old when first seen")
        return None
    try:
        _status, _headers, body = _get(entry["url"], {"User-Agent": "renraku"}, allowed, deadline)
    except Refused as exc:  # asking again would be refused again: done with it
        log.warning("feed entry %s refused: %s", entry["url"][:500], exc)
        entries.update(fetched=True, error=f"refused: {exc}")
        return None
    except (OSError, ValueError) as exc:
        log.warning("feed entry %s: %s (will try again)", entry["url"], exc)
        entries.update(error=str(exc))
        return None
    try:
        decision = handle(body, entry["url"])
    except Exception as exc:  # one message must never stop the poller: retried later
        log.exception("feed entry %s could not be processed", entry["url"])
        entries.update(error=f"processing failed: {exc!r}")
        return None
    entries.update(fetched=True, error="")
    return decision


def _claim(key: str, url: str) -> FeedEntry | None:
    """This poller's turn at an entry: a new one, or one that failed before (or whose
    poller died) and has not been given up on. An entry another poller is working on
    right now is left to it."""
    now = timezone.now()
    claim, created = FeedEntry.objects.get_or_create(
        entry_id=key, defaults={"url": url, "attempts": 1, "at": now}
    )
    if created:
        return claim
    stale = now - dt.timedelta(seconds=STALE_CLAIM_SECONDS)
    taken = (
        FeedEntry.objects.filter(pk=claim.pk, fetched=False, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(error__gt="") | Q(at__lt=stale))
        .filter(attempts=claim.attempts)  # nobody else took it since we looked
        .update(attempts=F("attempts") + 1, error="", at=now)
    )
    return FeedEntry.objects.get(pk=claim.pk) if taken else None


def _too_old(updated: str) -> bool:
    try:
        when = dt.datetime.fromisoformat(updated)
    except ValueError:
        return False
    return timezone.now() - when > dt.timedelta(minutes=settings.JMA_MAX_AGE_MINUTES)
