"""Web push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291).

A batch is encrypted and posted concurrently over a few kept-alive connections per push
service. The VAPID header is signed once per push service origin and reused while valid:
signing for every message would cost an ECDSA signature each.
"""

import asyncio
import email.utils
import json
import time
from collections import defaultdict
from urllib.parse import urlsplit

import aiohttp
from django.conf import settings
from django.utils import timezone
from pywebpush import WebPusher

from renraku.broadcast.links import answer_url
from renraku.broadcast.messages import PUSH_PAYLOAD_LIMIT, subject
from renraku.broadcast.models import Severity
from renraku.directory.models import PushSubscription

from . import vapid
from .base import Channel, Outcome

# A push for a disaster is still worth showing to a phone that was off for a day.
TTL_SECONDS = 24 * 60 * 60
VAPID_LIFETIME = 12 * 60 * 60  # RFC 8292 allows at most 24 h
CONCURRENCY = 64
GONE = {404, 410}  # the subscription no longer exists: retire it
_vapid_cache: dict[str, tuple[float, dict]] = {}


def vapid_headers(endpoint: str) -> dict:
    """The Authorization header for this push service, signed at most every few hours."""
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    now = time.time()
    cached = _vapid_cache.get(origin)
    if cached and cached[0] > now + 60:
        return cached[1]
    expires = int(now + VAPID_LIFETIME)
    headers = vapid.key().sign({"aud": origin, "exp": expires, "sub": settings.VAPID_SUBJECT})
    _vapid_cache[origin] = (expires, headers)
    return headers


def payload(alert, recipient_id: int) -> bytes:
    body = alert.body
    data = {
        "title": subject(alert),
        "body": body,
        "url": answer_url(recipient_id),
        "tag": f"alert-{alert.pk}",
        "drill": alert.is_drill,
        "requireInteraction": alert.severity in (Severity.EMERGENCY, Severity.WARNING),
    }
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > PUSH_PAYLOAD_LIMIT:  # the app has the full text
        body = body[: len(body) * 3 // 4]
        data["body"] = body + "…"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def retry_after(value: str | None) -> float | None:
    """Retry-After as seconds, from either of its forms (RFC 9110 §10.2.3)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


class WebPushChannel(Channel):
    kind = "push"
    batch_size = 500

    def reachable(self, staff_ids):
        return set(
            PushSubscription.objects.active()
            .filter(staff_id__in=staff_ids)
            .values_list("staff_id", flat=True)
        )

    def send(self, alert, deliveries):
        staff_ids = [d.recipient.staff_id for d in deliveries]
        subscriptions: dict[int, list[PushSubscription]] = {}
        for sub in PushSubscription.objects.active().filter(staff_id__in=staff_ids):
            subscriptions.setdefault(sub.staff_id, []).append(sub)
        jobs = [
            (d, sub, payload(alert, d.recipient_id))
            for d in deliveries
            for sub in subscriptions.get(d.recipient.staff_id, [])
        ]
        results = asyncio.run(_post_all(jobs, alert)) if jobs else []
        by_delivery: dict[int, list] = defaultdict(list)
        gone = []
        for (delivery, sub, _data), (status, headers) in zip(jobs, results, strict=True):
            by_delivery[delivery.pk].append((status, headers))
            if status in GONE:
                gone.append(sub.pk)
        PushSubscription.objects.filter(pk__in=gone).update(retired_at=timezone.now())
        return [_outcome(d, by_delivery[d.pk]) for d in deliveries]


def _outcome(delivery, results) -> Outcome:
    """Reached when any of the person's devices accepted; gone when all are gone."""
    if any(200 <= status < 300 for status, _h in results):
        return Outcome(delivery.pk, ok=True)
    if not results or all(status in GONE for status, _h in results):
        return Outcome(delivery.pk, ok=False, permanent=True, error="subscription gone")
    status, headers = max(results, key=lambda r: r[0])
    # Our request is wrong (bad key, too large): resending it will not help.
    permanent = status in (400, 401, 403, 413)
    return Outcome(
        delivery.pk,
        ok=False,
        permanent=permanent,
        error=f"push service: {status}",
        retry_after=retry_after(headers.get("Retry-After")),
    )


async def _post_all(jobs, alert):
    limit = asyncio.Semaphore(CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, limit_per_host=CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post(job):
            _delivery, sub, data = job
            headers = {
                **vapid_headers(sub.endpoint),
                "Urgency": "high",
                # One topic per alert: a resend replaces an undelivered copy at the
                # push service instead of showing the person a second notification.
                "Topic": f"alert{alert.pk}",
            }
            async with limit:
                try:
                    pusher = WebPusher(sub.as_info(), aiohttp_session=session)
                    response = await pusher.send_async(data=data, headers=headers, ttl=TTL_SECONDS)
                    return response.status, dict(response.headers)
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    return 599, {"error": str(exc)}

        return await asyncio.gather(*(post(job) for job in jobs))
