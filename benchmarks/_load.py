"""Load for the web benchmarks, measured against the web floor (docs/ARCHITECTURE.md).

On two cores the load generator shares the CPU with the server, so it is a few lines of
HTTP/1.1 over asyncio streams on kept connections: it parses no more than the status line
and the length of each answer (`client_cpu_ms` says what each request cost this process).
Loopback only; every phase is bounded in requests and in seconds.

- `saturate`: closed loop, a few connections each sending its next request as soon as the
  last is answered: the server's capacity (`rps`), counted after a warm-up.
- `alternate`: the floor and our page at saturation in turns, so that a busy neighbour
  (other people's tests on a shared machine) weighs on both alike.
- `at_rate`: open loop, request i sent at i / rate seconds whether or not earlier ones were
  answered; latency counts from that moment (a queue in front of the server is latency).
- `floor_calls`: the floor view (renraku/web/floor.py, routed by RENRAKU_BENCHMARK_FLOOR=1,
  which benchmarks/_setup.start_server sets): GET, or POST through the CSRF check.
"""

import asyncio
import os
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

CSRF = "benchmarkcsrftoken0123456789abcd"  # 32 characters: Django's unmasked secret form
IDLE_SECONDS = 4  # under gunicorn's keep-alive (5 s): a kept connection is still open


@dataclass(frozen=True)
class Call:
    """One request as bytes, and the status that means it did what it should."""

    raw: bytes
    ok: int

    @classmethod
    def get(cls, path: str, cookie: str, ok: int = 200) -> "Call":
        return cls(_request("GET", path, [f"Cookie: {cookie}"], b""), ok)

    @classmethod
    def post(cls, path: str, cookie: str, form: dict, ok: int) -> "Call":
        body = urlencode(form).encode()
        headers = [
            f"Cookie: {cookie}; csrftoken={CSRF}",
            f"X-CSRFToken: {CSRF}",
            "Content-Type: application/x-www-form-urlencoded",
        ]
        return cls(_request("POST", path, headers, body), ok)


def _request(method: str, path: str, headers: list[str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def floor_calls(cookies: list[str], *, post: bool = False):
    """Requests to the floor without end (a phase's time bounds them), cycling through the
    people's sessions."""
    calls = [
        Call.post("/_floor/", cookie, {}, 200) if post else Call.get("/_floor/", cookie)
        for cookie in cookies
    ]
    while True:
        yield from calls


class Connection:
    def __init__(self, reader, writer):
        self.reader, self.writer, self.used = reader, writer, time.monotonic()

    @classmethod
    async def open(cls, address) -> "Connection":
        return cls(*await asyncio.open_connection(*address))

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, raw: bytes) -> tuple[int, bool]:
        """Send one request; (status, whether the connection may be kept)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(None, 2)[1])
        length, chunked, keep = None, False, True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"connection":
                keep = b"close" not in value
        if chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
        elif length is not None:
            await self.reader.readexactly(length)
        else:
            await self.reader.read()
            keep = False
        self.used = time.monotonic()
        return status, keep


class Pool:
    """Kept connections to one server; a new one when none is idle."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.address = (parts.hostname, parts.port)
        self.idle: list[Connection] = []

    async def send(self, call: Call) -> int:
        """The answer's status; 0 when the connection failed."""
        for _attempt in range(2):
            conn = None
            while self.idle:
                conn = self.idle.pop()
                if time.monotonic() - conn.used < IDLE_SECONDS:
                    break
                conn.close()
                conn = None
            fresh = conn is None
            try:
                if fresh:
                    conn = await Connection.open(self.address)
                status, keep = await conn.exchange(call.raw)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                if conn is not None:
                    conn.close()
                if fresh:
                    return 0
                continue  # a kept connection the server had closed: once more, anew
            if keep:
                self.idle.append(conn)
            else:
                conn.close()
            return status
        return 0

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


def server_cpu(server_pid: int | None) -> float:
    """CPU seconds the server (gunicorn's master and workers) has used so far."""
    if server_pid is None:
        return 0.0
    from benchmarks.fanout import ticks, tree

    return ticks(tree(server_pid)) / os.sysconf("SC_CLK_TCK")


def _summary(
    latencies: list[float], statuses: Counter, calls_ok: int, cpu: float, server: float
) -> dict:
    latencies = sorted(latencies)
    n = len(latencies)
    sent = sum(statuses.values())
    return {
        "requests": sent,
        "errors": sent - calls_ok,
        "unexpected": {str(status): count for status, count in statuses.items() if status}
        if sent != calls_ok
        else {},
        "p50_ms": round(latencies[n // 2], 1) if n else None,
        "p99_ms": round(latencies[min(n - 1, int(n * 0.99))], 1) if n else None,
        "client_cpu_ms": round(cpu * 1000 / max(1, sent), 3),
        # Less moved by a busy neighbour than throughput: what one request cost the server.
        "server_cpu_ms": round(server * 1000 / max(1, sent), 2),
    }


async def saturate(
    base: str,
    calls: Iterable[Call],
    *,
    connections: int = 8,
    seconds: float = 8,
    warmup: float = 1,
    server_pid: int | None = None,
) -> dict:
    """Closed loop over `calls` (each used once, in order) until they or the time run out.
    `rps` counts the answers after the warm-up, over the time they took."""
    pool, pending = Pool(base), iter(calls)
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + seconds
    done: list[float] = []
    latencies: list[float] = []
    statuses: Counter = Counter()
    good = 0
    cpu, server = time.process_time(), server_cpu(server_pid)

    async def lane():
        nonlocal good
        while time.perf_counter() < end and (call := next(pending, None)) is not None:
            sent = time.perf_counter()
            status = await pool.send(call)
            answered = time.perf_counter()
            statuses[status] += 1
            good += status == call.ok
            if answered >= measure_from:
                done.append(answered)
                latencies.append((answered - sent) * 1000)

    await asyncio.gather(*(lane() for _ in range(connections)))
    cpu, server = time.process_time() - cpu, server_cpu(server_pid) - server
    pool.close()
    result = _summary(latencies, statuses, good, cpu, server)
    window = (max(done) - measure_from) if done else 0
    result["rps"] = round(len(done) / window, 1) if window > 0 else 0.0
    result["counted"], result["window"] = len(done), window
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["exhausted"] = next(pending, None) is None and time.perf_counter() < end
    return result


async def alternate(
    base: str,
    floor: Iterable[Call],
    ours: Iterable[Call],
    *,
    rounds: int = 4,
    seconds: float = 2,
    connections: int = 8,
    server_pid: int | None = None,
) -> tuple[dict, dict]:
    """The floor and our requests at saturation in turns (floor, ours, floor, ours …), so
    a neighbour's load falls on both alike; each turn's first 0.3 s is not counted. Returns
    (floor, ours), each with `rps` over all its turns and `server_cpu_ms` per request."""
    floor, ours = iter(floor), iter(ours)
    turns: dict[str, list[dict]] = {"floor": [], "ours": []}
    for _round in range(rounds):
        for name, calls in (("floor", floor), ("ours", ours)):
            turn = await saturate(
                base,
                calls,
                connections=connections,
                seconds=seconds,
                warmup=0.3,
                server_pid=server_pid,
            )
            turns[name].append(turn)
    return _merged(turns["floor"]), _merged(turns["ours"])


def _merged(turns: list[dict]) -> dict:
    sent = sum(t["requests"] for t in turns)
    window = sum(t["window"] for t in turns)

    def mean(key):  # per request, weighted by each turn's requests
        return round(sum(t[key] * t["requests"] for t in turns) / max(1, sent), 3)

    return {
        "rps": round(sum(t["counted"] for t in turns) / window, 1) if window else 0.0,
        "rps_by_turn": [t["rps"] for t in turns],
        "requests": sent,
        "errors": sum(t["errors"] for t in turns),
        "unexpected": [t["unexpected"] for t in turns if t["unexpected"]],
        "exhausted": any(t["exhausted"] for t in turns),
        "server_cpu_ms": mean("server_cpu_ms"),
        "client_cpu_ms": mean("client_cpu_ms"),
    }


async def at_rate(
    base: str, calls: list[Call], rate: float, *, server_pid: int | None = None
) -> dict:
    """Open loop: call i is due at i / rate seconds; its latency counts from then."""
    pool = Pool(base)
    latencies: list[float] = []
    statuses: Counter = Counter()
    good = 0
    cpu, server = time.process_time(), server_cpu(server_pid)
    start = time.perf_counter() + 0.05

    async def one(due: float, call: Call):
        nonlocal good
        status = await pool.send(call)
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] += 1
        good += status == call.ok

    tasks = []
    for i, call in enumerate(calls):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, call)))
    await asyncio.gather(*tasks)
    cpu, server = time.process_time() - cpu, server_cpu(server_pid) - server
    pool.close()
    result = _summary(latencies, statuses, good, cpu, server)
    result["rate"] = round(rate, 1)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


async def all_at_once(base: str, calls: list[Call], *, server_pid: int | None = None) -> dict:
    """Every request sent at the same moment, each on its own new connection (people on
    their own phones); `last_answer_seconds` is when the last was answered."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    good = 0
    cpu, server = time.process_time(), server_cpu(server_pid)
    start = time.perf_counter()

    async def one(call: Call):
        nonlocal good
        own = Pool(base)  # a pool of its own: a new connection
        status = await own.send(call)
        own.close()
        latencies.append((time.perf_counter() - start) * 1000)
        statuses[status] += 1
        good += status == call.ok

    await asyncio.gather(*(one(call) for call in calls))
    cpu, server = time.process_time() - cpu, server_cpu(server_pid) - server
    result = _summary(latencies, statuses, good, cpu, server)
    result["last_answer_seconds"] = round(max(latencies) / 1000, 2) if latencies else None
    return result


def share_by_turns(floor: dict, ours: dict) -> float | None:
    """The median of each turn's share against the floor's turn just before it: a burst of
    a neighbour's work in one turn moves it less than the totals."""
    shares = sorted(
        o / f for f, o in zip(floor["rps_by_turn"], ours["rps_by_turn"], strict=True) if f
    )
    if not shares:
        return None
    middle = len(shares) // 2
    median = shares[middle] if len(shares) % 2 else (shares[middle - 1] + shares[middle]) / 2
    return round(median, 2)


def share_by_cpu(floor: dict, ours: dict) -> float | None:
    """The floor's CPU per request (server and client) over ours: the share two cores
    would give if nothing else ran on them."""
    ours_ms = ours["server_cpu_ms"] + ours["client_cpu_ms"]
    return (
        round((floor["server_cpu_ms"] + floor["client_cpu_ms"]) / ours_ms, 2) if ours_ms else None
    )


def others_meter(server_pid: int):
    """Start counting; the returned function gives the share of both cores that processes
    other than this one and the server took meanwhile (as fanout.py's others_busy): figures
    taken beside a busy neighbour are not the machine's."""
    from benchmarks.fanout import machine_cpu, others_busy, ticks, tree

    def ours() -> int:
        return ticks([os.getpid(), *tree(server_pid)])

    before, mine = machine_cpu(), ours()
    return lambda: others_busy(before, machine_cpu(), ours() - mine)
