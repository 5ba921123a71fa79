"""A LINE WORKS stand-in on loopback, for tests: the token endpoint of its auth server and
the Bot API's "send a message to a user", checking what LINE WORKS checks.

- Token endpoint (POST {origin}/oauth2/v2.0/token): the grant type, the client id and
  secret, the scope, and the assertion: a JWT whose RS256 signature verifies with the
  service account's public key, iss = the client id, sub = the service account, iat and
  exp present, not expired, and exp at most 60 minutes after iat.
- Bot API (POST {origin}/v1.0/bots/{botId}/users/{userId}/messages): a bearer token it
  issued and that has not expired, a bot that exists, a user of its domain, and a message
  shaped as the Bot API requires (button_template, link or text, within their limits).

It answers as LINE WORKS does ({"error": …} from the auth server, {"code", "description"}
from the API) and keeps what it accepted and refused. Whether a user exists is its own
list: an id it does not know gets LINE WORKS's 404, whatever the test hoped for.
"""

import secrets
import threading
import time

import jwt
from aiohttp import web

from .lineworks import JWT_BEARER
from .loopback import LoopbackServer

MAX_ASSERTION_SECONDS = 3600
_TEXT_LIMIT = {"button_template": 1000, "link": 1000, "text": 2000}


class LineWorksStandIn(LoopbackServer):
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        service_account: str,
        public_key_pem: bytes,
        bot_id: str,
        users: set[str],
    ):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.service_account, self.public_key = service_account, public_key_pem
        self.bot_id, self.users = bot_id, set(users)
        self.token_lifetime = 86400  # seconds; LINE WORKS gives 24 hours
        self.lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # access token → expires at (epoch seconds)
        self.assertions: list[dict] = []  # the claims of each assertion accepted
        self.issued: list[str] = []  # access tokens, in the order issued
        self.messages: list[dict] = []  # {"user_id", "token", "content"} accepted
        self.refused: list[tuple[str, int, str]] = []  # (endpoint, status, why)
        self._failures: dict[str, list[tuple[int, str, str | None]]] = {}

    @property
    def auth_url(self) -> str:
        return f"{self.origin}/oauth2/v2.0"

    @property
    def api_url(self) -> str:
        return f"{self.origin}/v1.0"

    def routes(self, router):
        router.add_post("/oauth2/v2.0/token", self._token)
        router.add_post("/v1.0/bots/{bot_id}/users/{user_id}/messages", self._message)

    def fail(self, user_id: str, status: int, code: str, *, retry_after: str | None = None):
        """Answer the next message to `user_id` with this error (e.g. 429 with Retry-After,
        or 500), as LINE WORKS does on a bad minute."""
        self._failures.setdefault(user_id, []).append((status, code, retry_after))

    def expire_tokens(self) -> None:
        """Every token issued so far expires now, as a token does after its lifetime."""
        with self.lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def to(self, user_id: str) -> list[dict]:
        return [m["content"] for m in self.messages if m["user_id"] == user_id]

    def _refuse(self, endpoint: str, status: int, body: dict, why: str, headers=None):
        with self.lock:
            self.refused.append((endpoint, status, why))
        return web.json_response(body, status=status, headers=headers)

    async def _token(self, request):
        form = await request.post()

        def auth_error(status, error, why):
            return self._refuse("token", status, {"error": error, "error_description": why}, why)

        if form.get("grant_type") != JWT_BEARER:
            return auth_error(400, "unsupported_grant_type", "grant_type")
        if form.get("client_id") != self.client_id:
            return auth_error(401, "invalid_client", "unknown client_id")
        if not secrets.compare_digest(str(form.get("client_secret", "")), self.client_secret):
            return auth_error(401, "invalid_client", "wrong client_secret")
        if "bot" not in str(form.get("scope", "")).replace(",", " ").split():
            return auth_error(400, "invalid_scope", "the bot scope is needed")
        try:
            claims = jwt.decode(
                str(form.get("assertion", "")),
                self.public_key,
                algorithms=["RS256"],
                issuer=self.client_id,
                options={"require": ["iss", "sub", "iat", "exp"]},
            )
        except jwt.PyJWTError as exc:  # signature, expiry, issuer, missing claims
            return auth_error(400, "invalid_grant", f"assertion: {exc}")
        if claims["sub"] != self.service_account:
            return auth_error(400, "invalid_grant", "assertion: unknown service account")
        if not 0 < claims["exp"] - claims["iat"] <= MAX_ASSERTION_SECONDS:
            return auth_error(400, "invalid_grant", "assertion: exp more than 60 min after iat")
        token = secrets.token_urlsafe(32)
        with self.lock:
            self._tokens[token] = time.time() + self.token_lifetime
            self.assertions.append(claims)
            self.issued.append(token)
        return web.json_response(
            {
                "access_token": token,
                "refresh_token": secrets.token_urlsafe(32),
                "scope": "bot",
                "token_type": "Bearer",
                "expires_in": str(self.token_lifetime),  # a string, as LINE WORKS sends it
            }
        )

    async def _message(self, request):
        def api_error(status, code, why, headers=None):
            body = {"code": code, "description": why}
            return self._refuse("message", status, body, why, headers)

        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        with self.lock:
            expires_at = self._tokens.get(token, 0.0) if scheme == "Bearer" else 0.0
        if expires_at <= time.time():
            return api_error(401, "UNAUTHORIZED", "Authentication failed")
        if request.match_info["bot_id"] != self.bot_id:
            return api_error(404, "NOT_FOUND", "Bot not found")
        user_id = request.match_info["user_id"]
        if user_id not in self.users:
            return api_error(404, "NOT_FOUND", "User not found")
        if request.content_type != "application/json":
            return api_error(415, "UNSUPPORTED_MEDIA_TYPE", "application/json expected")
        try:
            body = await request.json()
        except ValueError:
            return api_error(400, "INVALID_PARAMETER", "not JSON")
        problem = content_problem(body.get("content") if isinstance(body, dict) else None)
        if problem:
            return api_error(400, "INVALID_PARAMETER", problem)
        with self.lock:
            queued = self._failures.get(user_id)
            failure = queued.pop(0) if queued else None
        if failure:
            status, code, retry = failure
            return api_error(status, code, "failed", {"Retry-After": retry} if retry else None)
        with self.lock:
            self.messages.append({"user_id": user_id, "token": token, "content": body["content"]})
        return web.Response(status=201)


def content_problem(content) -> str:
    """What is wrong with a message's content, as the Bot API checks it ("" when fine)."""
    if not isinstance(content, dict) or content.get("type") not in _TEXT_LIMIT:
        return "content.type must be button_template, link or text"
    kind = content["type"]
    text_field = "text" if kind == "text" else "contentText"
    problems = [_text_problem(content, text_field, _TEXT_LIMIT[kind])]
    if kind == "link":
        problems += [_text_problem(content, "linkText", 1000), _uri_problem(content, "link")]
    if kind == "button_template":
        actions = content.get("actions")
        if not isinstance(actions, list) or not 1 <= len(actions) <= 10:
            return "actions: 1 to 10 needed"
        for action in actions:
            if not isinstance(action, dict) or action.get("type") not in ("uri", "message"):
                return "actions[].type must be uri or message"
            problems.append(_text_problem(action, "label", 20))
            if action["type"] == "uri":
                problems.append(_uri_problem(action, "uri"))
    return next((p for p in problems if p), "")


def _text_problem(obj: dict, name: str, limit: int) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        return f"{name} is required"
    return f"{name}: at most {limit} characters" if len(value) > limit else ""


def _uri_problem(obj: dict, name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        return f"{name} must be an http(s) URL"
    return f"{name}: at most 1000 characters" if len(value) > 1000 else ""
