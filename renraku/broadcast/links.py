"""Signed one-tap answer links: no sign-in, bound to one recipient of one alert, expiring.

The token carries only the recipient's id, signed with the secret key and a purpose
(salt), and timestamped: it cannot be forged, moved to another person, or used after
ANSWER_LINK_MAX_AGE.
"""

from functools import cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "renraku.broadcast.answer"


@cache
def _signer(_secret_key: str) -> signing.TimestampSigner:
    # One per secret key (a test may change it): an alert to 10,000 signs 10,000 links.
    return signing.TimestampSigner(salt=_SALT)


def token_for(recipient_id: int) -> str:
    return _signer(settings.SECRET_KEY).sign(str(recipient_id))


def recipient_id_from(token: str) -> int:
    """Raises signing.BadSignature (or its subclass SignatureExpired) when not valid."""
    value = _signer(settings.SECRET_KEY).unsign(token, max_age=settings.ANSWER_LINK_MAX_AGE)
    if not (value.isascii() and value.isdigit()):
        raise signing.BadSignature("not a recipient")
    return int(value)


@cache
def _answer_path_prefix() -> str:
    return reverse("broadcast:answer", args=["-"]).removesuffix("-/")


def answer_url(recipient_id: int) -> str:
    # The path is resolved once and filled in: an alert to 10,000 makes 10,000 links.
    return f"{settings.BASE_URL}{_answer_path_prefix()}{token_for(recipient_id)}/"
