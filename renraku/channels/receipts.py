"""Display receipts' tokens: what a push carries so that the device can say "shown".

A token names one delivery and the subscription it went to, with an HMAC over both: the
receipt endpoint checks it with the key alone, reading nothing from the database, so
10,000 phones confirming in the first minute of an alert cost no more than their
recording. A token for one delivery cannot be turned into another's (the HMAC covers the
ids), and repeating it only repeats what it already said.

    "<delivery id>.<subscription id>.<22 characters of base64url HMAC-SHA256>"
"""

import base64
import hmac
from functools import lru_cache

from django.conf import settings

from renraku.parsing import ascii_int

_PURPOSE = b"renraku.channels.receipts: display receipt"
MAX_LENGTH = 60  # two ids of up to 16 digits, two dots, 22 characters of MAC


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # Its own key, derived from SECRET_KEY: a receipt's MAC is no use anywhere else.
    return hmac.digest(secret.encode(), _PURPOSE, "sha256")


def _mac(delivery_id: int, subscription_id: int) -> str:
    digest = hmac.digest(
        _key(settings.SECRET_KEY), f"{delivery_id}.{subscription_id}".encode(), "sha256"
    )
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def sign(delivery_id: int, subscription_id: int) -> str:
    return f"{delivery_id}.{subscription_id}.{_mac(delivery_id, subscription_id)}"


class Unreadable(ValueError):
    """Not a token at all (400), as opposed to a token that is not ours (403)."""


def verify(token: str) -> tuple[int, int] | None:
    """(delivery id, subscription id) if `token` is one `sign` made, None if it is not
    (forged, or altered to name another delivery). Raises Unreadable for what is not
    shaped like a token."""
    parts = token.split(".")
    if len(token) > MAX_LENGTH or len(parts) != 3:
        raise Unreadable(token[:80])
    delivery_id, subscription_id = ascii_int(parts[0]), ascii_int(parts[1])
    if delivery_id is None or subscription_id is None or min(delivery_id, subscription_id) < 1:
        raise Unreadable(token[:80])
    expected = _mac(delivery_id, subscription_id)
    if not hmac.compare_digest(expected.encode(), parts[2].encode("utf-8", "replace")):
        return None
    return delivery_id, subscription_id
