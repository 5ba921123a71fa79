"""A JMA feed server stand-in for tests and the latency benchmark: an Atom feed on
loopback whose entries point at documents it also serves, with ETag and Last-Modified
answered by 304 as JMA's server does, and failures on demand."""

import asyncio
import datetime as dt
import hashlib
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from renraku.channels.loopback import LoopbackServer


class FeedServer(LoopbackServer):
    def __init__(self):
        super().__init__()
        self.entries: list[dict] = []  # newest first, as JMA lists them
        self.documents: dict[str, bytes] = {}
        self.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # Statuses to answer next, or "garbage" (a broken feed), or "slow" (no answer for
        # `slow_seconds`, as a server that hangs).
        self.fail_next: list[int | str] = []
        self.slow_seconds = 3.0
        self.requests: list[tuple[str, int]] = []  # (path, status answered)

    def routes(self, router):
        router.add_get("/feed.xml", self._feed)
        router.add_get("/data/{name}", self._document)

    def publish(self, name: str, data: bytes, title: str, *, updated: dt.datetime | None = None):
        """Put a document in the feed, as JMA does when it issues one."""
        when = updated or dt.datetime.now(dt.UTC)
        self.documents[name] = data
        self.entries.insert(
            0, {"name": name, "title": title, "updated": when.isoformat().replace("+00:00", "Z")}
        )
        self.modified = max(self.modified, when.replace(microsecond=0)) + dt.timedelta(seconds=1)

    def feed_url(self) -> str:
        return f"{self.origin}/feed.xml"

    def _atom(self) -> bytes:
        entries = "".join(
            f"<entry><title>{escape(e['title'])}</title>"
            f"<id>{self.origin}/data/{e['name']}</id><updated>{e['updated']}</updated>"
            f"<author><name>気象庁</name></author>"
            f'<link type="application/xml" href="{self.origin}/data/{e["name"]}"/></entry>'
            for e in self.entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom" lang="ja"><title>高頻度（随時）</title>'
            f"<id>{self.origin}/feed.xml</id><updated>{self.modified.isoformat()}</updated>"
            f"{entries}</feed>"
        ).encode()

    async def _feed(self, request):
        if self.fail_next:
            failure = self.fail_next.pop(0)
            if failure == "garbage":
                return self._answer(request, web.Response(body=b"<feed><entry>", status=200))
            if failure == "slow":
                await asyncio.sleep(self.slow_seconds)
                return self._answer(request, web.Response(status=504))
            return self._answer(request, web.Response(status=int(failure)))
        body = self._atom()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        last_modified = format_datetime(self.modified, usegmt=True)
        if request.headers.get("If-None-Match") == etag:
            return self._answer(request, web.Response(status=304))
        headers = {"ETag": etag, "Last-Modified": last_modified}
        return self._answer(
            request, web.Response(body=body, headers=headers, content_type="application/atom+xml")
        )

    async def _document(self, request):
        data = self.documents.get(request.match_info["name"])
        if data is None:
            return self._answer(request, web.Response(status=404))
        return self._answer(request, web.Response(body=data, content_type="application/xml"))

    def _answer(self, request, response):
        self.requests.append((request.path, response.status))
        return response
