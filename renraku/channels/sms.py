"""SMS through a Twilio-compatible REST API, answered by replying with a number.

The provider is kept behind a small class so another SMS company can be added without
touching the channel. Disabled until RENRAKU_TWILIO_* settings are given.
"""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from renraku.directory.models import PersonalContact
from renraku.parsing import ascii_int

from .base import Channel, Outcome

# Twilio error codes meaning the number itself is wrong: retrying will not help.
_BAD_NUMBER = {21211, 21214, 21610, 21614}


def e164(phone: str) -> str:
    """A Japanese number as the provider wants it: 090-1234-5678 → +819012345678."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "+81" + digits[1:] if digits.startswith("0") else "+" + digits


def configured() -> bool:
    return bool(settings.TWILIO_URL and settings.TWILIO_SID and settings.TWILIO_TOKEN)


class TwilioProvider:
    """POST /2010-04-01/Accounts/{sid}/{Messages,Calls}.json with Basic auth, as Twilio has
    it. Returns (HTTP status, JSON reply); a network failure is status 599."""

    def send(self, to: str, body: str) -> tuple[int, dict]:
        return self._post("Messages.json", {"To": to, "From": settings.SMS_FROM, "Body": body})

    def call(self, to: str, twiml_url: str) -> tuple[int, dict]:
        """Place a call; the provider fetches what to say from `twiml_url`."""
        return self._post(
            "Calls.json", {"To": to, "From": settings.SMS_FROM, "Url": twiml_url, "Timeout": 30}
        )

    def _post(self, resource: str, params: dict) -> tuple[int, dict]:
        url = f"{settings.TWILIO_URL}/2010-04-01/Accounts/{settings.TWILIO_SID}/{resource}"
        data = urllib.parse.urlencode(params)
        credentials = base64.b64encode(f"{settings.TWILIO_SID}:{settings.TWILIO_TOKEN}".encode())
        request = urllib.request.Request(  # noqa: S310  (a URL from settings)
            url,
            data=data.encode(),
            method="POST",
            headers={"Authorization": f"Basic {credentials.decode()}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.load(exc) | {"retry_after": exc.headers.get("Retry-After")}
            except ValueError:
                return exc.code, {"retry_after": exc.headers.get("Retry-After")}
        except OSError as exc:
            return 599, {"message": str(exc)}


def text_for(message, recipient_id: int) -> str:
    """Title, body and how to answer. Japanese SMS is UCS-2 (70 characters a segment): the
    body is cut so that the whole stays within a few segments."""
    lines = [message.title, message.body[:120]]
    if message.sms_reply_hint:
        lines.append(message.sms_reply_hint)
    if message.reply_hint:
        lines.append(message.link(recipient_id))
    return "\n".join(lines)


def outcome(delivery_id: int, status: int, reply: dict) -> Outcome:
    """What the provider's answer means for one message or call."""
    if 200 <= status < 300:
        return Outcome(delivery_id, ok=True, provider_id=reply.get("sid", ""))
    retry = reply.get("retry_after")
    return Outcome(
        delivery_id,
        ok=False,
        error=f"Twilio: {status} {reply.get('message', '')}",
        permanent=reply.get("code") in _BAD_NUMBER or status in (400, 401, 403, 404),
        retry_after=float(seconds) if (seconds := ascii_int(retry)) is not None else None,
    )


class SmsChannel(Channel):
    """A text to the personal mobile; subclasses change what is sent, not to whom."""

    kind = "sms"
    batch_size = 50
    provider = TwilioProvider()

    def reachable(self, staff_ids):
        return (
            PersonalContact.objects.filter(staff_id__in=staff_ids)
            .exclude(mobile="")
            .values_list("staff_id", flat=True)
        )

    def send(self, message, deliveries):
        outcomes = []
        for delivery in deliveries:
            contact = getattr(delivery.recipient.staff, "personal_contact", None)
            if contact is None or not contact.mobile:
                outcomes.append(Outcome(delivery.pk, ok=False, permanent=True, error="no mobile"))
                continue
            status, reply = self.deliver(e164(contact.mobile), message, delivery.recipient_id)
            outcomes.append(outcome(delivery.pk, status, reply))
        return outcomes

    def deliver(self, number: str, message, recipient_id: int) -> tuple[int, dict]:
        return self.provider.send(number, text_for(message, recipient_id))


def signature(url: str, params: dict, token: str) -> str:
    """X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted POST parameters."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
