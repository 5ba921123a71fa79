"""What the API changes of its own: an alert sent (or a post published) once per
idempotency key, the per-token request count, and the audit entry for every use of a
token."""

import dataclasses
import datetime as dt
import hashlib
import json
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from renraku.audit.actions import record
from renraku.broadcast.actions import Draft, send_alert
from renraku.broadcast.models import Alert

from .models import IdempotencyKey, RequestCount

# A retry comes within seconds or hours, not days; after this the key may name a new alert
# (the IETF draft leaves the lifetime to the server: 24 hours is what Stripe keeps).
KEY_LIFETIME = dt.timedelta(hours=24)


class KeyReused(Exception):
    """The idempotency key was used for a different request."""


def fingerprint(draft) -> str:
    """The request as understood (after the command line's shorthands are read), so that
    `"5:email"` and its list form are the same request, and a changed word is not. A
    dataclass (an alert's Draft) or a dict (a post's fields)."""
    fields = draft if isinstance(draft, dict) else dataclasses.asdict(draft)
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def send_once(draft: Draft, *, token, key: str, request) -> tuple[Alert, bool]:
    """Send the draft as the token's user, unless this token already sent it under `key`
    in the last 24 hours. Returns the alert and whether it was sent now. Raises KeyReused
    when the key was used for something else, and whatever send_alert raises (nothing is
    kept then, the key included: a corrected request may use it again)."""
    return make_once(
        lambda: send_alert(draft, sender=token.user, request=request),
        kind="alert",
        token=token,
        key=key,
        digest=fingerprint(draft),
    )


def make_once(make, *, kind: str, token, key: str, digest: str):
    """`make()` (which returns the new alert or post, `kind` "alert" or "post"), unless
    this token already made one under `key` in the last 24 hours for the same request
    (`digest`). Returns it and whether it was made now. Raises KeyReused when the key was
    used for something else, and whatever `make` raises (nothing is kept then, the key
    included: a corrected request may use it again)."""
    if earlier := _earlier(token, key):
        return _same_request(earlier, digest, kind), False
    try:
        with transaction.atomic():
            IdempotencyKey.objects.filter(
                token=token, created_at__lt=timezone.now() - KEY_LIFETIME
            ).delete()
            made = make()
            # In the same transaction: nothing made without its key, no key without it.
            IdempotencyKey.objects.create(token=token, key=key, fingerprint=digest, **{kind: made})
    except IntegrityError:
        # A retry that ran alongside the first request and lost the race for the key: what
        # it made has rolled back (nothing was dispatched, that waits for the commit).
        if earlier := _earlier(token, key):
            return _same_request(earlier, digest, kind), False
        raise
    return made, True


def _earlier(token, key: str) -> IdempotencyKey | None:
    fresh = timezone.now() - KEY_LIFETIME
    return (
        IdempotencyKey.objects.select_related("alert", "post")
        .filter(token=token, key=key, created_at__gte=fresh)
        .first()
    )


def _same_request(earlier: IdempotencyKey, digest: str, kind: str):
    made = getattr(earlier, kind)
    if earlier.fingerprint != digest or made is None:  # another request, or another kind
        raise KeyReused
    return made


def count_request(token, now=None) -> tuple[int, int]:
    """Count one request of `token` in the current clock minute. Returns how many it has
    made in this minute, this one included, and the seconds until the minute ends (what
    Retry-After says once over the limit). A fixed window: at a minute's turn a client may
    make up to twice the rate within a few seconds, which a limit against runaway scripts
    can allow."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    mine = RequestCount.objects.filter(token=token, minute=minute)
    with transaction.atomic():
        # An UPDATE adds in the database: two processes counting at once both count.
        if not mine.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RequestCount.objects.create(token=token, minute=minute, count=1)
                RequestCount.objects.filter(token=token, minute__lt=minute).delete()
            except IntegrityError:  # another process started this minute first
                mine.update(count=F("count") + 1)
        count = mine.values_list("count", flat=True).get()
    left = 60 - (now - minute).total_seconds()
    return count, max(1, math.ceil(left))


def over_limit(count: int) -> bool:
    return count > settings.API_RATE_PER_MINUTE


def record_use(request, token, status: int) -> None:
    """Every use of a token, with what it asked and what it got (the query string is left
    out: a directory search's words are about people)."""
    record(
        "api.used",
        request=request,
        actor=token.user,
        target=f"token:{token.hint}",
        detail={
            "token": token.name,
            "method": request.method,
            "path": request.path,
            "status": status,
        },
    )
