"""Stand-ins for outside services, speaking their real protocols on loopback, for tests."""

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


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
