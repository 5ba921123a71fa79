"""Fetching a feed, or a document one of its entries links to, without letting what the
feed says choose where we connect or how long we wait.

- Where: https only (http too when the feed itself is configured as http: its entries can
  be no safer than the feed that names them), and only on the feed's own host and port or
  a host in JMA_ENTRY_HOSTS. A link elsewhere (file:///etc/passwd, an address inside the
  office network) is refused before anything is sent, and so is every redirect hop that
  leaves them.
- How long: one deadline on the whole fetch, from connecting to the last byte. A timeout
  per socket read lets a server that sends a byte every few seconds hold the worker for
  ever, and that worker also delivers the alerts.
- How much: at most `max_bytes`, sent uncompressed (a small gzip can unpack to gigabytes).

The address is parsed once, by yarl, and the same parsed URL is what aiohttp connects to:
no second parser can read the host differently from the one that checked it.
"""

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from multidict import CIMultiDict
from yarl import URL

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """Not an address we fetch from, or not an answer we take: asking again would get the
    same, so it is recorded and not retried."""


@dataclass(frozen=True)
class Allowed:
    """Where one feed's fetches may go: these schemes, to these (host, port)s."""

    schemes: frozenset[str]
    origins: frozenset[tuple[str, int]]

    @classmethod
    def for_feed(cls, feed_url: str, extra_hosts=()) -> "Allowed":
        """The feed's own origin, and `extra_hosts` ("host" at the default port of each
        allowed scheme, or "host:port")."""
        feed = URL(feed_url)
        schemes = {"https"} | ({"http"} if feed.scheme == "http" else set())
        origins = {((feed.host or "").lower(), feed.port)}
        for entry in extra_hosts:
            parts = urlsplit("//" + entry.strip())
            if parts.hostname:
                ports = [parts.port] if parts.port else [DEFAULT_PORTS[s] for s in schemes]
                origins |= {(parts.hostname, port) for port in ports}
        return cls(frozenset(schemes), frozenset(origins))

    def check(self, url: URL) -> None:
        if url.scheme not in self.schemes:
            only = " or ".join(sorted(self.schemes))
            raise Refused(f"{url.scheme or 'no'} scheme, only {only} is fetched")
        if url.user is not None or url.password is not None:
            raise Refused("the address carries a user name")
        if ((url.host or "").lower(), url.port) not in self.origins:
            raise Refused(
                f"{url.host}:{url.port} is neither the feed's host nor in RENRAKU_JMA_ENTRY_HOSTS"
            )


def fetch(
    url: str, headers: dict, *, allowed: Allowed, deadline: float, max_bytes: int
) -> tuple[int, CIMultiDict, bytes]:
    """GET `url`: (status, headers, body) for a 2xx, (304, headers, b"") for not modified.

    Raises Refused (see above), TimeoutError when the whole fetch has not finished within
    `deadline` seconds, and OSError for any other failure (no answer, another status)."""
    # Not asyncio.run(): at the end it waits for the threads that looked up host names, so a
    # DNS lookup that hangs would outlast the deadline. close() leaves them to end alone.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_fetch(url, headers, allowed, deadline, max_bytes))
    except aiohttp.ClientError as exc:
        raise OSError(str(exc) or type(exc).__name__) from None
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _fetch(url, headers, allowed, deadline, max_bytes):
    try:
        async with asyncio.timeout(deadline):
            return await _follow(url, headers, allowed, max_bytes)
    except TimeoutError:
        raise TimeoutError(f"no complete answer within {deadline:g} s") from None


async def _follow(url, headers, allowed, max_bytes):
    try:
        target = URL(url)
    except (TypeError, ValueError):
        raise Refused(f"not an address: {url[:200]!r}") from None
    allowed.check(target)
    # Uncompressed, as urllib always asked: a gzip answer would be unpacked past max_bytes.
    headers = {**headers, "Accept-Encoding": "identity"}
    # trust_env: the office's HTTP(S)_PROXY is used, as urllib did.
    async with aiohttp.ClientSession(trust_env=True, auto_decompress=False) as session:
        for _hop in range(MAX_REDIRECTS + 1):
            async with session.get(target, headers=headers, allow_redirects=False) as response:
                if response.status in REDIRECTS and "Location" in response.headers:
                    target = _next_hop(response, allowed)
                    continue
                if response.status == 304:
                    return 304, CIMultiDict(response.headers), b""
                if not 200 <= response.status < 300:
                    raise OSError(f"HTTP {response.status}")
                return (
                    response.status,
                    CIMultiDict(response.headers),
                    await _read(response, max_bytes),
                )
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _next_hop(response, allowed: Allowed) -> URL:
    location = response.headers["Location"]
    try:
        target = response.url.join(URL(location))
        allowed.check(target)
    except (TypeError, ValueError, Refused) as exc:
        raise Refused(f"redirect to {location[:200]} refused: {exc}") from None
    return target


async def _read(response, max_bytes: int) -> bytes:
    if (response.content_length or 0) > max_bytes:
        raise Refused(f"larger than {max_bytes:,} bytes")
    body = bytearray()
    async for chunk in response.content.iter_any():
        body += chunk
        if len(body) > max_bytes:
            raise Refused(f"larger than {max_bytes:,} bytes")
    return bytes(body)
