"""Run DevThread as a cluster of hosts on one machine, each host a Linux network namespace.

    sudo .venv/bin/python deploy/cluster/cluster.py smoke   # up, check, down (make cluster)
    sudo .venv/bin/python deploy/cluster/cluster.py up      # up, then wait for Ctrl-C
    sudo .venv/bin/python deploy/cluster/cluster.py down    # remove what a crashed run left

The hosts sit on a private bridge (SUBNET.0/24, made and removed by this script; no other
address is ever used): a load balancer (HAProxy, health checks on /readyz, WebSockets passed
through, no sticky sessions), three app hosts (gunicorn with gevent workers and a job worker
each), a database host (PostgreSQL 15 and PgBouncer in transaction mode), a streaming replica
made with pg_basebackup, and three Redis hosts (a primary, a replica, and a Sentinel on each).
Every process writes its log under the run's folder, which is removed on the way down unless
--keep is given. Needs root (ip netns) and Debian's postgresql-15, pgbouncer, haproxy,
redis-server and redis-sentinel: missing packages are installed first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # drill.py beside this file
PYTHON_BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PACKAGES = {
    PG_BIN / "postgres": "postgresql-15",
    Path("/usr/sbin/pgbouncer"): "pgbouncer",
    Path("/usr/sbin/haproxy"): "haproxy",
    Path("/usr/bin/redis-server"): "redis-server",
    Path("/usr/bin/redis-sentinel"): "redis-sentinel",
    Path("/usr/share/postgresql/15/extension/rum.control"): "postgresql-15-rum",
}

PREFIX = "dtc"
BRIDGE = f"{PREFIX}-br0"
SUBNET = "10.213.7"
GATEWAY = f"{SUBNET}.1"
HOSTS = {
    "lb": 10,
    "app1": 11,
    "app2": 12,
    "app3": 13,
    "db": 20,
    "replica": 21,
    "redis1": 30,
    "redis2": 31,
    "redis3": 32,
}
APP_HOSTS = ("app1", "app2", "app3")
SENTINEL_MASTER = "devthread"
DEMO_PASSWORD = "devthread-demo"


def address(host: str) -> str:
    """Return the host's address on the cluster's bridge."""
    return f"{SUBNET}.{HOSTS[host]}"


def namespace(host: str) -> str:
    """Return the name of the host's network namespace."""
    return f"{PREFIX}-{host}"


def run(*argv: str, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run a command to its end, its output captured."""
    return subprocess.run(
        argv,
        check=check,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )


def log(message: str) -> None:
    """Print a line of progress with the time since the start."""
    print(f"[{time.monotonic() - STARTED:7.1f} s] {message}", flush=True)


STARTED = time.monotonic()


@dataclass
class Process:
    """A long-running process of the cluster, in its own process group."""

    name: str
    host: str
    popen: subprocess.Popen
    log_path: Path


@dataclass
class Cluster:
    """The hosts, their processes and the run's folder."""

    work: Path
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    processes: dict[str, Process] = field(default_factory=dict)

    # -- the network -------------------------------------------------------------------

    def make_network(self) -> None:
        """Make the bridge, then one namespace per host with a veth pair onto it."""
        run("ip", "link", "add", BRIDGE, "type", "bridge")
        run("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
        run("ip", "link", "set", BRIDGE, "up")
        for host in HOSTS:
            ns, outside, inside = namespace(host), f"{PREFIX}v-{host}", f"{PREFIX}i-{host}"
            run("ip", "netns", "add", ns)
            run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
            run("ip", "link", "set", outside, "master", BRIDGE)
            run("ip", "link", "set", outside, "up")
            run("ip", "link", "set", inside, "netns", ns)
            run("ip", "-n", ns, "addr", "add", f"{address(host)}/24", "dev", inside)
            run("ip", "-n", ns, "link", "set", inside, "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")

    # -- processes ---------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        host: str,
        argv: list[str],
        *,
        user: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Process:
        """Start a process in a host's namespace, its output in <work>/logs/<name>.log."""
        log_path = self.work / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        prefix = ["ip", "netns", "exec", namespace(host)]
        if user:
            # setpriv execs the program itself (runuser stays as a parent that holds a SIGTERM
            # for 2 s before it passes it on).
            prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]
        with open(log_path, "ab") as out:
            popen = subprocess.Popen(
                prefix + argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                start_new_session=True,
            )
        process = Process(name, host, popen, log_path)
        self.processes[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send a signal to a process's whole group (its workers too)."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.popen.pid, sig)

    def stop_all(self) -> None:
        """Stop every process, newest first (the balancer before the apps before the data)."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.popen.poll() is not None:
                continue
            self.kill(name, signal.SIGTERM)
            try:
                process.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill(name)
                process.popen.wait(5)

    def wait_until(self, what: str, check, timeout: float = 60) -> None:
        """Wait for ``check()`` to be true, or fail naming ``what`` and the newest logs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if check():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{what}: not ready after {timeout:.0f} s (logs in {self.work}/logs)")

    # -- PostgreSQL: primary, replica, PgBouncer ---------------------------------------

    def start_postgres(self) -> None:
        """Make the primary with initdb, then the replica with pg_basebackup; start both."""
        shutil.chown(self.work, "postgres")
        primary = self.work / "pg-primary"
        run(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "initdb"),
            "-D",
            str(primary),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '{address('db')}'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 200\nshared_buffers = 128MB\njit = off\n"
                "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                "wal_keep_size = 256MB\n"
            )
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write(
                f"host all all {SUBNET}.0/24 trust\nhost replication all {SUBNET}.0/24 trust\n"
            )
        self.spawn(
            "postgres-primary",
            "db",
            [str(PG_BIN / "postgres"), "-D", str(primary)],
            user="postgres",
        )
        self.wait_until("PostgreSQL primary", lambda: pg_ready(address("db"), 5432))
        psql(address("db"), 5432, "postgres", "CREATE DATABASE devthread")
        psql(address("db"), 5432, "postgres", "ALTER DATABASE devthread SET jit = off")

        replica = self.work / "pg-replica"
        run(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "pg_basebackup"),
            "-h",
            address("db"),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '{address('replica')}'\n")
        self.spawn(
            "postgres-replica",
            "replica",
            [str(PG_BIN / "postgres"), "-D", str(replica)],
            user="postgres",
        )
        self.wait_until("PostgreSQL replica", lambda: pg_ready(address("replica"), 5432))

    def start_pgbouncer(self) -> None:
        """Start PgBouncer on the database host, in transaction mode."""
        users = self.work / "pgbouncer-users.txt"
        users.write_text('"postgres" ""\n')
        config = self.work / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"devthread = host={address('db')} port=5432 dbname=devthread\n"
            "[pgbouncer]\n"
            f"listen_addr = {address('db')}\nlisten_port = 6432\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {users}\n"
            "pool_mode = transaction\nmax_client_conn = 4000\ndefault_pool_size = 40\n"
            "reserve_pool_size = 10\nignore_startup_parameters = extra_float_digits\n"
            "server_reset_query =\nlog_connections = 0\nlog_disconnections = 0\n"
        )
        shutil.chown(users, "postgres")
        shutil.chown(config, "postgres")
        self.spawn("pgbouncer", "db", ["/usr/sbin/pgbouncer", str(config)], user="postgres")
        self.wait_until("PgBouncer", lambda: pg_ready(address("db"), 6432, "devthread"))

    # -- Redis and Sentinel -------------------------------------------------------------

    def start_redis_server(self, host: str, replica_of: str | None = None) -> None:
        """Start a Redis server on a Redis host (a replica of another one, if asked)."""
        folder = self.work / host
        folder.mkdir(exist_ok=True)
        argv = [
            "/usr/bin/redis-server",
            "--bind",
            address(host),
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            "--dir",
            str(folder),
        ]
        if replica_of:
            argv += ["--replicaof", address(replica_of), "6379"]
        self.spawn(f"redis-{host}", host, argv)

    def start_redis(self) -> None:
        """Start a Redis primary, a replica, and a Sentinel on each of the three Redis hosts."""
        for host in ("redis1", "redis2"):
            self.start_redis_server(host, replica_of="redis1" if host == "redis2" else None)
            self.wait_until(f"Redis on {host}", lambda h=host: redis_ping(address(h), 6379))
        for host in ("redis1", "redis2", "redis3"):
            config = self.work / f"sentinel-{host}.conf"
            config.write_text(
                f"bind {address(host)}\nport 26379\nprotected-mode no\ndir {self.work}\n"
                f"sentinel monitor {SENTINEL_MASTER} {address('redis1')} 6379 2\n"
                f"sentinel down-after-milliseconds {SENTINEL_MASTER} 2000\n"
                f"sentinel failover-timeout {SENTINEL_MASTER} 10000\n"
                f"sentinel parallel-syncs {SENTINEL_MASTER} 1\n"
            )
            self.spawn(f"sentinel-{host}", host, ["/usr/bin/redis-sentinel", str(config)])
            self.wait_until(f"Sentinel on {host}", lambda h=host: redis_ping(address(h), 26379))

    # -- the app ------------------------------------------------------------------------

    def app_env(self, host: str) -> dict[str, str]:
        """Return the environment of an app host's processes."""
        metrics = self.work / host / "prometheus"
        metrics.mkdir(parents=True, exist_ok=True)
        return {
            "FLASK_APP": "wsgi",
            "SECRET_KEY": self.secret,
            "DATABASE_URL": f"postgresql+psycopg://postgres@{address('db')}:6432/devthread",
            "PGBOUNCER": "1",
            # The public pages read from the streaming replica (app/dbrouting.py).
            "DATABASE_REPLICA_URL": f"postgresql+psycopg://postgres@{address('replica')}:5432/devthread",
            # Through the Sentinels: after a fail-over, every client finds the new primary.
            "REDIS_URL": "redis+sentinel://"
            + ",".join(f"{address(h)}:26379" for h in ("redis1", "redis2", "redis3"))
            + f"/{SENTINEL_MASTER}",
            "PUBLIC_URL": f"http://{address('lb')}",
            "PROXY_FIX": "1",
            "FORWARDED_ALLOW_IPS": address("lb"),
            "WEB_CONCURRENCY": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
            "INSTANCE_PATH": str(self.work / host / "instance"),
            # One load generator's address makes every request: rate limits would refuse it.
            "RATELIMIT_ENABLED": "0",
            "PYTHONUNBUFFERED": "1",
        }

    def seed_people(self, people: int) -> None:
        """Add generated people, follows and posts (verified, with the demo password)."""
        env = {
            **os.environ,
            **self.app_env("app1"),
            "DATABASE_URL": f"postgresql+psycopg://postgres@{address('db')}:5432/devthread",
        }
        env.pop("PGBOUNCER")
        subprocess.run(
            [
                str(PYTHON_BIN / "flask"),
                "seed",
                "--users",
                str(people * 2),
                "--posts",
                str(people * 10),
            ],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def migrate_and_seed(self) -> None:
        """Migrate through the primary directly, then load the demo data set."""
        env = {
            **os.environ,
            **self.app_env("app1"),
            "DATABASE_URL": f"postgresql+psycopg://postgres@{address('db')}:5432/devthread",
        }
        env.pop("PGBOUNCER")
        for argv in (["db", "upgrade"], ["seed", "--if-empty"]):
            subprocess.run(
                [str(PYTHON_BIN / "flask"), *argv],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def start_app(self, host: str) -> None:
        """Start gunicorn and a job worker on one app host."""
        env = self.app_env(host)
        gunicorn = str(PYTHON_BIN / "gunicorn")
        bind = f"{address(host)}:8000"
        self.spawn(
            f"gunicorn-{host}",
            host,
            [gunicorn, "-c", "gunicorn.conf.py", "--bind", bind, "wsgi:app"],
            env=env,
            cwd=ROOT,
        )
        worker_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.spawn(
            f"worker-{host}", host, [str(PYTHON_BIN / "flask"), "worker"], env=worker_env, cwd=ROOT
        )

    def start_apps(self) -> None:
        """Start every app host and wait until each answers /readyz."""
        for host in APP_HOSTS:
            self.start_app(host)
        for host in APP_HOSTS:
            self.wait_until(
                f"gunicorn on {host}",
                lambda h=host: http_status(f"http://{address(h)}:8000/readyz") == 200,
                timeout=90,
            )

    def start_balancer(self) -> None:
        """Start HAProxy on the balancer host, checking each app host's /readyz every second."""
        servers = "\n".join(f"    server {host} {address(host)}:8000" for host in APP_HOSTS)
        # When every app host fails /readyz at once, the cause is shared (the database or Redis
        # blinked): take traffic on all of them anyway, unchecked, rather than answer 503 to
        # everyone until each has passed two checks again.
        fallbacks = "\n".join(
            f"    server {host}-unchecked {address(host)}:8000 backup no-check"
            for host in APP_HOSTS
        )
        config = self.work / "haproxy.cfg"
        config.write_text(f"""global
    maxconn 8000
    stats socket {self.work}/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-keep-alive 65s
    retries 2
    option redispatch
    retry-on conn-failure empty-response

frontend http
    bind {address("lb")}:80
    option forwardfor
    default_backend app

backend app
    balance leastconn
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host {address("lb")}
    http-check expect status 200
    option allbackups
    default-server check inter 1s fall 2 rise 2
    # Which host answered: the load scripts count it.
    http-response set-header X-Served-By %s
{servers}
{fallbacks}
""")
        self.spawn("haproxy", "lb", ["/usr/sbin/haproxy", "-db", "-f", str(config)])
        self.wait_until("HAProxy", lambda: http_status(f"http://{address('lb')}/readyz") == 200)

    def up(self) -> None:
        """Bring the whole cluster up, in dependency order."""
        ensure_packages()
        log(f"network {SUBNET}.0/24 on bridge {BRIDGE}: {len(HOSTS)} hosts")
        self.make_network()
        log("PostgreSQL primary and streaming replica")
        self.start_postgres()
        log("PgBouncer (transaction mode)")
        self.start_pgbouncer()
        log("Redis primary, replica and three Sentinels")
        self.start_redis()
        log("migrate and seed the demo data")
        self.migrate_and_seed()
        log("three app hosts: gunicorn (gevent) and a job worker each")
        self.start_apps()
        log("HAProxy")
        self.start_balancer()
        log(f"up: http://{address('lb')}/ (from this machine)")
        for host in HOSTS:
            names = ", ".join(p.name for p in self.processes.values() if p.host == host)
            print(f"    {host:8} {address(host):14} {names}")

    def down(self) -> None:
        """Stop every process and remove the namespaces, the bridge and the run's folder."""
        self.stop_all()
        remove_network()


def remove_network() -> None:
    """Remove every namespace and the bridge this script makes, and what still runs in them."""
    listing = run("ip", "netns", "list", check=False).stdout or ""
    for line in listing.splitlines():
        ns = line.split()[0]
        if not ns.startswith(f"{PREFIX}-"):
            continue
        pids = (run("ip", "netns", "pids", ns, check=False).stdout or "").split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        run("ip", "netns", "delete", ns, check=False)
    run("ip", "link", "delete", BRIDGE, check=False)


def ensure_packages() -> None:
    """Install the Debian packages the cluster runs on, when missing."""
    missing = sorted({package for path, package in PACKAGES.items() if not path.exists()})
    if missing:
        log(f"installing {' '.join(missing)}")
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", *missing)
    # Debian starts the services it installs: the cluster runs its own.
    for service in ("haproxy", "pgbouncer", "redis-sentinel"):
        run("service", service, "stop", check=False)


def pg_ready(host: str, port: int, database: str = "postgres") -> bool:
    """Tell whether PostgreSQL (or PgBouncer) accepts a connection."""
    result = run(
        str(PG_BIN / "pg_isready"),
        "-h",
        host,
        "-p",
        str(port),
        "-d",
        database,
        "-U",
        "postgres",
        check=False,
    )
    return result.returncode == 0


def psql(host: str, port: int, database: str, sql: str) -> str:
    """Run one statement with psql and return what it printed."""
    return run(
        "psql", "-h", host, "-p", str(port), "-U", "postgres", "-d", database, "-Atc", sql
    ).stdout.strip()


def redis_ping(host: str, port: int) -> bool:
    """Tell whether a Redis server or Sentinel answers PING."""
    return (
        run("redis-cli", "-h", host, "-p", str(port), "ping", check=False).stdout.strip() == "PONG"
    )


def http_status(url: str, timeout: float = 2) -> int:
    """Return the status of a GET, or 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def api(method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple:
    """Call the API through the balancer; return (status, JSON body, the host that answered)."""
    request = urllib.request.Request(
        f"http://{address('lb')}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return (
                answer.status,
                json.loads(answer.read() or b"null"),
                answer.headers["X-Served-By"],
            )
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers["X-Served-By"]


def smoke(cluster: Cluster) -> list[str]:
    """Check the cluster through the balancer; return what failed (nothing when all is well)."""
    import websocket  # websocket-client, in the dev extra

    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        log(("ok      " if ok else "FAILED  ") + what)
        if not ok:
            failures.append(what)

    status, tokens, _ = api("POST", "/auth/login", {"login": "ada", "password": DEMO_PASSWORD})
    expect(status == 200, f"ada signs in through the balancer ({status})")
    status, grace, _ = api("POST", "/auth/login", {"login": "grace", "password": DEMO_PASSWORD})
    expect(status == 200, f"grace signs in ({status})")
    if failures:
        return failures

    served = Counter(api("GET", "/feed/home", token=tokens["access_token"])[2] for _ in range(30))
    expect(
        set(served) == set(APP_HOSTS),
        f"30 home feeds were served by every app host: {dict(sorted(served.items()))}",
    )

    socket = websocket.create_connection(
        f"ws://{address('lb')}/ws?access_token={tokens['access_token']}",
        timeout=10,
        origin=f"http://{address('lb')}",
    )
    socket_host = socket.getheaders().get("x-served-by")
    try:
        status, post, host = api(
            "POST", "/posts", {"body": "Hello from the cluster"}, token=grace["access_token"]
        )
        expect(status == 201, f"grace posts through {host} ({status})")
        deadline = time.monotonic() + 10
        got = None
        while time.monotonic() < deadline and got is None:
            event = json.loads(socket.recv())
            if event.get("type") == "post.created" and event["data"].get("id") == post.get("id"):
                got = time.monotonic()
        expect(got is not None, f"ada's socket on {socket_host} got grace's new post live")
    finally:
        socket.close()

    lag = psql(
        address("replica"),
        5432,
        "devthread",
        "SELECT count(*) FROM posts WHERE body = 'Hello from the cluster'",
    )
    expect(lag == "1", "the streaming replica has the new post")
    bounced = psql(address("db"), 6432, "devthread", "SELECT 1")
    expect(bounced == "1", "PgBouncer serves the devthread database")
    role = run("redis-cli", "-h", address("redis2"), "role", check=False).stdout.split()[:1]
    expect(role == ["slave"], "redis2 replicates redis1")
    master = run(
        "redis-cli",
        "-h",
        address("redis3"),
        "-p",
        "26379",
        "sentinel",
        "get-master-addr-by-name",
        SENTINEL_MASTER,
        check=False,
    ).stdout.split()
    expect(master[:1] == [address("redis1")], f"the Sentinels agree on the primary: {master}")
    return failures


def drill_faults(cluster: Cluster) -> list:
    """Return the faults of the drill, on the schedule of docs/scaling.md."""
    from drill import Fault

    def kill_host(host: str) -> Callable[[], None]:
        return lambda: [cluster.kill(f"{kind}-{host}") for kind in ("gunicorn", "worker")]

    def restart_pgbouncer() -> None:
        cluster.kill("pgbouncer", signal.SIGTERM)
        cluster.processes["pgbouncer"].popen.wait(10)
        cluster.start_pgbouncer()

    def stop_replica() -> None:
        # SIGINT: PostgreSQL's fast shutdown (SIGTERM waits for every client to leave).
        cluster.kill("postgres-replica", signal.SIGINT)
        cluster.processes["postgres-replica"].popen.wait(20)

    def start_replica() -> None:
        replica = cluster.work / "pg-replica"
        cluster.spawn(
            "postgres-replica",
            "replica",
            [str(PG_BIN / "postgres"), "-D", str(replica)],
            user="postgres",
        )

    def restart_old_primary() -> None:
        # The Sentinels make the old primary a replica of the new one once it is back.
        cluster.start_redis_server("redis1")

    return [
        Fault(
            10, "SIGKILL app host app2", kill_host("app2"), 12, lambda: cluster.start_app("app2")
        ),
        Fault(30, "restart PgBouncer", restart_pgbouncer),
        Fault(40, "stop the PostgreSQL replica", stop_replica, 8, start_replica),
        Fault(
            52,
            "SIGKILL the Redis primary",
            lambda: cluster.kill("redis-redis1"),
            15,
            restart_old_primary,
        ),
    ]


def run_drill(cluster: Cluster, people: int, duration: float) -> list[str]:
    """Seed people, run the load with the faults, and judge what was stored and delivered."""
    import asyncio

    from drill import drill, judge

    cluster.seed_people(people)
    primary = (address("db"), 5432, "devthread")
    usernames = psql(
        *primary,
        "SELECT username FROM users WHERE email_verified_at IS NOT NULL"
        " AND erased_at IS NULL AND username LIKE '%\\_%' ESCAPE '\\'"
        f" ORDER BY id LIMIT {people}",
    ).split()
    posts = [
        int(i) for i in psql(*primary, "SELECT id FROM posts ORDER BY id DESC LIMIT 200").split()
    ]
    baseline = int(psql(*primary, "SELECT coalesce(max(id), 0) FROM events"))
    faults = drill_faults(cluster)
    replica_stat = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'devthread'"
    replica_before = int(psql(address("replica"), 5432, "devthread", replica_stat))
    log(
        f"drill: {len(usernames)} people with a socket each, {duration:.0f} s of load, "
        f"{len(faults)} faults"
    )
    record = asyncio.run(
        drill(
            f"http://{address('lb')}",
            usernames,
            DEMO_PASSWORD,
            posts,
            baseline,
            faults,
            duration,
            writes_per_second=8,
            reads_per_second=20,
        )
    )
    written = ",".join(str(i) for i in record.written) or "0"
    stored_writes = {
        int(i) for i in psql(*primary, f"SELECT id FROM posts WHERE id IN ({written})").split()
    }
    names = ",".join(f"'{name}'" for name in usernames)
    stored_events: dict[str, list[int]] = {}
    rows = psql(
        *primary,
        "SELECT u.username || ' ' || e.id FROM events e JOIN users u"
        f" ON u.id = e.user_id WHERE e.id > {baseline} AND u.username IN ({names})",
    )
    for line in rows.splitlines():
        name, event_id = line.split()
        stored_events.setdefault(name, []).append(int(event_id))
    served = int(psql(address("replica"), 5432, "devthread", replica_stat)) - replica_before
    log(f"the replica served {served} transactions of the load (read-only pages)")
    failures = judge(record, faults, stored_writes, stored_events, usernames)
    if served < 100:
        failures.append(f"the replica served only {served} transactions: reads are not routed")
    return failures


def tier_pids() -> dict[str, list[int]]:
    """Return the pids of each tier: app hosts, PostgreSQL primary, replica, PgBouncer, Redis."""
    tiers: dict[str, list[int]] = {
        "app": [],
        "postgres": [],
        "replica": [],
        "pgbouncer": [],
        "redis": [],
        "haproxy": [],
    }
    for host in HOSTS:
        pids = [
            int(p) for p in run("ip", "netns", "pids", namespace(host), check=False).stdout.split()
        ]
        for pid in pids:
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                continue
            if host in APP_HOSTS:
                tiers["app"].append(pid)
            elif host == "replica":
                tiers["replica"].append(pid)
            elif name == "pgbouncer":
                tiers["pgbouncer"].append(pid)
            elif name.startswith("postgres"):
                tiers["postgres"].append(pid)
            elif name.startswith("redis"):
                tiers["redis"].append(pid)
            elif name == "haproxy":
                tiers["haproxy"].append(pid)
    return tiers


def measure(cluster: Cluster, seconds: float, clients: int) -> None:
    """Load each route through one host and through the balancer; print CPU per request per tier."""
    sys.path.insert(0, str(ROOT / "bench"))
    from feeds import run_wrk

    def tier_seconds() -> dict[str, float]:
        # Each process's CPU plus its reaped children's (PostgreSQL backends come and go).
        ticks = os.sysconf("SC_CLK_TCK")
        totals: dict[str, float] = {}
        for tier, pids in tier_pids().items():
            total = 0
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += sum(int(value) for value in fields[11:15])
            totals[tier] = total / ticks
        return totals

    cluster.seed_people(1000)
    _, tokens, _ = api("POST", "/auth/login", {"login": "ada", "password": DEMO_PASSWORD})
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    post_id = psql(
        address("db"),
        5432,
        "devthread",
        "SELECT id FROM posts ORDER BY comments_count DESC, id LIMIT 1",
    )
    routes = {
        "API home feed (signed in)": ("/api/v1/feed/home", bearer),
        "API post (signed in)": (f"/api/v1/posts/{post_id}", bearer),
        "HTML latest (signed out)": ("/latest", {}),
        "HTML post page (signed out)": (f"/p/{post_id}", {}),
    }
    targets = {
        "app1 alone": f"http://{address('app1')}:8000",
        "balancer, 3 hosts": f"http://{address('lb')}",
    }
    print(f"\n  {clients} clients, {seconds:.0f} s each; CPU ms per request by tier")
    tiers_header = "app | PostgreSQL | replica | PgBouncer | Redis | HAProxy"
    print(f"  | target | route | req/s | p99 ms | {tiers_header} |")
    print("  |---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for target, base in targets.items():
        for route, (path, headers) in routes.items():
            run_wrk(base + path, headers, clients, 2)  # warm-up
            before = tier_seconds()
            result = run_wrk(base + path, headers, clients, seconds)
            after = tier_seconds()
            used = {tier: after[tier] - before[tier] for tier in after}
            count = max(1, result["requests"])
            cells = " | ".join(
                f"{used[t] * 1000 / count:.2f}"
                for t in ("app", "postgres", "replica", "pgbouncer", "redis", "haproxy")
            )
            print(
                f"  | {target} | {route} | {result['requests'] / result['seconds']:,.0f} | "
                f"{result['p99_ms']:.1f} | {cells} |",
                flush=True,
            )


def rss_mib(pids: list[int]) -> float:
    """Return the resident memory of these processes, in MiB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def measure_sockets(sockets: int) -> None:
    """Open sockets through the balancer, then fan one post out to all; print what it cost."""
    import asyncio

    import websockets

    _, ada, _ = api("POST", "/auth/login", {"login": "ada", "password": DEMO_PASSWORD})
    _, grace, _ = api("POST", "/auth/login", {"login": "grace", "password": DEMO_PASSWORD})
    url = f"ws://{address('lb')}/ws?format=json&access_token={ada['access_token']}"
    hosts = {
        host: [int(p) for p in run("ip", "netns", "pids", namespace(host)).stdout.split()]
        for host in APP_HOSTS
    }
    before = {host: rss_mib(pids) for host, pids in hosts.items()}

    async def main() -> None:
        gate = asyncio.Semaphore(100)
        opened: list = []
        where: Counter[str] = Counter()

        async def open_one() -> None:
            async with gate:
                socket = await websockets.connect(
                    url, origin=f"http://{address('lb')}", open_timeout=60, ping_interval=None
                )
                where[socket.response.headers.get("X-Served-By", "?")] += 1
                opened.append(socket)

        started = time.monotonic()
        await asyncio.gather(*(open_one() for _ in range(sockets)))
        took = time.monotonic() - started
        await asyncio.sleep(3)
        after = {host: rss_mib(pids) for host, pids in hosts.items()}
        print(
            f"\n  {sockets} sockets through the balancer in {took:.1f} s "
            f"({sockets / took:.0f} handshakes/s): {dict(sorted(where.items()))}"
        )
        for host in APP_HOSTS:
            per_thousand = (after[host] - before[host]) / max(1, where[host]) * 1000
            print(
                f"    {host}: {before[host]:.0f} -> {after[host]:.0f} MiB, "
                f"{per_thousand:.1f} MiB per 1,000 sockets"
            )

        arrivals: list[float] = []

        async def wait_post(socket, post_id_box) -> None:
            while True:
                event = json.loads(await socket.recv())
                if event.get("type") == "post.created" and event["data"]["id"] == post_id_box[0]:
                    arrivals.append(time.monotonic())
                    return

        box = [None]
        loop = asyncio.get_running_loop()
        sent = time.monotonic()
        _, post, host = await loop.run_in_executor(
            None,
            lambda: api("POST", "/posts", {"body": "Fan-out probe"}, token=grace["access_token"]),
        )
        box[0] = post["id"]
        await asyncio.wait([asyncio.create_task(wait_post(s, box)) for s in opened], timeout=30)
        delays = sorted((t - sent) * 1000 for t in arrivals)
        if delays:
            p50, p99 = delays[len(delays) // 2], delays[max(0, int(len(delays) * 0.99) - 1)]
            print(
                f"  one post fanned out to {len(delays)} of {sockets} sockets: p50 {p50:.0f} ms, "
                f"p99 {p99:.0f} ms, last {delays[-1]:.0f} ms (written through {host})"
            )
        await asyncio.gather(*(s.close() for s in opened), return_exceptions=True)

    asyncio.run(main())


def main(argv: list[str] | None = None) -> int:
    """Bring the cluster up, run the command, and always take it down."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("smoke", "drill", "measure", "up", "down"))
    parser.add_argument("--seconds", type=float, default=10, help="seconds per route in measure")
    parser.add_argument("--clients", type=int, default=32, help="connections in measure")
    parser.add_argument("--sockets", type=int, default=3000, help="sockets in measure")
    parser.add_argument("--people", type=int, default=150, help="sockets in the drill")
    parser.add_argument("--duration", type=float, default=72, help="seconds of load in the drill")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds before the run gives up and tears down (default 300)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("The cluster needs root: network namespaces (ip netns).", file=sys.stderr)
        return 2
    remove_network()  # what a crashed run left
    if args.command == "down":
        return 0

    def give_up(signum, frame):
        raise TimeoutError(f"the run took longer than {args.timeout:.0f} s")

    signal.signal(signal.SIGALRM, give_up)
    signal.signal(signal.SIGTERM, give_up)
    signal.alarm(int(args.timeout))
    work = Path(tempfile.mkdtemp(prefix="devthread-cluster-"))
    work.chmod(0o755)
    cluster = Cluster(work)
    status = 1
    try:
        cluster.up()
        if args.command == "up":
            signal.alarm(0)
            log("Ctrl-C takes it down")
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
            status = 0
        else:
            failures = smoke(cluster)
            if args.command == "drill" and not failures:
                failures = run_drill(cluster, args.people, args.duration)
            if args.command == "measure" and not failures:
                measure(cluster, args.seconds, args.clients)
                measure_sockets(args.sockets)
            status = 1 if failures else 0
            log("all checks passed" if not failures else f"{len(failures)} check(s) failed")
    except Exception as error:  # report it, then always tear down
        log(f"FAILED: {type(error).__name__}: {error}")
        traceback.print_exc()
    finally:
        signal.alarm(0)
        log("tearing down")
        cluster.down()
        if args.keep or status:
            log(f"logs kept in {work}/logs")
        else:
            shutil.rmtree(work, ignore_errors=True)
        log("down")
    return status


if __name__ == "__main__":
    sys.exit(main())
