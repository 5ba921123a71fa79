"""What a feed cannot make the poller do: open a local file, reach a host other than the
feed's (directly or by a redirect), or hold the worker with an answer that never ends."""

import asyncio
import time
from xml.sax.saxutils import escape

import pytest
from aiohttp import web

from renraku.broadcast.models import Alert
from renraku.feeds import polling
from renraku.feeds.fetching import Allowed, Refused
from renraku.feeds.models import FeedEntry, FeedState
from renraku.feeds.testing import FeedServer

from .jma import earthquake

TITLE = "震源・震度に関する情報"


class HostileFeedServer(FeedServer):
    """The feed stand-in, with links the test chooses and documents served badly on
    purpose: /moved/NAME redirects to `redirects[NAME]`, /trickle/NAME sends one byte a
    second (and so does the feed itself while `trickle_feed` is set)."""

    def __init__(self):
        super().__init__()
        self.links: dict[str, str] = {}  # name → the href the feed gives instead of ours
        self.redirects: dict[str, str] = {}
        self.trickle_feed = False

    def routes(self, router):
        super().routes(router)
        router.add_get("/moved/{name}", self._moved)
        router.add_get("/trickle/{name}", self._trickle)

    def _atom(self) -> bytes:
        atom = super()._atom().decode()
        for name, href in self.links.items():
            atom = atom.replace(f'href="{self.origin}/data/{name}"', f'href="{escape(href)}"')
        return atom.encode()

    async def _feed(self, request):
        if self.trickle_feed:
            return await self._trickle(request)
        return await super()._feed(request)

    async def _moved(self, request):
        location = self.redirects[request.match_info["name"]]
        return self._answer(request, web.Response(status=302, headers={"Location": location}))

    async def _trickle(self, request):
        self.requests.append((request.path, 200))
        response = web.StreamResponse(headers={"Content-Type": "application/xml"})
        await response.prepare(request)
        try:
            for _second in range(30):
                await response.write(b" ")
                await asyncio.sleep(1)
        except ConnectionError:  # the poller gave up on us
            pass
        return response


@pytest.fixture
def feed():
    server = HostileFeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def elsewhere():
    """Another server on loopback, reached as "localhost": not the feed's host."""
    server = FeedServer().start()
    server.publish("eq.xml", earthquake(), TITLE)
    yield server
    server.stop()


@pytest.fixture
def poll(feed, default_rules, django_capture_on_commit_callbacks):
    def _poll():
        with django_capture_on_commit_callbacks(execute=True):
            return polling.poll(feed.feed_url())

    return _poll


def port_of(server) -> int:
    return int(server.origin.rsplit(":", 1)[1])


def refused(name: str) -> str:
    entry = FeedEntry.objects.get(url__endswith=name)
    assert entry.fetched, "a refused link is done with, not retried"
    return entry.error


def test_a_file_link_is_not_opened_and_the_other_entries_are_read(people, feed, poll, tmp_path):
    local = tmp_path / "local.xml"
    local.write_bytes(earthquake())  # were it opened, this would send an alert
    feed.publish("local.xml", b"", TITLE)
    feed.links["local.xml"] = local.as_uri()
    feed.publish("eq.xml", earthquake("1", event_id="20261129150000"), TITLE)
    assert [o.file.rsplit("/", 1)[1] for o in poll()] == ["eq.xml"]
    assert Alert.objects.count() == 0  # 震度1: no alert; the file's was never read
    assert "file scheme" in refused("local.xml")


def test_a_link_to_another_host_is_not_fetched(people, feed, elsewhere, poll):
    feed.publish("eq.xml", b"", TITLE)
    feed.links["eq.xml"] = f"http://localhost:{port_of(elsewhere)}/data/eq.xml"
    assert poll() == [] and elsewhere.requests == []
    assert "neither the feed's host" in refused("eq.xml")
    feed.publish("volcano.xml", b"", "火山の状況に関する解説情報")  # a changed feed, read again
    assert poll() == [] and elsewhere.requests == []  # and not tried again


def test_the_feeds_host_on_another_port_is_another_host(people, feed, elsewhere, poll):
    feed.publish("eq.xml", b"", TITLE)
    feed.links["eq.xml"] = f"{elsewhere.origin}/data/eq.xml"
    assert poll() == [] and elsewhere.requests == []
    assert "neither the feed's host" in refused("eq.xml")


def test_a_host_the_operator_lists_is_fetched(people, feed, elsewhere, poll, settings):
    settings.JMA_ENTRY_HOSTS = [f"localhost:{port_of(elsewhere)}"]
    feed.publish("eq.xml", b"", TITLE)
    feed.links["eq.xml"] = f"http://localhost:{port_of(elsewhere)}/data/eq.xml"
    [outcome] = poll()
    assert outcome.action == "alert_sent" and elsewhere.requests == [("/data/eq.xml", 200)]


def test_a_redirect_to_another_host_is_not_followed(people, feed, elsewhere, poll):
    feed.publish("eq.xml", b"", TITLE)
    feed.links["eq.xml"] = f"{feed.origin}/moved/eq.xml"
    feed.redirects["eq.xml"] = f"http://localhost:{port_of(elsewhere)}/data/eq.xml"
    assert poll() == [] and elsewhere.requests == []
    assert "redirect to" in refused("eq.xml") and Alert.objects.count() == 0


def test_a_redirect_on_the_feeds_own_host_is_followed(people, feed, poll):
    feed.publish("eq.xml", earthquake(), TITLE)
    feed.links["eq.xml"] = f"{feed.origin}/moved/eq.xml"
    feed.redirects["eq.xml"] = "/data/eq.xml"
    [outcome] = poll()
    assert outcome.action == "alert_sent"


def test_a_document_that_trickles_in_is_cut_off_at_the_deadline(people, feed, poll, monkeypatch):
    monkeypatch.setattr(polling, "ENTRY_DEADLINE", 2)
    feed.publish("eq.xml", b"", TITLE)
    feed.links["eq.xml"] = f"{feed.origin}/trickle/eq.xml"
    started = time.monotonic()
    assert poll() == []
    assert time.monotonic() - started < 5  # a byte a second would hold it for 30 s
    entry = FeedEntry.objects.get()
    assert "no complete answer within 2 s" in entry.error
    assert not entry.fetched  # a slow server may be quicker next time: tried again


def test_one_poll_has_one_budget_for_all_its_entries(people, feed, poll, monkeypatch):
    """After a strong earthquake a slow JMA and dozens of entries must not hold the worker
    for minutes: the entries left when the poll's budget runs out wait for the next poll,
    which then reads the whole feed again (no "not modified")."""
    monkeypatch.setattr(polling, "ENTRY_DEADLINE", 2)
    monkeypatch.setattr(polling, "POLL_BUDGET", 3)
    for n in range(5):
        feed.publish(f"eq{n}.xml", b"", TITLE)
        feed.links[f"eq{n}.xml"] = f"{feed.origin}/trickle/eq{n}.xml"
    started = time.monotonic()
    assert poll() == []
    assert time.monotonic() - started < 6  # five entries at 2 s each would take 10
    assert FeedEntry.objects.count() < 5  # the rest were not even claimed
    assert FeedState.objects.get().etag == ""


def test_a_feed_that_trickles_in_is_cut_off_at_the_deadline(people, feed, poll, monkeypatch):
    monkeypatch.setattr(polling, "FEED_DEADLINE", 2)
    feed.trickle_feed = True
    started = time.monotonic()
    assert poll() == []
    assert time.monotonic() - started < 5
    assert "no complete answer within 2 s" in FeedState.objects.get().error


def test_a_document_larger_than_the_cap_is_refused_whole(people, feed, poll, monkeypatch):
    monkeypatch.setattr(polling, "MAX_BYTES", 1000)  # the feed is about 500 bytes
    feed.publish("eq.xml", earthquake(), TITLE)  # about 1,500
    assert poll() == [] and Alert.objects.count() == 0
    assert "larger than 1,000 bytes" in refused("eq.xml")


@pytest.mark.parametrize(
    "link, why",
    [
        ("http://www.data.jma.go.jp/developer/xml/data/x.xml", "http scheme"),
        ("file:///etc/passwd", "file scheme"),
        ("https://169.254.169.254/latest/meta-data", "neither the feed's host"),
        ("https://www.data.jma.go.jp:8443/x.xml", "neither the feed's host"),
        ("https://user@www.data.jma.go.jp/x.xml", "user name"),
        ("https://mirror.example/x.xml", "neither the feed's host"),
    ],
)
def test_what_an_https_feed_may_link_to(link, why):
    from yarl import URL

    allowed = Allowed.for_feed("https://www.data.jma.go.jp/developer/xml/feed/eqvol.xml")
    allowed.check(URL("https://www.data.jma.go.jp/developer/xml/data/x.xml"))
    with pytest.raises(Refused, match=why):
        allowed.check(URL(link))
    listed = Allowed.for_feed("https://www.data.jma.go.jp/feed.xml", ["MIRROR.example"])
    listed.check(URL("https://mirror.example/x.xml"))
