"""Checking and storing the push subscriptions browsers hand us.

The endpoint is later written, as it is, into the request line of a POST
(channels/httppost.py): a CR, LF or space in it would let a subscriber add headers or a
second request of their own, so only printable ASCII without spaces is taken.
"""

import base64
import binascii
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from renraku.directory.models import PushSubscription

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_ENDPOINT = 1000  # PushSubscription.endpoint's max_length
# Browsers give the keys in unpadded base64url: 87 characters for the 65-byte p256dh, 22
# for the 16-byte auth. The caps leave room for padding and are checked before decoding.
MAX_P256DH = 100
MAX_AUTH = 32
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
# Active subscriptions a person keeps: a phone replaced year after year leaves its old
# subscription behind, and no one has more devices than this. The oldest gives way.
MAX_PER_PERSON = 10


def _b64(value) -> bytes:
    """The bytes of a base64url key, or b"" (never found valid) for anything else: the
    decoder alone would skip characters outside the alphabet, a CR LF included."""
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        return b""
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return b""


def _is_p256_point(public: bytes) -> bool:
    """Uncompressed (RFC 8291 hashes these 65 bytes) and on the curve: a point off it
    could not be encrypted to, and would only be found out when an alert goes out."""
    if len(public) != 65 or public[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except ValueError:
        return False
    return True


def _known_push_service(host: str) -> bool:
    return any(
        host == entry or (entry.startswith(".") and host.endswith(entry))
        for entry in settings.PUSH_SERVICE_HOSTS
    )


def check(info: dict) -> dict:
    """The subscription's endpoint and keys, or ValidationError. The endpoint must be one of
    the known push services over HTTPS on its usual port, printable ASCII with no user name
    (plain http and other ports only on loopback, and only when it is listed: for tests)."""
    try:
        endpoint, p256dh, auth = info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"]
    except (KeyError, TypeError):
        raise ValidationError("endpoint, keys.p256dh and keys.auth are required") from None
    if not isinstance(endpoint, str) or len(endpoint) > MAX_ENDPOINT:
        raise ValidationError(f"the endpoint must be a string of at most {MAX_ENDPOINT} characters")
    if not all("!" <= c <= "~" for c in endpoint):
        raise ValidationError("the endpoint may hold only printable ASCII, without spaces")
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not _known_push_service(host):
        raise ValidationError(f"not a known push service: {host}")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in _LOOPBACK):
        raise ValidationError("push endpoints must use https")
    if "@" in parts.netloc:
        raise ValidationError("the endpoint must not carry a user name")
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        raise ValidationError("the endpoint's port is not a port") from None
    # Push services listen on 443; another port is only a stand-in on loopback.
    if port not in (None, 443) and not (host in _LOOPBACK and port > 0):
        raise ValidationError("push endpoints must use the https port")
    if not isinstance(p256dh, str) or len(p256dh) > MAX_P256DH:
        raise ValidationError(f"keys.p256dh must be a string of at most {MAX_P256DH} characters")
    if not isinstance(auth, str) or len(auth) > MAX_AUTH:
        raise ValidationError(f"keys.auth must be a string of at most {MAX_AUTH} characters")
    if not _is_p256_point(_b64(p256dh)):
        raise ValidationError("keys.p256dh is not a P-256 public key")
    if len(_b64(auth)) != 16:
        raise ValidationError("keys.auth must be 16 bytes")
    return {"endpoint": endpoint, "p256dh": p256dh, "auth": auth}


def save(staff, info: dict, user_agent: str = "") -> PushSubscription:
    """Store a device's subscription for `staff`. A shared device that another person
    used before now notifies this person only. Past MAX_PER_PERSON, the person's oldest
    subscriptions are retired: the device registering now is the one in their hand."""
    data = check(info)
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=data["endpoint"],
            defaults={
                "staff": staff,
                "p256dh": data["p256dh"],
                "auth": data["auth"],
                "user_agent": user_agent[:300],
                "retired_at": None,
            },
        )
        others = PushSubscription.objects.active().filter(staff=staff).exclude(pk=subscription.pk)
        oldest = others.order_by("-created_at", "-pk").values_list("pk", flat=True)[
            MAX_PER_PERSON - 1 :
        ]
        PushSubscription.objects.filter(pk__in=list(oldest)).update(retired_at=timezone.now())
    return subscription


def retire(staff, endpoint: str) -> int:
    return PushSubscription.objects.filter(staff=staff, endpoint=endpoint).update(
        retired_at=timezone.now()
    )
