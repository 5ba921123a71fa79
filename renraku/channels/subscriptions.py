"""Checking and storing the push subscriptions browsers hand us."""

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from renraku.directory.models import PushSubscription

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _b64(value: str) -> bytes:
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
    the known push services over HTTPS (loopback is allowed only when listed, for tests)."""
    try:
        endpoint, p256dh, auth = info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"]
    except (KeyError, TypeError):
        raise ValidationError("endpoint, keys.p256dh and keys.auth are required") from None
    parts = urlsplit(str(endpoint))
    host = parts.hostname or ""
    if not _known_push_service(host):
        raise ValidationError(f"not a known push service: {host}")
    if parts.scheme != "https" and host not in _LOOPBACK:
        raise ValidationError("push endpoints must use https")
    if not _is_p256_point(_b64(str(p256dh))):
        raise ValidationError("keys.p256dh is not a P-256 public key")
    if len(_b64(str(auth))) != 16:
        raise ValidationError("keys.auth must be 16 bytes")
    return {"endpoint": endpoint, "p256dh": p256dh, "auth": auth}


def save(staff, info: dict, user_agent: str = "") -> PushSubscription:
    """Store a device's subscription for `staff`. A shared device that another person
    used before now notifies this person only."""
    data = check(info)
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
    return subscription


def retire(staff, endpoint: str) -> int:
    return PushSubscription.objects.filter(staff=staff, endpoint=endpoint).update(
        retired_at=timezone.now()
    )
