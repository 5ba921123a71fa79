"""Signed one-tap answer links: no sign-in, bound to one recipient of one alert, expiring.

The token carries only the recipient's id, signed with the secret key and a purpose
(salt), and timestamped: it cannot be forged, moved to another person, or used after
ANSWER_LINK_MAX_AGE.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "renraku.broadcast.answer"


def token_for(recipient_id: int) -> str:
    return signing.dumps(recipient_id, salt=_SALT, compress=False)


def recipient_id_from(token: str) -> int:
    """Raises signing.BadSignature (or its subclass SignatureExpired) when not valid."""
    return int(signing.loads(token, salt=_SALT, max_age=settings.ANSWER_LINK_MAX_AGE))


def answer_url(recipient_id: int) -> str:
    return settings.BASE_URL + reverse("broadcast:answer", args=[token_for(recipient_id)])
