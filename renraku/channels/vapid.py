"""The server's VAPID key (RFC 8292): made on first run, kept in var/, never rotated by
accident (a new key would silently void every browser's subscription)."""

import base64
import os
from functools import cache

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02


@cache
def key() -> Vapid02:
    path = settings.VAPID_PRIVATE_KEY_FILE
    if not path.exists():
        vapid = Vapid02()
        vapid.generate_keys()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(vapid.private_pem())
    return Vapid02.from_file(str(path))


def application_server_key() -> str:
    """The public key as browsers take it in pushManager.subscribe (base64url, raw point)."""
    raw = key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
