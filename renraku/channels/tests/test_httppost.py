"""The push poster keeps its connections from one batch to the next, and a kept
connection the server has closed in the meantime costs nothing but a reconnect."""

import threading
import time

import pytest
from aiohttp import web

from renraku.channels import httppost
from renraku.channels.loopback import LoopbackServer


class CountingServer(LoopbackServer):
    """Answers 201 to any POST, and counts the connections it was asked on."""

    def __init__(self, keepalive_timeout=75.0):
        self.keepalive_timeout = keepalive_timeout
        self.connections: set[int] = set()
        self.paths: list[str] = []
        self.requests = 0
        super().__init__()

    def routes(self, router):
        router.add_post("/{tail:.*}", self._post)

    async def _post(self, request):
        await request.read()
        self.paths.append(request.path_qs)
        self.connections.add(id(request.transport))
        self.requests += 1
        return web.Response(status=201)


@pytest.fixture
def server(request):
    server = CountingServer(**getattr(request, "param", {})).start()
    yield server
    server.stop()


def batch(server, n):
    return [(f"{server.origin}/push/{i}", {"TTL": "60"}, b"x" * 100) for i in range(n)]


def in_own_thread(function):
    """Run in a fresh thread, so that this test's pool is its own."""
    out = []
    thread = threading.Thread(target=lambda: out.append(function()))
    thread.start()
    thread.join()
    return out[0]


def test_a_second_batch_reuses_the_first_batchs_connections(server):
    def two_batches():
        first = httppost.post_batch(batch(server, 40), connections=4)
        second = httppost.post_batch(batch(server, 40), connections=4)
        return first + second

    results = in_own_thread(two_batches)
    assert [status for status, _headers in results] == [201] * 80
    assert server.requests == 80
    assert len(server.connections) == 4


@pytest.mark.parametrize("server", [{"keepalive_timeout": 0.2}], indirect=True)
def test_connections_the_server_closed_while_idle_are_reopened_not_failed(server):
    def batches_with_a_pause():
        first = httppost.post_batch(batch(server, 20), connections=4)
        time.sleep(0.6)  # the server closes its idle connections after 0.2 s
        return first + httppost.post_batch(batch(server, 20), connections=4)

    results = in_own_thread(batches_with_a_pause)
    assert [status for status, _headers in results] == [201] * 40
    assert server.requests == 40
    assert len(server.connections) == 8


def test_bodies_made_by_a_function_are_made_once_each(server):
    made = []

    def body(i):
        def make():
            made.append(i)
            return b"%d" % i

        return make

    requests = [(f"{server.origin}/push/{i}", {}, body(i)) for i in range(10)]
    results = in_own_thread(lambda: httppost.post_batch(requests, connections=3))
    assert [status for status, _headers in results] == [201] * 10
    assert sorted(made) == list(range(10))


def test_paths_and_queries_arrive_as_given_and_a_bad_address_fails_alone(server):
    requests = [
        (f"{server.origin}/push/a?x=1&y=%E3%81%82", {}, b"1"),
        ("mailto:someone@example.com", {}, b"2"),
        (f"{server.origin}", {}, b"3"),
    ]
    results = in_own_thread(lambda: httppost.post_batch(requests, connections=2))
    assert [status for status, _headers in results] == [201, httppost.NETWORK_ERROR, 201]
    assert sorted(server.paths) == ["/", "/push/a?x=1&y=%E3%81%82"]


def test_a_batch_posted_from_inside_a_running_loop_is_still_sent(server):
    """A task run in place by a caller already inside asyncio (a browser driven from the
    same thread) cannot start a loop there: the batch goes on a thread of its own."""
    import asyncio

    async def inside_a_loop():
        return httppost.post_batch(batch(server, 5), connections=2)

    results = in_own_thread(lambda: asyncio.run(inside_a_loop()))
    assert [status for status, _headers in results] == [201] * 5 and server.requests == 5
