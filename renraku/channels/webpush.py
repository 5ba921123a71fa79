"""Web push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291).

A batch is encrypted and posted concurrently over a few kept-alive connections per push
service. The VAPID header is signed once per push service origin and reused while valid:
signing for every message would cost an ECDSA signature each.

Each message is encrypted here, with a new ephemeral key, in a dozen lines of
`cryptography` and `hmac` that follow RFC 8291 §3.3-3.4 step by step: pywebpush builds
several objects per message around the same steps, which cost twice the encryption
itself when sending to ten thousand phones. (The stand-in push service decrypts with its
own code, written separately from the RFC, so the two check each other.)
"""

import base64
import email.utils
import hmac
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import timezone

from renraku.channels.message import Message
from renraku.directory.models import PushSubscription
from renraku.parsing import ascii_int

from . import receipts, vapid
from .base import Channel, Outcome
from .httppost import UNSENDABLE, post_batch

# A push message must fit in 4,096 bytes once encrypted (RFC 8291 adds 103 bytes of
# header, padding and tag); JSON and our URL take the rest of the margin.
PUSH_PAYLOAD_LIMIT = 3_800
# A push for a disaster is still worth showing to a phone that was off for a day.
TTL_SECONDS = 24 * 60 * 60
VAPID_LIFETIME = 12 * 60 * 60  # RFC 8292 allows at most 24 h
CONNECTIONS = 32  # per push service
RECORD_SIZE = 4096
# The subscription no longer exists, or its key cannot be encrypted to: retire it.
GONE = {404, 410, UNSENDABLE}
_vapid_cache: dict[str, tuple[float, dict]] = {}
_NOT_TOPIC = re.compile(r"[^A-Za-z0-9_-]")
_PRINTABLE = re.compile(r"[!-~]{1,1000}")  # printable ASCII, no space or control character


def vapid_headers(endpoint: str) -> dict:
    """The Authorization header for this push service, signed at most every few hours."""
    origin = "/".join(endpoint.split("/", 3)[:3])  # scheme://host[:port]
    now = time.time()
    cached = _vapid_cache.get(origin)
    if cached and cached[0] > now + 60:
        return cached[1]
    expires = int(now + VAPID_LIFETIME)
    headers = vapid.key().sign({"aud": origin, "exp": expires, "sub": settings.VAPID_SUBJECT})
    _vapid_cache[origin] = (expires, headers)
    return headers


def payload(message: Message, recipient_id: int, receipt: str = "") -> bytes:
    return payloads(message)(recipient_id, receipt)


def payloads(message: Message) -> Callable[[int, str], bytes]:
    """The notice's push payload maker: only the link and the display receipt's token
    differ from one recipient (and device) to the next, so the rest is encoded (and the
    body cut to fit) once per notice."""
    body = message.body
    data = {
        **message.extra,
        "title": message.title,
        "body": body,
        "url": "\0",
        "tag": message.tag,
        "requireInteraction": message.require_interaction,
    }
    longest_url = len(json.dumps(message.link(10**12))) + len(', "receipt": ""')
    longest_url += receipts.MAX_LENGTH
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) + longest_url > PUSH_PAYLOAD_LIMIT:  # the app has the full text
        body = body[: len(body) * 3 // 4]
        data["body"] = body + "…"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    # Unambiguous: a quote inside the title or body is escaped, so cannot close a string.
    head, tail = encoded.split(b'"url": "\\u0000"')

    def make(recipient_id: int, receipt: str = "") -> bytes:
        # The service worker posts `receipt` back once it has shown the notification.
        extra = b', "receipt": %s' % json.dumps(receipt).encode() if receipt else b""
        url = json.dumps(message.link(recipient_id)).encode()
        return b'%s"url": %s%s%s' % (head, url, extra, tail)

    return make


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "sha256")  # the one-shot C path: five per message


def encrypt(
    data: bytes,
    p256dh: str,
    auth: str,
    *,
    ephemeral: ec.EllipticCurvePrivateKey | None = None,
    salt: bytes | None = None,
) -> bytes:
    """RFC 8291: ECDH with a new key pair, HKDF (one block each, so one HMAC each), one
    aes128gcm record (RFC 8188) with the sender's public key as its key id. `ephemeral`
    and `salt` are for reproducing the RFC's worked example; leave them to be fresh."""
    ua_public = _b64d(p256dh)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    ephemeral = ephemeral or ec.generate_private_key(ec.SECP256R1())
    as_public = ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    ecdh_secret = ephemeral.exchange(ec.ECDH(), receiver)
    prk_key = _hmac(_b64d(auth), ecdh_secret)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + ua_public + as_public + b"\x01")
    salt = salt or os.urandom(16)
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    # 0x02: this is the last (and only) record, with no padding after the delimiter.
    return header + AESGCM(cek).encrypt(nonce, data + b"\x02", None)


def retry_after(value: str | None) -> float | None:
    """Retry-After as seconds, from either of its forms (RFC 9110 §10.2.3)."""
    if not value:
        return None
    if (seconds := ascii_int(value)) is not None:  # not "²", which float() refuses
        return float(seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


class _Sub(NamedTuple):
    pk: int
    staff_id: int
    endpoint: str
    p256dh: str
    auth: str


class WebPushChannel(Channel):
    kind = "push"
    batch_size = 500
    related = ()

    def reachable(self, staff_ids):
        return (
            PushSubscription.objects.active()
            .filter(staff_id__in=staff_ids)
            .values_list("staff_id", flat=True)
        )

    def send(self, message, deliveries):
        staff_ids = [d.staff_id for d in deliveries]
        subscriptions: dict[int, list[_Sub]] = {}
        # Plain rows, not model objects: a batch reads hundreds.
        rows = PushSubscription.objects.active().filter(staff_id__in=staff_ids)
        unusable = []
        for row in rows.values_list("pk", "staff_id", "endpoint", "p256dh", "auth"):
            sub = _Sub(*row)
            # Registration checks this now; a row stored before it did could carry CR LF
            # into the request line (a header injection): retired, never sent.
            if not _PRINTABLE.fullmatch(sub.endpoint):
                unusable.append(sub.pk)
                continue
            subscriptions.setdefault(row[1], []).append(sub)
        PushSubscription.objects.filter(pk__in=unusable).update(retired_at=timezone.now())
        payload_for = payloads(message)
        jobs = [
            (d, sub, payload_for(d.recipient_id, receipts.sign(d.pk, sub.pk)))
            for d in deliveries
            for sub in subscriptions.get(d.staff_id, [])
        ]
        requests = [
            (sub.endpoint, _headers(sub, message), partial(encrypt, data, sub.p256dh, sub.auth))
            for _d, sub, data in jobs
        ]
        results = post_batch(requests, connections=CONNECTIONS) if jobs else []
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


def topic_of(tag: str) -> str:
    """RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet."""
    return _NOT_TOPIC.sub("", tag)[:32]


def _headers(sub, message: Message) -> dict:
    return {
        **vapid_headers(sub.endpoint),
        "TTL": str(TTL_SECONDS),
        # High wakes a phone in power-saving mode; normal lets it wait (RFC 8030 §5.3).
        "Urgency": message.urgency,
        # One topic per notice: a resend replaces an undelivered copy at the push service
        # instead of showing the person a second notification.
        "Topic": topic_of(message.tag),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
