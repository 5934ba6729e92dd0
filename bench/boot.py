"""Measure how fast a gunicorn worker answers after a start or a crash, and what its imports cost.

Starts gunicorn (gunicorn.conf.py, one gevent worker, no control socket) and times:
  - cold start: from starting the master to the first 200 on /healthz;
  - worker respawn: from SIGKILL of the worker to the first 200 on /healthz (``--kills`` times),
    which is how long a crashed or OOM-killed worker leaves its share of clients waiting;
then runs ``python -X importtime -c "import wsgi"`` and lists the packages whose modules cost
most to import, and whether alembic is among them. The report (markdown, with the machine and
date) goes to stdout; progress to stderr.

    .venv/bin/python bench/boot.py                       # PostgreSQL + Redis as in production
    .venv/bin/python bench/boot.py --database-url sqlite:////tmp/boot.sqlite --redis-url ''
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/devthread_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
# Packages whose first import's cumulative time is reported (what it pulls in that was not loaded).
WATCHED = ("flask_migrate", "alembic", "sqlalchemy", "psycopg", "redis", "flask_limiter", "gevent")
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def log(message: str) -> None:
    """Print progress to stderr, so stdout stays the report."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Tell whether /healthz answers 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=0.5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(url: str, since: float, limit: float = 60.0) -> float:
    """Poll until /healthz answers 200; return the seconds since ``since``."""
    while time.perf_counter() - since < limit:
        if healthy(url):
            return time.perf_counter() - since
        time.sleep(0.01)
    raise RuntimeError(f"no 200 on {url} within {limit} s")


def workers(master: int) -> list[int]:
    """Return the pids of gunicorn's workers (the master's children)."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def environment(args: argparse.Namespace) -> dict[str, str]:
    """Return the environment gunicorn and the import timing run with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PROMETHEUS_"))}
    env.update(
        DATABASE_URL=args.database_url,
        SECRET_KEY="bench-boot-secret-key-long-enough-for-hs256",
        WEB_CONCURRENCY="1",
        ACCESS_LOG="",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def measure_server(args: argparse.Namespace) -> tuple[float, list[float]]:
    """Return the cold-start time and each worker-respawn time, in seconds."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket"]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    started = time.perf_counter()
    master = subprocess.Popen(
        command, cwd=ROOT, env=environment(args), stdout=subprocess.DEVNULL, stderr=sys.stderr
    )
    respawns: list[float] = []
    try:
        cold = wait_healthy(url, started)
        log(f"cold start: {cold:.2f} s")
        for _ in range(args.kills):
            time.sleep(args.pause)
            (worker,) = workers(master.pid)
            killed = time.perf_counter()
            os.kill(worker, signal.SIGKILL)
            # The first probe may still reach the dying worker's accept queue: wait until the
            # old pid is gone from the master's children before polling.
            while worker in workers(master.pid):
                time.sleep(0.005)
            respawns.append(wait_healthy(url, killed))
            log(f"worker respawn: {respawns[-1]:.2f} s")
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=20)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
    return cold, respawns


def import_wall_times(args: argparse.Namespace) -> list[float]:
    """Return the wall time of ``import wsgi`` (create_app included) in fresh processes."""
    code = "import time; t = time.perf_counter(); import wsgi; print(time.perf_counter() - t)"
    times = []
    for _ in range(args.imports):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environment(args),
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return times


def import_times(
    args: argparse.Namespace,
) -> tuple[list[float], list[tuple[str, float]], dict[str, float]]:
    """Return the wall times of ``import wsgi``, the costliest packages, and the watched ones."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import wsgi"],
        cwd=ROOT,
        env=environment(args),
        capture_output=True,
        text=True,
        check=True,
    )
    by_package: dict[str, float] = {}
    watched: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        own, cumulative, _indent, name = match.groups()
        package = name.split(".")[0]
        if name in WATCHED:
            # The line comes once the import finished: the first one is its first import.
            watched.setdefault(name, int(cumulative) / 1e6)
        # Self times add up without double counting: each module's own time, per distribution.
        by_package[package] = by_package.get(package, 0.0) + int(own) / 1e6
    top = sorted(by_package.items(), key=lambda item: item[1], reverse=True)
    return import_wall_times(args), top[: args.top], watched


def main() -> int:
    """Run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="'' for none")
    parser.add_argument("--kills", type=int, default=5, help="worker kills to time")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between kills")
    parser.add_argument("--top", type=int, default=12, help="imports to list")
    parser.add_argument("--imports", type=int, default=7, help="fresh `import wsgi` to time")
    args = parser.parse_args()
    cold, respawns = measure_server(args)
    walls, top, watched = import_times(args)
    load = os.getloadavg()
    print(f"### bench/boot.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print()
    print(
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"(at the end). Database: `{args.database_url.split('@')[-1]}`, "
        f"Redis: `{args.redis_url or 'none'}`."
    )
    print()
    print("| what | seconds |")
    print("|---|---|")
    print(f"| cold start (master start to first 200 on /healthz) | {cold:.2f} |")
    print(
        f"| worker respawn after SIGKILL, median of {len(respawns)} (min-max) | "
        f"{statistics.median(respawns):.2f} ({min(respawns):.2f}-{max(respawns):.2f}) |"
    )
    print(
        f"| `import wsgi` (plain python, no gevent), min / median of {len(walls)} | "
        f"{min(walls):.2f} / {statistics.median(walls):.2f} |"
    )
    print()
    print(f"alembic imported by `import wsgi`: {'yes' if 'alembic' in watched else 'no'}")
    print()
    print("| first import of (cumulative, with what it pulled in) | seconds |")
    print("|---|---|")
    for name in WATCHED:
        shown = f"{watched[name]:.3f}" if name in watched else "not imported"
        print(f"| {name} | {shown} |")
    print()
    print("| package (own import time of its modules) | seconds |")
    print("|---|---|")
    for name, seconds in top:
        print(f"| {name} | {seconds:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
