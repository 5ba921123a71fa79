"""Stand-ins for outside services, speaking their real protocols on loopback, for tests."""

import asyncio
import base64
import socket
from collections.abc import Callable
from email import message_from_bytes, policy

from aiohttp import web
from aiosmtpd.controller import Controller
from defusedxml import ElementTree as ET

from .loopback import LoopbackServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) that keeps what it receives.

    `refuse` holds addresses to answer 550 for, as a mail server does for an unknown
    mailbox. `hold(after=n)`: from the n-th message on, the server takes the text but never
    answers, so that a test can kill a sender while it is certainly mid-send (a message
    held so is never counted as received: its sender never heard "accepted").
    """

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self.hold_from: int | None = None
        self.held = 0
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def hold(self, after: int) -> None:
        self.hold_from = after

    async def handle_DATA(self, server, session, envelope):
        if self.hold_from is not None and len(self.messages) >= self.hold_from:
            self.held += 1
            while True:  # until the server stops
                await asyncio.sleep(1)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        if self._controller._thread is not None:  # stopping twice is not an error here
            self._controller.stop()

    def to(self, address):
        return [m for rcpts, m in self.messages if address in rcpts]


class TwilioStandIn(LoopbackServer):
    """The Messages and Calls endpoints of a Twilio-compatible API: checks Basic auth, keeps
    what it is asked to send or call, and answers with the status (and error code) a test
    sets for a number, e.g. fail("+819012345678", 400, code=21211) for a number that does
    not exist. pick_up() then plays a call as the provider does, webhooks and all."""

    def __init__(self, sid: str, token: str):
        super().__init__()
        self.sid, self.token = sid, token
        self.messages: list[dict] = []
        self.calls: list[dict] = []
        self.failures: dict[str, list] = {}

    def routes(self, router):
        router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._message)
        router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", self._call)

    def fail(
        self,
        to: str,
        status: int,
        *,
        code: int | None = None,
        times: int = 1,
        retry_after: str | None = None,
    ):
        self.failures.setdefault(to, []).extend([(status, code, retry_after)] * times)

    def to(self, number: str) -> list[str]:
        return [m["Body"] for m in self.messages if m["To"] == number]

    async def _message(self, request):
        return await self._accept(request, self.messages, "SM")

    async def _call(self, request):
        return await self._accept(request, self.calls, "CA")

    async def _accept(self, request, kept: list, prefix: str):
        expected = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        authorized = request.headers.get("Authorization") == expected
        if request.match_info["sid"] != self.sid or not authorized:
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        form = dict(await request.post())
        if self.failures.get(form.get("To")):
            status, code, retry = self.failures[form["To"]].pop(0)
            return web.json_response(
                {"code": code, "message": "failed"},
                status=status,
                headers={"Retry-After": retry} if retry else None,
            )
        form["sid"] = f"{prefix}{len(kept) + 1:032d}"
        kept.append(form)
        return web.json_response({"sid": form["sid"], "status": "queued"}, status=201)

    def calls_to(self, number: str) -> list[dict]:
        return [c for c in self.calls if c["To"] == number]

    def pick_up(self, call: dict, keys: str, post: Callable[[str, dict, str], str]) -> list[str]:
        """Play `call` as the provider does once the callee answers: fetch its TwiML from
        the call's Url, "say" each <Say>, press the next of `keys` at each <Gather> (none
        left: the Gather times out and the call goes on), post it to the Gather's action,
        follow <Redirect>, stop at <Hangup>. Each request is signed as the provider signs.
        `post(url, params, signature)` makes the request and returns the TwiML. Returns all
        that was said, in order."""
        from .sms import signature

        said, keys = [], list(keys)
        url = call["Url"]
        base = {"CallSid": call["sid"], "From": call["From"], "To": call["To"]}
        params = base | {"CallStatus": "in-progress"}
        for _hop in range(10):
            twiml = ET.fromstring(post(url, params, signature(url, params, self.token)))
            url = None
            for verb in twiml:
                said += [say.text for say in verb.iter("Say")]
                if verb.tag == "Gather" and keys:
                    url, params = verb.get("action"), base | {"Digits": keys.pop(0)}
                    break
                if verb.tag == "Redirect":
                    url, params = verb.text, base
                    break
                if verb.tag == "Hangup":
                    break
            if url is None:
                break
        return said
