"""Measure live delivery: up to 10,000 sockets on `make serve`-style gunicorn (gevent, Redis).

It prepares its own PostgreSQL database (users, follows), starts gunicorn with gevent workers on
Redis, opens N sockets from ``--clients`` asyncio client processes (one process reading 10,000
sockets was itself the bottleneck), then makes events through the JSON API and measures the time
from the API call to the socket, and the server's own time from the event's publish to the frame
written (its delivery histogram, summed over the workers), with the workers' CPU per delivery:

- notification to one user: a follow of a sampled listener, one at a time;
- a new post fanned out to F followers: all F sockets, several posts.

It prints p50/p99/max, connection times, the server's memory per 1,000 sockets and the errors, as a
markdown table (paste it into docs/performance.md). Loopback only; every loop is bounded.

    pip install -e '.[bench]'   # httpx and websockets, for the client
    .venv/bin/python bench/realtime.py --sockets 10000 --fanout 10000

Run after run, it starts from the same state: the Redis database is flushed and the bench users,
sign-ins and follows are written anew; every socket is closed and the server stopped (killed if it
does not stop) at the end, whatever happened. The server's log is kept in bench/results/
(its path is printed). A delivery is *missed* when it never arrives (30 s); a slow one is *late*
(over 5 s) and still counted in the latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-" + "x" * 40
WARM_UP = 100  # sockets opened and closed before the memory is measured
LATE = 5.0  # seconds after which a delivery counts as late (still measured)
MISSED = 30.0  # seconds after which it counts as missed


def percentile(values: list[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str, listeners: int, fanout: int) -> dict[str, int]:
    """Create the schema and the bench users and follows; return ids by role."""
    os.environ["DATABASE_URL"] = url
    subprocess.run(
        [sys.executable, "scripts/ensure_database.py"], cwd=ROOT, check=True, env=os.environ
    )
    from sqlalchemy import delete, insert, select, text

    from app import create_app
    from app.accounts.models import User, UserSession
    from app.accounts.passwords import hash_password
    from app.accounts.rules import identity_key
    from app.extensions import db
    from app.social.models import Follow

    app = create_app(
        {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_FAST": True}
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()
        password = hash_password("devthread-demo")
        now = datetime.now(UTC)
        rows = [
            {
                "username": f"rt_{i}",
                "email": f"rt_{i}@example.com",
                "password_hash": password,
                "display_name": f"Listener {i}",
                "created_at": now - timedelta(days=1),
            }
            for i in range(listeners)
        ]
        rows += [
            {
                "username": "rt_poster",
                "email": "rt_poster@example.com",
                "password_hash": password,
                "display_name": "Poster",
                "created_at": now,
            },
            {
                "username": "rt_actor",
                "email": "rt_actor@example.com",
                "password_hash": password,
                "display_name": "Actor",
                "created_at": now,
            },
        ]
        for row in rows:  # a Core insert bypasses the model's validators that set the keys
            row["username_key"] = identity_key(row["username"])
            row["email_key"] = identity_key(row["email"])
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(User), rows[start : start + 5000])
        db.session.commit()
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        # One API sign-in per person, numbered like the person, so token_for can name it.
        # Seen just now: no "last active" write is due while the bench runs.
        sign_ins = [
            {
                "id": uid,
                "user_id": uid,
                "kind": "api",
                "expires_at": now + timedelta(days=1),
                "last_seen_at": now,
            }
            for uid in ids.values()
        ]
        for start in range(0, len(sign_ins), 5000):
            db.session.execute(insert(UserSession), sign_ins[start : start + 5000])
        poster = ids["rt_poster"]
        follows = [
            {"follower_id": ids[f"rt_{i}"], "followee_id": poster, "created_at": now}
            for i in range(min(fanout, listeners))
        ]
        for start in range(0, len(follows), 5000):
            db.session.execute(insert(Follow), follows[start : start + 5000])
        db.session.execute(
            text("UPDATE users SET followers_count = :n WHERE id = :id"),
            {"n": len(follows), "id": poster},
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return ids


def token_for(user_id: int) -> str:
    """Mint an access token the server accepts (same secret, the sign-in numbered like the user)."""
    import jwt

    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "sid": user_id,
        "iat": now,
        "exp": now + timedelta(hours=2),
        "jti": f"bench{user_id}",
        "typ": "access",
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


def start_server(port: int, url: str, redis_url: str, workers: int, log: Path) -> subprocess.Popen:
    """Start gunicorn as `make serve` does, its log in ``log``, and wait until it answers."""
    import urllib.request

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_ENABLED": "0",
        "REQUIRE_VERIFIED_EMAIL": "0",  # its accounts sign up and post at once
        "WEB_CONCURRENCY": str(workers),
        "ACCESS_LOG": "",
        "WORKER_CONNECTIONS": "12000",
        "BACKLOG": "8192",
        # The workers' metrics summed: the bench reads the server's own delivery histogram.
        "PROMETHEUS_MULTIPROC_DIR": str(log.with_suffix(".metrics")),
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",  # another master on this machine must not clash
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}): see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"gunicorn did not start: see {log}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop gunicorn and its workers: gracefully, then for sure."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def worker_rss_kib(master: int) -> int:
    """Sum the resident memory of gunicorn's worker processes."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


def worker_cpu_seconds(master: int) -> float:
    """Sum the CPU time (user + system) gunicorn's worker processes used so far."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(master):  # ppid; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Listener:
    """One socket: frames arrive into per-type futures so the bench can wait on them."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.ws = None
        self.waiters: dict[str, asyncio.Future] = {}
        self.errors = 0
        self.task: asyncio.Task | None = None

    def expect(self, kind: str) -> asyncio.Future:
        """Return a future resolved with the arrival time of the next frame of a kind."""
        future = asyncio.get_running_loop().create_future()
        self.waiters[kind] = future
        return future

    async def run(self) -> None:
        """Read frames until the socket closes."""
        try:
            async for raw in self.ws:
                now = time.time()  # wall clock: the bench's other processes compare with it
                kind = json.loads(raw)["type"]
                waiter = self.waiters.pop(kind, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(now)
        except Exception:
            self.errors += 1


async def open_sockets(base: str, listeners: list[Listener], concurrency: int) -> list[float]:
    """Open every socket (browser-like: permessage-deflate offered); return connect times."""
    import websockets

    gate = asyncio.Semaphore(concurrency)
    times: list[float] = []

    async def connect(listener: Listener) -> None:
        async with gate:
            started = time.perf_counter()
            for attempt in range(3):
                try:
                    listener.ws = await websockets.connect(
                        f"{base}/ws?access_token={token_for(listener.user_id)}&format=json",
                        open_timeout=30,
                        ping_interval=None,
                        max_queue=None,
                    )
                    break
                except Exception:
                    listener.errors += 1
                    await asyncio.sleep(0.5 * (attempt + 1))
            if listener.ws is not None:
                times.append(time.perf_counter() - started)
                listener.task = asyncio.get_running_loop().create_task(listener.run())

    await asyncio.gather(*(connect(listener) for listener in listeners))
    return times


async def close_sockets(listeners: list[Listener]) -> None:
    """Close every socket, many at a time, none waiting more than a few seconds."""

    async def close(listener: Listener) -> None:
        if listener.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.ws.close(), timeout=5)
        if listener.task is not None:
            listener.task.cancel()

    for start in range(0, len(listeners), 1000):
        await asyncio.gather(*(close(listener) for listener in listeners[start : start + 1000]))


async def wait_all(futures: list[asyncio.Future], t0: float) -> tuple[list[float], int, int]:
    """Wait for deliveries: (latencies, late ones over LATE s, missed ones after MISSED s)."""
    if futures:
        await asyncio.wait(futures, timeout=MISSED)
    latencies = [future.result() - t0 for future in futures if future.done()]
    late = sum(1 for latency in latencies if latency > LATE)
    return latencies, late, sum(1 for future in futures if not future.done())


def client_process(pipe, base_ws: str, user_ids: list[int], concurrency: int) -> None:
    """Hold some of the sockets in a process of their own and answer the bench's commands."""
    import logging

    logging.disable(logging.INFO)
    asyncio.run(_client(pipe, base_ws, user_ids, concurrency))


async def _client(pipe, base_ws: str, user_ids: list[int], concurrency: int) -> None:
    """Open the sockets, then arm waiters and report arrivals until told to close them."""
    loop = asyncio.get_running_loop()
    listeners = [Listener(user_id) for user_id in user_ids]
    armed: list[asyncio.Future] = []
    try:
        while True:
            command, argument = await loop.run_in_executor(None, pipe.recv)
            if command == "open":
                times = await open_sockets(base_ws, listeners, concurrency)
                gc.collect()
                gc.freeze()  # thousands of connection objects: keep the collector off the hot path
                held = sum(1 for listener in listeners if listener.ws is not None)
                pipe.send((times, held, sum(listener.errors for listener in listeners)))
            elif command == "expect":  # (frame type, positions of this client's listeners)
                kind, positions = argument
                armed = [
                    listeners[i].expect(kind) for i in positions if listeners[i].ws is not None
                ]
                pipe.send(len(armed))
            elif command == "collect":  # the wall-clock time the event was caused
                pipe.send(await wait_all(armed, argument))
                armed = []
            elif command == "close":
                break
    finally:
        await close_sockets(listeners)
        pipe.send(None)


class Clients:
    """The client processes, listener i held by process i % n (its position there: i // n)."""

    def __init__(self, n: int, base_ws: str, user_ids: list[int], concurrency: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # nothing of the app's pools inherited
        self.n = n
        self.pipes = []
        self.processes = []
        for k in range(n):
            mine, theirs = context.Pipe()
            process = context.Process(
                target=client_process,
                args=(theirs, base_ws, user_ids[k::n], max(1, concurrency // n)),
                daemon=True,
            )
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    async def ask(self, k: int, command: str, argument: Any = None) -> Any:
        """Send one client a command and wait for its answer."""
        self.pipes[k].send((command, argument))
        return await asyncio.get_running_loop().run_in_executor(None, self.pipes[k].recv)

    async def ask_all(self, command: str, arguments: list[Any]) -> list[Any]:
        """Send every client its command and wait for all answers."""
        return await asyncio.gather(*(self.ask(k, command, arguments[k]) for k in range(self.n)))

    async def expect(self, kind: str, indexes: list[int]) -> list[int]:
        """Arm waiters for a frame type on these listeners; return the clients involved."""
        positions: list[list[int]] = [[] for _ in range(self.n)]
        for i in indexes:
            positions[i % self.n].append(i // self.n)
        involved = [k for k in range(self.n) if positions[k]]
        await asyncio.gather(*(self.ask(k, "expect", (kind, positions[k])) for k in involved))
        return involved

    async def collect(self, involved: list[int], t0: float) -> tuple[list[float], int, int]:
        """Wait for the armed deliveries: (latencies, late, missed) over the clients involved."""
        answers = await asyncio.gather(*(self.ask(k, "collect", t0) for k in involved))
        latencies = [value for answer in answers for value in answer[0]]
        return latencies, sum(a[1] for a in answers), sum(a[2] for a in answers)

    async def close(self) -> None:
        """Close every socket and end the processes, none waiting long."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask_all("close", [None] * self.n), timeout=60)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def scrape_server(base_http: str) -> dict[str, Any]:
    """Read the server's delivery histogram (summed over workers) and its drop counters."""
    import urllib.request

    with urllib.request.urlopen(f"{base_http}/metrics", timeout=30) as response:
        text = response.read().decode()
    buckets: dict[float, float] = {}
    dropped: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("devthread_event_delivery_lag_seconds_bucket{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if bound == "+Inf" else float(bound)] = float(line.split()[-1])
        elif line.startswith("devthread_events_dropped_total{"):
            reason = line.split('reason="', 1)[1].split('"', 1)[0]
            dropped[reason] = dropped.get(reason, 0.0) + float(line.split()[-1])
    return {"buckets": buckets, "dropped": dropped}


def server_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Return what the server delivered and dropped between two scrapes."""
    buckets = {
        bound: count - before["buckets"].get(bound, 0.0)
        for bound, count in sorted(after["buckets"].items())
    }
    dropped = {
        reason: count - before["dropped"].get(reason, 0.0)
        for reason, count in after["dropped"].items()
    }
    return {"buckets": buckets, "dropped": {k: v for k, v in dropped.items() if v}}


def histogram_percentile(buckets: dict[float, float], pct: float) -> float:
    """Return the pct-th percentile of a cumulative histogram, interpolated inside its bucket."""
    total = buckets.get(float("inf"), 0.0)
    if not total:
        return float("nan")
    rank = pct / 100 * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in sorted(buckets.items()):
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            share = (rank - lower_count) / max(count - lower_count, 1e-9)
            return lower_bound + share * (bound - lower_bound)
        lower_bound, lower_count = bound, count
    return lower_bound


async def measure(args, ids: dict[str, int], port: int, master: int) -> dict:
    """Connect, measure, and close every socket whatever happened."""
    user_ids = [ids[f"rt_{i}"] for i in range(args.sockets)]
    base_ws = f"ws://127.0.0.1:{port}"
    # A few sockets opened and closed first: what every worker loads or caches once (modules,
    # statements, pools) must not be counted as the memory of the sockets measured below.
    warm = [Listener(user_id) for user_id in user_ids[:WARM_UP]]
    await open_sockets(base_ws, warm, args.concurrency)
    await close_sockets(warm)
    await asyncio.sleep(2)
    clients = Clients(args.clients, base_ws, user_ids, args.concurrency)
    try:
        return await _measure(args, ids, port, master, clients)
    finally:
        print("closing the sockets ...", file=sys.stderr)
        await clients.close()


async def _measure(args, ids: dict[str, int], port: int, master: int, clients: Clients) -> dict:
    """Connect, then measure notification and fan-out delivery."""
    import httpx

    base_http = f"http://127.0.0.1:{port}"
    rss_before = worker_rss_kib(master)
    started = time.perf_counter()
    opened = await clients.ask_all("open", [None] * clients.n)
    connect_wall = time.perf_counter() - started
    connect_times = [value for answer in opened for value in answer[0]]
    held = sum(answer[1] for answer in opened)
    await asyncio.sleep(3)
    rss_after = worker_rss_kib(master)

    async with httpx.AsyncClient(base_url=base_http + "/api/v1", timeout=30) as http:
        actor = {"Authorization": f"Bearer {token_for(ids['rt_actor'])}"}
        poster = {"Authorization": f"Bearer {token_for(ids['rt_poster'])}"}
        # Notification to one user: follow sampled listeners one at a time.
        notify_lat: list[float] = []
        notify_missed = notify_late = 0
        step = max(1, args.sockets // args.samples)
        scrape = scrape_server(base_http)
        cpu = worker_cpu_seconds(master)
        for index in range(0, args.sockets, step):
            involved = await clients.expect("notification", [index])
            t0 = time.time()
            response = await http.put(f"/users/rt_{index}/follow", headers=actor)
            if response.status_code != 204:
                notify_missed += 1
                continue
            latencies, late, missed = await clients.collect(involved, t0)
            notify_lat += latencies
            notify_late += late
            notify_missed += missed
        after_notify = scrape_server(base_http)
        notify_cpu = worker_cpu_seconds(master) - cpu
        cpu = worker_cpu_seconds(master)
        notify_server = server_delta(scrape, after_notify)
        # A post fanned out to the followers.
        fan_lat: list[float] = []
        fan_missed = fan_late = 0
        for n in range(args.posts):
            involved = await clients.expect("post.created", list(range(args.fanout)))
            t0 = time.time()
            response = await http.post(
                "/posts", json={"body": f"bench post {n} #bench"}, headers=poster
            )
            if response.status_code != 201:
                fan_missed += args.fanout
                continue
            latencies, late, missed = await clients.collect(involved, t0)
            fan_lat += latencies
            fan_late += late
            fan_missed += missed
            await asyncio.sleep(0.5)
        fan_cpu = worker_cpu_seconds(master) - cpu
        fan_server = server_delta(after_notify, scrape_server(base_http))
    return {
        "held": held,
        "connect_errors": sum(answer[2] for answer in opened),
        "connect_wall": connect_wall,
        "connect_p50": percentile(connect_times, 50),
        "connect_p99": percentile(connect_times, 99),
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": rss_after / 1024,
        "kib_per_1000": (rss_after - rss_before) / max(1, held) * 1000,
        "notify": notify_lat,
        "notify_missed": notify_missed,
        "notify_late": notify_late,
        "notify_server": notify_server,
        "fan": fan_lat,
        "fan_missed": fan_missed,
        "fan_late": fan_late,
        "fan_server": fan_server,
        "notify_cpu": notify_cpu,
        "fan_cpu": fan_cpu,
    }


def server_row(label: str, delta: dict[str, Any], target: str) -> str:
    """Format one server-side histogram as a table row, with what the server dropped."""
    buckets = delta["buckets"]
    p50, p99 = (histogram_percentile(buckets, pct) * 1000 for pct in (50, 99))
    count = int(buckets.get(float("inf"), 0))
    dropped = ", ".join(f"{int(v)} {k}" for k, v in sorted(delta["dropped"].items())) or "none"
    return (
        f"| {label}, p50 / p99 ({count} deliveries; dropped: {dropped}) | "
        f"{p50:.1f} / {p99:.1f} ms | {target} |"
    )


def report(args, result: dict) -> str:
    """Format the numbers as markdown."""
    ms = lambda v: f"{v * 1000:.1f}"  # noqa: E731
    lines = [
        f"### bench/realtime.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with the client), "
        f"Python {platform.python_version()}; gunicorn {args.workers} gevent workers, Redis bus, "
        f"PostgreSQL; client: {args.clients} asyncio process(es) on the same machine, "
        "permessage-deflate offered. Client-side times run from the API call to the frame's "
        "arrival; server-side ones from the event's publish (after its commit) to the frame "
        "written, read from the workers' histogram (interpolated inside its buckets).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| sockets held | {result['held']} of {args.sockets} | 10,000 |",
        f"| connect errors (retried) | {result['connect_errors']} | 0 |",
        f"| time to open all sockets | {result['connect_wall']:.1f} s | |",
        f"| connect time p50 / p99 | {ms(result['connect_p50'])} / "
        f"{ms(result['connect_p99'])} ms | |",
        f"| server memory (workers' RSS) before / after | {result['rss_before_mib']:.0f} / "
        f"{result['rss_after_mib']:.0f} MiB | |",
        f"| server memory per 1,000 sockets | {result['kib_per_1000'] / 1024:.1f} MiB | ≤ 40 MiB |",
        f"| notification to one user, p50 / p99 / max ({len(result['notify'])} samples) | "
        f"{ms(percentile(result['notify'], 50))} / {ms(percentile(result['notify'], 99))} / "
        f"{ms(max(result['notify'], default=float('nan')))} ms | p99 < 100 ms |",
        f"| notifications missed (late, over {LATE:.0f} s) | {result['notify_missed']} "
        f"({result['notify_late']}) | 0 |",
        f"| post to {args.fanout} followers, p50 / p99 / max ({len(result['fan'])} deliveries) | "
        f"{ms(percentile(result['fan'], 50))} / {ms(percentile(result['fan'], 99))} / "
        f"{ms(max(result['fan'], default=float('nan')))} ms | p99 < 1 s (10,000 followers) |",
        f"| fan-out deliveries missed (late, over {LATE:.0f} s) | {result['fan_missed']} "
        f"({result['fan_late']}) | 0 |",
        server_row("notification, server-side", result["notify_server"], "p99 < 100 ms"),
        server_row(f"post to {args.fanout} followers, server-side", result["fan_server"], ""),
        f"| workers' CPU per notification (API call included) | "
        f"{result['notify_cpu'] / max(1, len(result['notify'])) * 1000:.2f} ms | |",
        f"| workers' CPU per fan-out delivery (the post's API call included) | "
        f"{result['fan_cpu'] / max(1, len(result['fan'])) * 1e6:.0f} µs | |",
        "",
        f"Load average (1/5/15 min) before: {' / '.join(f'{v:.2f}' for v in result['load'][0])}; "
        f"after: {' / '.join(f'{v:.2f}' for v in result['load'][1])}. "
        f"Server log: {result['log'].relative_to(ROOT)}.",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--fanout", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200, help="sockets opening at once")
    parser.add_argument(
        "--clients", type=int, default=2, help="client processes the sockets are spread over"
    )
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/devthread_rt"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.sockets + 1024:
        parser.error(f"the open-file limit ({hard}) is too low for {args.sockets} sockets")
    if args.fanout > args.sockets:
        parser.error("--fanout cannot exceed --sockets (the followers are listeners)")
    import redis

    # Only this database: presence and anything a previous run left.
    redis.Redis.from_url(args.redis_url).flushdb()
    print(f"preparing {args.sockets} users ...", file=sys.stderr)
    ids = prepare_database(args.database_url, args.sockets, args.fanout)
    port = args.port or free_port()
    log = ROOT / "bench" / "results" / f"realtime-{datetime.now(UTC):%Y%m%d-%H%M%S}.log"
    print(f"server log: {log}", file=sys.stderr)
    load_before = os.getloadavg()
    server = start_server(port, args.database_url, args.redis_url, args.workers, log)
    try:
        print(f"opening {args.sockets} sockets ...", file=sys.stderr)
        result = asyncio.run(measure(args, ids, port, server.pid))
    finally:
        stop_server(server)
    result["load"] = (load_before, os.getloadavg())
    result["log"] = log
    print(report(args, result))


if __name__ == "__main__":
    main()
