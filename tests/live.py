"""Real servers for the live tests: gunicorn with gevent workers, and WebSocket clients."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-that-is-long-enough-for-hs256"


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn server (gevent worker) running the app as in production."""

    def __init__(
        self, database_url: str, redis_url: str = "", workers: int = 1, log: Path | None = None
    ) -> None:
        self.port = free_port()
        # Where its stderr goes: a file for a test that reads the log (a pipe nobody reads
        # would fill up and stall the server), else a pipe read when it fails to start.
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": "0",
            # Production settings require a verified address to write; these accounts sign up
            # and post at once (tests/test_account_recovery.py tests the rule itself).
            "REQUIRE_VERIFIED_EMAIL": "0",
            "WEB_CONCURRENCY": str(workers),
            "ACCESS_LOG": "",
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        """Start and wait until it answers (at most 20 s)."""
        stderr = self.log.open("ab") if self.log else subprocess.PIPE
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        if self.log:
            stderr.close()  # the server holds its own copy
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log.read_bytes() if self.log else self.process.stderr.read()
                raise RuntimeError("gunicorn exited: " + output.decode()[-2000:])
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 20 s")

    def stop(self) -> None:
        """Stop gracefully, then for sure."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def api(self, method: str, path: str, token: str | None = None, **kwargs):
        """Call the JSON API of this server."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(
            method, self.url + "/api/v1" + path, headers=headers, timeout=10, **kwargs
        )

    def login(self, username: str, password: str) -> str:
        """Return an access token."""
        response = self.api("POST", "/auth/login", json={"login": username, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


@contextmanager
def running(*servers: Server):
    """Start servers for a block of code and stop them after."""
    started = []
    try:
        for server in servers:
            started.append(server.start())
        yield servers
    finally:
        for server in started:
            server.stop()


class Client:
    """A WebSocket client reading JSON frames."""

    def __init__(self, ws_url: str, token: str | None, **options) -> None:
        # No token: the browser's way, with ``cookie="session=..."`` among the options.
        query = f"access_token={token}&format=json" if token else "format=json"
        self.ws = websocket.create_connection(f"{ws_url}?{query}", timeout=5, **options)

    def send(self, frame: dict | str) -> None:
        """Send a frame (a dict is sent as JSON)."""
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def next(self, type: str, timeout: float = 2.0, match=None) -> dict:
        """Return the next frame of a type (skipping others) within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {type!r} frame within {timeout} s")
            self.ws.settimeout(left)
            try:
                frame = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException as error:
                raise TimeoutError(f"no {type!r} frame within {timeout} s") from error
            if frame["type"] == type and (match is None or match(frame)):
                return frame

    def frames(self, seconds: float) -> list[dict]:
        """Collect every frame that arrives within ``seconds``."""
        out = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                out.append(json.loads(self.ws.recv()))
            except (websocket.WebSocketTimeoutException, TimeoutError):
                break
        return out

    def close_code(self, timeout: float = 3.0) -> int | None:
        """Wait for the server's close frame and return its code (None: still open)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except (websocket.WebSocketTimeoutException, TimeoutError):
                return None
            except websocket.WebSocketConnectionClosedException:
                return 1006
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big")
        return None

    def close(self) -> None:
        """Close the socket."""
        with suppress(Exception):
            self.ws.close()


class PrivateRedis:
    """A redis-server of the test's own on a free port, without persistence, to stop and start."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.command += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        """Start it and wait until it accepts connections (at most 5 s)."""
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start within 5 s")

    def stop(self) -> None:
        """Stop it (its data goes with it)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
