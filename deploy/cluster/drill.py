"""Faults under load on the cluster of deploy/cluster/cluster.py, and what they cost.

Signed-in people keep a WebSocket each through the balancer (reconnecting and resuming from the
last event id they saw when it drops) while others read feeds and write posts that mention
them (each mention is a stored event). Faults are injected on a schedule. At the end the
database is asked what was stored: every write that was answered 201 must be there, and every
stored event of a socket's owner must have reached that socket exactly once, live or by resume.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RECOVERY_LIMIT = 5.0  # seconds: errors must stop, and sockets be back, within this of a fault


@dataclass
class Fault:
    """One fault: when it starts (seconds into the load), what it does, and when it is undone."""

    at: float
    name: str
    inject: Callable[[], None]
    undo_after: float | None = None
    undo: Callable[[], None] | None = None


@dataclass
class Record:
    """What the load saw."""

    started: float = field(default_factory=time.monotonic)
    requests: list[tuple[float, str, int]] = field(default_factory=list)
    written: list[int] = field(default_factory=list)
    events: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    drops: list[tuple[float, str]] = field(default_factory=list)
    reconnects: list[tuple[float, float, str, str]] = field(default_factory=list)
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def now(self) -> float:
        """Return seconds since the load started."""
        return time.monotonic() - self.started

    def note(self, what: str) -> None:
        """Add a line to the timeline and print it."""
        self.timeline.append((self.now(), what))
        print(f"  {self.now():6.1f} s  {what}", flush=True)


async def sign_in(client: Any, usernames: list[str], password: str) -> dict[str, str]:
    """Return each person's access token, signing in a few at a time."""
    tokens: dict[str, str] = {}
    # Password checks are slow on purpose (argon2): a few at a time, with time to answer.
    gate = asyncio.Semaphore(4)

    async def one(name: str) -> None:
        async with gate:
            answer = await client.post(
                "/api/v1/auth/login", json={"login": name, "password": password}, timeout=60
            )
            if answer.status_code == 200:
                tokens[name] = answer.json()["access_token"]

    await asyncio.gather(*(one(name) for name in usernames))
    return tokens


async def keep_socket(
    base: str, name: str, token: str, baseline: int, record: Record, stop: asyncio.Event
) -> None:
    """Hold a socket for ``name``; when it drops, reconnect through the balancer and resume."""
    import websockets

    url = base.replace("http://", "ws://") + f"/ws?format=json&access_token={token}"
    last_seen = baseline
    dropped_at: float | None = None
    dropped_host = ""
    while not stop.is_set():
        try:
            async with websockets.connect(
                url, origin=base, open_timeout=5, ping_interval=None
            ) as socket:
                host = socket.response.headers.get("X-Served-By", "?")
                if dropped_at is not None:
                    record.reconnects.append((dropped_at, record.now(), dropped_host, host))
                    dropped_at = None
                # Ask for what was stored since the last event seen (the first time: since the
                # load began), so nothing that happened while away is lost.
                await socket.send(json.dumps({"type": "resume", "last_event_id": str(last_seen)}))
                while not stop.is_set():
                    try:
                        frame = await asyncio.wait_for(socket.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    event = json.loads(frame)
                    if event.get("id") is not None:
                        event_id = int(event["id"])
                        record.events[name].append(event_id)
                        last_seen = max(last_seen, event_id)
                return
        except Exception:  # the socket dropped, or the balancer refused: come back
            if dropped_at is None:
                dropped_at = record.now()
                dropped_host = locals().get("host", "?")
                record.drops.append((dropped_at, name))
            await asyncio.sleep(0.2 + random.random() * 0.3)


async def load(
    client: Any,
    tokens: dict[str, str],
    posts: list[int],
    record: Record,
    stop: asyncio.Event,
    writes_per_second: float,
    reads_per_second: float,
) -> None:
    """Write mentioning posts and read feeds at steady rates until told to stop."""
    names = list(tokens)

    async def request(kind: str, method: str, path: str, token: str, **options) -> Any:
        try:
            answer = await client.request(
                method, path, timeout=10, headers={"Authorization": f"Bearer {token}"}, **options
            )
        except Exception:
            record.requests.append((record.now(), kind, 0))
            return None
        record.requests.append((record.now(), kind, answer.status_code))
        return answer

    async def write() -> None:
        author, mentioned = random.sample(names, 2)
        answer = await request(
            "write",
            "POST",
            "/api/v1/posts",
            tokens[author],
            json={"body": f"Drill post for @{mentioned} #drill"},
        )
        if answer is not None and answer.status_code == 201:
            post_id = answer.json()["id"]
            record.written.append(post_id)
            # Read-your-writes: the author sees the post at once, whatever replica is behind.
            await request("read own write", "GET", f"/api/v1/posts/{post_id}", tokens[author])

    async def read() -> None:
        reader = random.choice(names)
        if random.random() < 0.5:
            await request("read", "GET", "/api/v1/feed/home", tokens[reader])
        else:
            await request("read", "GET", f"/api/v1/posts/{random.choice(posts)}", tokens[reader])

    async def steady(rate: float, action: Callable) -> None:
        pending: set[asyncio.Task] = set()
        interval = 1 / rate
        next_at = time.monotonic()
        while not stop.is_set():
            task = asyncio.create_task(action())
            pending.add(task)
            task.add_done_callback(pending.discard)
            next_at += interval
            await asyncio.sleep(max(0, next_at - time.monotonic()))
        if pending:
            await asyncio.wait(pending, timeout=15)

    await asyncio.gather(steady(writes_per_second, write), steady(reads_per_second, read))


async def run_faults(
    faults: list[Fault], record: Record, stop: asyncio.Event, duration: float
) -> None:
    """Inject each fault at its time (and undo it when it says), then end the load."""
    actions: list[tuple[float, str, Callable[[], None]]] = []
    for fault in faults:
        actions.append((fault.at, f"FAULT {fault.name}", fault.inject))
        if fault.undo and fault.undo_after is not None:
            actions.append((fault.at + fault.undo_after, f"undo: {fault.name}", fault.undo))
    for at, what, action in sorted(actions, key=lambda item: item[0]):
        await asyncio.sleep(max(0, at - record.now()))
        record.note(what)
        await asyncio.get_running_loop().run_in_executor(None, action)
    await asyncio.sleep(max(0, duration - record.now()))
    stop.set()


async def drill(
    base: str,
    usernames: list[str],
    password: str,
    posts: list[int],
    baseline: int,
    faults: list[Fault],
    duration: float,
    writes_per_second: float,
    reads_per_second: float,
) -> Record:
    """Sign people in, open their sockets, run the load and the faults; return what was seen."""
    import httpx

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:
        tokens = await sign_in(client, usernames, password)
        record = Record()
        record.note(f"{len(tokens)} people signed in; opening their sockets")
        stop, closing = asyncio.Event(), asyncio.Event()
        sockets = [
            asyncio.create_task(keep_socket(base, name, token, baseline, record, closing))
            for name, token in tokens.items()
        ]
        await asyncio.sleep(3)
        record.note(f"load: {writes_per_second:g} writes/s, {reads_per_second:g} reads/s")
        await asyncio.gather(
            load(client, tokens, posts, record, stop, writes_per_second, reads_per_second),
            run_faults(faults, record, stop, duration),
        )
        record.note("load stopped; the sockets read on for 3 s")
        # The sockets read on after the last write was answered: its events are on their way.
        await asyncio.sleep(3)
        closing.set()
        await asyncio.gather(*sockets, return_exceptions=True)
        return record


def judge(
    record: Record,
    faults: list[Fault],
    stored_writes: set[int],
    stored_events: dict[str, list[int]],
    usernames: list[str],
) -> list[str]:
    """Print the per-fault recovery and the accounting; return what failed."""
    failures: list[str] = []
    # A failure: no answer, a 5xx, or an author who could not read back what they just wrote.
    errors = [
        (t, kind, status)
        for t, kind, status in record.requests
        if status == 0 or status >= 500 or (kind == "read own write" and status != 200)
    ]
    by_second = Counter(int(t) for t, _, _ in errors)
    total = Counter(int(t) for t, _, _ in record.requests)
    print("\n  second  requests  errors")
    for second in sorted(total):
        if by_second[second] or second % 5 == 0:
            print(f"  {second:6}  {total[second]:8}  {by_second[second]:6}")

    starts = sorted(fault.at for fault in faults)
    print(
        "\n  fault                          errors  last error after  sockets dropped  "
        "back within (max)"
    )
    for fault in faults:
        window_end = min([s for s in starts if s > fault.at] + [float("inf")])
        in_window = [t for t, _, _ in errors if fault.at <= t < window_end]
        last = max(in_window) - fault.at if in_window else 0.0
        drops = [r for r in record.reconnects if fault.at <= r[0] < window_end]
        back = max((r[1] - r[0] for r in drops), default=0.0)
        statuses = dict(Counter(status for t, _, status in errors if fault.at <= t < window_end))
        print(
            f"  {fault.name:30} {len(in_window):6}  {last:13.1f} s  {len(drops):15}  "
            f"{back:13.1f} s  {statuses or ''}"
        )
        if last > RECOVERY_LIMIT:
            failures.append(f"{fault.name}: errors went on {last:.1f} s after it")
        if back > RECOVERY_LIMIT:
            failures.append(f"{fault.name}: a socket took {back:.1f} s to come back")
    before = [t for t, _, _ in errors if t < (starts[0] if starts else float("inf"))]
    if before:
        failures.append(f"{len(before)} errors before the first fault")

    lost = set(record.written) - stored_writes
    print(
        f"\n  writes answered 201: {len(record.written)}; in the database: "
        f"{len(set(record.written) & stored_writes)}; lost: {len(lost)}"
    )
    if lost:
        failures.append(f"{len(lost)} accepted writes are not in the database")
    missing = duplicated = expected_total = 0
    for name in usernames:
        expected = set(stored_events.get(name, []))
        got = record.events.get(name, [])
        expected_total += len(expected)
        missing += len(expected - set(got))
        duplicated += len(got) - len(set(got))
        for event_id in sorted(expected - set(got)):
            drops = [f"{t:.1f}" for t, who in record.drops if who == name]
            print(f"  missed: event {event_id} of {name}; it received {got}; dropped at {drops}")
    print(
        f"  stored events for socket owners: {expected_total}; missed: {missing}; "
        f"delivered twice: {duplicated}"
    )
    if missing:
        failures.append(f"{missing} stored events never reached their socket")
    if duplicated:
        failures.append(f"{duplicated} stored events reached a socket twice")
    if not expected_total:
        failures.append("no stored event was made: the load did not exercise delivery")
    return failures
