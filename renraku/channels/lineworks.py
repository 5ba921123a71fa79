"""LINE WORKS: a message from the ward's bot to the person's own LINE WORKS account, with
a button that opens their own link (the Bot API 2.0). Many municipalities already give
their staff LINE WORKS, so it reaches people whose browser push has lapsed.

The bot authenticates as the app's service account: a JWT signed with the app's private
key (RS256; iss = client id, sub = service account) is exchanged at the token endpoint
(RFC 7523) for an access token. The token is kept in the process until shortly before it
expires, and fetched anew when the API answers 401. Disabled until the RENRAKU_LINE_WORKS_*
settings are given (docs/configuration.md).
"""

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jwt
from django.conf import settings
from django.utils.translation import gettext as _

from renraku.directory.models import Staff
from renraku.parsing import ascii_int

from .base import Channel, Outcome

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# LINE WORKS takes an assertion that expires within 60 minutes of being made; it is used
# at once, so a few minutes is plenty (and a copy of it is worth little for long).
ASSERTION_SECONDS = 300
# A token with less left than this is not used: a batch must not start on a token that
# runs out halfway through it.
REFRESH_MARGIN = 300
# The Bot API's limits for a button template: its text and a button's label.
TEXT_LIMIT = 1000
LABEL_LIMIT = 20
NETWORK_ERROR = 599  # our own status for "no HTTP answer at all"


def configured() -> bool:
    return all(
        (
            settings.LINE_WORKS_CLIENT_ID,
            settings.LINE_WORKS_CLIENT_SECRET,
            settings.LINE_WORKS_SERVICE_ACCOUNT,
            settings.LINE_WORKS_PRIVATE_KEY_FILE,
            settings.LINE_WORKS_BOT_ID,
        )
    )


class TokenUnavailable(Exception):
    """No access token: `permanent` when LINE WORKS refused our credentials (nothing sent
    with them can succeed: the people move to their next channel), else worth retrying."""

    def __init__(self, error: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(error)
        self.error, self.permanent, self.retry_after = error, permanent, retry_after


@dataclass
class _Token:
    value: str
    expires_at: float  # time.monotonic()


def _post(url: str, data: bytes, headers: dict) -> tuple[int, dict, dict]:
    """(status, JSON reply or {}, response headers); a network failure is status 599."""
    # A URL from settings, never from a request.
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, _json(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read()), dict(exc.headers)
    except OSError as exc:
        return NETWORK_ERROR, {"description": str(exc)}, {}


def _json(body: bytes) -> dict:
    try:
        reply = json.loads(body or b"{}")
    except ValueError:
        return {}
    return reply if isinstance(reply, dict) else {}


def retry_after(headers: dict) -> float | None:
    """Retry-After, or LINE WORKS's own rateLimit-reset (seconds until the limit resets)."""
    folded = {name.lower(): value for name, value in headers.items()}
    for name in ("retry-after", "ratelimit-reset"):
        if (seconds := ascii_int(folded.get(name))) is not None:
            return float(seconds)
    return None


def assertion(now: float | None = None) -> str:
    """The service account's JWT, signed with the app's private key."""
    now = int(time.time() if now is None else now)
    try:
        key = Path(settings.LINE_WORKS_PRIVATE_KEY_FILE).read_bytes()
    except OSError as exc:
        raise TokenUnavailable(
            f"LINE WORKS: private key unreadable: {exc}", permanent=True
        ) from exc
    claims = {
        "iss": settings.LINE_WORKS_CLIENT_ID,
        "sub": settings.LINE_WORKS_SERVICE_ACCOUNT,
        "iat": now,
        "exp": now + ASSERTION_SECONDS,
    }
    try:
        return jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:  # not an RSA private key in PEM
        raise TokenUnavailable(f"LINE WORKS: unusable private key: {exc}", permanent=True) from exc


class Tokens:
    """The access token, kept per process and shared by its threads. Keyed by the token
    endpoint and the app, so that changing the settings never uses another app's token."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[tuple, _Token] = {}

    @staticmethod
    def _key() -> tuple:
        return (
            settings.LINE_WORKS_AUTH_URL,
            settings.LINE_WORKS_CLIENT_ID,
            settings.LINE_WORKS_SERVICE_ACCOUNT,
        )

    def get(self) -> str:
        with self._lock:
            token = self._tokens.get(self._key())
            if token is None or token.expires_at - time.monotonic() < REFRESH_MARGIN:
                token = self._tokens[self._key()] = self._fetch()
            return token.value

    def discard(self, value: str) -> None:
        """Forget `value`, which the API refused (401), unless another thread already
        replaced it."""
        with self._lock:
            token = self._tokens.get(self._key())
            if token is not None and token.value == value:
                del self._tokens[self._key()]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _fetch(self) -> _Token:
        form = {
            "assertion": assertion(),
            "grant_type": JWT_BEARER,
            "client_id": settings.LINE_WORKS_CLIENT_ID,
            "client_secret": settings.LINE_WORKS_CLIENT_SECRET,
            "scope": "bot",
        }
        started = time.monotonic()
        status, reply, headers = _post(
            f"{settings.LINE_WORKS_AUTH_URL}/token",
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        lifetime = ascii_int(str(reply.get("expires_in", "")))
        if status == 200 and reply.get("access_token") and lifetime is not None:
            return _Token(str(reply["access_token"]), started + lifetime)
        error = reply.get("error") or reply.get("description") or ""
        # 400/401 from the token endpoint: the client, its secret, the key or the service
        # account is wrong. Retrying will not help; the pipeline moves people on.
        raise TokenUnavailable(
            f"LINE WORKS: no access token: {status} {error}"[:300],
            permanent=status in (400, 401, 403),
            retry_after=retry_after(headers),
        )


tokens = Tokens()


def content_for(message, recipient_id: int) -> dict:
    """A button template: the title and body, and one button to the person's own link."""
    lines = [message.preface] if message.preface else []
    lines += [message.title, "", message.body]
    if message.reply_hint:
        lines += ["", message.reply_hint]
    text = "\n".join(lines).strip()
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1] + "…"
    label = _("Answer") if message.reply_hint else _("Open the page")
    return {
        "content": {
            "type": "button_template",
            "contentText": text,
            "actions": [
                {"type": "uri", "label": label[:LABEL_LIMIT], "uri": message.link(recipient_id)}
            ],
        }
    }


def outcome(delivery_id: int, status: int, reply: dict, headers: dict) -> Outcome:
    """What the Bot API's answer means for one message."""
    if 200 <= status < 300:
        return Outcome(delivery_id, ok=True)
    error = f"LINE WORKS: {status} {reply.get('code', '')} {reply.get('description', '')}"
    # 429 (rate limit), 5xx and no answer: try again. 401 here means even a fresh token
    # was refused just now, which passes. Any other 4xx concerns this user (unknown,
    # not allowed to talk to the bot) or this message: retrying will not help.
    temporary = status in (401, 429) or status >= 500
    return Outcome(
        delivery_id,
        ok=False,
        permanent=not temporary,
        error=error.strip()[:300],
        retry_after=retry_after(headers) if temporary else None,
    )


class LineWorksChannel(Channel):
    kind = "line_works"
    # LINE WORKS allows 240 requests a minute for each API: bigger batches only wait.
    batch_size = 50
    related = ("recipient__staff",)

    def reachable(self, staff_ids):
        return (
            Staff.objects.filter(pk__in=staff_ids)
            .exclude(line_works_id="")
            .values_list("pk", flat=True)
        )

    def send(self, message, deliveries):
        outcomes = []
        for delivery in deliveries:
            user_id = delivery.recipient.staff.line_works_id
            if not user_id:
                outcomes.append(
                    Outcome(delivery.pk, ok=False, permanent=True, error="no LINE WORKS id")
                )
                continue
            body = json.dumps(content_for(message, delivery.recipient_id)).encode()
            try:
                status, reply, headers = self._deliver(user_id, body)
            except TokenUnavailable as exc:
                # Without a token nobody in this batch can be sent to: each is told why.
                return outcomes + [
                    Outcome(
                        d.pk,
                        ok=False,
                        permanent=exc.permanent,
                        error=exc.error[:300],
                        retry_after=exc.retry_after,
                    )
                    for d in deliveries[len(outcomes) :]
                ]
            outcomes.append(outcome(delivery.pk, status, reply, headers))
        return outcomes

    def _deliver(self, user_id: str, body: bytes) -> tuple[int, dict, dict]:
        """POST the message; on 401 (the token expired or was revoked early) once more
        with a new token."""
        url = (
            f"{settings.LINE_WORKS_API_URL}/bots/"
            f"{urllib.parse.quote(settings.LINE_WORKS_BOT_ID, safe='')}/users/"
            f"{urllib.parse.quote(user_id, safe='@')}/messages"
        )
        for _attempt in range(2):
            token = tokens.get()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            status, reply, reply_headers = _post(url, body, headers)
            if status != 401:
                break
            tokens.discard(token)
        return status, reply, reply_headers
