"""A private PostgreSQL cluster stopped for 3 s under load: 503s, nothing lost, quick recovery.

The cluster is the test's own (``pg_createcluster`` on a free port), never the shared one on
5432, and is dropped at the end even when the test fails. It runs in the PostgreSQL + Redis
pass (``redis_only``), which has the PostgreSQL server tools; under CI a missing tool fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import psycopg
import pytest
import requests

from tests.live import ROOT, SECRET, Server, free_port, running

pytestmark = [pytest.mark.server, pytest.mark.redis_only]

VERSION = "15"
TOOLS = ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster")
OUTAGE = 3.0  # seconds the cluster stays stopped
THREADS = 4
PASSWORD = "outage test password"
FRIENDLY = "DevThread is briefly unavailable"


class Cluster:
    """A PostgreSQL cluster of this test's own, on a free port."""

    def __init__(self) -> None:
        self.name = f"devthread_outage_{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/devthread"

    def ctl(self, *args: str) -> None:
        """Run pg_ctlcluster on this cluster."""
        subprocess.run(["pg_ctlcluster", VERSION, self.name, *args], check=True, timeout=60)

    def create(self) -> None:
        """Create, start, and make the app's database (trusting local TCP, as a test may)."""
        command = ["pg_createcluster", VERSION, self.name, "--port", str(self.port)]
        subprocess.run(
            [*command, "--", "--auth=trust"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.ctl("start")
        admin = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE devthread")

    def drop(self) -> None:
        """Stop and remove the cluster, whatever state it is in."""
        subprocess.run(
            ["pg_dropcluster", "--stop", VERSION, self.name], capture_output=True, timeout=120
        )


@pytest.fixture
def cluster():
    """Create the private cluster, and always drop it."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"PostgreSQL server tools missing: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run this test)")
        pytest.skip(message)
    made = Cluster()
    try:
        made.create()
        yield made
    finally:
        made.drop()


@dataclass
class Answer:
    """One request of the load and what came back."""

    started: float
    kind: str  # "write", "read" or "page"
    status: int
    retry_after: str | None = None
    body: str = ""
    post_id: int | None = None
    text: str = ""


@dataclass
class Load:
    """A few threads writing posts and reading posts and a page until told to stop."""

    server: Server
    token: str
    post_id: int
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, worker: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        n = 0
        while not self.stop.is_set():
            n += 1
            kind = ("write", "read", "page")[n % 3]
            body = f"post {worker}-{n}"
            started = time.monotonic()
            try:
                if kind == "write":
                    url = self.server.url + "/api/v1/posts"
                    response = session.post(url, json={"body": body}, timeout=10)
                elif kind == "read":
                    url = f"{self.server.url}/api/v1/posts/{self.post_id}"
                    response = session.get(url, timeout=10)
                else:
                    response = requests.get(self.server.url + "/u/writer", timeout=10)
            except requests.RequestException as error:
                self.answers.append(Answer(started, kind, 0, body=str(error)))
                continue
            answer = Answer(
                started, kind, response.status_code, response.headers.get("Retry-After"), body
            )
            answer.text = response.text
            if kind == "write" and response.status_code == 201:
                answer.post_id = response.json()["id"]
            self.answers.append(answer)
            time.sleep(0.05)
        session.close()  # no idle keep-alive connection holds up the server's stop


def test_a_postgresql_outage_is_answered_with_503_and_loses_nothing(cluster, tmp_path):
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": cluster.url, "SECRET_KEY": SECRET}
    env.pop("REDIS_URL", None)
    upgraded = subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    log = tmp_path / "server.log"
    server = Server(cluster.url, log=log)
    server.env["GRACEFUL_TIMEOUT"] = "2"  # its stop need not wait out idle keep-alive sockets
    with running(server):
        signup = {"username": "writer", "email": "writer@example.com", "password": PASSWORD}
        registered = server.api("POST", "/auth/register", json=signup)
        assert registered.status_code == 201, registered.text
        token = registered.json()["access_token"]
        first = server.api("POST", "/posts", token, json={"body": "before the outage"})
        load = Load(server, token, first.json()["id"])
        threads = [threading.Thread(target=load.run, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.5)
            stopped = time.monotonic()
            cluster.ctl("stop", "-m", "fast")
            time.sleep(OUTAGE)
            cluster.ctl("start")
            back = time.monotonic()
            time.sleep(3.0)
        finally:
            load.stop.set()
            for thread in threads:
                thread.join(timeout=15)

        answers = load.answers
        statuses = {a.status for a in answers}
        odd = [(a.kind, a.status, a.text[:300]) for a in answers if a.status not in (200, 201, 503)]
        assert statuses <= {200, 201, 503}, odd
        during = [a for a in answers if a.status == 503]
        assert during, "the outage was not seen"
        assert all(stopped - 0.5 <= a.started <= back + 2.0 for a in during)
        for answer in during:
            assert answer.retry_after is not None and int(answer.retry_after) > 0
            if answer.kind == "page":
                assert FRIENDLY in answer.text and "<html" in answer.text
            else:
                assert '"service_unavailable"' in answer.text
        # Within a couple of seconds of the cluster's return everything answers normally.
        after = [a for a in answers if a.started > back + 2.0]
        assert after and all(a.status in (200, 201) for a in after)
        # Every accepted write is there.
        written = {a.post_id: a.body for a in answers if a.post_id is not None}
        assert len(written) > 10
        with requests.Session() as reader:
            for post_id, body in written.items():
                stored = reader.get(f"{server.url}/api/v1/posts/{post_id}", timeout=10)
                assert stored.status_code == 200 and stored.json()["body"] == body
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    lines = [line for line in text.splitlines() if "database unavailable" in line]
    assert 1 <= len(lines) <= len(during)
