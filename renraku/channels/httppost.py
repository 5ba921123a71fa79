"""Many small HTTP/1.1 POSTs over a few kept-alive connections per origin.

Web push is one POST per device with a few headers and a 201 whose body nobody reads. A
general client (aiohttp) spent 0.4 ms of CPU per request on machinery we do not need,
more than the encryption itself; at 10,000 devices that is seconds. This sends each
request as bytes on a kept-alive connection and reads back the status line, the headers
and a body framed by Content-Length or chunks. Each connection carries one request at a
time (no pipelining), so a slow reply only holds up its own connection.

`post_batch` keeps each thread's event loop and its open connections from one batch to
the next: an alert to 10,000 is twenty batches, and opening 32 connections for each (a TLS
handshake apiece, with a real push service) would cost more than the pushes themselves.
"""

import asyncio
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from urllib.parse import urlsplit

NETWORK_ERROR = 599  # our own status for "no HTTP answer at all"
UNSENDABLE = 598  # our own status for "its body could not be made: nothing was sent"
# A kept connection idle for longer is not reused: servers close idle ones (nginx after
# 75 s), and a request on a connection the server has just closed must be sent again.
IDLE_SECONDS = 30
_local = threading.local()


class _Connection:
    def __init__(self, scheme: str, host: str, port: int):
        self.scheme, self.host, self.port = scheme, host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.idle_since = time.monotonic()

    async def post_retrying_stale(self, path: str, headers: dict, body: bytes):
        """post(), sent once more on a new connection when a kept one turns out to have
        been closed by the server (nothing came back, so nothing was processed twice)."""
        reused = self.writer is not None
        try:
            return await self.post(path, headers, body)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            self.close()
            return await self.post(path, headers, body)

    async def post(self, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        if self.writer is None:
            context = ssl.create_default_context() if self.scheme == "https" else None
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, ssl=context
            )
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        reply = {}
        for line in filter(None, header_lines):
            name, _sep, value = line.partition(":")
            reply[name.strip().title()] = value.strip()
        await self._skip_body(reply)
        if reply.get("Connection", "").lower() == "close":
            self.close()
        return status, reply

    async def _skip_body(self, reply: dict) -> None:
        if "Content-Length" in reply:
            await self.reader.readexactly(int(reply["Content-Length"]))
        elif reply.get("Transfer-Encoding", "").lower() == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")  # no trailers are sent to us
        else:  # framed by the end of the connection
            await self.reader.read()
            self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def post_batch(requests, *, connections: int = 32, timeout: float = 30):
    """post_all() on this thread's own loop, with the connections the last batch left."""
    if _loop_running():
        # Called where a loop already runs (a task run in place by a caller that is itself
        # inside asyncio, such as a browser driven from the same thread): a loop cannot run
        # inside another, so this batch goes on a thread of its own, with its own loop.
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(
                post_batch, requests, connections=connections, timeout=timeout
            ).result()
    if not hasattr(_local, "runner"):
        _local.runner = asyncio.Runner()
        _local.pool = defaultdict(list)
    return _local.runner.run(
        post_all(requests, connections=connections, timeout=timeout, pool=_local.pool)
    )


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def post_all(
    requests: Sequence[tuple[str, dict, bytes | Callable[[], bytes]]],
    *,
    connections: int = 32,
    timeout: float = 30,
    pool: dict[tuple, list[_Connection]] | None = None,
) -> list[tuple[int, dict]]:
    """POST each (url, headers, body); returns (status, response headers) in order. A
    request that gets no answer (refused, reset, timed out) is (599, {"error": …}); one
    whose body function raised ValueError is (598, {"error": …}), and the others go on.

    A body may be a function that makes it: it is called just before its request is sent,
    so that making one body (encrypting it, for a push) overlaps with the other
    connections' requests in flight, instead of all being made before the first is sent.

    `pool` holds open connections by origin: they are taken from it and put back after,
    and must only be used on the event loop they were opened on."""
    pool = {} if pool is None else pool
    results: list[tuple[int, dict]] = [(NETWORK_ERROR, {})] * len(requests)
    by_origin: dict[tuple, deque] = {}
    paths = []
    for index, (url, _headers, _body) in enumerate(requests):
        try:
            origin, path = _split(url)
        except ValueError as exc:  # a bad address fails alone, not the batch
            results[index], path = (NETWORK_ERROR, {"error": str(exc)}), ""
        else:
            by_origin.setdefault(origin, deque()).append(index)
        paths.append(path)

    async def work(origin: tuple, queue: deque) -> None:
        connection = _take(pool, origin)
        while queue:
            index = queue.popleft()
            _url, headers, body = requests[index]
            if callable(body):
                try:
                    body = body()
                except ValueError as exc:  # e.g. a key that cannot be encrypted to
                    results[index] = (UNSENDABLE, {"error": repr(exc)})
                    continue
            try:
                async with asyncio.timeout(timeout):
                    results[index] = await connection.post_retrying_stale(
                        paths[index], headers, body
                    )
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
                connection.close()
                results[index] = (NETWORK_ERROR, {"error": repr(exc)})
        if connection.writer is not None:
            connection.idle_since = time.monotonic()
            pool.setdefault(origin, []).append(connection)

    await asyncio.gather(
        *(
            work(origin, queue)
            for origin, queue in by_origin.items()
            for _ in range(min(connections, len(queue)))
        )
    )
    return results


def _split(url: str) -> tuple[tuple[str, str, int], str]:
    """(scheme, host, port) and the path of an absolute URL. The origin part is parsed
    once per push service, not once per device: a batch has hundreds of URLs and few
    origins."""
    scheme_and_host = "/".join(url.split("/", 3)[:3])  # "https://host:port"
    rest = url[len(scheme_and_host) :].partition("#")[0]
    return _origin(scheme_and_host), rest or "/"


@lru_cache(maxsize=64)
def _origin(scheme_and_host: str) -> tuple[str, str, int]:
    parts = urlsplit(scheme_and_host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {scheme_and_host!r}")
    return parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _take(pool: dict, origin: tuple) -> _Connection:
    """A kept connection to `origin` that has not idled too long, else a new one."""
    kept = pool.get(origin, [])
    while kept:
        connection = kept.pop()
        if time.monotonic() - connection.idle_since < IDLE_SECONDS:
            return connection
        connection.close()
    return _Connection(*origin)
