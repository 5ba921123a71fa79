"""An aiohttp server on a free loopback port, in a thread of its own: the base of the
protocol stand-ins that tests and benchmarks talk to."""

import asyncio
import threading

from aiohttp import web


class LoopbackServer:
    keepalive_timeout = 75.0  # aiohttp's default: how long an idle connection is kept
    bind_port = 0  # a free port; the demo's devices listen where their endpoints point

    def __init__(self):
        self.origin = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    def start(self):
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        self.origin = f"http://127.0.0.1:{port}"
        return self

    async def _serve(self) -> int:
        app = web.Application()
        self.routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, keepalive_timeout=self.keepalive_timeout)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.bind_port)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
