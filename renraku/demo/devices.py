"""The demo ward's phones (`renraku demo-devices`): the push service its devices subscribe
at, on loopback, and what each phone then does with a push.

The push service is channels.pushservice.PushService, the tests' stand-in, unchanged: it
refuses a bad VAPID token and decrypts every payload with the device's own keys, which
it re-derives from the device's number (readiness.demo: the seed wrote them from the same
number). Then, like a phone's service worker, a device that shows what it gets posts the
payload's display receipt to the server's /push/shown/ after a few seconds (a phone in a
pocket wakes, shows, sends); a silent one shows nothing, so the server moves its person to
e-mail after RENRAKU_PUSH_SHOWN_WITHIN_SECONDS, as on a real day.
"""

import asyncio
import random

import aiohttp

from renraku.channels.pushservice import PushService, Subscription
from renraku.readiness import demo

SENDERS = 8  # receipts posted at once: a phone sends one, a ward thousands in a minute
QUEUE = 20_000  # receipts due and not yet posted; past that they are lost, as on a phone
REPORT_EVERY = 5.0  # seconds between progress lines, while something happens


class _Devices(dict):
    """Subscriptions by number, each made when its first push comes: the demo's devices
    are known by their numbers alone, and most never get one."""

    def __missing__(self, number: int) -> Subscription:
        if number < 10 or demo.device_kind(number) not in (demo.SHOWS, demo.SILENT):
            raise KeyError(number)  # dropped by the push service, or never ours: 404
        sub = Subscription(number, demo.device_private_key(number), demo.device_auth(number))
        self[number] = sub
        return sub


class DemoDevices(PushService):
    def __init__(self, application_server_key: str, *, port: int, receipts_to: str, delay):
        super().__init__(application_server_key)
        self.bind_port = port
        self.receipt_url = receipts_to.rstrip("/") + "/push/shown/"
        self.delay = delay  # (shortest, longest) seconds from a push to its receipt
        self.subscriptions = _Devices()
        self.rng = random.Random()  # noqa: S311  (when a phone wakes is no secret)
        self.counts = {"shown": 0, "silent": 0, "receipts_sent": 0, "receipts_lost": 0}
        self._reported = self._progress()

    async def _serve(self) -> int:
        port = await super()._serve()
        self._due: asyncio.Queue = asyncio.Queue(maxsize=QUEUE)
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._tasks = [asyncio.create_task(self._post_receipts()) for _ in range(SENDERS)]
        self._tasks.append(asyncio.create_task(self._report()))
        return port

    def handle(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        """The push service's answer; then, for a push it accepted, what the phone does."""
        status, answer = super().handle(path, headers, body)
        if status == 201:
            sub = self.subscriptions[int(path.rsplit("/", 1)[1])]
            # Handed to the phone: the push service keeps nothing (nor does this process).
            message = sub.messages.pop(headers.get("Topic") or f"#{sub.received}", {})
            if demo.device_kind(sub.number) == demo.SHOWS and message.get("receipt"):
                self.counts["shown"] += 1
                wait = self.rng.uniform(*self.delay)
                self._loop.call_later(wait, self._receipt_due, message["receipt"])
            else:
                self.counts["silent"] += 1
        return status, answer

    def _receipt_due(self, token: str) -> None:
        try:
            self._due.put_nowait(token)
        except asyncio.QueueFull:
            self.counts["receipts_lost"] += 1

    async def _post_receipts(self) -> None:
        while True:
            token = await self._due.get()
            try:
                # As the service worker sends it: the token alone, no cookies.
                async with self._client.post(
                    self.receipt_url, data=token, headers={"Content-Type": "text/plain"}
                ) as response:
                    self.counts["receipts_sent" if response.status == 204 else "receipts_lost"] += 1
            except (aiohttp.ClientError, TimeoutError):
                # A receipt a phone cannot send is lost; the server then falls back.
                self.counts["receipts_lost"] += 1

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(REPORT_EVERY)
            now = self._progress()
            if now != self._reported:
                self._reported = now
                print(self.summary(), flush=True)

    def _progress(self) -> tuple:
        return (self.accepted, len(self.rejected), *self.counts.values())

    def summary(self) -> str:
        c = self.counts
        waiting = c["shown"] - c["receipts_sent"] - c["receipts_lost"]
        return (
            f"demo devices: {self.accepted} pushes accepted, {len(self.rejected)} refused; "
            f"{c['shown']} shown (receipts: {c['receipts_sent']} sent, {waiting} to come, "
            f"{c['receipts_lost']} lost), {c['silent']} taken by silent devices"
        )

    def stop(self):
        async def close():
            for task in self._tasks:
                task.cancel()
            await self._client.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        super().stop()
