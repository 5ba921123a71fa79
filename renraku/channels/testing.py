"""Stand-ins for outside services, speaking their real protocols on loopback, for tests."""

import base64
import socket
from email import message_from_bytes, policy

from aiohttp import web
from aiosmtpd.controller import Controller

from .loopback import LoopbackServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) that keeps what it receives.

    `refuse` holds addresses to answer 550 for, as a mail server does for an unknown
    mailbox.
    """

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
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
    """The Messages endpoint of a Twilio-compatible API: checks Basic auth, keeps what it
    is asked to send, and answers with the status (and error code) a test sets for a
    number, e.g. fail("+819012345678", 400, code=21211) for a number that does not exist."""

    def __init__(self, sid: str, token: str):
        super().__init__()
        self.sid, self.token = sid, token
        self.messages: list[dict] = []
        self.failures: dict[str, list] = {}

    def routes(self, router):
        router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._message)

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
        self.messages.append(form)
        return web.json_response(
            {"sid": f"SM{len(self.messages):032d}", "status": "queued"}, status=201
        )
